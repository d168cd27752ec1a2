//! The `secret-sharing` process module: a key-management service whose shares live on
//! execution engines, orchestrated and access-controlled on chain.
//!
//! On chain: the engines it trusts (listed by its admin, or named by an owner) and their keys,
//! sharings (owner, nonce, threshold, one slot per engine with the share's salted commitment),
//! download windows, deletion requests, and the engines' confirmations. Off chain, on each
//! engine: `on_http_request` accepts sealed uploads and serves sealed downloads of that
//! engine's share, authenticated by the owner's signature; `on_state_change` publishes the
//! engine's key and deletes shares whose deletion was requested. See
//! `module_interfaces::secret_sharing` for the interface, the HTTP scheme and the threat model.

#![no_std]

extern crate alloc;

use alloc::{format, string::String};
use kernel_sdk::{
	offchain::{self, secrets},
	prelude::*,
};
use module_interfaces::secret_sharing::{
	commitment_preimage, function as f, sealed, signing_payload, wrapped, EngineEntry, Event,
	RegisterArgs, Sharing, SharingId, Slot, AUTH_ACCOUNT, AUTH_SIGNATURE, AUTH_TIMESTAMP,
	MAX_CLOCK_SKEW_MS, MAX_DOWNLOAD_WINDOW, MAX_ENGINES, MAX_SHARES, MAX_SHARE_LEN,
};

/// The module.
pub struct SecretSharing;

const NEXT_ID: Value<SharingId> = Value::new(b"next_id");
const SHARINGS: Map<SharingId, Sharing> = Map::new(b"sharing/");
/// Sharings whose deletion was requested and not yet confirmed by every engine.
const DELETING: Value<Vec<SharingId>> = Value::new(b"deleting");
/// The engines this module trusts: listed ones and those named by any sharing.
const ENGINES: Value<Vec<AccountId>> = Value::new(b"engines");
/// The engines the admin listed: the ones clients use by default.
const LISTED: Value<Vec<AccountId>> = Value::new(b"listed");
/// Who lists engines: the deployer.
const ADMIN: Value<AccountId> = Value::new(b"admin");
/// Each trusted engine's X25519 key for sealed shares.
const BOX_KEYS: Map<AccountId, [u8; 32]> = Map::new(b"box-key/");
/// Each owner's number of `register`s so far: the nonce of the next one.
const NONCES: Map<AccountId, u64> = Map::new(b"nonce/");

/// Blocks after which an engine confirms a deletion again if its first confirmation has not
/// reached the chain (the transaction was dropped).
const CONFIRM_RETRY_BLOCKS: u64 = 20;
/// Secret: the deletions this engine confirmed and when, `Vec<(SharingId, u64)>`.
const PENDING_CONFIRMATIONS: &[u8] = b"pending-delete-confirmations";
/// Secret: this engine's X25519 secret key for sealed shares.
const BOX_SECRET: &[u8] = b"box-secret";
/// Secret: the block at which this engine last submitted its key, `u64`.
const KEY_SENT_AT: &[u8] = b"box-key-sent-at";

impl Module for SecretSharing {
	fn init(init: Init) -> Result<Output> {
		ADMIN.set(&init.deployer);
		// Nothing to govern: the module stays as deployed.
		init.upgradable.drop_capability()?;
		init.destroy.drop_capability()?;
		Ok(Output::none())
	}

	fn call(call: Call) -> Result<Output> {
		match call.function() {
			f::REGISTER => Ok(Output::value(&register(env::caller_account()?, call.args()?)?)),
			f::OPEN_DOWNLOAD => {
				let (id, blocks): (SharingId, u64) = call.args()?;
				Ok(Output::value(&open_download(env::caller_account()?, id, blocks)?))
			},
			f::DELETE => {
				request_deletion(env::caller_account()?, call.args()?)?;
				Ok(Output::none())
			},
			f::CONFIRM_UPLOAD => {
				confirm(env::caller_account()?, call.args()?, Confirmation::Upload)?;
				Ok(Output::none())
			},
			f::CONFIRM_DELETE => {
				confirm(env::caller_account()?, call.args()?, Confirmation::Delete)?;
				Ok(Output::none())
			},
			f::SHARING => {
				let id: SharingId = call.args()?;
				Ok(Output::value(&SHARINGS.get(&id)))
			},
			f::NEXT_NONCE => {
				let owner: AccountId = call.args()?;
				Ok(Output::value(&NONCES.get(&owner).unwrap_or(0)))
			},
			f::LIST_ENGINE => {
				list(env::caller_account()?, call.args()?, true)?;
				Ok(Output::none())
			},
			f::UNLIST_ENGINE => {
				list(env::caller_account()?, call.args()?, false)?;
				Ok(Output::none())
			},
			f::PUBLISH_KEY => {
				publish_key(env::caller_account()?, call.args()?)?;
				Ok(Output::none())
			},
			f::ENGINES => Ok(Output::value(&engines())),
			_ => Err(Error::UnknownFunction),
		}
	}

	/// Publishes this engine's key if the chain does not have it, deletes this engine's shares
	/// of sharings whose deletion was requested, and confirms; submits again if a key or a
	/// confirmation has not reached the chain after [`CONFIRM_RETRY_BLOCKS`] (its transaction
	/// was dropped).
	fn on_state_change(_change: StateChange) -> Result<()> {
		let Some(me) = offchain::engine_account() else { return Ok(()) };
		let now = env::block_number();
		// A key that cannot be submitted now (the block's budget is spent) must not hold up
		// deletions; it is submitted at a later state change.
		let published = publish_own_key(me, now);
		delete_requested_shares(me, now)?;
		published
	}

	fn on_http_request(request: HttpRequest) -> Result<HttpResponse> {
		Ok(serve(&request).unwrap_or_else(|(status, message)| HttpResponse::new(status, message)))
	}
}

kernel_sdk::entry_points!(SecretSharing: init, call, on_state_change, on_http_request);

// ---- on chain ----

fn register(owner: AccountId, args: RegisterArgs) -> Result<SharingId> {
	let n = args.shares.len();
	if n == 0 || n > MAX_SHARES || args.threshold == 0 || usize::from(args.threshold) > n {
		return Err(Error::Msg("need 1 <= threshold <= shares <= 16"));
	}
	let nonce = NONCES.get(&owner).unwrap_or(0);
	if args.nonce != nonce {
		return Err(Error::Msg("stale nonce: read next_nonce again"));
	}
	for (i, share) in args.shares.iter().enumerate() {
		if args.shares[..i].iter().any(|other| other.engine == share.engine) {
			return Err(Error::Msg("one share per engine"));
		}
		if env::engine_info(&share.engine).is_none() {
			return Err(Error::Msg("not a registered engine"));
		}
	}
	trust(args.shares.iter().map(|share| share.engine))?;
	NONCES.insert(&owner, &(nonce + 1));
	let id = NEXT_ID.mutate(|next| {
		let id = *next;
		*next += 1;
		id
	});
	let slots = args
		.shares
		.into_iter()
		.map(|share| Slot {
			engine: share.engine,
			salt: share.salt,
			commitment: share.commitment,
			uploaded: false,
			deleted: false,
		})
		.collect();
	let sharing = Sharing {
		owner,
		nonce,
		threshold: args.threshold,
		slots,
		download_until: 0,
		deleting: false,
	};
	SHARINGS.insert(&id, &sharing);
	env::emit(&Event::Registered { id, owner });
	Ok(id)
}

/// The admin lists (or unlists) a registered engine; a listed engine is trusted.
fn list(caller: AccountId, engine: AccountId, listed: bool) -> Result<()> {
	if ADMIN.get() != Some(caller) {
		return Err(Error::BadOrigin);
	}
	let mut list = LISTED.get_or_default();
	if listed {
		if env::engine_info(&engine).is_none() {
			return Err(Error::Msg("not a registered engine"));
		}
		if list.contains(&engine) {
			return Ok(());
		}
		trust(core::iter::once(engine))?;
		list.push(engine);
		env::emit(&Event::EngineListed { engine });
	} else {
		if !list.contains(&engine) {
			return Ok(());
		}
		// It stays trusted: the sharings that name it still need it.
		list.retain(|other| *other != engine);
		env::emit(&Event::EngineUnlisted { engine });
	}
	LISTED.set(&list);
	Ok(())
}

/// A trusted engine publishes (or replaces) its key for sealed shares.
fn publish_key(engine: AccountId, key: [u8; 32]) -> Result<()> {
	if !ENGINES.get_or_default().contains(&engine) {
		return Err(Error::Msg("not an engine this module trusts"));
	}
	BOX_KEYS.insert(&engine, &key);
	env::emit(&Event::KeyPublished { engine, key });
	Ok(())
}

fn engines() -> Vec<EngineEntry> {
	let listed = LISTED.get_or_default();
	ENGINES
		.get_or_default()
		.into_iter()
		.map(|account| EngineEntry {
			account,
			listed: listed.contains(&account),
			box_key: BOX_KEYS.get(&account),
		})
		.collect()
}
/// Adds `engines` to the engines the module trusts, and tells the kernel.
fn trust(engines: impl Iterator<Item = AccountId>) -> Result<()> {
	let mut trusted = ENGINES.get_or_default();
	let before = trusted.len();
	for engine in engines {
		if !trusted.contains(&engine) {
			trusted.push(engine);
		}
	}
	if trusted.len() == before {
		return Ok(());
	}
	if trusted.len() > MAX_ENGINES {
		return Err(Error::Msg("too many engines"));
	}
	env::trust_engines(&trusted)?;
	ENGINES.set(&trusted);
	Ok(())
}

fn owned(owner: &AccountId, id: SharingId) -> Result<Sharing> {
	let sharing = SHARINGS.get(&id).ok_or(Error::Msg("no such sharing"))?;
	if &sharing.owner != owner {
		return Err(Error::BadOrigin);
	}
	Ok(sharing)
}

fn open_download(owner: AccountId, id: SharingId, blocks: u64) -> Result<u64> {
	let mut sharing = owned(&owner, id)?;
	if sharing.deleting {
		return Err(Error::Msg("being deleted"));
	}
	let until = env::block_number().saturating_add(blocks.min(MAX_DOWNLOAD_WINDOW));
	sharing.download_until = until;
	SHARINGS.insert(&id, &sharing);
	env::emit(&Event::DownloadOpened { id, until });
	Ok(until)
}

fn request_deletion(owner: AccountId, id: SharingId) -> Result<()> {
	let mut sharing = owned(&owner, id)?;
	if sharing.deleting {
		return Ok(());
	}
	sharing.deleting = true;
	sharing.download_until = 0;
	SHARINGS.insert(&id, &sharing);
	DELETING.mutate(|list| list.push(id));
	env::emit(&Event::DeletionRequested { id });
	Ok(())
}

enum Confirmation {
	Upload,
	Delete,
}

/// An engine confirms it stored, or deleted, its share.
fn confirm(engine: AccountId, id: SharingId, what: Confirmation) -> Result<()> {
	let mut sharing = SHARINGS.get(&id).ok_or(Error::Msg("no such sharing"))?;
	let slot = sharing
		.slots
		.iter_mut()
		.find(|slot| slot.engine == engine)
		.ok_or(Error::Msg("not an engine of this sharing"))?;
	match what {
		Confirmation::Upload => {
			slot.uploaded = true;
			env::emit(&Event::Uploaded { id, engine });
		},
		Confirmation::Delete => {
			if !sharing.deleting {
				return Err(Error::Msg("deletion was not requested"));
			}
			slot.deleted = true;
			env::emit(&Event::Deleted { id, engine });
		},
	}
	if sharing.deleting && sharing.slots.iter().all(|slot| slot.deleted) {
		SHARINGS.remove(&id);
		DELETING.mutate(|list| list.retain(|other| *other != id));
		env::emit(&Event::Removed { id });
	} else {
		SHARINGS.insert(&id, &sharing);
	}
	Ok(())
}

// ---- off chain: the engine's key and deletions ----

/// This engine's X25519 secret, made from the node's randomness on first use.
fn box_secret() -> Result<[u8; 32]> {
	if let Some(secret) = secrets::get(BOX_SECRET)?.and_then(|bytes| bytes.try_into().ok()) {
		return Ok(secret);
	}
	let secret = offchain::random();
	secrets::set(BOX_SECRET, &secret)?;
	Ok(secret)
}

/// Submits this engine's key when the module trusts the engine and the chain does not have
/// the key yet (or has an older one, after the node lost its secrets).
fn publish_own_key(me: AccountId, now: u64) -> Result<()> {
	if !ENGINES.get_or_default().contains(&me) {
		return Ok(());
	}
	let key = sealed::public_key(&box_secret()?);
	if BOX_KEYS.get(&me) == Some(key) {
		return Ok(());
	}
	let sent_at: Option<u64> =
		secrets::get(KEY_SENT_AT)?.and_then(|bytes| u64::decode(&mut &bytes[..]).ok());
	if sent_at.is_some_and(|at| now < at.saturating_add(CONFIRM_RETRY_BLOCKS)) {
		return Ok(());
	}
	offchain::submit_call(env::module_id(), f::PUBLISH_KEY, &key)?;
	secrets::set(KEY_SENT_AT, &now.encode())?;
	Ok(())
}

/// Deletes this engine's shares of sharings being deleted, leaving a tombstone that refuses a
/// late upload, and confirms.
fn delete_requested_shares(me: AccountId, now: u64) -> Result<()> {
	let sent: Vec<(SharingId, u64)> = secrets::get(PENDING_CONFIRMATIONS)?
		.and_then(|bytes| Decode::decode(&mut &bytes[..]).ok())
		.unwrap_or_default();
	let mut pending = Vec::new();
	for id in DELETING.get_or_default() {
		let Some(sharing) = SHARINGS.get(&id) else { continue };
		if !sharing.slots.iter().any(|slot| slot.engine == me && !slot.deleted) {
			continue;
		}
		let sent_at = sent.iter().find(|(sent_id, _)| *sent_id == id).map(|(_, at)| *at);
		if let Some(at) = sent_at.filter(|at| now < at.saturating_add(CONFIRM_RETRY_BLOCKS)) {
			pending.push((id, at));
			continue;
		}
		secrets::set(&tombstone_key(id), &[])?;
		secrets::clear(&share_key(id))?;
		offchain::submit_call(env::module_id(), f::CONFIRM_DELETE, &id)?;
		pending.push((id, now));
	}
	// Confirmations that reached the chain are forgotten with the rest.
	if pending.is_empty() {
		secrets::clear(PENDING_CONFIRMATIONS)?;
	} else if pending != sent {
		secrets::set(PENDING_CONFIRMATIONS, &pending.encode())?;
	}
	Ok(())
}

// ---- off chain: HTTP ----

type Refusal = (u16, String);

fn refuse(status: u16, message: &str) -> Refusal {
	(status, String::from(message))
}

fn share_key(id: SharingId) -> Vec<u8> {
	format!("share/{id}").into_bytes()
}

/// Marks a sharing this engine deleted: ids are never reused, so the mark is final.
fn tombstone_key(id: SharingId) -> Vec<u8> {
	format!("deleted/{id}").into_bytes()
}

fn last_seen_key(account: &AccountId) -> Vec<u8> {
	let mut key = b"last-seen/".to_vec();
	key.extend_from_slice(account);
	key
}

fn unavailable<T>(_: T) -> Refusal {
	refuse(503, "this engine cannot open its secrets")
}

/// Routes `PUT /shares/{id}` and `POST /shares/{id}/download`.
fn serve(request: &HttpRequest) -> core::result::Result<HttpResponse, Refusal> {
	let rest = request
		.path
		.strip_prefix(b"/shares/")
		.and_then(|rest| core::str::from_utf8(rest).ok())
		.ok_or_else(|| refuse(404, "no such resource"))?;
	let (id, download) = match rest.strip_suffix("/download") {
		Some(id) => (id, true),
		None => (rest, false),
	};
	let id = id.parse::<SharingId>().map_err(|_| refuse(404, "no such resource"))?;
	match (request.method.as_slice(), download) {
		(b"PUT", false) => upload(request, id),
		(b"POST", true) => download_share(request, id),
		_ => Err(refuse(405, "PUT /shares/{id} or POST /shares/{id}/download")),
	}
}

/// The owner's signed upload of this engine's share, sealed to this engine's key.
fn upload(request: &HttpRequest, id: SharingId) -> core::result::Result<HttpResponse, Refusal> {
	let body = request.body.len();
	if body <= sealed::OVERHEAD || body > MAX_SHARE_LEN + sealed::OVERHEAD {
		return Err(refuse(400, "the body must be the share sealed to this engine's key"));
	}
	let (me, sharing, signer) = authenticate(request, id)?;
	let slot = sharing
		.slots
		.iter()
		.find(|slot| slot.engine == me)
		.ok_or_else(|| refuse(403, "this engine holds no share of this sharing"))?;
	if sharing.deleting || secrets::get(&tombstone_key(id)).map_err(unavailable)?.is_some() {
		return Err(refuse(409, "the sharing is being deleted"));
	}
	let secret = match BOX_KEYS.get(&me) {
		Some(_) => box_secret().map_err(unavailable)?,
		None => return Err(refuse(503, "this engine has not published its key yet")),
	};
	let share = sealed::open(&secret, &request.body)
		.ok_or_else(|| refuse(400, "the body is not sealed to this engine's published key"))?;
	let preimage = commitment_preimage(sharing.owner, sharing.nonce, me, slot.salt, &share);
	if env::blake2_256(&preimage) != slot.commitment {
		return Err(refuse(422, "the share does not match its commitment"));
	}
	accept_timestamp(request, &signer)?;
	secrets::set(&share_key(id), &share).map_err(|_| refuse(500, "cannot store"))?;
	if !slot.uploaded {
		offchain::submit_call(env::module_id(), f::CONFIRM_UPLOAD, &id)
			.map_err(|_| refuse(503, "stored, but the confirmation could not be submitted"))?;
	}
	Ok(HttpResponse::new(200, "stored"))
}

/// The owner's signed download, inside the window opened on chain: the share sealed to the
/// key in the body, which the signature covers.
fn download_share(
	request: &HttpRequest,
	id: SharingId,
) -> core::result::Result<HttpResponse, Refusal> {
	let reply_key: [u8; 32] = request
		.body
		.as_slice()
		.try_into()
		.map_err(|_| refuse(400, "the body must be the 32-byte key to seal the share to"))?;
	let (_, sharing, signer) = authenticate(request, id)?;
	if env::block_number() > sharing.download_until {
		return Err(refuse(403, "no download window is open"));
	}
	accept_timestamp(request, &signer)?;
	let share = secrets::get(&share_key(id))
		.map_err(unavailable)?
		.ok_or_else(|| refuse(404, "no share stored here"))?;
	let body = sealed::seal(&reply_key, offchain::random(), &share)
		.ok_or_else(|| refuse(400, "the key is not a usable X25519 key"))?;
	Ok(HttpResponse { status: 200, headers: Vec::new(), body })
}

/// Checks the signature headers: the signer must be the sharing's owner and the signature must
/// cover this engine, module, method, path, body and timestamp, as signed or as a wallet's
/// `signRaw` wraps it.
fn authenticate(
	request: &HttpRequest,
	id: SharingId,
) -> core::result::Result<(AccountId, Sharing, AccountId), Refusal> {
	let me =
		offchain::engine_account().ok_or_else(|| refuse(503, "this node has no engine key"))?;
	let account: AccountId = header_hex(request, AUTH_ACCOUNT)?;
	let signature: [u8; 64] = header_hex(request, AUTH_SIGNATURE)?;
	let timestamp = timestamp(request)?;
	let payload = signing_payload(
		me,
		&request.method,
		&request.path,
		env::blake2_256(&request.body),
		timestamp,
	);
	if !env::sr25519_verify(&signature, &account, &payload)
		&& !env::sr25519_verify(&signature, &account, &wrapped(&payload))
	{
		return Err(refuse(401, "bad signature"));
	}
	let now = offchain::now_ms();
	if now.abs_diff(timestamp) > MAX_CLOCK_SKEW_MS {
		return Err(refuse(401, "timestamp too far from the engine's clock"));
	}
	let sharing = SHARINGS.get(&id).ok_or_else(|| refuse(404, "no such sharing"))?;
	if sharing.owner != account {
		return Err(refuse(403, "only the owner may do this"));
	}
	Ok((me, sharing, account))
}

fn timestamp(request: &HttpRequest) -> core::result::Result<u64, Refusal> {
	header_str(request, AUTH_TIMESTAMP)?.parse().map_err(|_| refuse(400, "bad timestamp"))
}

/// Refuses a timestamp not after the last one this engine accepted from `account`: a replayed
/// request carries an old one. The engine runs one request of this module at a time, so two
/// copies of one request cannot both pass.
fn accept_timestamp(
	request: &HttpRequest,
	account: &AccountId,
) -> core::result::Result<(), Refusal> {
	let timestamp = timestamp(request)?;
	let key = last_seen_key(account);
	let last = secrets::get(&key)
		.map_err(unavailable)?
		.and_then(|bytes| u64::decode(&mut &bytes[..]).ok())
		.unwrap_or(0);
	if timestamp <= last {
		return Err(refuse(409, "replayed request"));
	}
	secrets::set(&key, &timestamp.encode()).map_err(|_| refuse(500, "cannot record"))
}

fn header_str<'a>(request: &'a HttpRequest, name: &[u8]) -> core::result::Result<&'a str, Refusal> {
	let value = request.header(name).ok_or_else(|| refuse(401, "missing authentication header"))?;
	core::str::from_utf8(value).map_err(|_| refuse(400, "header is not text"))
}

/// A fixed-size value from a hex header (with or without `0x`).
fn header_hex<const N: usize>(
	request: &HttpRequest,
	name: &[u8],
) -> core::result::Result<[u8; N], Refusal> {
	let text = header_str(request, name)?;
	let text = text.strip_prefix("0x").unwrap_or(text);
	if text.len() != 2 * N {
		return Err(refuse(400, "bad hex header"));
	}
	let mut out = [0u8; N];
	for (i, byte) in out.iter_mut().enumerate() {
		*byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
			.map_err(|_| refuse(400, "bad hex header"))?;
	}
	Ok(out)
}
