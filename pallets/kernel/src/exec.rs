//! Execution: the operations that run module code, and the context they share.
//!
//! Every operation (a public call, an invocation, a drop, a user request, `init`, `migrate`,
//! `on_block`) is one *frame*: it runs in its own storage transaction, so when it fails all of its
//! effects (state writes, capability moves, events, nested frames) are undone and the error is
//! returned to whoever started it: a module, which sees a [`ReturnCode`], or a transaction.
//!
//! A top-level execution owns one [`ExecContext`]: the fuel meter, the call stack and the state
//! usage that deposits are settled against. While a frame runs, its wasmi store owns the
//! context; a host function that starts a nested frame lends it on (see
//! [`crate::wasm::host`]).

use crate::{
	capability::{self, Parent},
	deposit::{self, Change, Payer, StorageDeposit},
	meter::{self, FuelRate},
	storage::ModuleStorage,
	types::{apply_delta, CapData, CapabilityOf, HolderOf, ModuleInfoOf, UsageDelta},
	wasm::{self, CodeError, Sandbox},
	BalanceOf, Config, Error, Event, Modules, Pallet,
};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	vec::Vec,
};
use codec::{DecodeAll, Encode};
use core::{marker::PhantomData, ops::Bound};
use kernel_primitives::{
	abi::{Entry, ReturnCode},
	envelope::{
		BlockInput, CallInput, DropInput, InitInput, InvokeInput, MigrateInput, Output,
		RequestInput,
	},
	system::SystemCap,
	CapId, Creator, Holder, ModuleId, Version,
};
use polkadot_sdk::{
	frame_support::{
		storage::{with_transaction, TransactionOutcome},
		traits::Get,
		weights::Weight,
	},
	frame_system,
	sp_runtime::{traits::Zero, DispatchError},
};

/// Why an execution failed. Nested callers see it as a [`ReturnCode`]; transactions as an
/// [`Error`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ExecError {
	/// No module with this id.
	ModuleNotFound,
	/// The module does not export the entry point needed.
	EntryNotExported,
	/// No capability with this id.
	CapabilityNotFound,
	/// The capability is held by someone else.
	NotHolder,
	/// The capability's creator was destroyed.
	CreatorDestroyed,
	/// Only a capability's creator may revoke it.
	NotCreator,
	/// The same capability was passed twice.
	DuplicateCapability,
	/// Too many capabilities in one call.
	TooManyCapabilities,
	/// The callee is on the stack and does not allow re-entry.
	ReentryDenied,
	/// The call stack is full.
	CallDepthExceeded,
	/// The module reverted with this data.
	Reverted(Vec<u8>),
	/// The module panicked with this message (SDK modules report their panics so).
	Panicked(Vec<u8>),
	/// The module trapped.
	Trapped(Trap),
	/// Fuel (ref time) ran out.
	OutOfFuel,
	/// The proof-size budget ran out.
	OutOfProofSize,
	/// A system capability was invoked with an unknown function or bad parameters.
	InvalidSystemCall,
	/// New code given to `upgrade` was rejected; the inner error says why.
	CodeRejected(CodeError),
	/// Whoever pays the deposit for the state the execution added cannot cover it.
	InsufficientDeposit,
	/// The state the execution added needs a deposit above the transaction's
	/// `storage_deposit_limit`.
	StorageDepositLimitExhausted,
	/// A storage transaction could not be opened (nesting limit).
	TransactionLimit,
	/// A module with this name exists.
	NameTaken,
	/// The name is not a valid module name.
	InvalidName,
	/// The registry of per-block modules is full.
	TooManyModules,
	/// A user request was rejected by its module.
	RequestRejected,
	/// A `CapRef::Request` names a request the transaction does not have.
	InvalidRequestIndex,
	/// Every module or capability id has been used.
	IdsExhausted,
}

/// Why a module trapped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Trap {
	/// A trap of the Wasm code itself.
	Wasm(WasmTrap),
	/// A host function was given a pointer or length outside the module's memory.
	MemoryAccess,
	/// A storage key was empty or over `MaxKeyLen`.
	InvalidKey,
	/// A storage value was over `MaxValueLen`.
	ValueTooLarge,
	/// Capability data was over `MaxCapDataLen`.
	CapDataTooLarge,
	/// Output was over `MaxOutputLen`.
	OutputTooLarge,
	/// Event data was over `MaxEventLen`.
	EventTooLarge,
	/// Call input was over `MaxParamsLen`.
	InputTooLarge,
	/// The module's output could not be decoded.
	InvalidOutput,
	/// The module returned capabilities from an entry point that has no caller to receive them.
	NoReceiver,
	/// The code could not be instantiated.
	Instantiation,
	/// An off-chain host function was called on chain.
	OffchainOnly,
	/// Off-chain code tried to change state (it is read-only there).
	ReadOnly,
	/// A module destroyed earlier in the execution tried to change state.
	Destroyed,
}

/// Which trap the Wasm code raised, as far as a user can act on the difference.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WasmTrap {
	/// An `unreachable` instruction.
	Unreachable,
	/// A load or store outside the module's linear memory.
	MemoryOutOfBounds,
	/// The Wasm call stack overflowed (deep recursion).
	StackOverflow,
	/// An integer division or remainder by zero.
	DivisionByZero,
	/// An integer division that overflows (`i32::MIN / -1`).
	IntegerOverflow,
	/// Anything else: a table access out of bounds, an indirect call to a null or mistyped
	/// function, a memory or table that may not grow.
	Other,
}

/// A frame that failed during an execution: which module, and why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FailedFrame {
	/// The module whose frame failed.
	pub module: ModuleId,
	/// Why, with revert data or a panic message cut to [`FAILED_FRAME_DATA_LEN`] bytes.
	pub error: ExecError,
}

/// How many failed frames an execution remembers: the last ones, which explain its outcome.
pub const MAX_FAILED_FRAMES: usize = 8;
/// How much of a failed frame's revert data or panic message is remembered.
pub const FAILED_FRAME_DATA_LEN: usize = 256;

impl FailedFrame {
	fn new(module: ModuleId, error: &ExecError) -> Self {
		let cut = |data: &[u8]| data[..data.len().min(FAILED_FRAME_DATA_LEN)].to_vec();
		let error = match error {
			ExecError::Reverted(data) => ExecError::Reverted(cut(data)),
			ExecError::Panicked(message) => ExecError::Panicked(cut(message)),
			other => other.clone(),
		};
		Self { module, error }
	}
}

impl core::fmt::Display for ExecError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "{self:?}")
	}
}

impl ExecError {
	/// The code a calling module sees for this error.
	pub fn return_code(&self) -> ReturnCode {
		match self {
			ExecError::ModuleNotFound => ReturnCode::ModuleNotFound,
			ExecError::EntryNotExported => ReturnCode::EntryNotExported,
			ExecError::CapabilityNotFound => ReturnCode::CapabilityNotFound,
			ExecError::NotHolder | ExecError::DuplicateCapability => ReturnCode::NotHolder,
			ExecError::CreatorDestroyed => ReturnCode::CreatorDestroyed,
			ExecError::NotCreator => ReturnCode::NotCreator,
			ExecError::TooManyCapabilities => ReturnCode::TooManyCapabilities,
			ExecError::ReentryDenied => ReturnCode::ReentryDenied,
			ExecError::CallDepthExceeded | ExecError::TransactionLimit => {
				ReturnCode::CallDepthExceeded
			},
			ExecError::Reverted(_) => ReturnCode::CalleeReverted,
			ExecError::Trapped(_)
			| ExecError::Panicked(_)
			| ExecError::InsufficientDeposit
			| ExecError::StorageDepositLimitExhausted => ReturnCode::CalleeTrapped,
			ExecError::OutOfFuel | ExecError::OutOfProofSize => ReturnCode::CalleeOutOfFuel,
			ExecError::InvalidSystemCall
			| ExecError::CodeRejected(_)
			| ExecError::NameTaken
			| ExecError::InvalidName
			| ExecError::TooManyModules
			| ExecError::RequestRejected
			| ExecError::InvalidRequestIndex
			| ExecError::IdsExhausted => ReturnCode::NotAllowed,
		}
	}
}

/// What a top-level execution used, and which of its frames failed.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Usage<Balance: Zero> {
	/// Fuel burnt (Wasm instructions and host function charges).
	pub fuel: u64,
	/// Weight of that fuel plus the proof size charged.
	pub weight: Weight,
	/// The last [`MAX_FAILED_FRAMES`] frames that failed, in the order they failed (a callee
	/// before its caller), whether or not their callers went on.
	pub failed_frames: Vec<FailedFrame>,
	/// What the execution charged or refunded in deposits (nothing if it failed).
	pub storage_deposit: StorageDeposit<Balance>,
}

/// State shared by all frames of one top-level execution.
pub struct ExecContext<T: Config> {
	/// Fuel available to the frame about to run (or to kernel code running between frames).
	pub(crate) fuel: u64,
	/// Proof size still available.
	pub(crate) proof_size_left: u64,
	/// Modules on the call stack, outermost first.
	stack: Vec<ModuleId>,
	/// State growth per module, settled against deposits at the end.
	usage: BTreeMap<ModuleId, UsageDelta>,
	/// Who pays for that growth; `None`: each module's deployer (executions nobody signed).
	payer: Option<Payer<T>>,
	/// What settling charged or refunded.
	storage_deposit: StorageDeposit<BalanceOf<T>>,
	/// Modules destroyed in this execution: frames of theirs still on the stack can no longer
	/// change state, which would otherwise land, unpaid, in a trie queued for deletion.
	destroyed: BTreeSet<ModuleId>,
	/// Keys each module cleared in this execution, so that `storage_next_key` is charged for
	/// the deletions it really steps over. Not rolled back with a failing frame: a key whose
	/// clearing was undone is still counted, which only overcharges.
	cleared_keys: BTreeMap<ModuleId, BTreeSet<Vec<u8>>>,
	/// Whether the next frame's fixed cost is already paid: a transaction's first frame is part
	/// of its dispatchable's benchmark. Every other frame pays [`meter::frame`].
	first_frame_prepaid: bool,
	/// Converts between fuel and weight.
	pub(crate) rate: FuelRate,
	/// The block being built.
	pub(crate) block_number: u64,
	/// Whether this is an off-chain execution on an engine: state is read-only and the
	/// off-chain host functions are available.
	pub(crate) offchain: bool,
	/// The last frames that failed, for the dry run and the `ExecutionFailed` event.
	failed_frames: Vec<FailedFrame>,
	_config: PhantomData<T>,
}

impl<T: Config> Default for ExecContext<T> {
	fn default() -> Self {
		Self {
			fuel: 0,
			proof_size_left: 0,
			stack: Vec::new(),
			usage: BTreeMap::new(),
			payer: None,
			storage_deposit: Default::default(),
			destroyed: BTreeSet::new(),
			cleared_keys: BTreeMap::new(),
			first_frame_prepaid: false,
			rate: FuelRate::default(),
			block_number: 0,
			offchain: false,
			failed_frames: Vec::new(),
			_config: PhantomData,
		}
	}
}

/// One frame to run: which export of which module, for whom, with what input.
pub(crate) struct FrameSpec<T: Config> {
	pub module: ModuleId,
	pub info: ModuleInfoOf<T>,
	pub entry: Entry,
	pub caller: Option<HolderOf<T>>,
	pub input: Vec<u8>,
	/// The capability whose invocation or drop this frame handles: the parent of what it mints.
	pub parent: Option<Parent>,
}

impl<T: Config> ExecContext<T> {
	/// A context with a budget of `limit`.
	pub fn new(limit: Weight) -> Self {
		let rate = FuelRate::of::<T>();
		let block_number: u64 =
			frame_system::Pallet::<T>::block_number().try_into().unwrap_or(u64::MAX);
		Self {
			fuel: rate.fuel_for(limit),
			proof_size_left: limit.proof_size(),
			first_frame_prepaid: true,
			rate,
			block_number,
			..Default::default()
		}
	}

	/// Charges `weight` against the budget.
	pub fn charge(&mut self, weight: Weight) -> Result<(), ExecError> {
		self.fuel =
			self.fuel.checked_sub(self.rate.fuel_for(weight)).ok_or(ExecError::OutOfFuel)?;
		self.proof_size_left = self
			.proof_size_left
			.checked_sub(weight.proof_size())
			.ok_or(ExecError::OutOfProofSize)?;
		Ok(())
	}

	/// Charges the capability-table work of moving `count` capabilities.
	fn charge_moves(&mut self, count: usize) -> Result<(), ExecError> {
		self.charge(meter::cap_table::<T>(1, 3).saturating_mul(count as u64))
	}

	/// Charges reading a module's registry entry.
	fn charge_module_lookup(&mut self) -> Result<(), ExecError> {
		self.charge(meter::cap_table::<T>(1, 0))
	}

	/// Makes the first frame pay its fixed cost too, for executions no benchmark covers.
	pub(crate) fn pay_first_frame(&mut self) {
		self.first_frame_prepaid = false;
	}

	/// Makes `who` pay (and be refunded) the deposits of this execution, at most `limit` net.
	pub(crate) fn charge_deposits_to(&mut self, who: T::AccountId, limit: Option<BalanceOf<T>>) {
		self.payer = Some(Payer { who, limit });
	}

	/// Records that `module` was destroyed in this execution.
	pub(crate) fn note_destroyed(&mut self, module: ModuleId) {
		self.destroyed.insert(module);
	}

	/// Traps if `module` was destroyed earlier in this execution.
	pub(crate) fn ensure_alive(&self, module: ModuleId) -> Result<(), ExecError> {
		if self.destroyed.contains(&module) {
			return Err(ExecError::Trapped(Trap::Destroyed));
		}
		Ok(())
	}

	/// Records state growth of `module`.
	pub(crate) fn record_usage(&mut self, module: ModuleId, delta: UsageDelta) {
		let entry = self.usage.entry(module).or_default();
		entry.bytes = entry.bytes.saturating_add(delta.bytes);
		entry.items = entry.items.saturating_add(delta.items);
		entry.cleared = entry.cleared.saturating_add(delta.cleared);
		entry.capabilities = entry.capabilities.saturating_add(delta.capabilities);
		entry.recount |= delta.recount;
	}

	/// Mints a capability (see [`capability::mint`]) and counts its deposit against the module
	/// it belongs to. A derived one also pays for writing its lineage.
	pub(crate) fn mint_capability(
		&mut self,
		holder: HolderOf<T>,
		creator: Creator,
		data: CapData<T>,
		creator_version: Version,
		parent: Option<&Parent>,
	) -> Result<CapId, ExecError> {
		if let Some(parent) = parent {
			self.charge(meter::lineage_write::<T>(parent.child_lineage().len()))?;
		}
		let owner = capability::deposit_module(creator, &data);
		let id = capability::mint::<T>(holder, creator, data, creator_version, parent)?;
		if let Some(module) = owner {
			self.record_usage(module, UsageDelta { capabilities: 1, ..Default::default() });
		}
		Ok(id)
	}

	/// Mints a `system::*` capability.
	pub(crate) fn mint_system(
		&mut self,
		holder: HolderOf<T>,
		cap: SystemCap,
		parent: Option<&Parent>,
	) -> Result<CapId, ExecError> {
		// `integrity_test` guarantees that `MaxCapDataLen` fits a system capability.
		let data: CapData<T> =
			cap.encode().try_into().map_err(|_| ExecError::Trapped(Trap::CapDataTooLarge))?;
		self.mint_capability(holder, Creator::System, data, 0, parent)
	}

	/// Takes a capability out of the table (see [`capability::take`]), pays for removing its
	/// lineage and releases its deposit.
	pub(crate) fn take_capability(
		&mut self,
		id: CapId,
		holder: &HolderOf<T>,
	) -> Result<(CapabilityOf<T>, Parent), ExecError> {
		let (record, parent) = capability::take::<T>(id, holder)?;
		self.charge(meter::lineage_removal::<T>(parent.lineage.len()))?;
		if let Some(module) = capability::deposit_module(record.creator, &record.data) {
			self.record_usage(module, UsageDelta { capabilities: -1, ..Default::default() });
		}
		Ok((record, parent))
	}

	/// Records that `module` cleared the state key `key`.
	pub(crate) fn record_cleared(&mut self, module: ModuleId, key: Vec<u8>) {
		self.record_usage(module, UsageDelta { cleared: 1, ..Default::default() });
		self.cleared_keys.entry(module).or_default().insert(key);
	}

	/// How many keys `module` cleared in this execution that sort after `key`: the deletions
	/// of this execution a `next_key(key)` can step over.
	pub(crate) fn cleared_after(&self, module: ModuleId, key: &[u8]) -> u32 {
		let Some(keys) = self.cleared_keys.get(&module) else { return 0 };
		let after = keys.range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded)).count();
		u32::try_from(after).unwrap_or(u32::MAX)
	}

	/// Runs `f` with at most `limit` fuel (`0`: all remaining) and gives back what it left.
	pub fn with_fuel_limit<R>(&mut self, limit: u64, f: impl FnOnce(&mut Self) -> R) -> R {
		let available = self.fuel;
		let budget = if limit == 0 { available } else { limit.min(available) };
		self.fuel = budget;
		let result = f(self);
		self.fuel = available.saturating_sub(budget).saturating_add(self.fuel);
		result
	}

	/// Runs `f` in a storage transaction: committed if it succeeds, rolled back (with the state
	/// usage it recorded) if it fails.
	pub fn transactional<R>(
		&mut self,
		f: impl FnOnce(&mut Self) -> Result<R, ExecError>,
	) -> Result<R, ExecError> {
		let usage_before = self.usage.clone();
		let destroyed_before = self.destroyed.clone();
		let outcome: Result<Result<R, ExecError>, DispatchError> = with_transaction(|| {
			let result = f(self);
			if result.is_ok() {
				TransactionOutcome::Commit(Ok(result))
			} else {
				TransactionOutcome::Rollback(Ok(result))
			}
		});
		// `with_transaction` refuses to nest deeper than the storage layer allows.
		let result = outcome.unwrap_or(Err(ExecError::TransactionLimit));
		if result.is_err() {
			self.usage = usage_before;
			self.destroyed = destroyed_before;
		}
		result
	}

	/// A public call of `module`'s function by `caller`, passing `input.caps`.
	pub fn call(
		&mut self,
		sandbox: &Sandbox<T>,
		caller: HolderOf<T>,
		module: ModuleId,
		input: CallInput,
	) -> Result<Output, ExecError> {
		self.transactional(|ctx| {
			ctx.charge_module_lookup()?;
			ctx.charge_moves(input.caps.len())?;
			let info = exported::<T>(module, Entry::Call, ExecError::ModuleNotFound)?;
			capability::transfer_all::<T>(&input.caps, &caller, &Holder::Module(module))?;
			let spec = FrameSpec {
				module,
				info,
				entry: Entry::Call,
				caller: Some(caller),
				input: input.encode(),
				parent: None,
			};
			ctx.run_frame(sandbox, spec)
		})
	}

	/// `invoker` invokes (and so consumes) capability `cap` with `call`.
	pub fn invoke(
		&mut self,
		sandbox: &Sandbox<T>,
		invoker: HolderOf<T>,
		cap: CapId,
		call: CallInput,
	) -> Result<Output, ExecError> {
		self.transactional(|ctx| {
			ctx.charge(meter::cap_table::<T>(2, 3))?;
			ctx.charge_moves(call.caps.len())?;
			let (record, parent) = ctx.take_capability(cap, &invoker)?;
			Pallet::<T>::deposit_event(Event::CapabilityInvoked { id: cap, by: invoker.clone() });
			let module = match record.creator {
				Creator::System => {
					let data = SystemCap::decode_all(&mut &record.data[..])
						.map_err(|_| ExecError::InvalidSystemCall)?;
					return crate::lifecycle::invoke_system::<T>(
						ctx, sandbox, &invoker, &parent, data, call,
					);
				},
				Creator::Module(module) => module,
			};
			let info = exported::<T>(module, Entry::Invoke, ExecError::CreatorDestroyed)?;
			capability::transfer_all::<T>(&call.caps, &invoker, &Holder::Module(module))?;
			let input = InvokeInput {
				cap,
				invoker: invoker.clone(),
				data: record.data.into_inner(),
				creator_version: record.creator_version,
				call,
			};
			let spec = FrameSpec {
				module,
				info,
				entry: Entry::Invoke,
				caller: Some(invoker),
				input: input.encode(),
				parent: Some(parent),
			};
			ctx.run_frame(sandbox, spec)
		})
	}

	/// `holder` drops capability `cap`; its creator's `on_drop` runs if the creator exists and
	/// exports it. If `on_drop` fails the capability is not dropped.
	///
	/// A holder that is a destroyed module (its capabilities are dropped while its storage is
	/// deleted) receives nothing: its `on_drop` runs without a receiver, so that a creator cannot
	/// hand the dead holder a fresh capability for every one dropped and keep the deletion from
	/// ever finishing (returning capabilities then traps with `NoReceiver`).
	pub fn drop_capability(
		&mut self,
		sandbox: &Sandbox<T>,
		holder: HolderOf<T>,
		cap: CapId,
	) -> Result<(), ExecError> {
		self.transactional(|ctx| {
			ctx.charge(meter::cap_table::<T>(3, 3))?;
			let receiver = match &holder {
				Holder::Module(module) if !Modules::<T>::contains_key(module) => None,
				_ => Some(holder.clone()),
			};
			let (record, parent) = ctx.take_capability(cap, &holder)?;
			Pallet::<T>::deposit_event(Event::CapabilityDropped { id: cap, by: holder.clone() });
			let Creator::Module(module) = record.creator else { return Ok(()) };
			// A dangling capability (destroyed creator) or a creator that does not care is
			// simply removed.
			let Some(info) = Modules::<T>::get(module) else { return Ok(()) };
			if !info.exports.has(Entry::OnDrop) {
				return Ok(());
			}
			let input = DropInput {
				cap,
				holder: holder.clone(),
				data: record.data.into_inner(),
				creator_version: record.creator_version,
			};
			let spec = FrameSpec {
				module,
				info,
				entry: Entry::OnDrop,
				caller: receiver,
				input: input.encode(),
				parent: Some(parent),
			};
			ctx.run_frame(sandbox, spec).map(|_| ())
		})
	}

	/// Asks `module` to grant `signer` a capability with `data`; returns the new capability.
	pub fn request(
		&mut self,
		sandbox: &Sandbox<T>,
		signer: T::AccountId,
		module: ModuleId,
		data: CapData<T>,
	) -> Result<CapId, ExecError> {
		self.transactional(|ctx| {
			ctx.charge_module_lookup()?;
			ctx.charge_moves(1)?;
			let info = exported::<T>(module, Entry::ValidateRequest, ExecError::ModuleNotFound)?;
			let version = info.version;
			let input = RequestInput { signer: signer.clone(), data: data.into_inner() };
			let holder = Holder::Account(signer);
			let spec = FrameSpec {
				module,
				info,
				entry: Entry::ValidateRequest,
				caller: Some(holder.clone()),
				input: input.encode(),
				parent: None,
			};
			let output = ctx.run_frame(sandbox, spec)?;
			let data: CapData<T> =
				output.data.try_into().map_err(|_| ExecError::Trapped(Trap::CapDataTooLarge))?;
			ctx.mint_capability(holder, Creator::Module(module), data, version, None)
		})
	}

	/// Runs a freshly stored module's `init` with its system capabilities and `caps`.
	pub fn init(
		&mut self,
		sandbox: &Sandbox<T>,
		module: ModuleId,
		deployer: T::AccountId,
		params: Vec<u8>,
		caps: Vec<CapId>,
	) -> Result<Output, ExecError> {
		self.transactional(|ctx| {
			ctx.charge_moves(caps.len().saturating_add(2))?;
			let info = Modules::<T>::get(module).ok_or(ExecError::ModuleNotFound)?;
			let this = Holder::Module(module);
			let deployer_holder = Holder::Account(deployer.clone());
			capability::transfer_all::<T>(&caps, &deployer_holder, &this)?;
			let upgradable = ctx.mint_system(this.clone(), SystemCap::Upgradable(module), None)?;
			let destroy = ctx.mint_system(this, SystemCap::Destroy(module), None)?;
			let input = InitInput { deployer, params, upgradable, destroy, caps };
			let spec = FrameSpec {
				module,
				info,
				entry: Entry::Init,
				caller: Some(deployer_holder),
				input: input.encode(),
				parent: None,
			};
			ctx.run_frame(sandbox, spec)
		})
	}

	/// Runs `module`'s `migrate` after an upgrade from `from_version`.
	pub fn migrate(
		&mut self,
		sandbox: &Sandbox<T>,
		module: ModuleId,
		from_version: u32,
		params: Vec<u8>,
	) -> Result<(), ExecError> {
		self.transactional(|ctx| {
			let info = Modules::<T>::get(module).ok_or(ExecError::ModuleNotFound)?;
			if !info.exports.has(Entry::Migrate) {
				return Ok(());
			}
			let input = MigrateInput { from_version, to_version: info.version, params };
			let spec = FrameSpec {
				module,
				info,
				entry: Entry::Migrate,
				caller: None,
				input: input.encode(),
				parent: None,
			};
			ctx.run_frame(sandbox, spec).map(|_| ())
		})
	}

	/// Runs an off-chain entry point (`on_state_change`, `on_http_request`) of `module`.
	pub fn offchain_entry(
		&mut self,
		sandbox: &Sandbox<T>,
		module: ModuleId,
		entry: Entry,
		input: Vec<u8>,
	) -> Result<Output, ExecError> {
		let info = exported::<T>(module, entry, ExecError::ModuleNotFound)?;
		let spec = FrameSpec { module, info, entry, caller: None, input, parent: None };
		self.run_frame(sandbox, spec)
	}

	/// Runs `module`'s `on_block`.
	pub fn on_block(&mut self, sandbox: &Sandbox<T>, module: ModuleId) -> Result<(), ExecError> {
		let block_number = self.block_number;
		self.transactional(|ctx| {
			let info = exported::<T>(module, Entry::OnBlock, ExecError::ModuleNotFound)?;
			let spec = FrameSpec {
				module,
				info,
				entry: Entry::OnBlock,
				caller: None,
				input: BlockInput { block_number }.encode(),
				parent: None,
			};
			ctx.run_frame(sandbox, spec).map(|_| ())
		})
	}

	/// Runs one frame and moves the capabilities it returns to its caller.
	pub(crate) fn run_frame(
		&mut self,
		sandbox: &Sandbox<T>,
		spec: FrameSpec<T>,
	) -> Result<Output, ExecError> {
		if self.stack.len() >= T::MaxCallDepth::get() as usize {
			return Err(ExecError::CallDepthExceeded);
		}
		// Kernel-driven entries (`init`, `migrate`, `on_block`) may run while the module is on
		// the stack, e.g. the `migrate` of a module that upgraded itself.
		let kernel_driven = matches!(
			spec.entry,
			Entry::Init
				| Entry::Migrate
				| Entry::OnBlock
				| Entry::OnStateChange
				| Entry::OnHttpRequest
		);
		if !kernel_driven && self.stack.contains(&spec.module) && !spec.info.reentrant {
			return Err(ExecError::ReentryDenied);
		}
		if !core::mem::replace(&mut self.first_frame_prepaid, false) {
			self.charge(meter::frame::<T>())?;
		}
		self.charge(meter::code_load_weight::<T>(spec.info.code_len))?;
		let storage = ModuleStorage::new(spec.module);
		let code = self.load_code(sandbox, &spec, &storage)?;
		let module = spec.module;
		let caller = spec.caller.clone();

		self.stack.push(module);
		let ctx = core::mem::take(self);
		let (ctx, result) = wasm::execute::<T>(sandbox, ctx, spec, storage, &code);
		*self = ctx;
		self.stack.pop();

		let output = result.inspect_err(|error| self.record_failure(module, error))?;
		self.charge_moves(output.caps.len())?;
		match caller {
			Some(receiver) => {
				capability::transfer_all::<T>(&output.caps, &Holder::Module(module), &receiver)?
			},
			None if output.caps.is_empty() => {},
			None => return Err(ExecError::Trapped(Trap::NoReceiver)),
		}
		Ok(output)
	}

	/// The frame's module parsed: from the execution's cache if an earlier frame parsed the same
	/// code, else read from storage (validated again first if the rules changed since it was
	/// validated). The charge for loading it was made before, as if it were never cached.
	fn load_code(
		&mut self,
		sandbox: &Sandbox<T>,
		spec: &FrameSpec<T>,
		storage: &ModuleStorage,
	) -> Result<wasmi::Module, ExecError> {
		let validated = spec.info.validator == wasm::VALIDATOR_VERSION;
		if let Some(module) = sandbox.cached(&spec.info.code_hash).filter(|_| validated) {
			return Ok(module);
		}
		let code = storage.code().ok_or(ExecError::ModuleNotFound)?;
		if !validated {
			self.revalidate(spec.module, &code)?;
		}
		sandbox.parse(spec.info.code_hash, &code)
	}

	fn record_failure(&mut self, module: ModuleId, error: &ExecError) {
		if self.failed_frames.len() == MAX_FAILED_FRAMES {
			self.failed_frames.remove(0);
		}
		self.failed_frames.push(FailedFrame::new(module, error));
	}

	/// Validates a module's code again under the current [`wasm::VALIDATOR_VERSION`] (its code
	/// was validated under an older one) and records it, so that it happens once. Code the
	/// current rules refuse cannot run any more.
	fn revalidate(&mut self, module: ModuleId, code: &[u8]) -> Result<(), ExecError> {
		self.charge(meter::validation::<T>(code.len() as u32))?;
		wasm::validate::<T>(code).map_err(ExecError::CodeRejected)?;
		self.charge(meter::cap_table::<T>(0, 1))?;
		Modules::<T>::mutate(module, |info| {
			if let Some(info) = info {
				info.validator = wasm::VALIDATOR_VERSION;
			}
		});
		Ok(())
	}

	/// Updates each touched module's usage counters and deposit, and moves the money (see
	/// [`deposit`]). Called once at the end of a top-level execution, inside its transaction.
	pub fn settle_deposits(&mut self) -> Result<(), ExecError> {
		let mut changes = Vec::new();
		for (module, delta) in core::mem::take(&mut self.usage) {
			let resized = delta != UsageDelta::default();
			self.charge(meter::settle_module::<T>(resized))?;
			note_changed::<T>(module);
			if !resized {
				continue;
			}
			Modules::<T>::try_mutate(module, |maybe_info| -> Result<(), ExecError> {
				// A module destroyed during this execution has no deposit left to adjust.
				let Some(info) = maybe_info else { return Ok(()) };
				info.storage_bytes = apply_delta(info.storage_bytes, delta.bytes);
				info.storage_items = apply_delta(info.storage_items, delta.items);
				info.capabilities = apply_delta(info.capabilities, delta.capabilities);
				if delta.cleared > 0 {
					info.cleared =
						info.cleared.add(frame_system::Pallet::<T>::block_number(), delta.cleared);
				}
				let required = Pallet::<T>::deposit_for(info);
				if required != info.deposit {
					let deployer = info.deployer.clone();
					changes.push(Change { module, deployer, held: info.deposit, required });
					info.deposit = required;
				}
				Ok(())
			})?;
		}
		self.storage_deposit = deposit::settle::<T>(self.payer.as_ref(), changes)?;
		Ok(())
	}
}

/// Records that `module`'s state changed in this block, for the engines' `on_state_change`.
/// Past `MaxChangedModules` the block is marked as overflowing, and the engines run every
/// module they serve, so no change goes unseen.
fn note_changed<T: Config>(module: ModuleId) {
	let recorded = crate::ChangedModules::<T>::mutate(|changed| {
		changed.contains(&module) || changed.try_push(module).is_ok()
	});
	if !recorded {
		crate::ChangedModulesOverflow::<T>::put(true);
	}
}

/// The info of `module` if it exports `entry`; `missing` if the module does not exist.
fn exported<T: Config>(
	module: ModuleId,
	entry: Entry,
	missing: ExecError,
) -> Result<ModuleInfoOf<T>, ExecError> {
	let info = Modules::<T>::get(module).ok_or(missing)?;
	if !info.exports.has(entry) {
		return Err(ExecError::EntryNotExported);
	}
	Ok(info)
}

/// Runs `f` as a top-level execution with a budget of `limit`: one transaction, deposits
/// settled at the end. Returns its result and what it used.
pub fn run_top_level<T: Config, R>(
	limit: Weight,
	f: impl FnOnce(&mut ExecContext<T>, &Sandbox<T>) -> Result<R, ExecError>,
) -> (Result<R, ExecError>, Usage<BalanceOf<T>>) {
	run_in_mode(limit, false, with_sandbox(f))
}

/// Runs `f` as an off-chain execution on an engine: the same, but read-only and with the
/// off-chain host functions.
pub fn run_top_level_offchain<T: Config, R>(
	limit: Weight,
	f: impl FnOnce(&mut ExecContext<T>, &Sandbox<T>) -> Result<R, ExecError>,
) -> (Result<R, ExecError>, Usage<BalanceOf<T>>) {
	run_in_mode(limit, true, with_sandbox(f))
}

/// Runs `f`, kernel work that starts no frame (removing a capability, say), as a top-level
/// execution: one transaction, deposits settled at the end, and no sandbox built for it.
pub(crate) fn run_without_frames<T: Config, R>(
	limit: Weight,
	f: impl FnOnce(&mut ExecContext<T>) -> Result<R, ExecError>,
) -> (Result<R, ExecError>, Usage<BalanceOf<T>>) {
	run_in_mode(limit, false, f)
}

/// `f` with the sandbox its frames run in.
fn with_sandbox<T: Config, R>(
	f: impl FnOnce(&mut ExecContext<T>, &Sandbox<T>) -> Result<R, ExecError>,
) -> impl FnOnce(&mut ExecContext<T>) -> Result<R, ExecError> {
	move |ctx| f(ctx, &Sandbox::new()?)
}

fn run_in_mode<T: Config, R>(
	limit: Weight,
	offchain: bool,
	f: impl FnOnce(&mut ExecContext<T>) -> Result<R, ExecError>,
) -> (Result<R, ExecError>, Usage<BalanceOf<T>>) {
	let mut ctx = ExecContext::<T>::new(limit);
	ctx.offchain = offchain;
	let fuel_limit = ctx.fuel;
	let result = ctx.transactional(|ctx| {
		let value = f(ctx)?;
		ctx.settle_deposits()?;
		Ok(value)
	});
	let fuel = fuel_limit.saturating_sub(ctx.fuel);
	let proof = limit.proof_size().saturating_sub(ctx.proof_size_left);
	let weight = Weight::from_parts(ctx.rate.ref_time_of(fuel), proof).min(limit);
	let storage_deposit = if result.is_ok() { ctx.storage_deposit } else { Default::default() };
	(result, Usage { fuel, weight, failed_frames: ctx.failed_frames, storage_deposit })
}

impl<T: Config> From<ExecError> for Error<T> {
	fn from(error: ExecError) -> Self {
		match error {
			ExecError::ModuleNotFound => Error::ModuleNotFound,
			ExecError::EntryNotExported => Error::EntryNotExported,
			ExecError::CapabilityNotFound => Error::CapabilityNotFound,
			ExecError::NotHolder => Error::NotHolder,
			ExecError::CreatorDestroyed => Error::CreatorDestroyed,
			ExecError::NotCreator => Error::NotCreator,
			ExecError::DuplicateCapability => Error::DuplicateCapability,
			ExecError::TooManyCapabilities => Error::TooManyCapabilities,
			ExecError::ReentryDenied => Error::ReentryDenied,
			ExecError::CallDepthExceeded | ExecError::TransactionLimit => Error::CallDepthExceeded,
			ExecError::Reverted(_) => Error::ModuleReverted,
			ExecError::Panicked(_) => Error::ModulePanicked,
			ExecError::OutOfFuel => Error::OutOfFuel,
			ExecError::OutOfProofSize => Error::OutOfProofSize,
			ExecError::InvalidSystemCall => Error::InvalidSystemCall,
			ExecError::CodeRejected(inner) => inner.into(),
			ExecError::InsufficientDeposit => Error::InsufficientDeposit,
			ExecError::StorageDepositLimitExhausted => Error::StorageDepositLimitExhausted,
			ExecError::NameTaken => Error::ModuleNameTaken,
			ExecError::InvalidName => Error::InvalidModuleName,
			ExecError::TooManyModules => Error::TooManyModules,
			ExecError::RequestRejected => Error::RequestRejected,
			ExecError::InvalidRequestIndex => Error::InvalidRequestIndex,
			ExecError::IdsExhausted => Error::IdsExhausted,
			ExecError::Trapped(trap) => match trap {
				Trap::Wasm(WasmTrap::Unreachable) => Error::ModuleUnreachable,
				Trap::Wasm(WasmTrap::MemoryOutOfBounds) => Error::ModuleMemoryOutOfBounds,
				Trap::Wasm(WasmTrap::StackOverflow) => Error::ModuleStackOverflow,
				Trap::Wasm(WasmTrap::DivisionByZero) => Error::ModuleDivisionByZero,
				Trap::Wasm(WasmTrap::IntegerOverflow) => Error::ModuleIntegerOverflow,
				Trap::Wasm(WasmTrap::Other) | Trap::Instantiation => Error::ModuleTrapped,
				Trap::MemoryAccess => Error::MemoryAccessOutOfBounds,
				Trap::InvalidKey => Error::InvalidKey,
				Trap::ValueTooLarge => Error::ValueTooLarge,
				Trap::CapDataTooLarge => Error::CapDataTooLarge,
				Trap::OutputTooLarge => Error::OutputTooLarge,
				Trap::EventTooLarge => Error::EventTooLarge,
				Trap::InputTooLarge => Error::InputTooLarge,
				Trap::InvalidOutput => Error::InvalidOutput,
				Trap::NoReceiver => Error::NoReceiver,
				Trap::OffchainOnly => Error::OffchainOnly,
				Trap::ReadOnly => Error::ReadOnly,
				Trap::Destroyed => Error::ModuleDestroyed,
			},
		}
	}
}
