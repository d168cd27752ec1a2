//! The kernel's runtime API: dry runs, capability listings and module info, for wallets,
//! clients and the node.

use crate::{
	deposit::{self, StorageDeposit},
	exec::ExecError,
	failure::FrameFailure,
	types::{BalanceOf, CapabilityOf, HolderOf, Limits, UsageOf},
	CapRefs, Capabilities, Config, Error, Event, ModuleNames, Modules, Pallet, Params, Requests,
};
use alloc::vec::Vec;
use codec::{Codec, Decode, DecodeWithMemTracking, Encode};
use kernel_primitives::{
	abi::Entry, envelope::Output, CapId, CapRef, Capability, Exports, Holder, ModuleId, Request,
	Version,
};
use polkadot_sdk::{
	frame_support::{dispatch::DispatchClass, traits::Get, weights::Weight, BoundedVec},
	frame_system, sp_api,
	sp_core::H256,
	sp_runtime::DispatchError,
};
use scale_info::TypeInfo;

/// A capability as clients see it: data as plain bytes.
pub type PlainCapability<AccountId> = Capability<AccountId, Vec<u8>>;

/// What to dry-run.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum DryRunCall {
	/// A `Kernel::call`.
	Call {
		/// The module.
		module: ModuleId,
		/// Its function.
		function: Vec<u8>,
		/// Parameters.
		params: Vec<u8>,
		/// Capabilities passed.
		caps: Vec<CapRef>,
		/// User requests.
		requests: Vec<Request<Vec<u8>>>,
	},
	/// A `Kernel::invoke`.
	Invoke {
		/// The capability.
		cap: CapId,
		/// The function.
		function: Vec<u8>,
		/// Parameters.
		params: Vec<u8>,
		/// Capabilities passed.
		caps: Vec<CapRef>,
		/// User requests.
		requests: Vec<Request<Vec<u8>>>,
	},
	/// A `Kernel::drop_capability`.
	Drop {
		/// The capability.
		cap: CapId,
	},
	/// A `Kernel::deploy`.
	Deploy {
		/// The Wasm.
		code: Vec<u8>,
		/// The name.
		name: Vec<u8>,
		/// `init` parameters.
		params: Vec<u8>,
		/// Capabilities passed.
		caps: Vec<CapRef>,
		/// User requests.
		requests: Vec<Request<Vec<u8>>>,
	},
}

/// Every capability the dry run minted, invoked, moved, dropped or revoked, in order: what a wallet
/// shows before the user signs.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct CapabilityFlow<AccountId> {
	/// Minted: id, creator's module (`None`: the kernel), first holder.
	pub minted: Vec<(CapId, Option<ModuleId>, Holder<AccountId>)>,
	/// Invoked (and so consumed): id, by whom.
	pub invoked: Vec<(CapId, Holder<AccountId>)>,
	/// Moved: id, from, to.
	pub moved: Vec<(CapId, Holder<AccountId>, Holder<AccountId>)>,
	/// Dropped: id, by whom.
	pub dropped: Vec<(CapId, Holder<AccountId>)>,
	/// Revoked by its creator (with what was derived from it): id, by which module.
	pub revoked: Vec<(CapId, ModuleId)>,
}

impl<AccountId> Default for CapabilityFlow<AccountId> {
	fn default() -> Self {
		Self {
			minted: Vec::new(),
			invoked: Vec::new(),
			moved: Vec::new(),
			dropped: Vec::new(),
			revoked: Vec::new(),
		}
	}
}

/// The outcome of a dry run.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct DryRunResult<AccountId, Balance, Event> {
	/// The output and the capabilities handed to the signer, or the error.
	pub result: Result<Output, DispatchError>,
	/// The module's revert data, if a module reverted.
	pub revert_data: Option<Vec<u8>>,
	/// The last frames that failed, in the order they failed (a callee before its caller),
	/// including those whose callers went on: which module failed first, and why.
	pub failed_frames: Vec<FrameFailure>,
	/// The weight the transaction would be charged (base plus execution).
	pub weight_required: Weight,
	/// Fuel burnt by execution.
	pub fuel_used: u64,
	/// The kernel's events.
	pub events: Vec<Event>,
	/// The capability movements among those events.
	pub capability_flow: CapabilityFlow<AccountId>,
	/// The deposit the signer would be charged or refunded, net: the least
	/// `storage_deposit_limit` the transaction needs is the charge.
	pub storage_deposit: StorageDeposit<Balance>,
}

/// What clients see of a module.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ModuleSummary<AccountId, Balance> {
	/// Its id.
	pub id: ModuleId,
	/// Its name.
	pub name: Vec<u8>,
	/// Who deployed it.
	pub deployer: AccountId,
	/// Hash of its code.
	pub code_hash: H256,
	/// Length of its code.
	pub code_len: u32,
	/// Its version.
	pub version: Version,
	/// The entry points it exports.
	pub exports: Vec<Entry>,
	/// Whether it allows re-entry.
	pub reentrant: bool,
	/// State size in bytes.
	pub storage_bytes: u32,
	/// State items.
	pub storage_items: u32,
	/// Capabilities whose deposit it holds (see [`crate::Pallet::capability_deposit`]).
	pub capabilities: u32,
	/// Deposit held.
	pub deposit: Balance,
	/// The account the deposit is held on.
	pub account: AccountId,
	/// The hash of the module's metadata document, as its code records it
	/// ([`kernel_primitives::metadata`]): a client holding a document checks it against this.
	pub metadata_hash: Option<[u8; 32]>,
}

sp_api::decl_runtime_apis! {
	/// Read access and dry runs for the capability kernel.
	///
	/// Version 2: `DryRunResult` reports `failed_frames`. Version 3: it reports the
	/// `storage_deposit`, and `ModuleSummary` the module's `account` and `capabilities`.
	/// Version 4: `ModuleSummary` reports the `metadata_hash` the module's code records.
	#[api_version(4)]
	pub trait KernelApi<AccountId, Balance, Event> where
		AccountId: Codec,
		Balance: Codec,
		Event: Codec,
	{
		/// Runs `call` as `origin` would, on a copy of the state, and reports what happened.
		/// `weight_limit` defaults to, and is capped at, the most a normal extrinsic may use:
		/// a caller of the node's RPC cannot buy more work than a transaction could.
		fn dry_run(
			origin: AccountId,
			call: DryRunCall,
			weight_limit: Option<Weight>,
		) -> DryRunResult<AccountId, Balance, Event>;

		/// Capabilities held by `holder`, after `start_after`, at most `limit` and at most
		/// [`MAX_PAGE`](crate::runtime_api::MAX_PAGE) (paging).
		fn capabilities(
			holder: Holder<AccountId>,
			start_after: Option<CapId>,
			limit: u32,
		) -> Vec<(CapId, Capability<AccountId, Vec<u8>>)>;

		/// One capability.
		fn capability(id: CapId) -> Option<Capability<AccountId, Vec<u8>>>;

		/// A module's summary.
		fn module(id: ModuleId) -> Option<ModuleSummary<AccountId, Balance>>;

		/// The id of the module named `name`.
		fn module_id(name: Vec<u8>) -> Option<ModuleId>;

		/// Every module, in id order, after `start_after`, at most `limit` and at most
		/// [`MAX_PAGE`](crate::runtime_api::MAX_PAGE).
		fn modules(start_after: Option<ModuleId>, limit: u32) -> Vec<ModuleSummary<AccountId, Balance>>;

		/// Runs `module`'s `on_http_request` for an engine's HTTP gateway. Called by the node
		/// with the off-chain extensions (secrets, HTTP, keystore, transaction pool) registered.
		fn handle_http(
			module: Vec<u8>,
			request: kernel_primitives::offchain::HttpRequest,
		) -> Result<kernel_primitives::offchain::HttpResponse, kernel_primitives::offchain::HttpDispatchError>;

		/// The modules whose `on_state_change` this engine runs for the block this call is made
		/// at (see `engine::state_change_targets`). Called by the node on finalized blocks.
		fn state_change_targets() -> Vec<ModuleId>;

		/// Runs `module`'s `on_state_change` for the block this call is made at, named by
		/// `input`, once per (module, block) on this engine. Called by the node with the
		/// off-chain extensions registered.
		fn run_state_change(
			module: ModuleId,
			input: kernel_primitives::offchain::StateChangeInput,
		) -> kernel_primitives::offchain::StateChangeOutcome;
	}
}

/// A capability with plain `Vec` data.
fn plain<T: Config>(cap: CapabilityOf<T>) -> PlainCapability<T::AccountId> {
	Capability {
		holder: cap.holder,
		creator: cap.creator,
		data: cap.data.into_inner(),
		creator_version: cap.creator_version,
		parent: cap.parent,
	}
}

impl<T: Config> Pallet<T> {
	/// Checks `code` against the rules `deploy`, `upgrade` and `upload_code` apply (size, Wasm
	/// validity, no floats, imports, initial memory, exports), storing nothing, and returns the
	/// entry points it exports. `kernel-node check-module` runs it for `kernel build`, so that
	/// code the chain would refuse is refused before anyone pays for a deploy.
	pub fn check_code(code: &[u8]) -> Result<Exports, Error<T>> {
		crate::wasm::validate::<T>(code).map(|valid| valid.exports).map_err(Into::into)
	}

	/// Runs `call` for `origin` and reports output, weight, events and capability flow. The
	/// state changes are meant to be discarded by the caller (a runtime API call does).
	pub fn dry_run(
		origin: T::AccountId,
		call: DryRunCall,
		weight_limit: Option<Weight>,
	) -> DryRunResult<T::AccountId, BalanceOf<T>, Event<T>>
	where
		T::RuntimeEvent: TryInto<Event<T>>,
	{
		let max = max_extrinsic_weight::<T>();
		let limit = weight_limit.map_or(max, |asked| asked.min(max));
		// Run as in the next block, so that events are recorded (they are not at block 0), and
		// with no events of the current block. The runtime API discards these changes.
		let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
		let parent = frame_system::Pallet::<T>::parent_hash();
		frame_system::Pallet::<T>::reset_events();
		frame_system::Pallet::<T>::initialize(&next, &parent, &Default::default());

		let (result, base, usage) = dry_run_inner::<T>(origin, call, limit);
		let revert_data = match &result {
			Err(ExecError::Reverted(data)) => Some(data.clone()),
			_ => None,
		};
		let events: Vec<Event<T>> = frame_system::Pallet::<T>::read_events_no_consensus()
			.filter_map(|record| record.event.clone().try_into().ok())
			.collect();
		let capability_flow = flow_of::<T>(&events);
		DryRunResult {
			result: result.map_err(|e| Error::<T>::from(e).into()),
			revert_data,
			failed_frames: usage.failed_frames.into_iter().map(FrameFailure::of::<T>).collect(),
			weight_required: base.saturating_add(usage.weight),
			fuel_used: usage.fuel,
			events,
			capability_flow,
			storage_deposit: usage.storage_deposit,
		}
	}

	/// Capabilities held by `holder`, paged.
	pub fn api_capabilities(
		holder: HolderOf<T>,
		start_after: Option<CapId>,
		limit: u32,
	) -> Vec<(CapId, PlainCapability<T::AccountId>)> {
		Self::capabilities_of(&holder, start_after, limit.min(MAX_PAGE))
			.into_iter()
			.map(|(id, cap)| (id, plain::<T>(cap)))
			.collect()
	}

	/// One capability.
	pub fn api_capability(id: CapId) -> Option<PlainCapability<T::AccountId>> {
		Capabilities::<T>::get(id).map(plain::<T>)
	}

	/// A module's summary.
	pub fn api_module(id: ModuleId) -> Option<ModuleSummary<T::AccountId, BalanceOf<T>>> {
		let info = Modules::<T>::get(id)?;
		Some(ModuleSummary {
			id,
			name: info.name.into_inner(),
			deployer: info.deployer,
			code_hash: info.code_hash,
			code_len: info.code_len,
			version: info.version,
			exports: info.exports.entries().collect(),
			reentrant: info.reentrant,
			storage_bytes: info.storage_bytes,
			storage_items: info.storage_items,
			capabilities: info.capabilities,
			deposit: info.deposit,
			account: deposit::module_account::<T>(id),
			// Read from the code, not kept in `ModuleInfo`: only clients ask, and the code is
			// what the hash must match.
			metadata_hash: crate::storage::ModuleStorage::new(id)
				.code()
				.and_then(|code| kernel_primitives::metadata::embedded_hash(&code)),
		})
	}

	/// The id of the module named `name`.
	pub fn api_module_id(name: Vec<u8>) -> Option<ModuleId> {
		let name: crate::ModuleName<T> = name.try_into().ok()?;
		ModuleNames::<T>::get(name)
	}

	/// Modules in id order, paged.
	pub fn api_modules(
		start_after: Option<ModuleId>,
		limit: u32,
	) -> Vec<ModuleSummary<T::AccountId, BalanceOf<T>>> {
		let first = start_after.map_or(0, |id| id.saturating_add(1));
		let end = crate::NextModuleId::<T>::get();
		(first..end).filter_map(Self::api_module).take(limit.min(MAX_PAGE) as usize).collect()
	}
}

/// Most entries one call of a listing API returns, whatever `limit` asks: a page is read in
/// one runtime call on the node, so its size must not be the caller's choice.
pub const MAX_PAGE: u32 = 100;

/// The most a normal extrinsic may use: the cap of a dry run's weight limit.
pub(crate) fn max_extrinsic_weight<T: Config>() -> Weight {
	let weights = T::BlockWeights::get();
	weights.get(DispatchClass::Normal).max_extrinsic.unwrap_or(weights.max_block)
}

/// Runs the dry-run call and returns its result, the dispatchable's base weight and usage.
/// Input beyond the pallet's bounds fails with `InputTooLarge` without running anything.
fn dry_run_inner<T: Config>(
	origin: T::AccountId,
	call: DryRunCall,
	limit: Weight,
) -> (Result<Output, ExecError>, Weight, UsageOf<T>) {
	let base = base_weight::<T>(&call);
	let too_large =
		|| (Err(ExecError::Trapped(crate::exec::Trap::InputTooLarge)), UsageOf::<T>::default());
	// No deposit limit: the dry run tells what the transaction would be charged.
	let limit = Limits::weight(limit);
	let (result, usage) = match call {
		DryRunCall::Call { module, function, params, caps, requests } => {
			match (bound(function), BoundArgs::<T>::new(params, caps, requests)) {
				(Some(function), Some(a)) => Pallet::<T>::execute_call(
					&origin, module, function, a.params, a.caps, a.requests, limit,
				),
				_ => too_large(),
			}
		},
		DryRunCall::Invoke { cap, function, params, caps, requests } => {
			match (bound(function), BoundArgs::<T>::new(params, caps, requests)) {
				(Some(function), Some(a)) => Pallet::<T>::execute_invoke(
					&origin, cap, function, a.params, a.caps, a.requests, limit,
				),
				_ => too_large(),
			}
		},
		DryRunCall::Drop { cap } => Pallet::<T>::execute_drop(&origin, cap, limit),
		DryRunCall::Deploy { code, name, params, caps, requests } => {
			let code = bound::<crate::CodeOf<T>>(code);
			let name = bound::<crate::ModuleName<T>>(name);
			match (code, name, BoundArgs::<T>::new(params, caps, requests)) {
				(Some(code), Some(name), Some(a)) => Pallet::<T>::execute_deploy(
					&origin, code, name, a.params, a.caps, a.requests, limit,
				),
				_ => too_large(),
			}
		},
	};
	(result, base, usage)
}

/// The base weight of the dispatchable `call` dry-runs.
fn base_weight<T: Config>(call: &DryRunCall) -> Weight {
	use crate::weights::WeightInfo;
	match call {
		DryRunCall::Call { .. } => T::WeightInfo::call(),
		DryRunCall::Invoke { .. } => T::WeightInfo::invoke(),
		DryRunCall::Drop { .. } => T::WeightInfo::drop_capability(),
		DryRunCall::Deploy { code, .. } => T::WeightInfo::deploy(code.len() as u32),
	}
}

/// A dry run's arguments within the bounds of the dispatchable's arguments.
struct BoundArgs<T: Config> {
	params: Params<T>,
	caps: CapRefs<T>,
	requests: Requests<T>,
}

impl<T: Config> BoundArgs<T> {
	/// `None` if any argument exceeds its bound.
	fn new(params: Vec<u8>, caps: Vec<CapRef>, requests: Vec<Request<Vec<u8>>>) -> Option<Self> {
		Some(Self {
			params: bound(params)?,
			caps: caps.try_into().ok()?,
			requests: bound_requests::<T>(requests)?,
		})
	}
}

fn bound<B: TryFrom<Vec<u8>>>(bytes: Vec<u8>) -> Option<B> {
	B::try_from(bytes).ok()
}

fn bound_requests<T: Config>(requests: Vec<Request<Vec<u8>>>) -> Option<Requests<T>> {
	let requests: Option<Vec<_>> = requests
		.into_iter()
		.map(|r| Some(Request { module: r.module, data: BoundedVec::try_from(r.data).ok()? }))
		.collect();
	requests?.try_into().ok()
}

/// The capability movements among `events`.
fn flow_of<T: Config>(events: &[Event<T>]) -> CapabilityFlow<T::AccountId> {
	let mut flow = CapabilityFlow::default();
	for event in events {
		match event {
			Event::CapabilityMinted { id, creator, holder, .. } => {
				let creator = match creator {
					kernel_primitives::Creator::Module(m) => Some(*m),
					kernel_primitives::Creator::System => None,
				};
				flow.minted.push((*id, creator, holder.clone()));
			},
			Event::CapabilityInvoked { id, by } => flow.invoked.push((*id, by.clone())),
			Event::CapabilityMoved { id, from, to } => {
				flow.moved.push((*id, from.clone(), to.clone()))
			},
			Event::CapabilityDropped { id, by } => flow.dropped.push((*id, by.clone())),
			Event::CapabilitiesRevoked { ids, by, .. } => {
				flow.revoked.extend(ids.iter().map(|id| (*id, *by)))
			},
			_ => {},
		}
	}
	flow
}
