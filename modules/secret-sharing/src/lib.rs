//! The `secret-sharing` process module: a key-management service whose shares live on
//! execution engines, orchestrated and access-controlled on chain.
//!
//! On chain: sharings (owner, threshold, one slot per engine with the share's commitment),
//! download windows, deletion requests, and the engines' confirmations. Off chain, on each
//! engine: `on_http_request` accepts uploads and serves downloads of that engine's share,
//! authenticated by the owner's signature; `on_state_change` deletes shares whose deletion was
//! requested. See `module_interfaces::secret_sharing` for the interface and HTTP scheme.

#![no_std]

extern crate alloc;

use alloc::{format, string::String};
use kernel_sdk::{
	offchain::{self, secrets},
	prelude::*,
};
use module_interfaces::secret_sharing::{
	function as f, signing_payload, Event, RegisterArgs, Sharing, SharingId, Slot, AUTH_ACCOUNT,
	AUTH_SIGNATURE, AUTH_TIMESTAMP, MAX_CLOCK_SKEW_MS, MAX_DOWNLOAD_WINDOW, MAX_SHARES,
	MAX_SHARE_LEN,
};

/// The module.
pub struct SecretSharing;

const NEXT_ID: Value<SharingId> = Value::new(b"next_id");
const SHARINGS: Map<SharingId, Sharing> = Map::new(b"sharing/");
/// Sharings whose deletion was requested and not yet confirmed by every engine.
const DELETING: Value<Vec<SharingId>> = Value::new(b"deleting");
/// Engines named by any sharing: the engines this module trusts.
const ENGINES: Value<Vec<AccountId>> = Value::new(b"engines");

/// Most engines the module trusts at once.
const MAX_ENGINES: usize = 64;

/// Blocks after which an engine confirms a deletion again if its first confirmation has not
/// reached the chain (the transaction was dropped).
const CONFIRM_RETRY_BLOCKS: u64 = 20;
/// Secret: the deletions this engine confirmed and when, `Vec<(SharingId, u64)>`.
const PENDING_CONFIRMATIONS: &[u8] = b"pending-delete-confirmations";

impl Module for SecretSharing {
	fn init(init: Init) -> Result<Output> {
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
			_ => Err(Error::UnknownFunction),
		}
	}

	/// Deletes this engine's shares of sharings whose deletion was requested, and confirms;
	/// confirms again if a confirmation has not reached the chain after
	/// [`CONFIRM_RETRY_BLOCKS`] (its transaction was dropped).
	fn on_state_change(_change: StateChange) -> Result<()> {
		let Some(me) = offchain::engine_account() else { return Ok(()) };
		let now = env::block_number();
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
	for (i, (engine, _)) in args.shares.iter().enumerate() {
		if args.shares[..i].iter().any(|(other, _)| other == engine) {
			return Err(Error::Msg("one share per engine"));
		}
		if env::engine_info(engine).is_none() {
			return Err(Error::Msg("not a registered engine"));
		}
	}
	trust(args.shares.iter().map(|(engine, _)| *engine))?;
	let id = NEXT_ID.mutate(|next| {
		let id = *next;
		*next += 1;
		id
	});
	let slots = args
		.shares
		.into_iter()
		.map(|(engine, commitment)| Slot { engine, commitment, uploaded: false, deleted: false })
		.collect();
	SHARINGS.insert(
		&id,
		&Sharing { owner, threshold: args.threshold, slots, download_until: 0, deleting: false },
	);
	env::emit(&Event::Registered { id, owner });
	Ok(id)
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

// ---- off chain: HTTP ----

type Refusal = (u16, String);

fn refuse(status: u16, message: &str) -> Refusal {
	(status, String::from(message))
}

fn share_key(id: SharingId) -> Vec<u8> {
	format!("share/{id}").into_bytes()
}

fn last_seen_key(account: &AccountId) -> Vec<u8> {
	let mut key = b"last-seen/".to_vec();
	key.extend_from_slice(account);
	key
}

/// Routes `/shares/{id}`.
fn serve(request: &HttpRequest) -> core::result::Result<HttpResponse, Refusal> {
	let id = request
		.path
		.strip_prefix(b"/shares/")
		.and_then(|rest| core::str::from_utf8(rest).ok())
		.and_then(|rest| rest.parse::<SharingId>().ok())
		.ok_or_else(|| refuse(404, "no such resource"))?;
	match request.method.as_slice() {
		b"PUT" => upload(request, id),
		b"GET" => download(request, id),
		_ => Err(refuse(405, "use PUT or GET")),
	}
}

/// The owner's signed upload of this engine's share.
fn upload(request: &HttpRequest, id: SharingId) -> core::result::Result<HttpResponse, Refusal> {
	if request.body.is_empty() || request.body.len() > MAX_SHARE_LEN {
		return Err(refuse(400, "the body must be the share, at most 4096 bytes"));
	}
	let (me, sharing, signer) = authenticate(request, id)?;
	let slot = sharing
		.slots
		.iter()
		.find(|slot| slot.engine == me)
		.ok_or_else(|| refuse(403, "this engine holds no share of this sharing"))?;
	if sharing.deleting {
		return Err(refuse(409, "the sharing is being deleted"));
	}
	if env::blake2_256(&request.body) != slot.commitment {
		return Err(refuse(422, "the share does not match its commitment"));
	}
	accept_timestamp(request, &signer)?;
	secrets::set(&share_key(id), &request.body).map_err(|_| refuse(500, "cannot store"))?;
	if !slot.uploaded {
		offchain::submit_call(env::module_id(), f::CONFIRM_UPLOAD, &id)
			.map_err(|_| refuse(503, "stored, but the confirmation could not be submitted"))?;
	}
	Ok(HttpResponse::new(200, "stored"))
}

/// The owner's signed download, inside the window opened on chain.
fn download(request: &HttpRequest, id: SharingId) -> core::result::Result<HttpResponse, Refusal> {
	let (_, sharing, signer) = authenticate(request, id)?;
	if env::block_number() > sharing.download_until {
		return Err(refuse(403, "no download window is open"));
	}
	accept_timestamp(request, &signer)?;
	let share = secrets::get(&share_key(id))
		.map_err(|_| refuse(503, "this engine cannot open its secrets"))?
		.ok_or_else(|| refuse(404, "no share stored here"))?;
	Ok(HttpResponse { status: 200, headers: Vec::new(), body: share })
}

/// Checks the signature headers: the signer must be the sharing's owner and the signature must
/// cover this engine, module, method, path, body and timestamp.
fn authenticate(
	request: &HttpRequest,
	id: SharingId,
) -> core::result::Result<(AccountId, Sharing, AccountId), Refusal> {
	let me =
		offchain::engine_account().ok_or_else(|| refuse(503, "this node has no engine key"))?;
	let account: AccountId = header_hex(request, AUTH_ACCOUNT)?;
	let signature: [u8; 64] = header_hex(request, AUTH_SIGNATURE)?;
	let timestamp = header_str(request, AUTH_TIMESTAMP)?
		.parse::<u64>()
		.map_err(|_| refuse(400, "bad timestamp"))?;
	let payload = signing_payload(
		me,
		&request.method,
		&request.path,
		env::blake2_256(&request.body),
		timestamp,
	);
	if !env::sr25519_verify(&signature, &account, &payload) {
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

/// Refuses a timestamp not after the last one this engine accepted from `account`: a replayed
/// request carries an old one.
fn accept_timestamp(
	request: &HttpRequest,
	account: &AccountId,
) -> core::result::Result<(), Refusal> {
	let timestamp: u64 =
		header_str(request, AUTH_TIMESTAMP)?.parse().map_err(|_| refuse(400, "bad timestamp"))?;
	let key = last_seen_key(account);
	let last = secrets::get(&key)
		.map_err(|_| refuse(503, "this engine cannot open its secrets"))?
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
