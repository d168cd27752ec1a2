//! The SCALE-encoded values that cross the sandbox boundary.
//!
//! Each entry point reads one input type with the `input` host function; every successful
//! entry point ends with an [`Output`]. Calls from one module to another (`call_module`,
//! `cap_invoke`) send a [`CallInput`].
//!
//! `AccountId` is generic so the kernel can use the runtime's account type; modules see
//! [`crate::AccountIdBytes`], which encodes identically to `AccountId32`.

use crate::{CapId, Holder, Version};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// A call of a module function: what `call` receives, and what `invoke` receives besides the
/// invoked capability.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct CallInput {
	/// The function name, UTF-8.
	pub function: Vec<u8>,
	/// Parameters in the module's own encoding (SCALE by convention).
	pub params: Vec<u8>,
	/// Capabilities passed with the call; the kernel has moved them to the callee.
	pub caps: Vec<CapId>,
}

/// Input of the `init` entry point, run once at deploy.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct InitInput<AccountId> {
	/// The account that deployed the module.
	pub deployer: AccountId,
	/// Initialisation parameters given to `deploy`.
	pub params: Vec<u8>,
	/// `system::upgradable(self)`, held by the module.
	pub upgradable: CapId,
	/// `system::destroy(self)`, held by the module.
	pub destroy: CapId,
	/// Further capabilities passed to `deploy`, now held by the module.
	pub caps: Vec<CapId>,
}

/// Input of the `invoke` entry point: a capability the module created is being invoked.
///
/// The capability no longer exists when the handler runs: invoking consumed it. A repeatable
/// capability returns its successor(s) in [`Output::caps`].
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct InvokeInput<AccountId> {
	/// The id the invoked capability had.
	pub cap: CapId,
	/// Who invoked it (its holder).
	pub invoker: Holder<AccountId>,
	/// The capability's data, as minted.
	pub data: Vec<u8>,
	/// The module's version when the capability was minted; compare with `module_version()`
	/// to recognise capabilities from before an upgrade.
	pub creator_version: Version,
	/// The function, parameters and passed capabilities.
	pub call: CallInput,
}

/// Input of `validate_request`: the signer of a transaction asks for a capability.
///
/// Returning succeeds the request: the output's `data` becomes the new capability's data (most
/// modules return the request unchanged). Reverting rejects it and fails the transaction.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RequestInput<AccountId> {
	/// The signer, who will hold the capability.
	pub signer: AccountId,
	/// What was asked for.
	pub data: Vec<u8>,
}

/// Input of `on_drop`: a capability the module created was dropped by its holder.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct DropInput<AccountId> {
	/// The id the capability had.
	pub cap: CapId,
	/// Who held and dropped it.
	pub holder: Holder<AccountId>,
	/// The capability's data.
	pub data: Vec<u8>,
	/// The module's version when the capability was minted.
	pub creator_version: Version,
}

/// Input of `migrate`, run right after the module's code was replaced.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct MigrateInput {
	/// The version before the upgrade.
	pub from_version: Version,
	/// The version now running.
	pub to_version: Version,
	/// Parameters given with the upgrade.
	pub params: Vec<u8>,
}

/// Input of `on_block`.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct BlockInput {
	/// The block being built.
	pub block_number: u64,
}

/// What a successful entry point returns.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct Output {
	/// Return data in the module's own encoding.
	pub data: Vec<u8>,
	/// Capabilities the module holds and hands to its caller (moved, not copied).
	pub caps: Vec<CapId>,
}
