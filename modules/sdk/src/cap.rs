//! Capabilities: minting, inspecting, invoking, passing, dropping; and calls to other modules.
//!
//! A [`Cap`] is a handle to a capability id. It is deliberately neither `Clone` nor `Copy`:
//! invoking, dropping or giving it away consumes the handle, as the kernel consumes or moves the
//! capability. The kernel checks the holder on every use, so a handle to a capability this module
//! does not hold is useless.

use crate::{
	env::with_output,
	error::{check, CallError, Failed},
	host::{self, Word},
	CapId, Holder, ModuleId, Result, ReturnCode, Version,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use kernel_primitives::{
	abi::{FUEL_LIMIT_ALL, MAX_OUTPUT_BUFFER},
	envelope::{CallInput, Output as RawOutput},
	Creator,
};

/// A capability this module holds (or is about to receive or hand on).
#[derive(Debug, PartialEq, Eq, Encode, Decode)]
pub struct Cap(CapId);

/// Parameters that are already SCALE-encoded (for example stored by a governance proposal):
/// passed through as they are, without another length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoded<'a>(pub &'a [u8]);

impl Encode for Encoded<'_> {
	fn size_hint(&self) -> usize {
		self.0.len()
	}

	fn encode_to<O: codec::Output + ?Sized>(&self, dest: &mut O) {
		dest.write(self.0)
	}
}

/// What the kernel records about a capability (see `cap_inspect`).
pub type CapInfo = kernel_primitives::Capability<crate::AccountId, Vec<u8>>;

/// What a called module or invoked capability returned.
#[derive(Debug, PartialEq, Eq, Default)]
pub struct Reply {
	/// Return data, in the callee's encoding.
	pub data: Vec<u8>,
	/// Capabilities the callee handed over; this module now holds them.
	pub caps: Vec<Cap>,
}

impl Reply {
	/// Decodes the return data.
	pub fn decode<T: Decode>(&self) -> Result<T> {
		Ok(T::decode(&mut &self.data[..])?)
	}
}

impl Cap {
	/// A handle for capability `id`, for example one read from storage or parameters.
	pub const fn from_id(id: CapId) -> Self {
		Cap(id)
	}

	/// The capability's id.
	pub const fn id(&self) -> CapId {
		self.0
	}

	/// Mints a capability created and held by this module, with the SCALE encoding of `data`.
	/// Give it away by returning it in an [`Output`](crate::Output) or passing it in a call.
	pub fn mint(data: &impl Encode) -> Self {
		Self::mint_raw(&data.encode())
	}

	/// Mints a capability with raw `data`. Data longer than the kernel's `MaxCapDataLen` traps.
	pub fn mint_raw(data: &[u8]) -> Self {
		let mut id = [0u8; 8];
		// SAFETY: the pointers describe `data` and the 8 bytes of `id`.
		unsafe {
			host::cap_mint(data.as_ptr() as Word, data.len() as Word, id.as_mut_ptr() as Word)
		};
		Cap(u64::from_le_bytes(id))
	}

	/// What the kernel records about this capability (held or created by this module).
	pub fn inspect(&self) -> core::result::Result<CapInfo, CallError> {
		// SAFETY: the host writes within the buffer it is given.
		let bytes = with_output(128, |ptr, len| unsafe { host::cap_inspect(self.0, ptr, len) })?;
		CapInfo::decode(&mut &bytes[..]).map_err(|_| CallError::code(ReturnCode::DecodeFailed))
	}

	/// Whether this module created the capability.
	pub fn is_own(&self) -> bool {
		self.inspect().is_ok_and(|info| info.creator == Creator::Module(crate::env::module_id()))
	}

	/// The creator's version when this capability was minted.
	pub fn creator_version(&self) -> Option<Version> {
		self.inspect().ok().map(|info| info.creator_version)
	}

	/// Invokes the capability: it is consumed and its creator runs `function` with `params`
	/// (and `caps`, which move to the creator). On failure nothing happened and the capability
	/// comes back in [`Failed`].
	pub fn invoke(
		self,
		function: &str,
		params: &impl Encode,
		caps: Vec<Cap>,
	) -> core::result::Result<Reply, Failed> {
		self.invoke_with_fuel(function, params, caps, FUEL_LIMIT_ALL)
	}

	/// [`invoke`](Self::invoke) with at most `fuel` of this frame's fuel (0: all of it).
	pub fn invoke_with_fuel(
		self,
		function: &str,
		params: &impl Encode,
		caps: Vec<Cap>,
		fuel: u64,
	) -> core::result::Result<Reply, Failed> {
		let call = envelope(function, params, caps);
		let id = self.0;
		// SAFETY: the pointers describe `call` and the output buffer.
		nested(|ptr, len| unsafe {
			host::cap_invoke(id, call.as_ptr() as Word, call.len() as Word, fuel, ptr, len)
		})
		.map_err(|error| Failed { error, cap: self })
	}

	/// Drops the capability; its creator is told (and may, for example, unlock funds), with all
	/// the fuel this frame has left.
	pub fn drop_capability(self) -> core::result::Result<(), Failed> {
		self.drop_with_fuel(FUEL_LIMIT_ALL)
	}

	/// Drops the capability, giving its creator's `on_drop` at most `fuel`: a creator that
	/// burns it all fails with `CalleeOutOfFuel` and this frame goes on, still holding the
	/// capability.
	pub fn drop_with_fuel(self, fuel: u64) -> core::result::Result<(), Failed> {
		// SAFETY: no pointers.
		check(unsafe { host::cap_drop(self.0, fuel) }).map_err(|error| Failed { error, cap: self })
	}

	/// Gives the capability to `to`, an account or a module.
	pub fn give(self, to: &Holder) -> core::result::Result<(), Failed> {
		let to = to.encode();
		// SAFETY: the pointer describes `to`.
		check(unsafe { host::cap_transfer(self.0, to.as_ptr() as Word, to.len() as Word) })
			.map_err(|error| Failed { error, cap: self })
	}
}

/// Calls `function` of `module` with `params`, passing `caps` (which move to the callee).
pub fn call_module(
	module: ModuleId,
	function: &str,
	params: &impl Encode,
	caps: Vec<Cap>,
) -> core::result::Result<Reply, CallError> {
	call_module_with_fuel(module, function, params, caps, FUEL_LIMIT_ALL)
}

/// [`call_module`] with at most `fuel` of this frame's fuel (0: all of it).
pub fn call_module_with_fuel(
	module: ModuleId,
	function: &str,
	params: &impl Encode,
	caps: Vec<Cap>,
	fuel: u64,
) -> core::result::Result<Reply, CallError> {
	let call = envelope(function, params, caps);
	// SAFETY: the pointers describe `call` and the output buffer.
	nested(|ptr, len| unsafe {
		host::call_module(module as Word, call.as_ptr() as Word, call.len() as Word, fuel, ptr, len)
	})
}

/// A capability [`revoke`] removed: its id, who held it and its data.
pub type RevokedCap = kernel_primitives::RevokedCap<crate::AccountId>;

/// What one step of [`revoke_step`] removed, and whether anything is left.
pub type Revocation = kernel_primitives::Revocation<crate::AccountId>;

/// Revokes capability `id`, which this module created, and every capability derived from it
/// (the residuals, splits and renewals it minted while handling them), wherever they are held:
/// their holders find them gone. No `on_drop` runs: settle what they stood for from the
/// returned holders and data. Takes as many bounded kernel steps as the tree needs, all paid
/// from this frame's fuel; use [`revoke_step`] to spread a large tree over transactions.
///
/// Fails with `CapabilityNotFound` if nothing is left to revoke, with `NotCreator` (nothing
/// revoked) if another module created any of them.
pub fn revoke(id: CapId) -> core::result::Result<Vec<RevokedCap>, CallError> {
	let mut revoked = Vec::new();
	loop {
		let step = revoke_step(id)?;
		revoked.extend(step.revoked);
		if step.complete {
			return Ok(revoked);
		}
	}
}

/// One bounded step of [`revoke`]: at most the kernel's `MaxCapsPerCall` capabilities.
pub fn revoke_step(id: CapId) -> core::result::Result<Revocation, CallError> {
	// SAFETY: the host writes within the buffer it is given.
	let bytes = with_output(0, |ptr, len| unsafe { host::cap_revoke(id, ptr, len) })?;
	Revocation::decode(&mut &bytes[..]).map_err(|_| CallError::code(ReturnCode::DecodeFailed))
}

fn envelope(function: &str, params: &impl Encode, caps: Vec<Cap>) -> Vec<u8> {
	CallInput {
		function: function.as_bytes().to_vec(),
		params: params.encode(),
		caps: caps.into_iter().map(|c| c.0).collect(),
	}
	.encode()
}

/// Runs a nested call with a buffer large enough for any output the kernel allows, and decodes
/// the reply or the callee's revert data.
///
/// The buffer is shrunk to the output before anything else is allocated: the SDK's allocator
/// then takes the unused capacity back, so a frame's nested calls cost the memory of their
/// outputs, not of [`MAX_OUTPUT_BUFFER`] each.
fn nested(f: impl FnOnce(Word, Word) -> u32) -> core::result::Result<Reply, CallError> {
	let mut buffer: Vec<u8> = Vec::with_capacity(MAX_OUTPUT_BUFFER as usize);
	let mut len = MAX_OUTPUT_BUFFER;
	let raw = f(buffer.as_mut_ptr() as Word, &mut len as *mut u32 as Word);
	let code = ReturnCode::from_u32(raw).unwrap_or(ReturnCode::NotAllowed);
	// SAFETY: the kernel wrote `len` (at most the capacity) bytes, or reported 0.
	unsafe { buffer.set_len((len as usize).min(buffer.capacity())) };
	buffer.shrink_to_fit();
	match code {
		ReturnCode::Success => {
			let output = RawOutput::decode(&mut &buffer[..])
				.map_err(|_| CallError::code(ReturnCode::DecodeFailed))?;
			Ok(Reply { data: output.data, caps: output.caps.into_iter().map(Cap).collect() })
		},
		ReturnCode::CalleeReverted => Err(CallError { code, data: buffer }),
		code => Err(CallError::code(code)),
	}
}
