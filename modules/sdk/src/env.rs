//! The module's environment: input, caller, identity, block, events, hashing, signatures.

use crate::{
	error::{check, CallError},
	host::{self, Word},
	AccountId, Error, Holder, ModuleId, Result, ReturnCode,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// Calls a host function that writes into an output buffer, growing the buffer when the kernel
/// reports it too small. Returns the bytes, or the host function's other return codes.
pub(crate) fn with_output(
	initial: usize,
	mut f: impl FnMut(Word, Word) -> u32,
) -> core::result::Result<Vec<u8>, CallError> {
	let mut buffer: Vec<u8> = Vec::with_capacity(initial);
	loop {
		let mut len = buffer.capacity() as u32;
		let raw = f(buffer.as_mut_ptr() as Word, &mut len as *mut u32 as Word);
		match ReturnCode::from_u32(raw) {
			Some(ReturnCode::Success) => {
				// SAFETY: the kernel wrote `len` bytes (no more than the capacity) at the pointer.
				unsafe { buffer.set_len(len as usize) };
				return Ok(buffer);
			},
			Some(ReturnCode::OutputTooSmall) if len as usize > buffer.capacity() => {
				buffer.reserve_exact(len as usize)
			},
			Some(code) => return Err(CallError::code(code)),
			None => return Err(CallError::code(ReturnCode::NotAllowed)),
		}
	}
}

/// The entry point's raw input.
pub fn input() -> Vec<u8> {
	// SAFETY: the host writes within the buffer it is given.
	with_output(256, |ptr, len| unsafe { host::input(ptr, len) }).unwrap_or_default()
}

/// Who called this frame: an account or a module; `None` when the kernel runs the entry itself
/// (`on_block`, `migrate`).
pub fn caller() -> Option<Holder> {
	// SAFETY: as above.
	let bytes = with_output(40, |ptr, len| unsafe { host::caller(ptr, len) }).ok()?;
	Option::<Holder>::decode(&mut &bytes[..]).ok().flatten()
}

/// The calling account, or [`Error::BadOrigin`] if a module (or nobody) called.
pub fn caller_account() -> Result<AccountId> {
	match caller() {
		Some(Holder::Account(who)) => Ok(who),
		_ => Err(Error::BadOrigin),
	}
}

/// The calling module, or [`Error::BadOrigin`] if an account (or nobody) called.
pub fn caller_module() -> Result<ModuleId> {
	match caller() {
		Some(Holder::Module(module)) => Ok(module),
		_ => Err(Error::BadOrigin),
	}
}

/// This module's id.
pub fn module_id() -> ModuleId {
	// SAFETY: no pointers.
	unsafe { host::module_id() }
}

/// This module as a [`Holder`].
pub fn this() -> Holder {
	Holder::Module(module_id())
}

/// This module's code version: 1 after deploy, +1 per upgrade.
pub fn module_version() -> u32 {
	// SAFETY: no pointers.
	unsafe { host::module_version() }
}

/// The current block number.
pub fn block_number() -> u64 {
	// SAFETY: no pointers.
	unsafe { host::block_number() }
}

/// The fuel this frame has left.
pub fn fuel_left() -> u64 {
	// SAFETY: no pointers.
	unsafe { host::fuel_left() }
}

/// Emits an event (`Kernel::ModuleEvent`) with the SCALE encoding of `event`.
pub fn emit(event: &impl Encode) {
	let data = event.encode();
	// SAFETY: the pointer and length describe `data`. Oversized events trap the frame.
	unsafe { host::deposit_event(data.as_ptr() as Word, data.len() as Word) };
}

/// Writes `msg` to the node's debug log.
pub fn debug(msg: &str) {
	// SAFETY: the pointer and length describe `msg`.
	unsafe { host::debug_log(msg.as_ptr() as Word, msg.len() as Word) }
}

/// BLAKE2b-256 of `data`.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
	let mut out = [0u8; 32];
	// SAFETY: `out` has the 32 bytes the host writes.
	unsafe {
		host::hash_blake2_256(data.as_ptr() as Word, data.len() as Word, out.as_mut_ptr() as Word)
	};
	out
}

/// Whether `signature` is a valid sr25519 signature of `msg` by `public`.
pub fn sr25519_verify(signature: &[u8; 64], public: &[u8; 32], msg: &[u8]) -> bool {
	// SAFETY: the pointers describe the arrays and `msg`.
	let raw = unsafe {
		host::sr25519_verify(
			signature.as_ptr() as Word,
			public.as_ptr() as Word,
			msg.as_ptr() as Word,
			msg.len() as Word,
		)
	};
	check(raw).is_ok()
}

/// The id of the module named `name`.
pub fn lookup(name: &str) -> Option<ModuleId> {
	let mut id = [0u8; 4];
	// SAFETY: `id` has the 4 bytes the host writes.
	let raw = unsafe {
		host::module_lookup(name.as_ptr() as Word, name.len() as Word, id.as_mut_ptr() as Word)
	};
	check(raw).ok().map(|()| u32::from_le_bytes(id))
}

/// Names the engines this module trusts to run its off-chain entry points. On-chain only.
pub fn trust_engines(engines: &[AccountId]) -> core::result::Result<(), CallError> {
	let encoded = engines.encode();
	// SAFETY: the pointer and length describe `encoded`.
	check(unsafe { host::trust_engines(encoded.as_ptr() as Word, encoded.len() as Word) })
}

/// A registered engine's endpoint and key.
pub fn engine_info(
	account: &AccountId,
) -> Option<kernel_primitives::offchain::EngineInfo<Vec<u8>>> {
	// SAFETY: `account` is 32 bytes; the host writes within the buffer it is given.
	let bytes = with_output(128, |ptr, len| unsafe {
		host::engine_info(account.as_ptr() as Word, ptr, len)
	})
	.ok()?;
	Option::decode(&mut &bytes[..]).ok().flatten()
}
