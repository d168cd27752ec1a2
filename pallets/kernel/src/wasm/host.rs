//! Host functions: the only way a module reaches outside its sandbox.
//!
//! Names, signatures and modes come from [`kernel_primitives::host_functions!`], which
//! [`linker`] is generated from; this file implements the functions. The linker checks a
//! function's mode before it runs; every function then first charges its cost to the frame's
//! fuel. Expected outcomes are returned as a [`ReturnCode`]; misuse traps the frame with a
//! [`Trap`].

use super::{limits::FrameLimits, Sandbox};
use crate::{
	capability::{self, Parent},
	engine,
	exec::{ExecContext, ExecError, FrameSpec, Trap, WasmTrap},
	meter,
	storage::ModuleStorage,
	types::{HolderOf, UsageDelta},
	Capabilities, Config, Engines, Event, ModuleNames, Pallet, TrustedEngines,
};
use alloc::{vec, vec::Vec};
use codec::{Decode, DecodeAll, Encode};
use kernel_primitives::{
	abi::{HostMode, ReturnCode, FUEL_LIMIT_ALL, RETURN_FLAG_PANIC, RETURN_FLAG_REVERT},
	envelope::{CallInput, Output},
	offchain::{EngineCall, EngineInfo, HttpFetch},
	Creator, Holder, ModuleId, Version,
};
use polkadot_sdk::{
	frame_support::{traits::Get, weights::Weight, BoundedVec},
	frame_system,
	sp_core::sr25519,
	sp_io,
};
use wasmi::{Engine, Linker, Memory};

type Caller<'a, T> = wasmi::Caller<'a, HostState<T>>;
type HostResult<R> = Result<R, wasmi::Error>;

/// How a module ended its frame through `return_value`.
pub(crate) enum Exit {
	/// Success with this output.
	Return(Output),
	/// Revert with this data.
	Revert(Vec<u8>),
	/// A panic with this message.
	Panic(Vec<u8>),
}

/// The wasmi host error the kernel raises to stop a frame.
#[derive(Debug)]
pub(crate) enum HostTrap {
	/// The module called `return_value`; the [`Exit`] is in the host state.
	Exit,
	/// A kernel-detected failure.
	Fail(ExecError),
}

impl core::fmt::Display for HostTrap {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			HostTrap::Exit => f.write_str("module returned"),
			HostTrap::Fail(error) => write!(f, "{error}"),
		}
	}
}

impl wasmi::errors::HostError for HostTrap {}

/// The data of one frame's wasmi store.
pub(crate) struct HostState<T: Config> {
	/// What the execution's frames share, to start nested frames with.
	sandbox: Sandbox<T>,
	/// The execution context; lent to nested frames while they run.
	ctx: Option<ExecContext<T>>,
	module: ModuleId,
	version: Version,
	caller: Option<HolderOf<T>>,
	input: Vec<u8>,
	parent: Option<Parent>,
	storage: ModuleStorage,
	/// Keys the module cleared in earlier executions of this block (see [`crate::types::ClearedKeys`]).
	cleared_earlier: u32,
	/// The module's exported memory, once instantiated.
	pub(crate) memory: Option<Memory>,
	/// Memory and table limits.
	pub(crate) limits: FrameLimits,
	exit: Option<Exit>,
}

impl<T: Config> HostState<T> {
	pub(crate) fn new(
		sandbox: Sandbox<T>,
		ctx: ExecContext<T>,
		spec: FrameSpec<T>,
		storage: ModuleStorage,
		limits: FrameLimits,
	) -> Self {
		// An off-chain execution starts from a block's committed state: no deletions pending.
		let cleared_earlier = if ctx.offchain {
			0
		} else {
			spec.info.cleared.in_block(&frame_system::Pallet::<T>::block_number())
		};
		Self {
			sandbox,
			cleared_earlier,
			ctx: Some(ctx),
			module: spec.module,
			version: spec.info.version,
			caller: spec.caller,
			input: spec.input,
			parent: spec.parent,
			storage,
			memory: None,
			limits,
			exit: None,
		}
	}

	/// The context back, and how the module exited.
	pub(crate) fn finish(self) -> (ExecContext<T>, Option<Exit>) {
		// The context is only ever absent while a nested frame runs, and every nested call
		// puts it back before returning.
		(self.ctx.unwrap_or_default(), self.exit)
	}

	pub(crate) fn ctx(&mut self) -> HostResult<&mut ExecContext<T>> {
		self.ctx.as_mut().ok_or_else(|| trap(Trap::Wasm(WasmTrap::Other)))
	}

	fn me(&self) -> HolderOf<T> {
		Holder::Module(self.module)
	}
}

fn fail(error: ExecError) -> wasmi::Error {
	wasmi::Error::host(HostTrap::Fail(error))
}

fn trap(trap: Trap) -> wasmi::Error {
	fail(ExecError::Trapped(trap))
}

/// Charges `weight` to the frame's fuel and the execution's proof size.
fn charge<T: Config>(caller: &mut Caller<'_, T>, weight: Weight) -> HostResult<()> {
	let ctx = caller.data_mut().ctx()?;
	let fuel = ctx.rate.fuel_cost(weight);
	ctx.proof_size_left = ctx
		.proof_size_left
		.checked_sub(weight.proof_size())
		.ok_or_else(|| fail(ExecError::OutOfProofSize))?;
	let left = caller.get_fuel()?.checked_sub(fuel).ok_or_else(|| fail(ExecError::OutOfFuel))?;
	caller.set_fuel(left)?;
	Ok(())
}

/// Gives back fuel and proof size charged in advance and not used.
fn refund<T: Config>(caller: &mut Caller<'_, T>, unused: Weight) -> HostResult<()> {
	let ctx = caller.data_mut().ctx()?;
	ctx.proof_size_left = ctx.proof_size_left.saturating_add(unused.proof_size());
	// Rounded down, so that a refund never exceeds what was charged (rounded up).
	let fuel = ctx.rate.fuel_for(unused);
	let left = caller.get_fuel()?.saturating_add(fuel);
	caller.set_fuel(left)?;
	Ok(())
}

/// Corrects a charge of `charged`, made before work whose size the kernel learns only by doing
/// it, to what the work really cost.
fn correct<T: Config>(
	caller: &mut Caller<'_, T>,
	charged: Weight,
	actual: Weight,
) -> HostResult<()> {
	charge(caller, actual.saturating_sub(charged))?;
	refund(caller, charged.saturating_sub(actual))
}

/// Traps if this is an off-chain frame: state is read-only there.
fn require_onchain<T: Config>(caller: &mut Caller<'_, T>) -> HostResult<()> {
	if caller.data_mut().ctx()?.offchain {
		return Err(trap(Trap::ReadOnly));
	}
	Ok(())
}

/// Traps if this frame's module was destroyed earlier in the execution (by itself or by a
/// frame it called): it can no longer change state.
fn require_alive<T: Config>(caller: &mut Caller<'_, T>) -> HostResult<()> {
	let module = caller.data().module;
	caller.data_mut().ctx()?.ensure_alive(module).map_err(fail)
}

/// Traps unless this is an off-chain frame on an engine.
fn require_offchain<T: Config>(caller: &mut Caller<'_, T>) -> HostResult<()> {
	if !caller.data_mut().ctx()?.offchain {
		return Err(trap(Trap::OffchainOnly));
	}
	Ok(())
}

/// The rule of a host function's mode, checked before it runs.
fn enforce_mode<T: Config>(caller: &mut Caller<'_, T>, mode: HostMode) -> HostResult<()> {
	match mode {
		HostMode::Both => Ok(()),
		HostMode::OnChain => require_onchain(caller),
		HostMode::OffChain => require_offchain(caller),
	}
}

fn memory<T: Config>(caller: &Caller<'_, T>) -> HostResult<Memory> {
	caller.data().memory.ok_or_else(|| trap(Trap::MemoryAccess))
}

/// Reads `len` bytes at `ptr`. Callers check `len` against the relevant limit first.
fn read<T: Config>(caller: &mut Caller<'_, T>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
	charge(caller, meter::bytes::<T>(len))?;
	let mut buffer = vec![0u8; len as usize];
	memory(caller)?
		.read(&*caller, ptr as usize, &mut buffer)
		.map_err(|_| trap(Trap::MemoryAccess))?;
	Ok(buffer)
}

fn read_array<T: Config, const N: usize>(
	caller: &mut Caller<'_, T>,
	ptr: u32,
) -> HostResult<[u8; N]> {
	let mut buffer = [0u8; N];
	memory(caller)?
		.read(&*caller, ptr as usize, &mut buffer)
		.map_err(|_| trap(Trap::MemoryAccess))?;
	Ok(buffer)
}

fn write<T: Config>(caller: &mut Caller<'_, T>, ptr: u32, data: &[u8]) -> HostResult<()> {
	memory(caller)?.write(&mut *caller, ptr as usize, data).map_err(|_| trap(Trap::MemoryAccess))
}

/// Writes `data` to the module's output buffer (see the ABI's "Passing bytes").
fn write_output<T: Config>(
	caller: &mut Caller<'_, T>,
	out_ptr: u32,
	out_len_ptr: u32,
	data: &[u8],
) -> HostResult<ReturnCode> {
	let capacity = u32::from_le_bytes(read_array::<T, 4>(caller, out_len_ptr)?);
	let len = u32::try_from(data.len()).map_err(|_| trap(Trap::OutputTooLarge))?;
	write(caller, out_len_ptr, &len.to_le_bytes())?;
	if len > capacity {
		return Ok(ReturnCode::OutputTooSmall);
	}
	charge(caller, meter::bytes::<T>(len))?;
	write(caller, out_ptr, data)?;
	Ok(ReturnCode::Success)
}

fn code(result: HostResult<ReturnCode>) -> HostResult<u32> {
	result.map(u32::from)
}

/// Runs `f` as a nested frame with at most `fuel_limit` of this frame's fuel.
fn nested<T: Config, R>(
	caller: &mut Caller<'_, T>,
	fuel_limit: u64,
	f: impl FnOnce(&mut ExecContext<T>, &Sandbox<T>) -> R,
) -> HostResult<R> {
	let sandbox = caller.data().sandbox.clone();
	let available = caller.get_fuel()?;
	let mut ctx = caller.data_mut().ctx.take().ok_or_else(|| trap(Trap::Wasm(WasmTrap::Other)))?;
	ctx.fuel = available;
	let result = ctx.with_fuel_limit(fuel_limit, |ctx| f(ctx, &sandbox));
	let left = ctx.fuel;
	caller.data_mut().ctx = Some(ctx);
	caller.set_fuel(left)?;
	Ok(result)
}

/// Reports a nested call's outcome to the calling module.
fn respond<T: Config>(
	caller: &mut Caller<'_, T>,
	result: Result<Output, ExecError>,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	match result {
		Ok(output) => code(write_output(caller, out_ptr, out_len_ptr, &output.encode())),
		Err(ExecError::Reverted(mut data)) => {
			// The buffer holds at least `MaxOutputLen` (`output_buffer_fits`, checked before the
			// call), which bounds revert data too; truncation is only a safeguard.
			let capacity = u32::from_le_bytes(read_array::<T, 4>(caller, out_len_ptr)?);
			data.truncate(capacity as usize);
			write_output(caller, out_ptr, out_len_ptr, &data)?;
			Ok(ReturnCode::CalleeReverted.into())
		},
		Err(error) => {
			write(caller, out_len_ptr, &0u32.to_le_bytes())?;
			Ok(error.return_code().into())
		},
	}
}

/// Whether the output buffer of a nested call can take any output the kernel allows. Checked
/// before the call, because the call's effects cannot be undone once its output is ready.
fn output_buffer_fits<T: Config>(caller: &mut Caller<'_, T>, out_len_ptr: u32) -> HostResult<bool> {
	let capacity = u32::from_le_bytes(read_array::<T, 4>(caller, out_len_ptr)?);
	if capacity < T::MaxOutputLen::get() {
		write(caller, out_len_ptr, &T::MaxOutputLen::get().to_le_bytes())?;
		return Ok(false);
	}
	Ok(true)
}

fn read_call<T: Config>(
	caller: &mut Caller<'_, T>,
	call_ptr: u32,
	call_len: u32,
) -> HostResult<Option<CallInput>> {
	if call_len > T::MaxParamsLen::get() {
		return Err(trap(Trap::InputTooLarge));
	}
	let bytes = read(caller, call_ptr, call_len)?;
	Ok(CallInput::decode_all(&mut &bytes[..]).ok())
}

// ---- input and output ----

fn input<T: Config>(mut caller: Caller<'_, T>, out_ptr: u32, out_len_ptr: u32) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	let input = caller.data().input.clone();
	code(write_output(&mut caller, out_ptr, out_len_ptr, &input))
}

fn return_value<T: Config>(
	mut caller: Caller<'_, T>,
	flags: u32,
	data_ptr: u32,
	data_len: u32,
) -> HostResult<()> {
	charge(&mut caller, meter::host_call::<T>())?;
	if data_len > T::MaxOutputLen::get() {
		return Err(trap(Trap::OutputTooLarge));
	}
	let data = read(&mut caller, data_ptr, data_len)?;
	let exit = if flags & RETURN_FLAG_PANIC != 0 {
		Exit::Panic(data)
	} else if flags & RETURN_FLAG_REVERT != 0 {
		Exit::Revert(data)
	} else {
		let output = Output::decode_all(&mut &data[..]).map_err(|_| trap(Trap::InvalidOutput))?;
		if output.caps.len() > T::MaxCapsPerCall::get() as usize {
			return Err(fail(ExecError::TooManyCapabilities));
		}
		if !output.caps.is_empty() {
			// Returning capabilities moves them: not in read-only off-chain frames.
			require_onchain(&mut caller)?;
		}
		Exit::Return(output)
	};
	caller.data_mut().exit = Some(exit);
	Err(wasmi::Error::host(HostTrap::Exit))
}

// ---- storage ----

fn storage_key<T: Config>(caller: &mut Caller<'_, T>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
	if len == 0 || len > T::MaxKeyLen::get() {
		return Err(trap(Trap::InvalidKey));
	}
	read(caller, ptr, len)
}

fn storage_get<T: Config>(
	mut caller: Caller<'_, T>,
	key_ptr: u32,
	key_len: u32,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	let key = storage_key(&mut caller, key_ptr, key_len)?;
	// The node reads the whole value before the kernel learns its length: charge the largest
	// first, so that a frame without the fuel for it cannot make the node do the work.
	let largest = meter::storage_read::<T>(key_len, T::MaxValueLen::get());
	charge(&mut caller, largest)?;
	let value = caller.data().storage.get(&key);
	let value_len = value.as_ref().map_or(0, |v| v.len() as u32);
	correct(&mut caller, largest, meter::storage_read::<T>(key_len, value_len))?;
	match value {
		Some(value) => code(write_output(&mut caller, out_ptr, out_len_ptr, &value)),
		None => Ok(ReturnCode::KeyNotFound.into()),
	}
}

fn storage_set<T: Config>(
	mut caller: Caller<'_, T>,
	key_ptr: u32,
	key_len: u32,
	value_ptr: u32,
	value_len: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	require_alive(&mut caller)?;
	if value_len > T::MaxValueLen::get() {
		return Err(trap(Trap::ValueTooLarge));
	}
	let key = storage_key(&mut caller, key_ptr, key_len)?;
	let value = read(&mut caller, value_ptr, value_len)?;
	charge(&mut caller, meter::storage_write::<T>(key_len, value_len))?;
	let old = old_len(&mut caller, &key)?;
	let delta = match old {
		None => UsageDelta {
			bytes: i64::from(key_len) + i64::from(value_len),
			items: 1,
			..Default::default()
		},
		Some(old) => {
			UsageDelta { bytes: i64::from(value_len) - i64::from(old), ..Default::default() }
		},
	};
	let state = caller.data_mut();
	state.storage.set(&key, &value);
	let module = state.module;
	state.ctx()?.record_usage(module, delta);
	Ok(ReturnCode::Success.into())
}

fn storage_clear<T: Config>(
	mut caller: Caller<'_, T>,
	key_ptr: u32,
	key_len: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	require_alive(&mut caller)?;
	let key = storage_key(&mut caller, key_ptr, key_len)?;
	charge(&mut caller, meter::storage_write::<T>(key_len, 0))?;
	let Some(old) = old_len(&mut caller, &key)? else {
		return Ok(ReturnCode::KeyNotFound.into());
	};
	let state = caller.data_mut();
	state.storage.clear(&key);
	let module = state.module;
	let delta = UsageDelta {
		bytes: -(i64::from(key_len) + i64::from(old)),
		items: -1,
		..Default::default()
	};
	let ctx = state.ctx()?;
	ctx.record_usage(module, delta);
	ctx.record_cleared(module, key);
	Ok(ReturnCode::Success.into())
}

/// The length of the value at `key` before a write, charging the proof size of reading it:
/// the node reads the old value to tell its length.
fn old_len<T: Config>(caller: &mut Caller<'_, T>, key: &[u8]) -> HostResult<Option<u32>> {
	let largest = Weight::from_parts(0, u64::from(T::MaxValueLen::get()));
	charge(caller, largest)?;
	let old = caller.data().storage.len(key);
	correct(caller, largest, Weight::from_parts(0, u64::from(old.unwrap_or(0))))?;
	Ok(old)
}

fn storage_next_key<T: Config>(
	mut caller: Caller<'_, T>,
	key_ptr: u32,
	key_len: u32,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	if key_len > T::MaxKeyLen::get() {
		return Err(trap(Trap::InvalidKey));
	}
	let key = read(&mut caller, key_ptr, key_len)?;
	// Every key this module cleared in the block may lie on the way, each costing the node one
	// more trie seek: charge them all before it looks.
	let state = caller.data_mut();
	let module = state.module;
	let earlier = state.cleared_earlier;
	let deletions = earlier.saturating_add(state.ctx()?.cleared_after(module, &key));
	charge(&mut caller, meter::storage_next_key::<T>(key_len, deletions))?;
	let next = caller.data().storage.next_key(&key);
	let next_len = next.as_ref().map_or(0, |k| k.len() as u32);
	charge(&mut caller, meter::read_result::<T>(next_len))?;
	match next {
		Some(next) => code(write_output(&mut caller, out_ptr, out_len_ptr, &next)),
		None => Ok(ReturnCode::KeyNotFound.into()),
	}
}

// ---- context ----

fn caller<T: Config>(mut caller: Caller<'_, T>, out_ptr: u32, out_len_ptr: u32) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	let encoded = caller.data().caller.encode();
	code(write_output(&mut caller, out_ptr, out_len_ptr, &encoded))
}

fn module_id<T: Config>(mut caller: Caller<'_, T>) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	Ok(caller.data().module)
}

fn module_version<T: Config>(mut caller: Caller<'_, T>) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	Ok(caller.data().version)
}

fn block_number<T: Config>(mut caller: Caller<'_, T>) -> HostResult<u64> {
	charge(&mut caller, meter::host_call::<T>())?;
	Ok(caller.data_mut().ctx()?.block_number)
}

fn fuel_left<T: Config>(mut caller: Caller<'_, T>) -> HostResult<u64> {
	charge(&mut caller, meter::host_call::<T>())?;
	caller.get_fuel()
}

fn deposit_event<T: Config>(
	mut caller: Caller<'_, T>,
	data_ptr: u32,
	data_len: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>().saturating_add(T::DbWeight::get().writes(1)))?;
	if data_len > T::MaxEventLen::get() {
		return Err(trap(Trap::EventTooLarge));
	}
	let data = read(&mut caller, data_ptr, data_len)?;
	let data = data.try_into().map_err(|_| trap(Trap::EventTooLarge))?;
	Pallet::<T>::deposit_event(Event::ModuleEvent { module: caller.data().module, data });
	Ok(ReturnCode::Success.into())
}

/// Longest debug message kept; longer ones are cut.
const MAX_LOG_LEN: u32 = 512;

fn debug_log<T: Config>(mut caller: Caller<'_, T>, msg_ptr: u32, msg_len: u32) -> HostResult<()> {
	charge(&mut caller, meter::host_call::<T>())?;
	let msg = read(&mut caller, msg_ptr, msg_len.min(MAX_LOG_LEN))?;
	log::debug!(
		target: "kernel::module",
		"module {}: {}",
		caller.data().module,
		core::str::from_utf8(&msg).unwrap_or("<not UTF-8>")
	);
	Ok(())
}

fn hash_blake2_256<T: Config>(
	mut caller: Caller<'_, T>,
	in_ptr: u32,
	in_len: u32,
	out_ptr: u32,
) -> HostResult<()> {
	charge(&mut caller, meter::host_call::<T>())?;
	if in_len > T::MaxParamsLen::get() {
		return Err(trap(Trap::InputTooLarge));
	}
	charge(&mut caller, meter::hash_blake2_256::<T>(in_len))?;
	let data = read(&mut caller, in_ptr, in_len)?;
	write(&mut caller, out_ptr, &sp_io::hashing::blake2_256(&data))
}

fn sr25519_verify<T: Config>(
	mut caller: Caller<'_, T>,
	sig_ptr: u32,
	pubkey_ptr: u32,
	msg_ptr: u32,
	msg_len: u32,
) -> HostResult<u32> {
	charge(
		&mut caller,
		meter::host_call::<T>().saturating_add(meter::sr25519_verify::<T>(msg_len)),
	)?;
	if msg_len > T::MaxParamsLen::get() {
		return Err(trap(Trap::InputTooLarge));
	}
	let signature = sr25519::Signature::from_raw(read_array::<T, 64>(&mut caller, sig_ptr)?);
	let public = sr25519::Public::from_raw(read_array::<T, 32>(&mut caller, pubkey_ptr)?);
	let msg = read(&mut caller, msg_ptr, msg_len)?;
	let valid = sp_io::crypto::sr25519_verify(&signature, &msg, &public);
	Ok(if valid { ReturnCode::Success } else { ReturnCode::InvalidSignature }.into())
}

fn module_lookup<T: Config>(
	mut caller: Caller<'_, T>,
	name_ptr: u32,
	name_len: u32,
	out_id_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>().saturating_add(meter::cap_table::<T>(1, 0)))?;
	if name_len > T::MaxNameLen::get() {
		return Ok(ReturnCode::ModuleNotFound.into());
	}
	let name = read(&mut caller, name_ptr, name_len)?;
	let Some(id) =
		crate::types::ModuleName::<T>::try_from(name).ok().and_then(ModuleNames::<T>::get)
	else {
		return Ok(ReturnCode::ModuleNotFound.into());
	};
	write(&mut caller, out_id_ptr, &id.to_le_bytes())?;
	Ok(ReturnCode::Success.into())
}

// ---- capabilities ----

fn cap_mint<T: Config>(
	mut caller: Caller<'_, T>,
	data_ptr: u32,
	data_len: u32,
	out_id_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>().saturating_add(meter::cap_table::<T>(1, 3)))?;
	require_alive(&mut caller)?;
	if data_len > T::MaxCapDataLen::get() {
		return Err(trap(Trap::CapDataTooLarge));
	}
	let data = read(&mut caller, data_ptr, data_len)?;
	let data = data.try_into().map_err(|_| trap(Trap::CapDataTooLarge))?;
	let state = caller.data_mut();
	let (holder, creator, version, parent) =
		(state.me(), Creator::Module(state.module), state.version, state.parent.clone());
	let id = state
		.ctx()?
		.mint_capability(holder, creator, data, version, parent.as_ref())
		.map_err(fail)?;
	write(&mut caller, out_id_ptr, &id.to_le_bytes())?;
	Ok(ReturnCode::Success.into())
}

fn cap_inspect<T: Config>(
	mut caller: Caller<'_, T>,
	cap: u64,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>().saturating_add(meter::cap_table::<T>(1, 0)))?;
	let Some(record) = Capabilities::<T>::get(cap) else {
		return Ok(ReturnCode::CapabilityNotFound.into());
	};
	let state = caller.data();
	if record.holder != state.me() && record.creator != Creator::Module(state.module) {
		return Ok(ReturnCode::NotHolder.into());
	}
	code(write_output(&mut caller, out_ptr, out_len_ptr, &record.encode()))
}

fn cap_invoke<T: Config>(
	mut caller: Caller<'_, T>,
	cap: u64,
	call_ptr: u32,
	call_len: u32,
	fuel_limit: u64,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	if !output_buffer_fits(&mut caller, out_len_ptr)? {
		return Ok(ReturnCode::OutputTooSmall.into());
	}
	let Some(call) = read_call(&mut caller, call_ptr, call_len)? else {
		return Ok(ReturnCode::DecodeFailed.into());
	};
	let me = caller.data().me();
	let result =
		nested(&mut caller, fuel_limit, |ctx, sandbox| ctx.invoke(sandbox, me, cap, call))?;
	respond(&mut caller, result, out_ptr, out_len_ptr)
}

fn call_module<T: Config>(
	mut caller: Caller<'_, T>,
	module: u32,
	call_ptr: u32,
	call_len: u32,
	fuel_limit: u64,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	if !output_buffer_fits(&mut caller, out_len_ptr)? {
		return Ok(ReturnCode::OutputTooSmall.into());
	}
	let Some(call) = read_call(&mut caller, call_ptr, call_len)? else {
		return Ok(ReturnCode::DecodeFailed.into());
	};
	if !call.caps.is_empty() {
		// Passing capabilities moves them: not in read-only off-chain frames.
		require_onchain(&mut caller)?;
	}
	let me = caller.data().me();
	let result =
		nested(&mut caller, fuel_limit, |ctx, sandbox| ctx.call(sandbox, me, module, call))?;
	respond(&mut caller, result, out_ptr, out_len_ptr)
}

fn cap_drop<T: Config>(mut caller: Caller<'_, T>, cap: u64, fuel_limit: u64) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	let me = caller.data().me();
	let result =
		nested(&mut caller, fuel_limit, |ctx, sandbox| ctx.drop_capability(sandbox, me, cap))?;
	Ok(result.map_or_else(|e| e.return_code(), |()| ReturnCode::Success).into())
}

/// Longest SCALE `Holder` a module may pass to `cap_transfer`.
const MAX_HOLDER_LEN: u32 = 64;

fn cap_transfer<T: Config>(
	mut caller: Caller<'_, T>,
	cap: u64,
	holder_ptr: u32,
	holder_len: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>().saturating_add(meter::cap_table::<T>(2, 3)))?;
	if holder_len > MAX_HOLDER_LEN {
		return Ok(ReturnCode::DecodeFailed.into());
	}
	let bytes = read(&mut caller, holder_ptr, holder_len)?;
	let Ok(to) = HolderOf::<T>::decode_all(&mut &bytes[..]) else {
		return Ok(ReturnCode::DecodeFailed.into());
	};
	let me = caller.data().me();
	let result = capability::transfer::<T>(cap, &me, &to);
	Ok(result.map_or_else(|e| e.return_code(), |()| ReturnCode::Success).into())
}

fn cap_revoke<T: Config>(
	mut caller: Caller<'_, T>,
	cap: u64,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	// Revoking cannot be repeated: the buffer must take any output before anything is removed.
	if !output_buffer_fits(&mut caller, out_len_ptr)? {
		return Ok(ReturnCode::OutputTooSmall.into());
	}
	require_alive(&mut caller)?;
	let module = caller.data().module;
	let capacity = T::MaxOutputLen::get();
	// No frame runs; `nested` lends the context this frame's fuel for the table work.
	let result = nested(&mut caller, FUEL_LIMIT_ALL, |ctx, _| ctx.revoke(module, cap, capacity))?;
	match result {
		Ok(revocation) => {
			code(write_output(&mut caller, out_ptr, out_len_ptr, &revocation.encode()))
		},
		Err(error @ (ExecError::CapabilityNotFound | ExecError::NotCreator)) => {
			write(&mut caller, out_len_ptr, &0u32.to_le_bytes())?;
			Ok(error.return_code().into())
		},
		// Out of fuel or proof size part-way: the frame traps and its transaction undoes the
		// capabilities already removed.
		Err(error) => Err(fail(error)),
	}
}

// ---- execution engines ----

fn trust_engines<T: Config>(
	mut caller: Caller<'_, T>,
	list_ptr: u32,
	list_len: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>().saturating_add(T::DbWeight::get().writes(1)))?;
	// Longest encoding of `MaxTrustedEngines` accounts (compact length prefix included); a
	// longer list has too many entries, reported like one that decodes to too many.
	let max = T::MaxTrustedEngines::get().saturating_mul(32).saturating_add(8);
	if list_len > max {
		return Ok(ReturnCode::NotAllowed.into());
	}
	let bytes = read(&mut caller, list_ptr, list_len)?;
	let Ok(engines) = Vec::<T::AccountId>::decode_all(&mut &bytes[..]) else {
		return Ok(ReturnCode::DecodeFailed.into());
	};
	let Ok(engines) = BoundedVec::<T::AccountId, T::MaxTrustedEngines>::try_from(engines) else {
		return Ok(ReturnCode::NotAllowed.into());
	};
	let module = caller.data().module;
	let count = engines.len() as u32;
	TrustedEngines::<T>::insert(module, engines);
	Pallet::<T>::deposit_event(Event::EnginesTrusted { module, count });
	Ok(ReturnCode::Success.into())
}

fn engine_info<T: Config>(
	mut caller: Caller<'_, T>,
	account_ptr: u32,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>().saturating_add(meter::cap_table::<T>(1, 0)))?;
	let raw = read_array::<T, 32>(&mut caller, account_ptr)?;
	let Ok(account) = T::AccountId::decode(&mut &raw[..]) else {
		return Ok(ReturnCode::DecodeFailed.into());
	};
	let info = Engines::<T>::get(account).map(|info| EngineInfo {
		endpoint: info.endpoint.into_inner(),
		public_key: info.public_key,
	});
	code(write_output(&mut caller, out_ptr, out_len_ptr, &info.encode()))
}

/// A secret's key: non-empty, at most `MaxKeyLen`.
fn secret_key<T: Config>(caller: &mut Caller<'_, T>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
	storage_key(caller, ptr, len)
}

/// The prologue of the engine services (secrets, outbound HTTP, signed transactions): charges
/// the host call, traps outside off-chain frames and returns whether the running module may use
/// this engine's secrets, network and signing key, i.e. trusts the engine. The module an
/// off-chain run entered was checked before the run; modules it calls are checked here, so
/// calling a module does not lend it an engine it did not choose.
fn enter_engine_service<T: Config>(caller: &mut Caller<'_, T>) -> HostResult<bool> {
	charge(caller, meter::host_call::<T>())?;
	Ok(engine::trusted_by::<T>(caller.data().module))
}

fn unavailable(error: engine::EngineError) -> u32 {
	log::debug!(target: crate::LOG_TARGET, "engine service failed: {error:?}");
	ReturnCode::Unavailable.into()
}

fn secret_get<T: Config>(
	mut caller: Caller<'_, T>,
	key_ptr: u32,
	key_len: u32,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	if !enter_engine_service(&mut caller)? {
		return Ok(ReturnCode::NotAllowed.into());
	}
	let key = secret_key(&mut caller, key_ptr, key_len)?;
	match engine::secret_get::<T>(caller.data().module, &key) {
		Ok(Some(value)) => code(write_output(&mut caller, out_ptr, out_len_ptr, &value)),
		Ok(None) => Ok(ReturnCode::KeyNotFound.into()),
		Err(error) => Ok(unavailable(error)),
	}
}

fn secret_set<T: Config>(
	mut caller: Caller<'_, T>,
	key_ptr: u32,
	key_len: u32,
	value_ptr: u32,
	value_len: u32,
) -> HostResult<u32> {
	if !enter_engine_service(&mut caller)? {
		return Ok(ReturnCode::NotAllowed.into());
	}
	if value_len > T::MaxValueLen::get() {
		return Err(trap(Trap::ValueTooLarge));
	}
	let key = secret_key(&mut caller, key_ptr, key_len)?;
	let value = read(&mut caller, value_ptr, value_len)?;
	Ok(engine::secret_set::<T>(caller.data().module, &key, &value)
		.map_or_else(unavailable, |()| ReturnCode::Success.into()))
}

fn secret_clear<T: Config>(
	mut caller: Caller<'_, T>,
	key_ptr: u32,
	key_len: u32,
) -> HostResult<u32> {
	if !enter_engine_service(&mut caller)? {
		return Ok(ReturnCode::NotAllowed.into());
	}
	let key = secret_key(&mut caller, key_ptr, key_len)?;
	Ok(match engine::secret_clear::<T>(caller.data().module, &key) {
		Ok(true) => ReturnCode::Success.into(),
		Ok(false) => ReturnCode::KeyNotFound.into(),
		Err(error) => unavailable(error),
	})
}

fn http_fetch<T: Config>(
	mut caller: Caller<'_, T>,
	req_ptr: u32,
	req_len: u32,
	out_ptr: u32,
	out_len_ptr: u32,
) -> HostResult<u32> {
	if !enter_engine_service(&mut caller)? {
		return Ok(ReturnCode::NotAllowed.into());
	}
	if req_len > T::MaxParamsLen::get() {
		return Err(trap(Trap::InputTooLarge));
	}
	let bytes = read(&mut caller, req_ptr, req_len)?;
	let Ok(request) = HttpFetch::decode_all(&mut &bytes[..]) else {
		return Ok(ReturnCode::DecodeFailed.into());
	};
	// Checked before sending: a request must not be sent twice because the first response did
	// not fit.
	if !output_buffer_fits(&mut caller, out_len_ptr)? {
		return Ok(ReturnCode::OutputTooSmall.into());
	}
	match engine::http_fetch(&request, T::MaxOutputLen::get() as usize) {
		Ok(response) => code(write_output(&mut caller, out_ptr, out_len_ptr, &response.encode())),
		Err(error) => Ok(unavailable(error)),
	}
}

fn random_seed<T: Config>(mut caller: Caller<'_, T>, out_ptr: u32) -> HostResult<()> {
	charge(&mut caller, meter::host_call::<T>())?;
	write(&mut caller, out_ptr, &sp_io::offchain::random_seed())
}

fn now_ms<T: Config>(mut caller: Caller<'_, T>) -> HostResult<u64> {
	charge(&mut caller, meter::host_call::<T>())?;
	Ok(sp_io::offchain::timestamp().unix_millis())
}

fn engine_account<T: Config>(mut caller: Caller<'_, T>, out_ptr: u32) -> HostResult<u32> {
	charge(&mut caller, meter::host_call::<T>())?;
	match engine::engine_account::<T>() {
		Ok(account) => {
			write(&mut caller, out_ptr, &account)?;
			Ok(ReturnCode::Success.into())
		},
		Err(error) => Ok(unavailable(error)),
	}
}

fn submit_transaction<T: Config>(
	mut caller: Caller<'_, T>,
	call_ptr: u32,
	call_len: u32,
) -> HostResult<u32> {
	if !enter_engine_service(&mut caller)? {
		return Ok(ReturnCode::NotAllowed.into());
	}
	if call_len > T::MaxParamsLen::get() {
		return Err(trap(Trap::InputTooLarge));
	}
	let bytes = read(&mut caller, call_ptr, call_len)?;
	let Ok(call) = EngineCall::decode_all(&mut &bytes[..]) else {
		return Ok(ReturnCode::DecodeFailed.into());
	};
	Ok(match engine::submit::<T>(caller.data().module, call) {
		Ok(()) => ReturnCode::Success.into(),
		Err(engine::EngineError::NotOwnCall) => ReturnCode::NotAllowed.into(),
		Err(error) => unavailable(error),
	})
}

/// The host function's result type in Rust: `u32`, `u64` or nothing.
macro_rules! host_result {
	() => {
		()
	};
	($ret:tt) => {
		$ret
	};
}

/// Expands the ABI's one list of host functions ([`kernel_primitives::host_functions!`]) into
/// the linker: each function under its name, behind the rule of its mode. A function whose
/// signature here differs from the list's does not compile.
macro_rules! define_linker {
	(
		module = $module:literal;
		$( $(#[$meta:meta])* $mode:ident fn $name:ident( $( $arg:ident : $ty:tt ),* ) $( -> $ret:tt )?; )*
	) => {
		/// A linker with every host function of the ABI.
		pub(crate) fn linker<T: Config>(engine: &Engine) -> HostResult<Linker<HostState<T>>> {
			let mut linker = Linker::new(engine);
			$(
				linker.func_wrap(
					$module,
					stringify!($name),
					|mut caller: Caller<'_, T>, $( $arg: $ty ),*| -> HostResult<host_result!($($ret)?)> {
						enforce_mode(&mut caller, kernel_primitives::__abi_host_mode!($mode))?;
						self::$name::<T>(caller, $( $arg ),*)
					},
				)?;
			)*
			Ok(linker)
		}
	};
}

kernel_primitives::host_functions!(define_linker);
