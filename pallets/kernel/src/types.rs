//! Types the kernel keeps in storage and takes in its calls.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::fungible::Inspect};
use kernel_primitives::{CapRef, Capability, Exports, Holder, Request, Version};
use polkadot_sdk::{frame_support, frame_system, sp_core::H256};
use scale_info::TypeInfo;

/// The balance type of the currency deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A holder with the runtime's account type.
pub type HolderOf<T> = Holder<<T as frame_system::Config>::AccountId>;
/// Capability data, bounded.
pub type CapData<T> = BoundedVec<u8, <T as Config>::MaxCapDataLen>;
/// A capability as stored.
pub type CapabilityOf<T> = Capability<<T as frame_system::Config>::AccountId, CapData<T>>;
/// A module name, bounded.
pub type ModuleName<T> = BoundedVec<u8, <T as Config>::MaxNameLen>;
/// A function name, bounded.
pub type FunctionName<T> = BoundedVec<u8, <T as Config>::MaxFunctionNameLen>;
/// Call parameters, bounded.
pub type Params<T> = BoundedVec<u8, <T as Config>::MaxParamsLen>;
/// Wasm code, bounded.
pub type CodeOf<T> = BoundedVec<u8, <T as Config>::MaxCodeLen>;
/// Capabilities passed with a call, bounded.
pub type CapRefs<T> = BoundedVec<CapRef, <T as Config>::MaxCapsPerCall>;
/// User requests of a transaction, bounded.
pub type Requests<T> = BoundedVec<Request<CapData<T>>, <T as Config>::MaxRequests>;
/// Module info as stored.
pub type ModuleInfoOf<T> = ModuleInfo<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	ModuleName<T>,
>;

/// What the kernel knows about a deployed module. Its code and state live in its child trie.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ModuleInfo<AccountId, Balance, BlockNumber, Name> {
	/// Unique human-readable name.
	pub name: Name,
	/// Who deployed it: pays the deposits of executions nobody signed, and gets what is on the
	/// module's account when it is deleted.
	pub deployer: AccountId,
	/// BLAKE2b-256 of the current code.
	pub code_hash: H256,
	/// Length of the current code in bytes.
	pub code_len: u32,
	/// `1` at deploy, incremented by each upgrade.
	pub version: Version,
	/// The entry points the code exports.
	pub exports: Exports,
	/// Whether the code opted in to re-entry (exports `allow_reentry`).
	pub reentrant: bool,
	/// Bytes of state (keys and values) in the child trie, code excluded.
	pub storage_bytes: u32,
	/// Number of state items in the child trie, code excluded.
	pub storage_items: u32,
	/// Capabilities in the table whose deposit this module's account holds: those it minted,
	/// and the `system::*` capabilities that govern it.
	pub capabilities: u32,
	/// The deposit for code and state, held on the module's account
	/// ([`crate::deposit::module_account`]).
	pub deposit: Balance,
	/// When it was deployed.
	pub deployed_at: BlockNumber,
	/// The [`crate::wasm::VALIDATOR_VERSION`] its code was validated under: code validated
	/// under the current version runs without being validated again.
	pub validator: u16,
	/// Keys of its state cleared so far in the last block it cleared any: what
	/// `storage_next_key` may have to step over (see [`ClearedKeys`]).
	pub cleared: ClearedKeys<BlockNumber>,
}

/// How many of a module's state keys were cleared in `block`.
///
/// A cleared key stays in the block's overlay as a deletion until the block ends, and the
/// node's `next_key` steps over each deletion it meets with one more trie seek. So a
/// `storage_next_key` of a module that cleared many keys earlier in the block does many seeks,
/// and the kernel charges it for `count` of them (an upper bound: it cannot see which of the
/// deletions lie after the key asked for).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ClearedKeys<BlockNumber> {
	/// The block the count is for; a count of an earlier block is zero.
	pub block: BlockNumber,
	/// Keys cleared in that block by executions that committed.
	pub count: u32,
}

impl<BlockNumber: PartialEq> ClearedKeys<BlockNumber> {
	/// The keys cleared in `now`.
	pub fn in_block(&self, now: &BlockNumber) -> u32 {
		if self.block == *now {
			self.count
		} else {
			0
		}
	}

	/// The count after `cleared` more keys in `now`.
	pub fn add(&self, now: BlockNumber, cleared: u32) -> Self {
		Self { count: self.in_block(&now).saturating_add(cleared), block: now }
	}
}

/// How many ancestors a derived capability is revocable through: the root of its derivation tree
/// and the `MAX_LINEAGE - 1` nearest ones. Bounded so that minting and consuming a derived
/// capability does a fixed amount of index work, however long its history.
pub const MAX_LINEAGE: u32 = 4;

/// The ancestors a derived capability can be revoked through, root first, its parent last (see
/// [`MAX_LINEAGE`]).
pub type Lineage = BoundedVec<kernel_primitives::CapId, ConstU32<MAX_LINEAGE>>;

/// A module whose storage is still being deleted after `system::destroy`.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Tombstone<AccountId> {
	/// Who deployed it: gets the deposit when deletion is complete.
	pub deployer: AccountId,
}

/// How much state a module added or removed during an execution: positive grows the deposit.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct UsageDelta {
	/// Change in state bytes.
	pub bytes: i64,
	/// Change in state items.
	pub items: i64,
	/// State keys cleared (each leaves a deletion in the block's overlay).
	pub cleared: u32,
	/// Change in capabilities whose deposit the module's account holds.
	pub capabilities: i64,
	/// Whether the deposit must be worked out again although the state did not change: the
	/// module was created or its code replaced.
	pub recount: bool,
}

/// Maps the signed deltas onto a stored counter, saturating at the bounds.
pub(crate) fn apply_delta(counter: u32, delta: i64) -> u32 {
	let next = i64::from(counter).saturating_add(delta);
	next.clamp(0, i64::from(u32::MAX)) as u32
}

/// Code staged with `upload_code`, for an upgrade by hash. Everyone who uploaded it holds a
/// deposit for it (`CodeUploads`) and it stays until the last of them removes it, so that an
/// uploader cannot pull code from under an upgrade that someone else staged too.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct StagedCode<Code> {
	/// The Wasm.
	pub code: Code,
	/// How many accounts uploaded it and have not removed it.
	pub uploaders: u32,
}

/// Staged code as stored.
pub type StagedCodeOf<T> = StagedCode<CodeOf<T>>;

/// Identifies a code blob staged with `upload_code`.
pub type CodeHash = H256;

/// Whether `name` may name a module: 1 or more of `a-z A-Z 0-9 _ - .` (the length is bounded by
/// its type).
pub fn is_valid_name(name: &[u8]) -> bool {
	!name.is_empty()
		&& name.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// A registered engine as stored.
pub type EngineInfoOf<T> =
	kernel_primitives::offchain::EngineInfo<BoundedVec<u8, <T as Config>::MaxEndpointLen>>;

/// The budgets a transaction gives its execution.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Limits<Balance> {
	/// Weight the execution may use on top of the dispatchable's base weight.
	pub weight: Weight,
	/// The most the signer may be charged in deposits, net; `None`: no limit.
	pub deposit: Option<Balance>,
}

impl<Balance> Limits<Balance> {
	/// A weight budget with no deposit limit.
	pub fn weight(weight: Weight) -> Self {
		Self { weight, deposit: None }
	}
}

/// What an execution used, with the runtime's balance type.
pub type UsageOf<T> = crate::exec::Usage<BalanceOf<T>>;
