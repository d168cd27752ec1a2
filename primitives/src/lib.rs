//! Types shared by everything that speaks to the capability kernel.
//!
//! The kernel pallet, the runtime, the node, the command-line client and the process modules
//! (through the module SDK) all use the definitions in this crate, so that a capability, a call
//! envelope or a host function means the same thing on both sides of the sandbox.
//!
//! * [`ModuleId`], [`CapId`], [`Holder`], [`Creator`] and [`Capability`] describe the capability
//!   table.
//! * [`envelope`] holds the SCALE-encoded inputs and outputs that cross the sandbox boundary.
//! * [`abi`] is the host ABI: import and export names, return codes and flags.
//! * [`metadata`] says where a module's code records the hash of its metadata document.
//! * [`system`] describes the capabilities the kernel itself mints (`system::upgradable`,
//!   `system::destroy`).
//!
//! Everything is `no_std`, SCALE-encoded and carries `TypeInfo`, so that polkadot.js and subxt
//! decode it from metadata.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod abi;
pub mod envelope;
pub mod leb128;
pub mod metadata;
pub mod offchain;
pub mod system;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifier of a process module. Assigned in deploy order, never reused.
pub type ModuleId = u32;

/// Identifier of a capability. Assigned in mint order, never reused.
pub type CapId = u64;

/// Version of a module's code: `1` after deploy, incremented by every upgrade.
pub type Version = u32;

/// The account type that modules see: a 32-byte public key, as `AccountId32` encodes.
pub type AccountIdBytes = [u8; 32];

/// Who holds a capability or makes a call: an account or a process module.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Holder<AccountId> {
	/// An account, typically the signer of a transaction.
	Account(AccountId),
	/// A process module.
	Module(ModuleId),
}

impl<AccountId> Holder<AccountId> {
	/// The module id if this holder is a module.
	pub fn as_module(&self) -> Option<ModuleId> {
		match self {
			Holder::Module(id) => Some(*id),
			Holder::Account(_) => None,
		}
	}

	/// The account if this holder is an account.
	pub fn as_account(&self) -> Option<&AccountId> {
		match self {
			Holder::Account(who) => Some(who),
			Holder::Module(_) => None,
		}
	}
}

/// Who minted a capability and therefore runs its handlers.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Creator {
	/// The kernel itself: the `system::*` capabilities (see [`system::SystemCap`]).
	System,
	/// A process module; its `invoke` export handles the capability.
	Module(ModuleId),
}

/// A capability as the kernel records it.
///
/// The kernel never changes `data`; only `holder` changes, when the capability is passed. A
/// capability disappears when it is invoked, dropped or consumed by its creator.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Capability<AccountId, Data> {
	/// Who may invoke, pass or drop it.
	pub holder: Holder<AccountId>,
	/// Who minted it and handles its invocations.
	pub creator: Creator,
	/// Opaque bytes meaningful to the creator.
	pub data: Data,
	/// The creator's code version when the capability was minted.
	pub creator_version: Version,
	/// The capability this one was derived from (minted while handling an invocation of the
	/// parent), if any: the lineage that lets a creator later revoke a whole subtree.
	pub parent: Option<CapId>,
}

/// A capability removed by revocation, as its creator learns of it from `cap_revoke`: enough to
/// settle what it stood for (unlock the funds it covered, say), since no `on_drop` runs.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RevokedCap<AccountId> {
	/// Its id.
	pub id: CapId,
	/// Who held it.
	pub holder: Holder<AccountId>,
	/// Its data.
	pub data: alloc::vec::Vec<u8>,
}

/// What one `cap_revoke` removed: a bounded step of revoking a capability and everything derived
/// from it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Revocation<AccountId> {
	/// The capabilities removed in this step.
	pub revoked: alloc::vec::Vec<RevokedCap<AccountId>>,
	/// Whether nothing derived from the capability is left; `false`: call `cap_revoke` again.
	pub complete: bool,
}

/// How a transaction or a module names a capability it passes to a call.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CapRef {
	/// A capability the caller already holds.
	Held(CapId),
	/// The capability created by the transaction's request at this index (see [`Request`]).
	Request(u32),
}

/// A user request: "module, please grant me a capability with this data".
///
/// Before the call runs, the kernel asks `module`'s `validate_request` export to accept `data` for
/// the signer; an accepted request becomes a capability held by the signer and usable as an
/// argument of the same call through [`CapRef::Request`].
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Request<Data> {
	/// The module asked to create the capability.
	pub module: ModuleId,
	/// What is asked for, in the module's own encoding.
	pub data: Data,
}

/// The exports a module has, as a bit set over [`abi::Entry`].
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Exports(pub u32);

impl Exports {
	/// Whether `entry` is exported.
	pub fn has(&self, entry: abi::Entry) -> bool {
		self.0 & entry.bit() != 0
	}

	/// Marks `entry` as exported.
	pub fn insert(&mut self, entry: abi::Entry) {
		self.0 |= entry.bit();
	}

	/// The exported entries, in [`abi::Entry::ALL`] order.
	pub fn entries(&self) -> impl Iterator<Item = abi::Entry> + '_ {
		abi::Entry::ALL.iter().copied().filter(|e| self.has(*e))
	}
}
