//! `secret-sharing`: a key-management service with k-of-n secret sharing on execution engines.
//!
//! The owner splits a secret into `n` shares (Shamir, `k` needed to rebuild it) and registers
//! the sharing on chain with one salted commitment per engine ([`commitment_preimage`]: the
//! share bound to its owner, the owner's registration nonce and its engine). Each share is then
//! sealed to its engine's published X25519 key ([`sealed`]) and uploaded over HTTP; the engine
//! opens it, checks it against the commitment, keeps it in its sealed secret storage and
//! confirms on chain. To read the shares back the owner opens a download window on chain and
//! asks each engine for its share sealed to a key made for that request, and checks every share
//! against its commitment. To delete them the owner asks on chain, and each engine's
//! `on_state_change` deletes its share and confirms.
//!
//! Which engines: the module trusts the engines its admin (the deployer) *listed* and the
//! engines that owners named in their sharings; clients default to the listed ones that are
//! registered and have published a key, never to "every registered engine" (registering is
//! free). A trusted engine publishes its key from its first `on_state_change`.
//!
//! On-chain functions:
//!
//! | function | params | caller | returns |
//! | --- | --- | --- | --- |
//! | `register` | [`RegisterArgs`] | owner | [`SharingId`] |
//! | `open_download` | `(SharingId, u64 blocks)` | owner | `u64` last block of the window |
//! | `delete` | `SharingId` | owner | — |
//! | `next_nonce` | `AccountId` | anyone | `u64`: the nonce of that owner's next `register` |
//! | `list_engine` / `unlist_engine` | `AccountId` | admin | — |
//! | `publish_key` | `[u8; 32]` X25519 public key | a trusted engine | — |
//! | `engines` | — | anyone | `Vec<`[`EngineEntry`]`>` |
//! | `confirm_upload` | `SharingId` | an engine of the sharing | — |
//! | `confirm_delete` | `SharingId` | an engine of the sharing | — |
//! | `sharing` | `SharingId` | anyone | `Option<Sharing>` |
//!
//! HTTP on each engine, under `/modules/secret-sharing`: `PUT /shares/{id}` uploads the share,
//! the body sealed to the engine's key; `POST /shares/{id}/download` with the body a 32-byte
//! X25519 public key answers the share sealed to that key. Both carry [`AUTH_ACCOUNT`],
//! [`AUTH_TIMESTAMP`] and [`AUTH_SIGNATURE`] headers: an sr25519 signature by the owner's
//! account over [`signing_payload`], or over it wrapped in `<Bytes>…</Bytes>` ([`wrapped`]) as
//! browser wallets' `signRaw` produces. Timestamps must be within [`MAX_CLOCK_SKEW_MS`] of the
//! engine's clock and increase per account, so a replayed request is refused. An engine runs
//! one off-chain run of a module at a time, so these checks and the deletion never interleave.

#[cfg(feature = "sealed")]
pub mod sealed;

use crate::AccountId;
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The module's conventional name.
pub const NAME: &str = "secret-sharing";

/// A sharing's id.
pub type SharingId = u64;

functions! {
	/// Register a sharing (the caller is its owner); returns its id.
	call REGISTER = "register": RegisterArgs => SharingId;
	/// Owner: open a download window of so many blocks; returns its last block.
	call OPEN_DOWNLOAD = "open_download": (SharingId, u64) => u64;
	/// Owner: ask the engines to delete the shares.
	call DELETE = "delete": SharingId => ();
	/// Engine: the share is stored.
	call CONFIRM_UPLOAD = "confirm_upload": SharingId => ();
	/// Engine: the share is deleted.
	call CONFIRM_DELETE = "confirm_delete": SharingId => ();
	/// A sharing.
	query SHARING = "sharing": SharingId => Option<Sharing>;
	/// The nonce of an owner's next `register`.
	query NEXT_NONCE = "next_nonce": AccountId => u64;
	/// Admin: add an engine to the listed (default) engines.
	call LIST_ENGINE = "list_engine": AccountId => ();
	/// Admin: remove an engine from the listed engines.
	call UNLIST_ENGINE = "unlist_engine": AccountId => ();
	/// A trusted engine: publish its X25519 key.
	call PUBLISH_KEY = "publish_key": [u8; 32] => ();
	/// The trusted engines, listed or not, and their keys.
	query ENGINES = "engines": () => Vec<EngineEntry>;
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
/// Most engines the module trusts at once.
pub const MAX_ENGINES: usize = 64;
/// What `signRaw` of browser wallets puts around the bytes it signs.
pub const WRAP_PREFIX: &[u8] = b"<Bytes>";
/// See [`WRAP_PREFIX`].
pub const WRAP_SUFFIX: &[u8] = b"</Bytes>";
/// Domain of [`commitment_preimage`].
pub const COMMITMENT_DOMAIN: &[u8] = b"kernel-kms-share-v1";

/// What an authenticated request signs: everything that identifies it, so a signature for one
/// engine, module, method, path, body or moment is worth nothing for another.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
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

/// `payload` as a browser wallet's `signRaw` signs it: `<Bytes>payload</Bytes>`.
pub fn wrapped(payload: &[u8]) -> Vec<u8> {
	[WRAP_PREFIX, payload, WRAP_SUFFIX].concat()
}

/// What a share's commitment hashes: the share, salted and bound to its owner, the sharing
/// (the owner's nonce) and its engine, so a share is worth nothing for another sharing or
/// engine, and a commitment tells nothing about a short share.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct CommitmentPayload {
	/// [`COMMITMENT_DOMAIN`].
	pub domain: Vec<u8>,
	/// The sharing's owner.
	pub owner: AccountId,
	/// The sharing's nonce: the owner's `register` count before it.
	pub nonce: u64,
	/// The engine that keeps the share.
	pub engine: AccountId,
	/// 32 random bytes, one per share, kept on chain.
	pub salt: [u8; 32],
	/// The share.
	pub share: Vec<u8>,
}

/// The bytes whose BLAKE2b-256 is a share's commitment.
pub fn commitment_preimage(
	owner: AccountId,
	nonce: u64,
	engine: AccountId,
	salt: [u8; 32],
	share: &[u8],
) -> Vec<u8> {
	CommitmentPayload {
		domain: COMMITMENT_DOMAIN.to_vec(),
		owner,
		nonce,
		engine,
		salt,
		share: share.to_vec(),
	}
	.encode()
}

/// One share as the owner registers it.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct ShareSpec {
	/// The engine that will keep it.
	pub engine: AccountId,
	/// The commitment's salt.
	pub salt: [u8; 32],
	/// BLAKE2b-256 of [`commitment_preimage`].
	pub commitment: [u8; 32],
}

/// One share's place in a sharing.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Slot {
	/// The engine that keeps the share.
	pub engine: AccountId,
	/// The commitment's salt.
	pub salt: [u8; 32],
	/// BLAKE2b-256 of [`commitment_preimage`].
	pub commitment: [u8; 32],
	/// The engine confirmed it stored the share.
	pub uploaded: bool,
	/// The engine confirmed it deleted the share.
	pub deleted: bool,
}

/// Parameters of `register`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct RegisterArgs {
	/// Shares needed to rebuild the secret.
	pub threshold: u8,
	/// The owner's `next_nonce`: binds the commitments to this sharing.
	pub nonce: u64,
	/// One per share.
	pub shares: Vec<ShareSpec>,
}

/// An engine the module trusts.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct EngineEntry {
	/// Its account.
	pub account: AccountId,
	/// Listed by the admin: one of the engines clients use by default.
	pub listed: bool,
	/// Its X25519 key for sealed shares, once published.
	pub box_key: Option<[u8; 32]>,
}

/// A registered sharing.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Sharing {
	/// Who may upload, download and delete.
	pub owner: AccountId,
	/// The owner's nonce the commitments are bound to.
	pub nonce: u64,
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
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
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
	/// The admin listed an engine.
	EngineListed {
		/// The engine.
		engine: AccountId,
	},
	/// The admin unlisted an engine.
	EngineUnlisted {
		/// The engine.
		engine: AccountId,
	},
	/// An engine published its key for sealed shares.
	KeyPublished {
		/// The engine.
		engine: AccountId,
		/// Its X25519 public key.
		key: [u8; 32],
	},
}

/// `secret-sharing`'s metadata (see [`kernel_metadata`]).
#[cfg(feature = "metadata")]
pub fn metadata() -> Result<kernel_metadata::Metadata, kernel_metadata::Error> {
	functions(kernel_metadata::Builder::new(NAME))
		.docs(&["A key-management service with k-of-n secret sharing on execution engines."])
		.event::<Event>()
		.build()
}
