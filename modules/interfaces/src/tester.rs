//! `tester`: a module that exercises every kernel rule on request, for the kernel's tests and
//! benchmarks. Not deployed on real chains.
//!
//! Off-chain, on engines that run it: `on_state_change` counts its runs in a secret and
//! submits `emit(ENGINE_EVENT)` signed by the engine; `on_http_request` answers
//! `/echo` (the body back), `GET|PUT /secret/{key}`, `/write` (tries to write state),
//! `/submit` (submits `emit(body)`), `/fetch` (fetches the URL in the body), `/call` (a
//! nested call described by the [`CallArgs`] body, answered with the [`Outcome`]), `/whoami`
//! (the engine's account) and `/fail`.

use crate::{CapId, ModuleId};
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// Function names.
pub mod function {
	/// `Vec<u8>` data: mints a capability with it and returns it to the caller.
	pub const MINT: &str = "mint";
	/// Keeps the passed capabilities; returns their ids.
	pub const KEEP: &str = "keep";
	/// Returns the ids of kept capabilities (`Vec<CapId>`).
	pub const KEPT: &str = "kept";
	/// [`InvokeArgs`]: invokes a held capability and reports the [`Outcome`].
	pub const INVOKE: &str = "invoke";
	/// `(InvokeArgs, Vec<u8>, Vec<u8>)`: invokes a held capability, then writes the value under the key
	/// as `set` does, whatever the invocation did; returns the invocation's [`Outcome`].
	pub const INVOKE_THEN_SET: &str = "invoke_then_set";
	/// [`CallArgs`]: calls a module and reports the [`Outcome`].
	pub const CALL: &str = "call";
	/// `Vec<CallArgs>`: makes each call in turn, going on when one fails; returns the
	/// `Vec<Outcome>`.
	pub const CALL_EACH: &str = "call_each";
	/// `Vec<u8>`: reverts with these bytes as its revert data.
	pub const REVERT_WITH: &str = "revert_with";
	/// [`CallArgs`]: calls a module and fails if the call fails.
	pub const CALL_OR_FAIL: &str = "call_or_fail";
	/// `CapId`: drops a held capability; returns the return code (`u32`).
	pub const DROP: &str = "drop";
	/// `(CapId, u64)`: drops a held capability, giving its creator's `on_drop` at most that
	/// much fuel; returns the return code (`u32`).
	pub const DROP_WITH_FUEL: &str = "drop_with_fuel";
	/// `(CapId, Holder)`: gives a held capability away; returns the return code.
	pub const GIVE: &str = "give";
	/// `CapId`: returns `(u32, Option<Capability>)` as `cap_inspect` sees it.
	pub const INSPECT: &str = "inspect";
	/// `(Vec<u8>, Vec<u8>)`: writes a storage value.
	pub const SET: &str = "set";
	/// `Vec<u8>`: reads a storage value (`Option<Vec<u8>>`).
	pub const GET: &str = "get";
	/// `(Vec<u8>, Vec<u8>)`: writes a storage value, then reverts.
	pub const SET_THEN_FAIL: &str = "set_then_fail";
	/// `(Vec<u8>, Vec<u8>)`: writes a storage value, then traps.
	pub const SET_THEN_TRAP: &str = "set_then_trap";
	/// Panics with [`PANIC_MESSAGE`](super::PANIC_MESSAGE).
	pub const PANIC: &str = "panic";
	/// Loops forever.
	pub const SPIN: &str = "spin";
	/// `u32` pages: tries `memory.grow`; returns the result (`i32`, -1 on failure) and the
	/// memory size in pages afterwards.
	pub const GROW: &str = "grow";
	/// `u32` length: stores a value of that many bytes.
	pub const STORE_LEN: &str = "store_len";
	/// `u32` length: mints a capability with that many bytes of data.
	pub const MINT_LEN: &str = "mint_len";
	/// `Vec<u8>`: emits it as an event.
	pub const EMIT: &str = "emit";
	/// Returns [`Stats`].
	pub const STATS: &str = "stats";
	/// `u32` iterations of a busy loop (benchmarks).
	pub const BURN: &str = "burn";
	/// `Vec<AccountId>`: names the engines the module trusts.
	pub const TRUST: &str = "trust";
	/// Stores a secret: traps on chain (`OffchainOnly`); off chain (reached by a nested call from
	/// an engine's run) returns the `u32` return code of `secret_set`.
	pub const USE_SECRETS: &str = "use_secrets";
	/// `Vec<CapId>`: returns these held capabilities to the caller, in the output (the kept
	/// list is not updated).
	pub const RELEASE: &str = "release";
	/// `CapId`: revokes it and everything derived from it, in as many steps as it takes;
	/// returns an [`Outcome`] whose data is the SCALE `Vec<CapId>` revoked.
	pub const REVOKE: &str = "revoke";
	/// `CapId`: one step of revoking it; returns an [`Outcome`] whose data is the SCALE
	/// `(Vec<CapId>, bool)` revoked and whether the revocation is complete.
	pub const REVOKE_STEP: &str = "revoke_step";
	/// `CapId`: revokes it and everything derived from it, then reverts.
	pub const REVOKE_THEN_FAIL: &str = "revoke_then_fail";

	/// Capability: returns its data.
	pub const ECHO: &str = "echo";
	/// Capability: returns two capabilities with its data (the creator's own split).
	pub const SPLIT: &str = "split";
	/// Capability: returns one new capability with its data (repeatable).
	pub const RENEW: &str = "renew";
	/// Capability: reverts.
	pub const FAIL: &str = "fail";
	/// Capability: refuses capabilities minted by an older version of the module.
	pub const CHECK_VERSION: &str = "check_version";
}

/// Capability data `tester` refuses to let go of: `on_drop` fails for it.
pub const STICKY: &[u8] = b"sticky";
/// Capability data whose `on_drop` loops forever.
pub const SPIN_ON_DROP: &[u8] = b"spin on drop";
/// Request data `tester` rejects.
pub const REJECT: &[u8] = b"reject";
/// The message of [`function::PANIC`]'s panic.
pub const PANIC_MESSAGE: &str = "the tester panicked on purpose";
/// Migration parameters that make `migrate` fail.
pub const FAIL_MIGRATION: &[u8] = b"fail";

/// Parameters of [`function::INVOKE`].
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default)]
pub struct InvokeArgs {
	/// The capability to invoke.
	pub cap: CapId,
	/// Function name.
	pub function: Vec<u8>,
	/// Raw parameters.
	pub params: Vec<u8>,
	/// Held capabilities to pass.
	pub caps: Vec<CapId>,
	/// Fuel limit (0: all).
	pub fuel: u64,
}

/// Parameters of [`function::CALL`] and [`function::CALL_OR_FAIL`].
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default)]
pub struct CallArgs {
	/// The module to call.
	pub module: ModuleId,
	/// Function name.
	pub function: Vec<u8>,
	/// Raw parameters.
	pub params: Vec<u8>,
	/// Held capabilities to pass.
	pub caps: Vec<CapId>,
	/// Fuel limit (0: all).
	pub fuel: u64,
}

/// What a nested call or invocation returned, as `tester` saw it.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default)]
pub struct Outcome {
	/// The kernel's return code (`kernel_primitives::abi::ReturnCode`).
	pub code: u32,
	/// Output data, or the callee's revert data.
	pub data: Vec<u8>,
	/// Capabilities received (now kept by `tester`).
	pub caps: Vec<CapId>,
}

/// Secret key under which `on_state_change` counts its runs on an engine (SCALE `u32`).
pub const STATE_CHANGE_COUNT: &[u8] = b"state-change-count";
/// Secret key under which `on_state_change` lists the blocks it ran for on an engine, oldest
/// first (SCALE `Vec<u64>`, the last [`STATE_CHANGE_BLOCKS_KEPT`]).
pub const STATE_CHANGE_BLOCKS: &[u8] = b"state-change-blocks";
/// How many block numbers [`STATE_CHANGE_BLOCKS`] keeps.
pub const STATE_CHANGE_BLOCKS_KEPT: usize = 512;
/// Data of the event `tester` asks the engine to emit from `on_state_change`.
pub const ENGINE_EVENT: &[u8] = b"from-engine";

/// What `tester` has observed.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default)]
pub struct Stats {
	/// `on_block` runs.
	pub ticks: u32,
	/// Capabilities dropped (its `on_drop` ran for them).
	pub dropped: Vec<CapId>,
	/// Requests accepted.
	pub requests: u32,
	/// `from_version` of the last migration.
	pub migrated_from: Option<u32>,
	/// Who called `init`, and with which system capabilities.
	pub init_caps: Vec<CapId>,
}
