//! Capabilities minted by the kernel itself (creator [`Creator::System`](crate::Creator)).
//!
//! At deploy every module receives `system::upgradable(self)` and `system::destroy(self)`. The
//! kernel handles their invocations:
//!
//! | capability | function | params | effect |
//! | --- | --- | --- | --- |
//! | `upgradable(m)` | `upgrade` | [`UpgradeParams`] | replaces m's code, bumps its version, runs `migrate`; returns a fresh `upgradable(m)` |
//! | `upgradable(m)`, `destroy(m)` | `duplicate` | none | returns two capabilities equal to the invoked one |
//! | `destroy(m)` | `destroy` | none | removes m; its storage is deleted lazily |
//!
//! Passing one to a democracy module makes the module's upgrade subject to a vote.

use crate::ModuleId;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Function name: replace the module's code.
pub const UPGRADE: &[u8] = b"upgrade";
/// Function name: turn one system capability into two.
pub const DUPLICATE: &[u8] = b"duplicate";
/// Function name: remove the module.
pub const DESTROY: &[u8] = b"destroy";

/// The data of a system capability.
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
pub enum SystemCap {
	/// May replace the module's code.
	Upgradable(ModuleId),
	/// May remove the module.
	Destroy(ModuleId),
}

impl SystemCap {
	/// The module the capability governs.
	pub fn module(&self) -> ModuleId {
		match self {
			SystemCap::Upgradable(m) | SystemCap::Destroy(m) => *m,
		}
	}
}

/// Parameters of `upgrade`.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct UpgradeParams {
	/// The new code: the Wasm itself, or the hash of code uploaded with `upload_code`.
	pub code: CodeSource,
	/// Parameters for the module's `migrate` entry.
	pub migrate_params: Vec<u8>,
}

/// Where new code comes from.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum CodeSource {
	/// The Wasm bytes.
	Code(Vec<u8>),
	/// The BLAKE2b-256 hash of code staged with `upload_code`.
	Hash([u8; 32]),
}
