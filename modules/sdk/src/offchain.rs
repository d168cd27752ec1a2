//! What off-chain entry points (`on_state_change`, `on_http_request`) can do on an execution
//! engine: node-local secrets, outbound HTTP, randomness, time, the engine's identity, and
//! transactions signed with the engine's key.
//!
//! These functions exist only off-chain: called from an on-chain entry point they trap. In
//! off-chain entry points the module's state is read-only.

use crate::{
	env::with_output,
	error::{check, CallError},
	host::{self, Word},
	AccountId, CapId, ModuleId, ReturnCode,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use kernel_primitives::abi::MAX_OUTPUT_BUFFER;
pub use kernel_primitives::offchain::{
	EngineCall, HttpFetch, HttpRequest, HttpResponse, StateChangeInput,
};

/// Node-local secrets of this module, sealed at rest with the engine's key: other modules,
/// other nodes, the raw database and the node's RPC never see them in clear.
pub mod secrets {
	use super::*;

	/// The secret at `key`, `None` if there is none. Fails with `ReturnCode::Unavailable` when
	/// the node cannot open its secrets (no engine key, or a value sealed with another key) and
	/// `ReturnCode::NotAllowed` when this module does not trust the engine it runs on.
	pub fn get(key: &[u8]) -> Result<Option<Vec<u8>>, CallError> {
		// SAFETY: the host writes within the buffer it is given.
		let result = with_output(256, |ptr, len| unsafe {
			host::secret_get(key.as_ptr() as Word, key.len() as Word, ptr, len)
		});
		match result {
			Ok(value) => Ok(Some(value)),
			Err(error) if error.code == ReturnCode::KeyNotFound => Ok(None),
			Err(error) => Err(error),
		}
	}

	/// Stores `value` at `key`.
	pub fn set(key: &[u8], value: &[u8]) -> Result<(), CallError> {
		// SAFETY: the pointers describe `key` and `value`.
		check(unsafe {
			host::secret_set(
				key.as_ptr() as Word,
				key.len() as Word,
				value.as_ptr() as Word,
				value.len() as Word,
			)
		})
	}

	/// Removes the secret at `key`; whether there was one.
	pub fn clear(key: &[u8]) -> Result<bool, CallError> {
		// SAFETY: the pointer describes `key`.
		match check(unsafe { host::secret_clear(key.as_ptr() as Word, key.len() as Word) }) {
			Ok(()) => Ok(true),
			Err(error) if error.code == ReturnCode::KeyNotFound => Ok(false),
			Err(error) => Err(error),
		}
	}
}

/// Performs an outbound HTTP request. Fails with `ReturnCode::Unavailable` on network errors,
/// when the deadline passes or when the response exceeds the kernel's output limit, and with
/// `ReturnCode::NotAllowed` when this module does not trust the engine it runs on.
pub fn fetch(request: &HttpFetch) -> Result<HttpResponse, CallError> {
	let encoded = request.encode();
	// The buffer takes any response the kernel allows, so the request is sent exactly once.
	// SAFETY: the pointers describe `encoded` and the output buffer.
	let bytes = with_output(MAX_OUTPUT_BUFFER as usize, |ptr, len| unsafe {
		host::http_fetch(encoded.as_ptr() as Word, encoded.len() as Word, ptr, len)
	})?;
	HttpResponse::decode(&mut &bytes[..]).map_err(|_| CallError::code(ReturnCode::DecodeFailed))
}

/// 32 random bytes from the node (not consensus-safe, but unpredictable).
pub fn random() -> [u8; 32] {
	let mut out = [0u8; 32];
	// SAFETY: `out` has the 32 bytes the host writes.
	unsafe { host::random_seed(out.as_mut_ptr() as Word) };
	out
}

/// The engine's clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
	// SAFETY: no pointers.
	unsafe { host::now_ms() }
}

/// The engine's account (its key as an account), if the node has an engine key.
pub fn engine_account() -> Option<AccountId> {
	let mut out = [0u8; 32];
	// SAFETY: `out` has the 32 bytes the host writes.
	check(unsafe { host::engine_account(out.as_mut_ptr() as Word) }).ok().map(|()| out)
}

/// Submits `call` as a transaction signed by the engine's key.
pub fn submit(call: &EngineCall) -> Result<(), CallError> {
	let encoded = call.encode();
	// SAFETY: the pointer and length describe `encoded`.
	check(unsafe { host::submit_transaction(encoded.as_ptr() as Word, encoded.len() as Word) })
}

/// Submits `Kernel::call(module, function, params)` signed by the engine's key.
pub fn submit_call(
	module: ModuleId,
	function: &str,
	params: &impl Encode,
) -> Result<(), CallError> {
	submit(&EngineCall::Call {
		module,
		function: function.as_bytes().to_vec(),
		params: params.encode(),
	})
}

/// Submits `Kernel::invoke(cap, function, params)` signed by the engine's key.
pub fn submit_invoke(cap: CapId, function: &str, params: &impl Encode) -> Result<(), CallError> {
	submit(&EngineCall::Invoke {
		cap,
		function: function.as_bytes().to_vec(),
		params: params.encode(),
	})
}
