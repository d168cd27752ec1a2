//! Errors of module code and of calls to other modules.

use crate::{cap::Cap, ReturnCode};
use alloc::vec::Vec;

/// The result type of module code.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why an entry point fails. Returning it reverts the frame (all its effects are undone); the
/// caller receives [`Error::revert_data`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
	/// The module's own reason, as text.
	Msg(&'static str),
	/// The function name is not one the module knows.
	UnknownFunction,
	/// Parameters or capability data could not be decoded.
	Decode,
	/// The caller is not an account, or not the one allowed.
	BadOrigin,
	/// A capability minted before an upgrade that the module no longer honours.
	StaleCapability,
	/// A call to another module or a capability failed.
	Call(CallError),
}

impl Error {
	/// The bytes the caller receives: UTF-8 text.
	pub fn revert_data(&self) -> Vec<u8> {
		let text: &[u8] = match self {
			Error::Msg(msg) => msg.as_bytes(),
			Error::UnknownFunction => b"unknown function",
			Error::Decode => b"cannot decode input",
			Error::BadOrigin => b"bad origin",
			Error::StaleCapability => b"stale capability",
			Error::Call(err) => return err.revert_data(),
		};
		text.to_vec()
	}
}

impl From<codec::Error> for Error {
	fn from(_: codec::Error) -> Self {
		Error::Decode
	}
}

impl From<CallError> for Error {
	fn from(error: CallError) -> Self {
		Error::Call(error)
	}
}

impl From<Failed> for Error {
	fn from(failed: Failed) -> Self {
		Error::Call(failed.error)
	}
}

/// A host function or a nested call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
	/// What the kernel reported.
	pub code: ReturnCode,
	/// The callee's revert data when `code` is [`ReturnCode::CalleeReverted`].
	pub data: Vec<u8>,
}

impl CallError {
	pub(crate) fn code(code: ReturnCode) -> Self {
		Self { code, data: Vec::new() }
	}

	/// Revert data to pass the failure on: the callee's own data if it reverted, otherwise the
	/// kernel's code as text.
	pub fn revert_data(&self) -> Vec<u8> {
		if self.code == ReturnCode::CalleeReverted {
			return self.data.clone();
		}
		let mut text = b"kernel: ".to_vec();
		text.extend_from_slice(return_code_name(self.code).as_bytes());
		text
	}
}

/// A failed invocation: the capability was not consumed and is handed back.
#[derive(Debug, PartialEq, Eq)]
pub struct Failed {
	/// Why it failed.
	pub error: CallError,
	/// The capability, still held.
	pub cap: Cap,
}

fn return_code_name(code: ReturnCode) -> &'static str {
	match code {
		ReturnCode::Success => "success",
		ReturnCode::KeyNotFound => "key not found",
		ReturnCode::OutputTooSmall => "output too small",
		ReturnCode::CapabilityNotFound => "capability not found",
		ReturnCode::NotHolder => "not the holder",
		ReturnCode::CreatorDestroyed => "creator destroyed",
		ReturnCode::ModuleNotFound => "module not found",
		ReturnCode::EntryNotExported => "entry not exported",
		ReturnCode::CalleeReverted => "callee reverted",
		ReturnCode::CalleeTrapped => "callee trapped",
		ReturnCode::CalleeOutOfFuel => "callee out of fuel",
		ReturnCode::ReentryDenied => "re-entry denied",
		ReturnCode::CallDepthExceeded => "call depth exceeded",
		ReturnCode::DecodeFailed => "decode failed",
		ReturnCode::TooManyCapabilities => "too many capabilities",
		ReturnCode::InvalidSignature => "invalid signature",
		ReturnCode::NotAllowed => "not allowed",
		ReturnCode::Unavailable => "unavailable",
		ReturnCode::NotCreator => "not the creator",
	}
}

/// Maps a host function's raw result.
pub(crate) fn check(raw: u32) -> core::result::Result<(), CallError> {
	match ReturnCode::from_u32(raw) {
		Some(ReturnCode::Success) => Ok(()),
		Some(code) => Err(CallError::code(code)),
		None => Err(CallError::code(ReturnCode::NotAllowed)),
	}
}
