//! # kernel-sdk
//!
//! Everything a process module for the capability kernel needs: entry points without
//! boilerplate, typed storage in the module's own child trie, capability handles, calls to
//! other modules, and the runtime pieces (allocator, panic handler) a `no_std` Wasm module lacks.
//!
//! A module is a `cdylib` crate built for `wasm32-unknown-unknown`. It implements [`Module`]
//! and names the entry points it exports with [`entry_points!`]:
//!
//! ```ignore
//! #![no_std]
//! use kernel_sdk::prelude::*;
//!
//! /// Counts calls per account.
//! pub struct Counter;
//!
//! const COUNTS: Map<AccountId, u64> = Map::new(b"count");
//!
//! impl Module for Counter {
//!     fn init(_init: Init) -> Result<Output> {
//!         Ok(Output::none())
//!     }
//!
//!     fn call(call: Call) -> Result<Output> {
//!         match call.function() {
//!             "bump" => {
//!                 let who = env::caller_account()?;
//!                 let count = COUNTS.get(&who).unwrap_or(0) + 1;
//!                 COUNTS.insert(&who, &count);
//!                 Ok(Output::value(&count))
//!             },
//!             "count" => {
//!                 let who: AccountId = call.args()?;
//!                 Ok(Output::value(&COUNTS.get(&who).unwrap_or(0)))
//!             },
//!             _ => Err(Error::UnknownFunction),
//!         }
//!     }
//! }
//!
//! kernel_sdk::entry_points!(Counter: init, call);
//! ```
//!
//! Natively, [`testing::TestEnv`] answers the host functions, so a module's entry points run in
//! plain unit tests (`kernel test`). See `docs/writing-a-module.md` in the repository for a
//! walkthrough and `docs/host-abi.md` for the ABI underneath.

#![no_std]
#![warn(missing_docs)]

extern crate alloc;
// Natively (`kernel test`), the test environment keeps its state per thread.
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

pub mod cap;
pub mod entry;
pub mod env;
pub mod error;
pub mod offchain;
pub mod storage;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

/// Describes a module for clients: a module crate's `metadata()` returns a
/// [`Metadata`](kernel_metadata::Metadata) document, which `kernel build` writes next to the
/// `.wasm` (natively, with the `metadata` feature; see `docs/writing-a-module.md`).
#[cfg(feature = "metadata")]
pub use kernel_metadata as metadata;

mod host;
#[cfg(target_arch = "wasm32")]
mod rt;

pub use cap::{
	call_module, call_module_with_fuel, revoke, revoke_step, Cap, CapInfo, Encoded, Reply,
	Revocation, RevokedCap,
};
pub use codec::{self, Decode, Encode};
pub use entry::{
	Block, Call, Dropped, Init, Invocation, Migration, Module, Output, Request, StateChange,
};
pub use error::{CallError, Error, Failed, Result};
pub use kernel_primitives::{
	self as primitives, abi::ReturnCode, AccountIdBytes as AccountId, CapId, ModuleId, Version,
};
pub use offchain::{HttpRequest, HttpResponse};
pub use storage::{Map, Value};

/// An account or a module, as modules see it.
pub type Holder = kernel_primitives::Holder<AccountId>;

/// The names a module usually needs.
pub mod prelude {
	pub use crate::{
		call_module, env, offchain, storage, AccountId, Block, Call, Cap, CapId, Decode, Dropped,
		Encode, Error, Holder, HttpRequest, HttpResponse, Init, Invocation, Map, Migration, Module,
		ModuleId, Output, Reply, Request, Result, StateChange, Value,
	};
	pub use alloc::{vec, vec::Vec};
}

/// Exports the listed entry points of a [`Module`] implementation.
///
/// Only listed entries are exported, so the kernel knows exactly what the module handles (it
/// runs `on_block` only for modules that export it, for instance). `init` and `call` are
/// required.
///
/// ```ignore
/// kernel_sdk::entry_points!(Balance: init, call, invoke, validate_request, on_drop);
/// ```
#[macro_export]
macro_rules! entry_points {
	($module:ty : $($entry:ident),+ $(,)?) => {
		$( $crate::entry_points!(@export $module, $entry); )+
	};
	(@export $module:ty, init) => {
		#[no_mangle]
		pub extern "C" fn init() { $crate::entry::run_init::<$module>() }
	};
	(@export $module:ty, call) => {
		#[no_mangle]
		pub extern "C" fn call() { $crate::entry::run_call::<$module>() }
	};
	(@export $module:ty, invoke) => {
		#[no_mangle]
		pub extern "C" fn invoke() { $crate::entry::run_invoke::<$module>() }
	};
	(@export $module:ty, validate_request) => {
		#[no_mangle]
		pub extern "C" fn validate_request() { $crate::entry::run_validate_request::<$module>() }
	};
	(@export $module:ty, on_drop) => {
		#[no_mangle]
		pub extern "C" fn on_drop() { $crate::entry::run_on_drop::<$module>() }
	};
	(@export $module:ty, migrate) => {
		#[no_mangle]
		pub extern "C" fn migrate() { $crate::entry::run_migrate::<$module>() }
	};
	(@export $module:ty, on_block) => {
		#[no_mangle]
		pub extern "C" fn on_block() { $crate::entry::run_on_block::<$module>() }
	};
	(@export $module:ty, on_state_change) => {
		#[no_mangle]
		pub extern "C" fn on_state_change() { $crate::entry::run_on_state_change::<$module>() }
	};
	(@export $module:ty, on_http_request) => {
		#[no_mangle]
		pub extern "C" fn on_http_request() { $crate::entry::run_on_http_request::<$module>() }
	};
	(@export $module:ty, allow_reentry) => {
		/// Marker: this module may be re-entered while on the call stack.
		#[no_mangle]
		pub extern "C" fn allow_reentry() {}
	};
}
