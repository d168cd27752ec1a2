//! `secret-sharing`: a key-management service with k-of-n secret sharing on execution engines.
//!
//! The owner splits a secret into `n` shares (Shamir, `k` needed to rebuild it), registers the
//! sharing on chain with one commitment (BLAKE2b-256 of the share) per engine, and uploads each
//! share to its engine over HTTP. The engine checks the request's signature and the commitment,
//! keeps the share in its sealed secret storage and confirms on chain. To read the shares back
//! the owner opens a download window on chain and fetches them; to delete them the owner asks
//! on chain, and each engine's `on_state_change` deletes its share and confirms.
//!
//! On-chain functions:
//!
//! | function | params | caller | returns |
//! | --- | --- | --- | --- |
//! | `register` | [`RegisterArgs`] | owner | [`SharingId`] |
//! | `open_download` | `(SharingId, u64 blocks)` | owner | `u64` last block of the window |
//! | `delete` | `SharingId` | owner | — |
//! | `confirm_upload` | `SharingId` | an engine of the sharing | — |
//! | `confirm_delete` | `SharingId` | an engine of the sharing | — |
//! | `sharing` | `SharingId` | anyone | `Option<Sharing>` |
//!
//! HTTP on each engine, at `/modules/secret-sharing/shares/{id}`: `PUT` uploads the share (the
//! body), `GET` downloads it. Both carry [`AUTH_ACCOUNT`], [`AUTH_TIMESTAMP`] and
//! [`AUTH_SIGNATURE`] headers: an sr25519 signature by the owner's account over
//! [`signing_payload`]. Timestamps must be within [`MAX_CLOCK_SKEW_MS`] of the engine's clock
//! and increase per account, so a replayed request is refused.

use crate::AccountId;
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The module's conventional name.
pub const NAME: &str = "secret-sharing";

/// A sharing's id.
pub type SharingId = u64;

/// Function names.
pub mod function {
	/// Register a sharing.
	pub const REGISTER: &str = "register";
	/// Open a download window.
	pub const OPEN_DOWNLOAD: &str = "open_download";
	/// Ask the engines to delete the shares.
	pub const DELETE: &str = "delete";
	/// Engine: the share is stored.
	pub const CONFIRM_UPLOAD: &str = "confirm_upload";
	/// Engine: the share is deleted.
	pub const CONFIRM_DELETE: &str = "confirm_delete";
	/// A sharing.
	pub const SHARING: &str = "sharing";
}

/// Header carrying the signer's account, hex.
pub const AUTH_ACCOUNT: &[u8] = b"x-kernel-account";
/// Header carrying the request time in milliseconds, decimal.
pub const AUTH_TIMESTAMP: &[u8] = b"x-kernel-timestamp";
/// Header carrying the sr25519 signature over [`signing_payload`], hex.
pub const AUTH_SIGNATURE: &[u8] = b"x-kernel-signature";
/// How far a request's timestamp may be from the engine's clock.
pub const MAX_CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;
/// Longest download window, in blocks.
pub const MAX_DOWNLOAD_WINDOW: u64 = 600;
/// Most engines (shares) per sharing.
pub const MAX_SHARES: usize = 16;
/// Largest share, in bytes.
pub const MAX_SHARE_LEN: usize = 4096;

/// What an authenticated request signs: everything that identifies it, so a signature for one
/// engine, module, method, path, body or moment is worth nothing for another.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct SigningPayload {
	/// Domain separation: `b"kernel-http-v1"`.
	pub domain: Vec<u8>,
	/// The engine the request is for.
	pub engine: AccountId,
	/// The module's name.
	pub module: Vec<u8>,
	/// The HTTP method.
	pub method: Vec<u8>,
	/// The path after `/modules/{module}`.
	pub path: Vec<u8>,
	/// BLAKE2b-256 of the body.
	pub body_hash: [u8; 32],
	/// Milliseconds since the Unix epoch.
	pub timestamp: u64,
}

/// The bytes an authenticated request's signature covers.
pub fn signing_payload(
	engine: AccountId,
	method: &[u8],
	path: &[u8],
	body_hash: [u8; 32],
	timestamp: u64,
) -> Vec<u8> {
	SigningPayload {
		domain: b"kernel-http-v1".to_vec(),
		engine,
		module: NAME.as_bytes().to_vec(),
		method: method.to_vec(),
		path: path.to_vec(),
		body_hash,
		timestamp,
	}
	.encode()
}

/// One share's place in a sharing.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Slot {
	/// The engine that keeps the share.
	pub engine: AccountId,
	/// BLAKE2b-256 of the share.
	pub commitment: [u8; 32],
	/// The engine confirmed it stored the share.
	pub uploaded: bool,
	/// The engine confirmed it deleted the share.
	pub deleted: bool,
}

/// Parameters of `register`.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct RegisterArgs {
	/// Shares needed to rebuild the secret.
	pub threshold: u8,
	/// `(engine, commitment)` for each share.
	pub shares: Vec<(AccountId, [u8; 32])>,
}

/// A registered sharing.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Sharing {
	/// Who may upload, download and delete.
	pub owner: AccountId,
	/// Shares needed to rebuild the secret.
	pub threshold: u8,
	/// One per engine.
	pub slots: Vec<Slot>,
	/// Downloads are allowed up to this block (inclusive); 0 when never opened.
	pub download_until: u64,
	/// Deletion was requested.
	pub deleting: bool,
}

/// Events (`Kernel::ModuleEvent` data).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Event {
	/// A sharing was registered.
	Registered {
		/// Its id.
		id: SharingId,
		/// Its owner.
		owner: AccountId,
	},
	/// An engine confirmed it stored its share.
	Uploaded {
		/// The sharing.
		id: SharingId,
		/// The engine.
		engine: AccountId,
	},
	/// The owner opened a download window.
	DownloadOpened {
		/// The sharing.
		id: SharingId,
		/// The last block of the window.
		until: u64,
	},
	/// The owner asked for deletion.
	DeletionRequested {
		/// The sharing.
		id: SharingId,
	},
	/// An engine confirmed it deleted its share.
	Deleted {
		/// The sharing.
		id: SharingId,
		/// The engine.
		engine: AccountId,
	},
	/// Every engine deleted its share; the sharing is gone.
	Removed {
		/// The sharing.
		id: SharingId,
	},
}
