//! The sandbox: wasmi configuration, code validation and running one frame.

pub mod host;
mod limits;
#[cfg(any(feature = "runtime-benchmarks", test))]
pub mod synth;

use crate::{
	exec::{ExecContext, ExecError, FrameSpec, Trap, WasmTrap},
	storage::ModuleStorage,
	Config, Error,
};
use alloc::{collections::BTreeMap, rc::Rc};
use core::cell::RefCell;
use host::{Exit, HostState, HostTrap};
use kernel_primitives::{
	abi::{self, Entry, ValueType},
	envelope::Output,
	Exports,
};
use limits::FrameLimits;
use polkadot_sdk::{frame_support::traits::Get, sp_core::H256};
use wasmi::{
	CompilationMode, EnforcedLimits, Engine, ExternType, Linker, Module, TrapCode, ValType,
};

/// Deepest Wasm function recursion a module may use.
const MAX_RECURSION_DEPTH: usize = 1024;
/// Largest value stack (in 64-bit cells) a frame may use.
const MAX_STACK_HEIGHT: usize = 64 * 1024;
/// Bytes per Wasm page.
const PAGE_SIZE: usize = 64 * 1024;

/// The version of the rules [`validate`] applies (wasmi's and the kernel's). Code is validated
/// once, when it is deployed, staged or upgraded to, and its module records this version; frames
/// of code validated under it skip validation. Bump it whenever the rules change (a new wasmi,
/// a new limit, a new host function signature): each module's code is then validated again
/// before its next frame, once.
pub const VALIDATOR_VERSION: u16 = 1;

/// Why code was refused at deploy or upgrade.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CodeError {
	/// Longer than `MaxCodeLen`.
	TooLarge,
	/// Not valid Wasm (or over wasmi's structural limits).
	Invalid,
	/// Uses floating point instructions or types.
	FloatsNotAllowed,
	/// Imports something that is not a kernel host function with the right signature.
	ImportNotAllowed,
	/// Lacks `memory` or a required entry point.
	MissingExport,
	/// An entry point is not a `() -> ()` function.
	InvalidEntrySignature,
	/// Its memory starts larger than `MaxMemoryPages`.
	MemoryTooLarge,
	/// No code was uploaded under the given hash.
	NotFound,
}

impl<T: Config> From<CodeError> for Error<T> {
	fn from(error: CodeError) -> Self {
		match error {
			CodeError::TooLarge => Error::CodeTooLarge,
			CodeError::Invalid => Error::InvalidCode,
			CodeError::FloatsNotAllowed => Error::FloatsNotAllowed,
			CodeError::ImportNotAllowed => Error::ImportNotAllowed,
			CodeError::MissingExport => Error::MissingRequiredExport,
			CodeError::InvalidEntrySignature => Error::InvalidEntrySignature,
			CodeError::MemoryTooLarge => Error::MemoryTooLarge,
			CodeError::NotFound => Error::CodeNotFound,
		}
	}
}

/// What validation learnt about accepted code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ValidCode {
	/// The entry points it exports.
	pub exports: Exports,
	/// Whether it opted in to re-entry.
	pub reentrant: bool,
}

fn config(floats: bool) -> wasmi::Config {
	let mut config = wasmi::Config::default();
	config
		.consume_fuel(true)
		.floats(floats)
		.wasm_multi_memory(false)
		.allow_start_fn(false)
		.ignore_custom_sections(true)
		.compilation_mode(CompilationMode::LazyTranslation)
		.enforced_limits(EnforcedLimits::strict())
		.set_max_recursion_depth(MAX_RECURSION_DEPTH)
		.set_max_stack_height(MAX_STACK_HEIGHT);
	config
}

/// The engine code is validated with: fuel metering on, floats off, strict structural limits.
pub fn engine() -> Engine {
	Engine::new(&config(false))
}

/// The engine frames run on: the validation engine's rules, with the fuel wasmi charges for
/// translating a function taken from the `translate` benchmark.
fn execution_engine<T: Config>() -> Engine {
	let mut config = config(false);
	config.fuel_cost(wasmi::CustomFuelCosts {
		bytes_copied_per_fuel: 64,
		fuel_per_bytes_translated: crate::meter::translation_fuel_per_byte::<T>(),
		fuel_per_bytes_validated: 2,
	});
	Engine::new(&config)
}

/// Checks code before it is stored: size, Wasm validity, determinism (no floats), imports,
/// memory and exports.
pub fn validate<T: Config>(code: &[u8]) -> Result<ValidCode, CodeError> {
	if code.len() > T::MaxCodeLen::get() as usize {
		return Err(CodeError::TooLarge);
	}
	let module = Module::new(&engine(), code).map_err(|_| {
		// Tell "uses floats" apart from "not Wasm at all": the same code validated with floats
		// allowed passes only in the first case.
		if Module::new(&Engine::new(&config(true)), code).is_ok() {
			CodeError::FloatsNotAllowed
		} else {
			CodeError::Invalid
		}
	})?;
	check_imports(&module)?;
	check_exports::<T>(&module)
}

fn check_imports(module: &Module) -> Result<(), CodeError> {
	for import in module.imports() {
		let ExternType::Func(ty) = import.ty() else { return Err(CodeError::ImportNotAllowed) };
		let declared = (import.module() == abi::IMPORT_MODULE)
			.then(|| abi::host_function(import.name()))
			.flatten()
			.ok_or(CodeError::ImportNotAllowed)?;
		if !same_types(declared.params, ty.params()) || !same_types(declared.results, ty.results())
		{
			return Err(CodeError::ImportNotAllowed);
		}
	}
	Ok(())
}

fn same_types(declared: &[ValueType], actual: &[ValType]) -> bool {
	declared.len() == actual.len()
		&& declared.iter().zip(actual).all(|(d, a)| {
			matches!((d, a), (ValueType::I32, ValType::I32) | (ValueType::I64, ValType::I64))
		})
}

fn check_exports<T: Config>(module: &Module) -> Result<ValidCode, CodeError> {
	let mut exports = Exports::default();
	let mut reentrant = false;
	let mut has_memory = false;
	for export in module.exports() {
		match (export.name(), export.ty()) {
			(abi::MEMORY_EXPORT, ExternType::Memory(memory)) => {
				if memory.minimum() > u64::from(T::MaxMemoryPages::get()) {
					return Err(CodeError::MemoryTooLarge);
				}
				has_memory = true;
			},
			(abi::ALLOW_REENTRY_EXPORT, _) => reentrant = true,
			(name, ty) => {
				if let Some(entry) = Entry::from_export_name(name) {
					let ExternType::Func(func) = ty else {
						return Err(CodeError::InvalidEntrySignature);
					};
					if !func.params().is_empty() || !func.results().is_empty() {
						return Err(CodeError::InvalidEntrySignature);
					}
					exports.insert(entry);
				}
			},
		}
	}
	if !has_memory || Entry::REQUIRED.iter().any(|e| !exports.has(*e)) {
		return Err(CodeError::MissingExport);
	}
	Ok(ValidCode { exports, reentrant })
}

/// What the frames of one top-level execution share: one engine, one linker holding the host
/// functions, and the modules already parsed, by code hash, so that a module entered twice (a
/// callee called in a loop, a creator whose capabilities are invoked again) is read from storage
/// and parsed once. wasmi translates each function lazily, on its first call, into the engine;
/// a parsed module shares that too.
///
/// Cheap to clone: a frame's host state holds a clone to start nested frames with.
pub struct Sandbox<T: Config>(Rc<Shared<T>>);

struct Shared<T: Config> {
	engine: Engine,
	linker: Linker<HostState<T>>,
	modules: RefCell<BTreeMap<H256, Module>>,
}

impl<T: Config> Clone for Sandbox<T> {
	fn clone(&self) -> Self {
		Self(self.0.clone())
	}
}

impl<T: Config> Sandbox<T> {
	/// A sandbox with the execution engine and every host function.
	pub fn new() -> Result<Self, ExecError> {
		let engine = execution_engine::<T>();
		// Defining the host functions fails only if one is defined twice.
		let linker =
			host::linker::<T>(&engine).map_err(|_| ExecError::Trapped(Trap::Instantiation))?;
		Ok(Self(Rc::new(Shared { engine, linker, modules: RefCell::new(BTreeMap::new()) })))
	}

	/// The parsed module of code `hash`, if a frame of this execution parsed it.
	pub(crate) fn cached(&self, hash: &H256) -> Option<Module> {
		self.0.modules.borrow().get(hash).cloned()
	}

	/// Parses validated `code` of hash `hash` and keeps it for the execution's later frames.
	pub(crate) fn parse(&self, hash: H256, code: &[u8]) -> Result<Module, ExecError> {
		// SAFETY: `code` is a module's stored code, and `run_frame` runs a frame only for code
		// that `validate` accepted, on an engine with this configuration, under
		// `VALIDATOR_VERSION`.
		let module = unsafe { Module::new_unchecked(&self.0.engine, code) }
			.map_err(|_| ExecError::Trapped(Trap::Instantiation))?;
		self.0.modules.borrow_mut().insert(hash, module.clone());
		Ok(module)
	}
}

/// Runs one frame of a parsed module and returns the context with the outcome. The context's
/// `fuel` is the frame's budget on entry and what it left on return.
pub(crate) fn execute<T: Config>(
	sandbox: &Sandbox<T>,
	ctx: ExecContext<T>,
	spec: FrameSpec<T>,
	storage: ModuleStorage,
	module: &Module,
) -> (ExecContext<T>, Result<Output, ExecError>) {
	let entry = spec.entry;
	let fuel = ctx.fuel;
	let limits = FrameLimits::new(T::MaxMemoryPages::get());
	let state = HostState::new(sandbox.clone(), ctx, spec, storage, limits);
	let mut store = wasmi::Store::new(&sandbox.0.engine, state);
	store.limiter(|state| &mut state.limits);

	let result = instantiate_and_run::<T>(&mut store, &sandbox.0.linker, module, entry, fuel);

	let fuel_left = store.get_fuel().unwrap_or(0);
	let state = store.into_data();
	let (mut ctx, exit) = state.finish();
	ctx.fuel = fuel_left;
	(ctx, classify(result, exit))
}

fn instantiate_and_run<T: Config>(
	store: &mut wasmi::Store<HostState<T>>,
	linker: &Linker<HostState<T>>,
	module: &Module,
	entry: Entry,
	fuel: u64,
) -> Result<(), wasmi::Error> {
	store.set_fuel(fuel)?;
	let instance = linker.instantiate_and_start(&mut *store, module)?;
	charge_allocation::<T>(store)?;
	let memory = instance.get_memory(&*store, abi::MEMORY_EXPORT).ok_or_else(|| {
		wasmi::Error::host(HostTrap::Fail(ExecError::Trapped(Trap::Instantiation)))
	})?;
	store.data_mut().memory = Some(memory);
	let func = instance.get_typed_func::<(), ()>(&*store, entry.export_name())?;
	func.call(&mut *store, ())
}

/// Charges the memory and tables instantiation allocated, at the rate per page the
/// `memory_pages` benchmark measures (tables counted by their bytes).
fn charge_allocation<T: Config>(
	store: &mut wasmi::Store<HostState<T>>,
) -> Result<(), wasmi::Error> {
	let bytes = store.data_mut().limits.stop_counting();
	let pages = u32::try_from(bytes.div_ceil(PAGE_SIZE)).unwrap_or(u32::MAX);
	let fuel = store.data_mut().ctx()?.rate.fuel_cost(crate::meter::memory_pages::<T>(pages));
	let left = store
		.get_fuel()?
		.checked_sub(fuel)
		.ok_or_else(|| wasmi::Error::host(HostTrap::Fail(ExecError::OutOfFuel)))?;
	store.set_fuel(left)
}

/// Turns the wasmi result and what the module handed to `return_value` into the frame outcome.
fn classify(result: Result<(), wasmi::Error>, exit: Option<Exit>) -> Result<Output, ExecError> {
	let error = match result {
		Ok(()) => return Ok(Output::default()),
		Err(error) => error,
	};
	if let Some(trap) = error.downcast_ref::<HostTrap>() {
		return match (trap, exit) {
			(HostTrap::Exit, Some(Exit::Return(output))) => Ok(output),
			(HostTrap::Exit, Some(Exit::Revert(data))) => Err(ExecError::Reverted(data)),
			(HostTrap::Exit, Some(Exit::Panic(message))) => Err(ExecError::Panicked(message)),
			(HostTrap::Exit, None) => Err(ExecError::Trapped(Trap::Wasm(WasmTrap::Other))),
			(HostTrap::Fail(error), _) => Err(error.clone()),
		};
	}
	let kind = match error.as_trap_code() {
		Some(TrapCode::OutOfFuel) => return Err(ExecError::OutOfFuel),
		Some(TrapCode::UnreachableCodeReached) => WasmTrap::Unreachable,
		Some(TrapCode::MemoryOutOfBounds) => WasmTrap::MemoryOutOfBounds,
		Some(TrapCode::StackOverflow) => WasmTrap::StackOverflow,
		Some(TrapCode::IntegerDivisionByZero) => WasmTrap::DivisionByZero,
		Some(TrapCode::IntegerOverflow) => WasmTrap::IntegerOverflow,
		_ => WasmTrap::Other,
	};
	log::debug!(target: crate::LOG_TARGET, "module trapped: {error}");
	Err(ExecError::Trapped(Trap::Wasm(kind)))
}
