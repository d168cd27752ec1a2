//! The execution engine's runtime half.
//!
//! Modules carry off-chain code: the exports `on_state_change` and `on_http_request`. A node
//! configured as an *engine* (it has an engine key in its keystore and its operator chose the
//! modules it runs) executes them with the same sandbox as on-chain code, in *off-chain mode*:
//! state is read-only, and the off-chain host functions are available. This file provides what
//! those functions need from the runtime side:
//!
//! * running `on_state_change` from the offchain worker, once per (module, block), and
//!   `on_http_request` from the node's HTTP gateway (through the runtime API);
//! * node-local secrets, sealed with a key derived from the engine key (ed25519 signatures are
//!   deterministic, so `blake2(sign(engine_key, domain ++ module))` is a key only this node can
//!   derive), encrypted with ChaCha20-Poly1305;
//! * outbound HTTP with deadlines, and transactions signed with the engine key with nonces
//!   reserved under a lock, so several submissions in a row do not clash.

use crate::{
	exec::{run_top_level_offchain, ExecError},
	Call, Config, Modules, TrustedEngines,
};
use alloc::{format, vec::Vec};
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	ChaCha20Poly1305, Key, Nonce,
};
use codec::{Decode, Encode};
use frame_system::offchain::{AppCrypto, SubmitTransaction};
use kernel_primitives::{
	abi::Entry,
	offchain::{
		EngineCall, EngineNodeConfig, HttpDispatchError, HttpFetch, HttpRequest, HttpResponse,
		StateChangeInput, ENGINE_CONFIG_KEY,
	},
	ModuleId,
};
use polkadot_sdk::{
	frame_support::{traits::Get, BoundedVec},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_core::offchain::StorageKind,
	sp_io::{self, hashing::blake2_256},
	sp_runtime::{
		offchain::{
			http,
			storage::StorageValueRef,
			storage_lock::{StorageLock, Time},
			Duration,
		},
		traits::{IdentifyAccount, One, Saturating},
		RuntimeAppPublic,
	},
};

/// The engine key type and the crypto the runtime signs engine transactions with.
pub mod crypto {
	use kernel_primitives::offchain::ENGINE_KEY_TYPE;
	use polkadot_sdk::{
		frame_system,
		sp_application_crypto::{app_crypto, ed25519},
		sp_core::crypto::KeyTypeId,
		sp_runtime::{MultiSignature, MultiSigner},
	};

	app_crypto!(ed25519, KeyTypeId(ENGINE_KEY_TYPE));

	/// The engine key, for `frame_system`'s transaction signing. It is ed25519 on purpose:
	/// its signatures are deterministic, which is what lets an engine derive its sealing keys.
	pub struct EngineAuthId;

	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for EngineAuthId {
		type RuntimeAppPublic = Public;
		type GenericSignature = polkadot_sdk::sp_core::ed25519::Signature;
		type GenericPublic = polkadot_sdk::sp_core::ed25519::Public;
	}
}

/// Why an engine service failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EngineError {
	/// This node has no engine key.
	NoKey,
	/// Sealing or unsealing failed (a secret written with another key, or tampered with).
	Sealing,
	/// The HTTP request could not be made or did not finish in time.
	Http,
	/// The transaction could not be built or the pool refused it.
	Submission,
}

type AppPublic<T> = <<T as Config>::EngineCrypto as AppCrypto<
	<T as frame_system::offchain::SigningTypes>::Public,
	<T as frame_system::offchain::SigningTypes>::Signature,
>>::RuntimeAppPublic;

/// The engine key of this node: the first key of the engine key type in its keystore.
fn engine_key<T: Config>() -> Option<AppPublic<T>> {
	AppPublic::<T>::all().into_iter().next()
}

/// The engine's account and signing public key.
fn signer<T: Config>() -> Option<(T::Public, T::AccountId)> {
	let key = engine_key::<T>()?;
	let generic: <T::EngineCrypto as AppCrypto<T::Public, T::Signature>>::GenericPublic =
		key.into();
	let public: T::Public = generic.into();
	let account = public.clone().into_account();
	Some((public, account))
}

/// The engine's account as modules see it (32 bytes).
pub fn engine_account<T: Config>() -> Result<[u8; 32], EngineError> {
	let (_, account) = signer::<T>().ok_or(EngineError::NoKey)?;
	<[u8; 32]>::decode(&mut &account.encode()[..]).map_err(|_| EngineError::NoKey)
}

/// What the operator configured this node to run, if it is an engine.
pub fn node_config() -> Option<EngineNodeConfig> {
	let raw = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, ENGINE_CONFIG_KEY)?;
	EngineNodeConfig::decode(&mut &raw[..]).ok()
}

/// Whether this engine (`account`, `config`) runs `module`: the module trusts it and the
/// operator selected it (or selected all).
fn serves<T: Config>(config: &EngineNodeConfig, account: &T::AccountId, module: ModuleId) -> bool {
	if !TrustedEngines::<T>::get(module).contains(account) {
		return false;
	}
	match &config.modules {
		None => true,
		Some(names) => Modules::<T>::get(module)
			.is_some_and(|info| names.iter().any(|name| name.as_slice() == info.name.as_slice())),
	}
}

/// Whether `module` trusts this node's engine key (false on a node without one).
pub fn trusted_by<T: Config>(module: ModuleId) -> bool {
	signer::<T>().is_some_and(|(_, account)| TrustedEngines::<T>::get(module).contains(&account))
}

/// Persistent key of `module`'s run markers: the `(block number, block hash)` pairs whose
/// `on_state_change` already ran on this node.
pub(crate) fn markers_key(module: ModuleId) -> Vec<u8> {
	(b"kernel::engine::done", module).encode()
}

/// A run marker: the number and hash of a block whose `on_state_change` already ran.
pub(crate) type RunMarker = (u64, [u8; 32]);

/// How many blocks back markers are kept: re-runs and re-orgs deeper than this are not
/// de-duplicated.
const MARKER_HISTORY: u64 = 512;

/// The offchain worker: runs `on_state_change` of every module whose state changed in block
/// `n` and that this engine runs, exactly once per (module, block): a marker in persistent
/// off-chain storage, claimed with compare-and-set under a per-module lock, survives re-runs,
/// and re-orgs see a different block hash.
pub fn on_block<T: Config>(n: BlockNumberFor<T>) {
	let Some(config) = node_config() else { return };
	let Some((_, account)) = signer::<T>() else {
		log::warn!(target: crate::LOG_TARGET, "engine configured but no engine key in the keystore");
		return;
	};
	let number: u64 = n.try_into().unwrap_or(u64::MAX);
	let hash = frame_system::Pallet::<T>::block_hash(n);
	let block_hash = <[u8; 32]>::decode(&mut &hash.encode()[..]).unwrap_or_default();
	for module in crate::ChangedModules::<T>::get() {
		if !serves::<T>(&config, &account, module)
			|| !Modules::<T>::get(module).is_some_and(|info| info.exports.has(Entry::OnStateChange))
		{
			continue;
		}
		let lock_key = (b"kernel::engine::lock", module).encode();
		let mut lock = StorageLock::<Time>::with_deadline(&lock_key, Duration::from_millis(30_000));
		let _guard = lock.lock();
		if !claim(module, number, block_hash) {
			continue;
		}
		let input = StateChangeInput { block_number: number, block_hash }.encode();
		if let Err(error) = run::<T>(module, Entry::OnStateChange, input) {
			log::warn!(
				target: crate::LOG_TARGET,
				"on_state_change of module {module} at block {number} failed: {error:?}"
			);
		}
	}
}

/// Records that `(module, number, block_hash)` runs now; false if it already ran. Markers more
/// than [`MARKER_HISTORY`] blocks older than `number` are forgotten on the way, so a module's
/// markers stay bounded by the blocks it ran in during that window.
fn claim(module: ModuleId, number: u64, block_hash: [u8; 32]) -> bool {
	let oldest_kept = number.saturating_sub(MARKER_HISTORY);
	StorageValueRef::persistent(&markers_key(module))
		.mutate(|done: Result<Option<Vec<RunMarker>>, _>| {
			let mut done = done.ok().flatten().unwrap_or_default();
			if done.contains(&(number, block_hash)) {
				return Err(());
			}
			done.retain(|(ran_at, _)| *ran_at >= oldest_kept);
			done.push((number, block_hash));
			Ok(done)
		})
		.is_ok()
}

/// Runs an off-chain entry point of `module` with `input`.
fn run<T: Config>(module: ModuleId, entry: Entry, input: Vec<u8>) -> Result<Vec<u8>, ExecError> {
	let (result, _) =
		run_top_level_offchain::<T, _>(T::OffchainFrameWeight::get(), |ctx, engine| {
			ctx.offchain_entry(engine, module, entry, input)
		});
	result.map(|output| output.data)
}

/// Serves an HTTP request to `/modules/{module}/...` (the runtime API behind the gateway).
pub fn handle_http<T: Config>(
	module: Vec<u8>,
	request: HttpRequest,
) -> Result<HttpResponse, HttpDispatchError> {
	let config = node_config().ok_or(HttpDispatchError::NotServed)?;
	let (_, account) = signer::<T>().ok_or(HttpDispatchError::NotServed)?;
	let module =
		crate::Pallet::<T>::api_module_id(module).ok_or(HttpDispatchError::ModuleNotFound)?;
	let info = Modules::<T>::get(module).ok_or(HttpDispatchError::ModuleNotFound)?;
	if !info.exports.has(Entry::OnHttpRequest) {
		return Err(HttpDispatchError::NotExported);
	}
	if !serves::<T>(&config, &account, module) {
		return Err(HttpDispatchError::NotServed);
	}
	let output = run::<T>(module, Entry::OnHttpRequest, request.encode()).map_err(|error| {
		let text = match error {
			ExecError::Reverted(data) => data,
			other => format!("{other:?}").into_bytes(),
		};
		HttpDispatchError::Failed(text)
	})?;
	HttpResponse::decode(&mut &output[..])
		.map_err(|_| HttpDispatchError::Failed(b"the module's response does not decode".to_vec()))
}

// ---- sealed secrets ----

fn secret_storage_key(engine: &[u8; 32], module: ModuleId, key: &[u8]) -> Vec<u8> {
	let mut full = b"kernel::secret::".to_vec();
	full.extend_from_slice(engine);
	full.extend_from_slice(&module.to_le_bytes());
	full.extend_from_slice(key);
	full
}

/// The sealing key of `module`'s secrets on this engine.
fn sealing_key<T: Config>(module: ModuleId) -> Result<([u8; 32], [u8; 32]), EngineError> {
	let key = engine_key::<T>().ok_or(EngineError::NoKey)?;
	let engine = engine_account::<T>()?;
	let mut domain = b"kernel/seal/v1".to_vec();
	domain.extend_from_slice(&module.to_le_bytes());
	let signature = key.sign(&domain).ok_or(EngineError::NoKey)?;
	Ok((engine, blake2_256(&signature.encode())))
}

/// `module`'s secret at `key`, unsealed.
pub fn secret_get<T: Config>(module: ModuleId, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
	let (engine, seal) = sealing_key::<T>(module)?;
	let storage_key = secret_storage_key(&engine, module, key);
	let Some(sealed) = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &storage_key)
	else {
		return Ok(None);
	};
	if sealed.len() < 12 {
		return Err(EngineError::Sealing);
	}
	let (nonce, ciphertext) = sealed.split_at(12);
	ChaCha20Poly1305::new(Key::from_slice(&seal))
		.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &storage_key })
		.map(Some)
		.map_err(|_| EngineError::Sealing)
}

/// Seals and stores `module`'s secret at `key`.
pub fn secret_set<T: Config>(
	module: ModuleId,
	key: &[u8],
	value: &[u8],
) -> Result<(), EngineError> {
	let (engine, seal) = sealing_key::<T>(module)?;
	let storage_key = secret_storage_key(&engine, module, key);
	let seed = sp_io::offchain::random_seed();
	let nonce = &seed[..12];
	let ciphertext = ChaCha20Poly1305::new(Key::from_slice(&seal))
		.encrypt(Nonce::from_slice(nonce), Payload { msg: value, aad: &storage_key })
		.map_err(|_| EngineError::Sealing)?;
	let mut sealed = nonce.to_vec();
	sealed.extend_from_slice(&ciphertext);
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &storage_key, &sealed);
	Ok(())
}

/// Removes `module`'s secret at `key`; whether there was one.
pub fn secret_clear<T: Config>(module: ModuleId, key: &[u8]) -> Result<bool, EngineError> {
	let engine = engine_account::<T>()?;
	let storage_key = secret_storage_key(&engine, module, key);
	let existed =
		sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &storage_key).is_some();
	sp_io::offchain::local_storage_clear(StorageKind::PERSISTENT, &storage_key);
	Ok(existed)
}

// ---- HTTP ----

/// Longest deadline an outbound request may ask for.
const MAX_HTTP_DEADLINE_MS: u64 = 30_000;

/// Performs `request`; fails if the response does not arrive, or its body is not read, before
/// the request's deadline, or if the encoded response exceeds `max_encoded` bytes.
pub fn http_fetch(request: &HttpFetch, max_encoded: usize) -> Result<HttpResponse, EngineError> {
	let method = match request.method.as_slice() {
		b"GET" => http::Method::Get,
		b"POST" => http::Method::Post,
		b"PUT" => http::Method::Put,
		b"PATCH" => http::Method::Patch,
		b"DELETE" => http::Method::Delete,
		_ => return Err(EngineError::Http),
	};
	let url = core::str::from_utf8(&request.url).map_err(|_| EngineError::Http)?;
	let deadline = sp_io::offchain::timestamp()
		.add(Duration::from_millis(request.deadline_ms.min(MAX_HTTP_DEADLINE_MS)));
	let mut outbound = http::Request::new(url)
		.method(method)
		.deadline(deadline)
		.body(alloc::vec![request.body.clone()]);
	for (name, value) in &request.headers {
		let (Ok(name), Ok(value)) = (core::str::from_utf8(name), core::str::from_utf8(value))
		else {
			return Err(EngineError::Http);
		};
		outbound = outbound.add_header(name, value);
	}
	let pending = outbound.send().map_err(|_| EngineError::Http)?;
	let mut response = pending
		.try_wait(deadline)
		.map_err(|_| EngineError::Http)?
		.map_err(|_| EngineError::Http)?;
	let mut headers = Vec::new();
	let mut iterator = response.headers().into_iter();
	while iterator.next() {
		if let Some((name, value)) = iterator.current() {
			headers.push((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
		}
	}
	let mut reader = response.body();
	reader.deadline(deadline);
	let body: Vec<u8> = reader.by_ref().take(max_encoded.saturating_add(1)).collect();
	if reader.error().is_some() {
		return Err(EngineError::Http);
	}
	let response = HttpResponse { status: response.code, headers, body };
	if response.encoded_size() > max_encoded {
		return Err(EngineError::Http);
	}
	Ok(response)
}

// ---- transactions ----

/// Blocks the on-chain nonce may stand still while reservations are ahead of it before the
/// engine concludes that a reserved transaction was dropped and reuses its nonce.
const NONCE_STALL_BLOCKS: u64 = 10;

/// The engine's nonce reservations, in persistent off-chain storage.
#[derive(Encode, Decode)]
struct NonceReservation<Nonce> {
	/// The next nonce to hand out.
	next: Nonce,
	/// The on-chain nonce last seen, and the block at which it was first seen.
	on_chain: Nonce,
	seen_at: u64,
}

/// Reserves the next nonce of the engine's `account`: at least its on-chain nonce, and past
/// any nonce reserved before whose transaction is still in the pool. If the on-chain nonce
/// stands still for [`NONCE_STALL_BLOCKS`] while reservations are ahead of it, a reserved
/// transaction was dropped and left a gap no later one can pass: start again from the chain.
fn reserve_nonce<T: Config>(account: &T::AccountId) -> T::Nonce {
	let mut lock = StorageLock::<Time>::with_deadline(
		b"kernel::engine::nonce-lock",
		Duration::from_millis(5_000),
	);
	let _guard = lock.lock();
	let key = (b"kernel::engine::nonce", account).encode();
	let stored = StorageValueRef::persistent(&key);
	let on_chain = frame_system::Pallet::<T>::account_nonce(account);
	let now: u64 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(u64::MAX);
	let previous: Option<NonceReservation<T::Nonce>> = stored.get().ok().flatten();
	let (next, seen_at) = match previous {
		Some(r) if r.on_chain == on_chain => (r.next, r.seen_at),
		Some(r) => (r.next, now),
		None => (on_chain, now),
	};
	let stalled = now.saturating_sub(seen_at) >= NONCE_STALL_BLOCKS;
	let nonce = if next > on_chain && !stalled { next } else { on_chain };
	let seen_at = if stalled { now } else { seen_at };
	stored.set(&NonceReservation { next: nonce.saturating_add(One::one()), on_chain, seen_at });
	nonce
}

/// Submits `call` as a kernel transaction signed with the engine key.
pub fn submit<T: Config>(call: EngineCall) -> Result<(), EngineError> {
	let (public, account) = signer::<T>().ok_or(EngineError::NoKey)?;
	fn bounded<S: Get<u32>>(bytes: Vec<u8>) -> Result<BoundedVec<u8, S>, EngineError> {
		BoundedVec::try_from(bytes).map_err(|_| EngineError::Submission)
	}
	let weight_limit = T::EngineTxWeight::get();
	let call: Call<T> = match call {
		EngineCall::Call { module, function, params } => Call::call {
			module,
			function: bounded(function)?,
			params: bounded(params)?,
			caps: Default::default(),
			requests: Default::default(),
			weight_limit,
		},
		EngineCall::Invoke { cap, function, params } => Call::invoke {
			cap,
			function: bounded(function)?,
			params: bounded(params)?,
			caps: Default::default(),
			requests: Default::default(),
			weight_limit,
		},
	};
	let nonce = reserve_nonce::<T>(&account);
	let transaction =
		T::create_signed_transaction::<T::EngineCrypto>(call.into(), public, account, nonce)
			.ok_or(EngineError::Submission)?;
	SubmitTransaction::<T, Call<T>>::submit_transaction(transaction)
		.map_err(|()| EngineError::Submission)
}
