//! # Kernel pallet
//!
//! The root of a capability-based runtime. The kernel runs *process modules*: Wasm programs
//! deployed at run time, each with its code and state in its own child trie, executed in a
//! metered [wasmi](https://docs.rs/wasmi) sandbox that reaches nothing but its own storage and
//! the kernel's host functions.
//!
//! Modules interact only through **capabilities** that the kernel mediates. A capability is
//! minted by a module (or by the kernel for `system::*`), held by an account or a module, and
//! consumed when invoked: the kernel checks the holder, removes the capability and runs its
//! creator's `invoke` export. Capabilities passed as arguments move from sender to receiver;
//! nothing can copy one except its creator. A transaction can carry *requests*: each named module
//! validates the request for the signer (and may lock funds); accepted requests become
//! capabilities the signer can pass in the same call.
//!
//! ## Dispatchables
//!
//! * [`deploy`](Pallet::deploy): validate and store a module, mint its `system::upgradable` and
//!   `system::destroy` capabilities and run its `init`.
//! * [`call`](Pallet::call): call a module's public function (consumes no capability).
//! * [`invoke`](Pallet::invoke): invoke a capability the signer holds.
//! * [`drop_capability`](Pallet::drop_capability): give up a capability; its creator is told.
//! * [`transfer_capability`](Pallet::transfer_capability): hand a capability to another holder.
//! * [`upload_code`](Pallet::upload_code) / [`remove_code`](Pallet::remove_code): stage code for
//!   an upgrade by hash.
//! * [`register_engine`](Pallet::register_engine) /
//!   [`unregister_engine`](Pallet::unregister_engine): announce or withdraw an execution engine
//!   that runs modules' off-chain code (see [`engine`]).
//!
//! Every executing dispatchable takes a `weight_limit`; what it does not use is refunded.
//!
//! See `docs/architecture.md` and `docs/host-abi.md` in the repository for the whole design.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

// The kernel's internals are crate-private, so that no other pallet can mint, move or take a
// capability, write a module's state or start a frame around the kernel's rules: a runtime
// reaches the kernel only through its dispatchables, its runtime API and the engine entry points.
pub(crate) mod capability;
pub(crate) mod deletion;
pub mod deposit;
pub mod engine;
pub(crate) mod exec;
pub mod failure;
pub(crate) mod lifecycle;
pub(crate) mod meter;
pub(crate) mod revocation;
pub mod runtime_api;
pub(crate) mod storage;
pub(crate) mod tick;
pub mod types;
pub(crate) mod wasm;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
/// The test runtime: System, Balances and the Kernel with small limits; the pallet's tests and
/// `kernel-sandbox` run on it.
#[cfg(any(test, feature = "sandbox"))]
pub mod mock;
#[cfg(test)]
mod tests;

pub use failure::{FrameFailure, ReportFailures};
pub use kernel_primitives as primitives;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::{frame_support, frame_system, sp_runtime};

/// Log target of the kernel.
pub const LOG_TARGET: &str = "runtime::kernel";

// The executing dispatchables take a call's five parts and its two limits (weight and storage
// deposit), as pallet-contracts' do; the functions the macro generates from them have eight.
#[allow(clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::{
		exec::{ExecContext, ExecError},
		wasm::Sandbox,
	};
	use alloc::vec::Vec;
	use frame_support::{
		dispatch::{DispatchErrorWithPostInfo, PostDispatchInfo},
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use kernel_primitives::{
		abi::Entry,
		envelope::{CallInput, Output},
		offchain::EngineInfo,
		CapId, CapRef, Creator, Holder, ModuleId,
	};
	use sp_runtime::{traits::Saturating, DispatchError};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Reasons the kernel holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Deposit for a module's code and state, held from its deployer.
		ModuleDeposit,
		/// Deposit for code staged with `upload_code`.
		CodeDeposit,
	}

	#[pallet::config]
	pub trait Config:
		polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The currency deposits are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Weights of this pallet, from its benchmarks.
		type WeightInfo: WeightInfo;

		/// Deposit per byte of code and state.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;
		/// Deposit per stored item (the code counts as one).
		#[pallet::constant]
		type DepositPerItem: Get<BalanceOf<Self>>;
		/// Longest module code in bytes.
		#[pallet::constant]
		type MaxCodeLen: Get<u32>;
		/// Most Wasm pages (64 KiB) a module's memory may grow to.
		#[pallet::constant]
		type MaxMemoryPages: Get<u32>;
		/// Longest storage key a module may use.
		#[pallet::constant]
		type MaxKeyLen: Get<u32>;
		/// Longest storage value a module may write.
		#[pallet::constant]
		type MaxValueLen: Get<u32>;
		/// Longest capability data.
		#[pallet::constant]
		type MaxCapDataLen: Get<u32>;
		/// Longest call parameters (and call envelope between modules).
		#[pallet::constant]
		type MaxParamsLen: Get<u32>;
		/// Longest output of an entry point; at most `abi::MAX_OUTPUT_BUFFER`.
		#[pallet::constant]
		type MaxOutputLen: Get<u32>;
		/// Longest module event.
		#[pallet::constant]
		type MaxEventLen: Get<u32>;
		/// Deepest nesting of frames.
		#[pallet::constant]
		type MaxCallDepth: Get<u32>;
		/// Most capabilities passed to or returned from one call.
		#[pallet::constant]
		type MaxCapsPerCall: Get<u32>;
		/// Most user requests in one transaction.
		#[pallet::constant]
		type MaxRequests: Get<u32>;
		/// Longest module name.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Longest function name.
		#[pallet::constant]
		type MaxFunctionNameLen: Get<u32>;
		/// Most modules with an `on_block` entry.
		#[pallet::constant]
		type MaxTickingModules: Get<u32>;
		/// Weight all `on_block` entries of one block may use together.
		#[pallet::constant]
		type OnBlockWeight: Get<Weight>;
		/// Weight one module's `on_block` (or a kernel-driven `on_drop`) may use.
		#[pallet::constant]
		type OnBlockFrameWeight: Get<Weight>;
		/// Keys of a destroyed module's trie deleted per step.
		#[pallet::constant]
		type DeletionBatch: Get<u32>;

		/// The engine key's crypto (`engine::crypto::EngineAuthId`): ed25519, whose
		/// deterministic signatures seal the engines' secrets.
		type EngineCrypto: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// Longest engine endpoint.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;
		/// Most engines a module may trust.
		#[pallet::constant]
		type MaxTrustedEngines: Get<u32>;
		/// Most modules whose state change is recorded per block for the engines.
		#[pallet::constant]
		type MaxChangedModules: Get<u32>;
		/// Weight one off-chain entry point (`on_state_change`, `on_http_request`) may use.
		#[pallet::constant]
		type OffchainFrameWeight: Get<Weight>;
		/// Weight limit of the transactions engines submit.
		#[pallet::constant]
		type EngineTxWeight: Get<Weight>;
		/// Storage deposit limit of the transactions engines submit: the most of an engine's
		/// funds one transaction a module asks for may lock in deposits.
		#[pallet::constant]
		type EngineDepositLimit: Get<BalanceOf<Self>>;

		/// What one `on_block` run costs its module, burnt from the module's account before it
		/// runs: a module is in the per-block round only while its account can pay (see
		/// `fund_ticks`), so holding one of the `MaxTickingModules` slots costs for as long as it
		/// is held. Zero: the round is free, and every module exporting `on_block` joins it.
		#[pallet::constant]
		type TickFee: Get<BalanceOf<Self>>;
	}

	/// The id the next deployed module gets.
	#[pallet::storage]
	pub type NextModuleId<T: Config> = StorageValue<_, ModuleId, ValueQuery>;

	/// Deployed modules. Their code and state are in their child tries.
	#[pallet::storage]
	pub type Modules<T: Config> = StorageMap<_, Twox64Concat, ModuleId, ModuleInfoOf<T>>;

	/// Module ids by name.
	#[pallet::storage]
	pub type ModuleNames<T: Config> = StorageMap<_, Blake2_128Concat, ModuleName<T>, ModuleId>;

	/// The id the next minted capability gets.
	#[pallet::storage]
	pub type NextCapId<T: Config> = StorageValue<_, CapId, ValueQuery>;

	/// The capability table.
	#[pallet::storage]
	pub type Capabilities<T: Config> = StorageMap<_, Twox64Concat, CapId, CapabilityOf<T>>;

	/// Index of capabilities by holder, for listing.
	#[pallet::storage]
	pub type HeldBy<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, HolderOf<T>, Twox64Concat, CapId, ()>;

	/// The ancestors each derived capability is revocable through (see [`types::Lineage`]);
	/// no entry for a capability minted outside an invocation or drop.
	#[pallet::storage]
	pub type Lineages<T: Config> = StorageMap<_, Twox64Concat, CapId, Lineage>;

	/// Every capability in the table by each ancestor in its lineage: what revoking the
	/// ancestor removes.
	#[pallet::storage]
	pub type Descendants<T: Config> =
		StorageDoubleMap<_, Twox64Concat, CapId, Twox64Concat, CapId, ()>;

	/// How many [`Descendants`] entries were removed in the block: deletions that finding the
	/// first descendant of an ancestor may have to step over, one trie seek each.
	#[pallet::storage]
	pub type LineageRemovals<T: Config> = StorageValue<_, (BlockNumberFor<T>, u32), ValueQuery>;

	/// Modules that export `on_block`, in the order they run.
	#[pallet::storage]
	pub type Tickers<T: Config> =
		StorageValue<_, BoundedVec<ModuleId, T::MaxTickingModules>, ValueQuery>;

	/// Where the next block's `on_block` round starts, so that every module gets its turn when
	/// the budget does not cover all of them.
	#[pallet::storage]
	pub type TickCursor<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// How many times in a row each module's `on_block` has failed, for those whose last one
	/// failed. At [`tick::MAX_ON_BLOCK_FAILURES`] the module leaves `Tickers`.
	#[pallet::storage]
	pub type OnBlockFailures<T: Config> = StorageMap<_, Twox64Concat, ModuleId, u32, ValueQuery>;

	/// Destroyed modules whose storage is still being deleted.
	#[pallet::storage]
	pub type DeletionQueue<T: Config> =
		StorageMap<_, Twox64Concat, ModuleId, Tombstone<T::AccountId>>;

	/// The tombstone the last block's deletion left unfinished: the next block starts after
	/// it (see [`deletion`]).
	#[pallet::storage]
	pub type DeletionCursor<T: Config> = StorageValue<_, ModuleId>;

	/// Registered execution engines, by account (the engine key's account).
	#[pallet::storage]
	pub type Engines<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, EngineInfoOf<T>>;

	/// The engines each module trusts to run its off-chain entry points.
	#[pallet::storage]
	pub type TrustedEngines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		ModuleId,
		BoundedVec<T::AccountId, T::MaxTrustedEngines>,
		ValueQuery,
	>;

	/// Modules whose state changed in this block: the engines run their `on_state_change`.
	#[pallet::storage]
	pub type ChangedModules<T: Config> =
		StorageValue<_, BoundedVec<ModuleId, T::MaxChangedModules>, ValueQuery>;

	/// More modules changed state in this block than [`ChangedModules`] holds: the engines run
	/// `on_state_change` of every module they serve instead of losing the ones not recorded.
	#[pallet::storage]
	pub type ChangedModulesOverflow<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Code staged with `upload_code`, by hash.
	#[pallet::storage]
	pub type CodeStore<T: Config> = StorageMap<_, Identity, CodeHash, StagedCodeOf<T>>;

	/// The deposit each uploader of staged code holds for it.
	#[pallet::storage]
	pub type CodeUploads<T: Config> =
		StorageDoubleMap<_, Identity, CodeHash, Blake2_128Concat, T::AccountId, BalanceOf<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A module was deployed.
		ModuleDeployed {
			module: ModuleId,
			name: ModuleName<T>,
			deployer: T::AccountId,
			code_hash: CodeHash,
		},
		/// A transaction's call, invocation or deploy returned.
		Returned { who: T::AccountId, output: BoundedVec<u8, T::MaxOutputLen>, caps: Vec<CapId> },
		/// The transaction's execution failed (its error is in `ExtrinsicFailed`); these are the
		/// last frames that failed, a callee before its caller, with their messages. Emitted
		/// by the [`ReportFailures`] transaction extension.
		ExecutionFailed { failed_frames: Vec<FrameFailure> },
		/// A capability was minted.
		CapabilityMinted { id: CapId, creator: Creator, holder: HolderOf<T>, parent: Option<CapId> },
		/// A capability changed hands.
		CapabilityMoved { id: CapId, from: HolderOf<T>, to: HolderOf<T> },
		/// A capability was invoked and so consumed.
		CapabilityInvoked { id: CapId, by: HolderOf<T> },
		/// A capability was dropped by its holder.
		CapabilityDropped { id: CapId, by: HolderOf<T> },
		/// A module emitted an event.
		ModuleEvent { module: ModuleId, data: BoundedVec<u8, T::MaxEventLen> },
		/// A module's code was replaced.
		ModuleUpgraded { module: ModuleId, version: u32, code_hash: CodeHash },
		/// A module was destroyed; its storage is deleted over the next blocks.
		ModuleDestroyed { module: ModuleId },
		/// A destroyed module's storage is gone.
		ModuleStorageDeleted { module: ModuleId },
		/// A module's `on_block` failed; its effects were undone.
		OnBlockFailed { module: ModuleId, error: DispatchError },
		/// Code was staged.
		CodeUploaded { hash: CodeHash, owner: T::AccountId },
		/// Staged code was removed.
		CodeRemoved { hash: CodeHash },
		/// An uploader of staged code removed its share and got its deposit back; others still
		/// hold the code.
		CodeReleased { hash: CodeHash, owner: T::AccountId },
		/// An execution engine registered (or updated its endpoint).
		EngineRegistered { engine: T::AccountId, endpoint: BoundedVec<u8, T::MaxEndpointLen> },
		/// An execution engine unregistered.
		EngineUnregistered { engine: T::AccountId },
		/// A module named the engines it trusts.
		EnginesTrusted { module: ModuleId, count: u32 },
		/// A capability was removed by its holder without its creator being told
		/// (`forget_capability`).
		CapabilityForgotten { id: CapId, by: HolderOf<T> },
		/// A module's `on_block` failed [`tick::MAX_ON_BLOCK_FAILURES`] times in a row: it no
		/// longer runs each block (an upgrade that exports `on_block` registers it again).
		OnBlockStopped { module: ModuleId },
		/// `by` paid `amount` into a module's account for its `on_block` runs.
		TicksFunded { module: ModuleId, by: T::AccountId, amount: BalanceOf<T> },
		/// Module `by` revoked `ids`: `ancestor`, if it was still in the table, and capabilities
		/// derived from it. `complete`: nothing derived from `ancestor` is left.
		CapabilitiesRevoked {
			ancestor: CapId,
			by: ModuleId,
			ids: BoundedVec<CapId, T::MaxCapsPerCall>,
			complete: bool,
		},
		/// A module's account could not pay for its `on_block` run: it left the round
		/// (`fund_ticks` brings it back).
		OnBlockUnfunded { module: ModuleId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The code is longer than `MaxCodeLen`.
		CodeTooLarge,
		/// The code is not valid Wasm or breaks the sandbox's structural limits.
		InvalidCode,
		/// The code uses floating point, which is not deterministic.
		FloatsNotAllowed,
		/// The code imports something that is not a kernel host function with its signature.
		ImportNotAllowed,
		/// The code lacks its `memory` export or a required entry point (`init`, `call`).
		MissingRequiredExport,
		/// An entry point is not a `() -> ()` function.
		InvalidEntrySignature,
		/// The code's memory starts larger than `MaxMemoryPages`.
		MemoryTooLarge,
		/// No code is staged under this hash.
		CodeNotFound,
		/// The signer already staged code with this hash.
		CodeAlreadyUploaded,
		/// Only an uploader may remove staged code.
		NotCodeOwner,
		/// A module with this name exists.
		ModuleNameTaken,
		/// No module has this id.
		ModuleNotFound,
		/// Too many modules export `on_block`.
		TooManyModules,
		/// The module does not export the entry point this needs.
		EntryNotExported,
		/// No capability has this id (never minted, or invoked, dropped or consumed).
		CapabilityNotFound,
		/// The capability is held by someone else.
		NotHolder,
		/// The capability's creator was destroyed; it can only be dropped.
		CreatorDestroyed,
		/// Only a capability's creator may revoke it and what is derived from it.
		NotCreator,
		/// The same capability was passed twice.
		DuplicateCapability,
		/// More capabilities than `MaxCapsPerCall`.
		TooManyCapabilities,
		/// The module is already on the call stack and does not allow re-entry.
		ReentryDenied,
		/// The call would nest deeper than `MaxCallDepth`.
		CallDepthExceeded,
		/// The module reverted.
		ModuleReverted,
		/// The module trapped: a Wasm trap without a more specific error below (a table access
		/// out of bounds, an indirect call to a null or mistyped function), or code that could
		/// not be instantiated.
		ModuleTrapped,
		/// The weight limit's fuel ran out.
		OutOfFuel,
		/// The weight limit's proof size ran out.
		OutOfProofSize,
		/// A host function was given memory outside the module's memory.
		MemoryAccessOutOfBounds,
		/// A storage key was empty or longer than `MaxKeyLen`.
		InvalidKey,
		/// A storage value was longer than `MaxValueLen`.
		ValueTooLarge,
		/// Capability data was longer than `MaxCapDataLen`.
		CapDataTooLarge,
		/// Output was longer than `MaxOutputLen`.
		OutputTooLarge,
		/// A module event was longer than `MaxEventLen`.
		EventTooLarge,
		/// A call envelope or hash input was longer than `MaxParamsLen`.
		InputTooLarge,
		/// The module's output could not be decoded.
		InvalidOutput,
		/// The module returned capabilities where nobody receives them.
		NoReceiver,
		/// A system capability was invoked with an unknown function or bad parameters.
		InvalidSystemCall,
		/// The signer cannot pay the deposit for the code and state the execution adds.
		InsufficientDeposit,
		/// A module rejected a user request.
		RequestRejected,
		/// A `CapRef::Request` names a request the transaction does not have.
		InvalidRequestIndex,
		/// The destination of a transfer does not exist.
		InvalidHolder,
		/// Every module or capability id has been used.
		IdsExhausted,
		/// Module names are 1 to `MaxNameLen` characters of `a-z A-Z 0-9 _ - .`.
		InvalidModuleName,
		/// An off-chain host function was called on chain.
		OffchainOnly,
		/// Off-chain code tried to change state.
		ReadOnly,
		/// Engines register with a 32-byte account (their ed25519 engine key).
		NotAnEngineAccount,
		/// The account is not a registered engine.
		NotAnEngine,
		/// The module panicked; the message is in the dry run's `failed_frames` and in the
		/// transaction's `ExecutionFailed` event.
		ModulePanicked,
		/// The module reached an `unreachable` instruction.
		ModuleUnreachable,
		/// The module loaded or stored outside its own linear memory.
		ModuleMemoryOutOfBounds,
		/// The module overflowed the Wasm call stack (recursion too deep).
		ModuleStackOverflow,
		/// The module divided an integer by zero.
		ModuleDivisionByZero,
		/// The module divided `i32::MIN` or `i64::MIN` by `-1`.
		ModuleIntegerOverflow,
		/// The code and state the execution adds need a deposit above the transaction's
		/// `storage_deposit_limit`.
		StorageDepositLimitExhausted,
		/// The module was destroyed earlier in this execution: its frames still running can no
		/// longer change state.
		ModuleDestroyed,
	}

	/// Modules deployed at genesis, in order (so ids are 0, 1, ...).
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// `(name, code, init params, deployer)` of each module.
		pub modules: Vec<GenesisModule<T::AccountId>>,
		/// What each deployer pays into the account of each of its modules that exports
		/// `on_block`, for its runs (`TickFee` each).
		pub tick_funds: BalanceOf<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for module in &self.modules {
				let deployed = Pallet::<T>::deploy_at_genesis(module).and_then(|id| {
					if Pallet::<T>::exports(id, Entry::OnBlock) && !self.tick_funds.is_zero() {
						tick::fund::<T>(&module.deployer, id, self.tick_funds)?;
					}
					Ok(id)
				});
				if let Err(error) = deployed {
					panic!("genesis module {} failed to deploy: {error:?}", module.name);
				}
			}
		}
	}

	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// The deposit each capability holds while it is in the table.
		#[pallet::constant_name(CapabilityDeposit)]
		fn capability_deposit_constant() -> BalanceOf<T> {
			Self::capability_deposit()
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			ChangedModules::<T>::kill();
			ChangedModulesOverflow::<T>::kill();
			tick::run_on_block::<T>().saturating_add(T::DbWeight::get().writes(2))
		}

		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			deletion::process_deletions::<T>(remaining)
		}

		fn integrity_test() {
			assert!(
				T::MaxOutputLen::get() <= kernel_primitives::abi::MAX_OUTPUT_BUFFER,
				"MaxOutputLen must fit the SDK's output buffer"
			);
			assert!(T::MaxCallDepth::get() >= 1, "modules must be able to run");
			assert!(
				T::MaxCapDataLen::get() as usize
					>= kernel_primitives::system::SystemCap::max_encoded_len(),
				"system capabilities must fit MaxCapDataLen"
			);
			assert!(
				T::MaxOutputLen::get() >= T::MaxCapDataLen::get().saturating_add(64),
				"a revoked capability (id, holder, data) must fit one revocation step's output"
			);
			assert_eq!(
				T::AccountId::max_encoded_len(),
				32,
				"modules see accounts as 32 bytes, so the runtime's must encode as 32 bytes"
			);
			let one_frame = T::OnBlockFrameWeight::get()
				.saturating_add(T::WeightInfo::call())
				.saturating_add(T::DbWeight::get().reads_writes(2, 1));
			assert!(
				!one_frame.any_gt(T::OnBlockWeight::get()),
				"OnBlockWeight must fit at least one on_block frame and its overhead"
			);
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Deploys a module: validates `code`, stores it in a new child trie, mints
		/// `system::upgradable` and `system::destroy` for it and runs its `init` with `params`
		/// and the capabilities in `caps` (which move to the module).
		///
		/// The signer pays the deposit for the code and for the state `init` writes (and the
		/// module account's existential deposit), at most `storage_deposit_limit` (`None`: no
		/// limit); the deposit is held on the module's account.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::deploy(code.len() as u32).saturating_add(*weight_limit))]
		pub fn deploy(
			origin: OriginFor<T>,
			code: CodeOf<T>,
			name: ModuleName<T>,
			params: Params<T>,
			caps: CapRefs<T>,
			requests: Requests<T>,
			weight_limit: Weight,
			storage_deposit_limit: Option<BalanceOf<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let base = T::WeightInfo::deploy(code.len() as u32);
			let limits = Limits { weight: weight_limit, deposit: storage_deposit_limit };
			let outcome = Self::execute_deploy(&who, code, name, params, caps, requests, limits);
			Self::conclude(&who, base, outcome)
		}

		/// Calls `function` of `module` with `params`, passing the capabilities in `caps`.
		///
		/// The signer pays the deposit for the state the execution adds, in whichever modules,
		/// at most `storage_deposit_limit` net (`None`: no limit), and is refunded the deposit
		/// of the state it removes. The same holds for `invoke` and `drop_capability`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::call().saturating_add(*weight_limit))]
		pub fn call(
			origin: OriginFor<T>,
			module: ModuleId,
			function: FunctionName<T>,
			params: Params<T>,
			caps: CapRefs<T>,
			requests: Requests<T>,
			weight_limit: Weight,
			storage_deposit_limit: Option<BalanceOf<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let limits = Limits { weight: weight_limit, deposit: storage_deposit_limit };
			let outcome =
				Self::execute_call(&who, module, function, params, caps, requests, limits);
			Self::conclude(&who, T::WeightInfo::call(), outcome)
		}

		/// Invokes capability `cap`, which the signer holds, with `function` and `params`. The
		/// capability is consumed; what its creator returns (data and capabilities) goes to the
		/// signer.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::invoke().saturating_add(*weight_limit))]
		pub fn invoke(
			origin: OriginFor<T>,
			cap: CapId,
			function: FunctionName<T>,
			params: Params<T>,
			caps: CapRefs<T>,
			requests: Requests<T>,
			weight_limit: Weight,
			storage_deposit_limit: Option<BalanceOf<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let limits = Limits { weight: weight_limit, deposit: storage_deposit_limit };
			let outcome = Self::execute_invoke(&who, cap, function, params, caps, requests, limits);
			Self::conclude(&who, T::WeightInfo::invoke(), outcome)
		}

		/// Drops capability `cap`, which the signer holds. Its creator's `on_drop` runs (for
		/// example to unlock funds); if that fails, the capability is kept.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::drop_capability().saturating_add(*weight_limit))]
		pub fn drop_capability(
			origin: OriginFor<T>,
			cap: CapId,
			weight_limit: Weight,
			storage_deposit_limit: Option<BalanceOf<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let limits = Limits { weight: weight_limit, deposit: storage_deposit_limit };
			let outcome = Self::execute_drop(&who, cap, limits);
			Self::conclude(&who, T::WeightInfo::drop_capability(), outcome)
		}

		/// Hands capability `cap`, which the signer holds, to `to` (an account or a module).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::transfer_capability())]
		pub fn transfer_capability(
			origin: OriginFor<T>,
			cap: CapId,
			to: HolderOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			capability::transfer::<T>(cap, &Holder::Account(who), &to).map_err(|e| match e {
				ExecError::ModuleNotFound => Error::<T>::InvalidHolder.into(),
				other => Error::<T>::from(other).into(),
			})
		}

		/// Stages `code` under its BLAKE2b-256 hash, for an `upgrade` by hash (so that a
		/// governance proposal only needs to carry the hash). A deposit is held from the signer.
		/// Code someone else staged already is shared: it stays until every uploader removed it.
		///
		/// The benchmarked weight predates the `CodeUploads` entry; its read and write are added.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::upload_code(code.len() as u32)
			.saturating_add(T::DbWeight::get().reads_writes(1, 1)))]
		pub fn upload_code(origin: OriginFor<T>, code: CodeOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_code(&code)?;
			lifecycle::stage_code::<T>(who, code)
		}

		/// Registers the signer as an execution engine reachable at `endpoint`. An engine signs
		/// with its ed25519 key of key type `kern`, so the account that can actually serve is
		/// that key; the kernel cannot tell a key's scheme from an account id and does not check.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::register_engine())]
		pub fn register_engine(
			origin: OriginFor<T>,
			endpoint: BoundedVec<u8, T::MaxEndpointLen>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let public_key = <[u8; 32]>::decode(&mut &who.encode()[..])
				.map_err(|_| Error::<T>::NotAnEngineAccount)?;
			Engines::<T>::insert(&who, EngineInfo { endpoint: endpoint.clone(), public_key });
			Self::deposit_event(Event::EngineRegistered { engine: who, endpoint });
			Ok(())
		}

		/// Removes the signer from the registered engines.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::unregister_engine())]
		pub fn unregister_engine(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Engines::<T>::take(&who).ok_or(Error::<T>::NotAnEngine)?;
			Self::deposit_event(Event::EngineUnregistered { engine: who });
			Ok(())
		}

		/// Removes capability `cap`, which the signer holds, without telling its creator: no
		/// `on_drop` runs, so whatever the capability stands for (locked funds, say) stays as it
		/// is. The way out of a capability whose creator's `on_drop` keeps failing.
		///
		/// The capability's deposit is refunded to the signer. Weighed as `transfer_capability`,
		/// whose storage work (the capability, the receiver's existence, both index entries)
		/// covers this one's, plus removing its lineage and settling the deposit.
		#[pallet::call_index(9)]
		#[pallet::weight(Pallet::<T>::forget_weight())]
		pub fn forget_capability(origin: OriginFor<T>, cap: CapId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let holder = Holder::Account(who.clone());
			let (result, _) = exec::run_without_frames::<T, _>(Self::forget_weight(), |ctx| {
				ctx.charge_deposits_to(who, None);
				ctx.take_capability(cap, &holder)
			});
			result.map_err(Error::<T>::from)?;
			Self::deposit_event(Event::CapabilityForgotten { id: cap, by: holder });
			Ok(())
		}

		/// Pays `amount` from the signer into `module`'s account for its `on_block` runs
		/// (`TickFee` each, burnt before each run). A module that exports `on_block` joins the
		/// per-block round if its account can now pay a run: also one that left it for lack of
		/// funds or after failing (its failure count starts again). `TooManyModules` if the
		/// round is full. Anyone may pay; what is left when the module is deleted goes to its
		/// deployer.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::fund_ticks())]
		pub fn fund_ticks(
			origin: OriginFor<T>,
			module: ModuleId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			tick::fund::<T>(&who, module, amount)
		}

		/// Returns the signer's deposit for staged code; the code goes when its last uploader
		/// removes it. Only an uploader may do this.
		///
		/// The benchmarked weight predates the `CodeUploads` entry; its read and write are added.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::remove_code()
			.saturating_add(T::DbWeight::get().reads_writes(1, 1)))]
		pub fn remove_code(origin: OriginFor<T>, hash: CodeHash) -> DispatchResult {
			let who = ensure_signed(origin)?;
			lifecycle::unstage_code::<T>(who, hash)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Runs a transaction's execution: its requests first, then `f` with the resolved
		/// capabilities, in one top-level execution with a budget of `limit`.
		fn execute_with_requests(
			who: &T::AccountId,
			requests: Requests<T>,
			caps: &CapRefs<T>,
			limits: Limits<BalanceOf<T>>,
			f: impl FnOnce(&mut ExecContext<T>, &Sandbox<T>, Vec<CapId>) -> Result<Output, ExecError>,
		) -> (Result<Output, ExecError>, UsageOf<T>) {
			exec::run_top_level::<T, _>(limits.weight, |ctx, sandbox| {
				ctx.charge_deposits_to(who.clone(), limits.deposit);
				let mut granted = Vec::with_capacity(requests.len());
				for request in requests {
					let cap = ctx
						.request(sandbox, who.clone(), request.module, request.data)
						.map_err(|e| match e {
							ExecError::Reverted(_) => ExecError::RequestRejected,
							other => other,
						})?;
					granted.push(cap);
				}
				let caps = caps
					.iter()
					.map(|r| match r {
						CapRef::Held(id) => Ok(*id),
						CapRef::Request(i) => {
							granted.get(*i as usize).copied().ok_or(ExecError::InvalidRequestIndex)
						},
					})
					.collect::<Result<Vec<_>, _>>()?;
				f(ctx, sandbox, caps)
			})
		}

		/// The envelope a module receives for a call of `function` by a transaction.
		fn call_input(function: FunctionName<T>, params: Params<T>, caps: Vec<CapId>) -> CallInput {
			CallInput { function: function.into_inner(), params: params.into_inner(), caps }
		}

		/// The execution behind [`Pallet::call`] (and its dry run).
		pub fn execute_call(
			who: &T::AccountId,
			module: ModuleId,
			function: FunctionName<T>,
			params: Params<T>,
			caps: CapRefs<T>,
			requests: Requests<T>,
			limits: Limits<BalanceOf<T>>,
		) -> (Result<Output, ExecError>, UsageOf<T>) {
			Self::execute_with_requests(who, requests, &caps, limits, |ctx, sandbox, caps| {
				let input = Self::call_input(function, params, caps);
				ctx.call(sandbox, Holder::Account(who.clone()), module, input)
			})
		}

		/// The execution behind [`Pallet::invoke`] (and its dry run).
		pub fn execute_invoke(
			who: &T::AccountId,
			cap: CapId,
			function: FunctionName<T>,
			params: Params<T>,
			caps: CapRefs<T>,
			requests: Requests<T>,
			limits: Limits<BalanceOf<T>>,
		) -> (Result<Output, ExecError>, UsageOf<T>) {
			Self::execute_with_requests(who, requests, &caps, limits, |ctx, sandbox, caps| {
				let input = Self::call_input(function, params, caps);
				ctx.invoke(sandbox, Holder::Account(who.clone()), cap, input)
			})
		}

		/// The execution behind [`Pallet::drop_capability`] (and its dry run).
		pub fn execute_drop(
			who: &T::AccountId,
			cap: CapId,
			limits: Limits<BalanceOf<T>>,
		) -> (Result<Output, ExecError>, UsageOf<T>) {
			exec::run_top_level::<T, _>(limits.weight, |ctx, sandbox| {
				ctx.charge_deposits_to(who.clone(), limits.deposit);
				ctx.drop_capability(sandbox, Holder::Account(who.clone()), cap)
					.map(|()| Output::default())
			})
		}

		/// The execution behind [`Pallet::deploy`] (and its dry run): validation, then the
		/// module's creation and `init`.
		pub fn execute_deploy(
			who: &T::AccountId,
			code: CodeOf<T>,
			name: ModuleName<T>,
			params: Params<T>,
			caps: CapRefs<T>,
			requests: Requests<T>,
			limits: Limits<BalanceOf<T>>,
		) -> (Result<Output, ExecError>, UsageOf<T>) {
			let valid = match wasm::validate::<T>(&code) {
				Ok(valid) => valid,
				Err(error) => return (Err(ExecError::CodeRejected(error)), Default::default()),
			};
			if !types::is_valid_name(&name) {
				return (Err(ExecError::InvalidName), Default::default());
			}
			if ModuleNames::<T>::contains_key(&name) {
				return (Err(ExecError::NameTaken), Default::default());
			}
			Self::execute_with_requests(who, requests, &caps, limits, |ctx, sandbox, caps| {
				let module = lifecycle::create_module::<T>(ctx, who.clone(), name, &code, valid)?;
				ctx.init(sandbox, module, who.clone(), params.into_inner(), caps)
			})
		}

		/// Turns an execution's outcome into the dispatch result: the `Returned` event on
		/// success, and in every case the weight actually used, for the refund.
		fn conclude(
			who: &T::AccountId,
			base: Weight,
			(result, usage): (Result<Output, ExecError>, UsageOf<T>),
		) -> DispatchResultWithPostInfo {
			let post_info = PostDispatchInfo {
				actual_weight: Some(base.saturating_add(usage.weight)),
				pays_fee: Pays::Yes,
			};
			match result {
				Ok(output) => {
					Self::deposit_event(Event::Returned {
						who: who.clone(),
						output: BoundedVec::truncate_from(output.data),
						caps: output.caps,
					});
					Ok(post_info)
				},
				Err(error) => {
					failure::note_failure::<T>(usage.failed_frames);
					Err(DispatchErrorWithPostInfo {
						post_info,
						error: Error::<T>::from(error).into(),
					})
				},
			}
		}

		/// The deposit a module's code and state require, and the capabilities whose deposit
		/// its account holds.
		pub fn deposit_for(info: &ModuleInfoOf<T>) -> BalanceOf<T> {
			let bytes = info.code_len.saturating_add(info.storage_bytes);
			let items = info.storage_items.saturating_add(1);
			T::DepositPerByte::get()
				.saturating_mul(bytes.into())
				.saturating_add(T::DepositPerItem::get().saturating_mul(items.into()))
				.saturating_add(Self::capability_deposit().saturating_mul(info.capabilities.into()))
		}

		/// The deposit for one capability: its table entries (the capability, its holder's
		/// index entry and, for a derived one, its lineage and lineage index entries) at their
		/// largest.
		pub fn capability_deposit() -> BalanceOf<T> {
			let bytes = capability::entry_bytes::<T>();
			T::DepositPerItem::get()
				.saturating_mul(capability::ENTRIES.into())
				.saturating_add(T::DepositPerByte::get().saturating_mul(bytes.into()))
		}

		/// What `forget_capability` weighs, and the budget its execution runs with.
		pub(crate) fn forget_weight() -> Weight {
			T::WeightInfo::transfer_capability()
				.saturating_add(meter::lineage_removal::<T>(MAX_LINEAGE as usize))
				.saturating_add(meter::settle_module::<T>(true))
		}

		/// The deposit for staging `len` bytes of code.
		pub fn code_deposit(len: u32) -> BalanceOf<T> {
			T::DepositPerByte::get()
				.saturating_mul(len.into())
				.saturating_add(T::DepositPerItem::get())
		}

		/// Deploys a genesis module with an unlimited budget.
		fn deploy_at_genesis(
			module: &GenesisModule<T::AccountId>,
		) -> Result<ModuleId, DispatchError> {
			let valid = wasm::validate::<T>(&module.code).map_err(Error::<T>::from)?;
			let name: ModuleName<T> = module
				.name
				.as_bytes()
				.to_vec()
				.try_into()
				.map_err(|_| Error::<T>::ModuleNameTaken)?;
			let deployer = module.deployer.clone();
			let (result, _) = exec::run_top_level::<T, _>(Weight::MAX, |ctx, sandbox| {
				ctx.charge_deposits_to(deployer.clone(), None);
				let code = &module.code;
				let id = lifecycle::create_module::<T>(ctx, deployer.clone(), name, code, valid)?;
				ctx.init(sandbox, id, deployer.clone(), module.params.clone(), Vec::new())?;
				Ok(id)
			});
			result.map_err(|e| Error::<T>::from(e).into())
		}

		/// Capabilities held by `holder`, in storage order, starting after `start_after`, at
		/// most `limit` of them: the paged listing behind the runtime API.
		pub fn capabilities_of(
			holder: &HolderOf<T>,
			start_after: Option<CapId>,
			limit: u32,
		) -> Vec<(CapId, CapabilityOf<T>)> {
			let iter = match start_after {
				Some(after) => HeldBy::<T>::iter_key_prefix_from(
					holder,
					HeldBy::<T>::hashed_key_for(holder, after),
				),
				None => HeldBy::<T>::iter_key_prefix(holder),
			};
			iter.take(limit as usize)
				.filter_map(|id| Capabilities::<T>::get(id).map(|cap| (id, cap)))
				.collect()
		}

		/// Whether `module` exports `entry`.
		pub fn exports(module: ModuleId, entry: Entry) -> bool {
			Modules::<T>::get(module).is_some_and(|info| info.exports.has(entry))
		}
	}
}

/// A module deployed at genesis.
#[derive(
	codec::Encode,
	codec::Decode,
	scale_info::TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(bound(serialize = "AccountId: serde::Serialize"))]
#[serde(bound(deserialize = "AccountId: serde::de::DeserializeOwned"))]
pub struct GenesisModule<AccountId> {
	/// Unique name.
	pub name: alloc::string::String,
	/// The Wasm code.
	#[serde(with = "polkadot_sdk::sp_core::bytes")]
	pub code: alloc::vec::Vec<u8>,
	/// Parameters for `init`.
	#[serde(with = "polkadot_sdk::sp_core::bytes")]
	pub params: alloc::vec::Vec<u8>,
	/// Who deploys it and pays its deposit.
	pub deployer: AccountId,
}
