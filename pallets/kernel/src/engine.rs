//! The execution engine's runtime half.
//!
//! Modules carry off-chain code: the exports `on_state_change` and `on_http_request`. A node
//! configured as an *engine* (it has an engine key in its keystore and its operator named the
//! modules it runs) executes them with the same sandbox as on-chain code, in *off-chain mode*:
//! state is read-only, and the off-chain host functions are available. The node drives the
//! runs (`kernel-engine`: finalized blocks, catch-up, budgets, the HTTP gateway, outbound HTTP
//! under the operator's policy); this file provides what the runs need from the runtime side:
//!
//! * which modules to run for a block ([`state_change_targets`]) and running one of them once
//!   per (module, block) ([`run_state_change`]), and `on_http_request` ([`handle_http`]);
//! * node-local secrets, sealed with a key derived from a dedicated sealing key that signs
//!   nothing else, encrypted with ChaCha20-Poly1305;
//! * outbound HTTP with deadlines, and transactions signed with the engine key, only for the
//!   module that asks and within its per-block budget, with nonces reserved under a lock.

use crate::{
	exec::{run_top_level_offchain, ExecError},
	Call, Capabilities, ChangedModules, ChangedModulesOverflow, Config, ModuleNames, Modules,
	TrustedEngines,
};
use alloc::{format, vec::Vec};
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	ChaCha20Poly1305, Key, Nonce,
};
use codec::{Decode, Encode};
use core::sync::atomic::{AtomicBool, Ordering};
use frame_system::offchain::{AppCrypto, SubmitTransaction};
use kernel_primitives::{
	abi::Entry,
	offchain::{
		EngineCall, EngineNodeConfig, HttpDispatchError, HttpFetch, HttpRequest, HttpResponse,
		ModuleSelection, StateChangeInput, StateChangeOutcome, ENGINE_CONFIG_KEY, SEALING_KEY_TYPE,
	},
	Creator, ModuleId,
};
use polkadot_sdk::{
	frame_support::{traits::Get, BoundedVec},
	frame_system,
	sp_core::{crypto::KeyTypeId, ed25519, offchain::StorageKind},
	sp_io::{self, hashing::blake2_256},
	sp_runtime::{
		offchain::{
			http,
			storage::{MutateStorageError, StorageValueRef},
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
	/// The module asked for a transaction that is not its own: a call of another module, or an
	/// invocation of a capability another module created.
	NotOwnCall,
	/// The module used up its transactions for this block on this engine.
	SubmissionBudget,
}

type AppPublic<T> = <<T as Config>::EngineCrypto as AppCrypto<
	<T as frame_system::offchain::SigningTypes>::Public,
	<T as frame_system::offchain::SigningTypes>::Signature,
>>::RuntimeAppPublic;

/// The engine key of this node: the one its operator configured, or else the smallest key of
/// the engine key type in its keystore, so that the choice never depends on the keystore's
/// order. A configured key that the keystore lacks means no key.
fn engine_key<T: Config>() -> Option<AppPublic<T>> {
	let configured = node_config().and_then(|config| config.engine_key);
	let mut keys = AppPublic::<T>::all();
	keys.sort_by_key(|key| key.to_raw_vec());
	match configured {
		Some(wanted) => keys.into_iter().find(|key| key.to_raw_vec() == wanted),
		None => keys.into_iter().next(),
	}
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

/// Whether the operator selected `name` in `config`.
fn selected(config: &EngineNodeConfig, name: &[u8]) -> bool {
	match &config.modules {
		ModuleSelection::All => true,
		ModuleSelection::Named(names) => names.iter().any(|selected| selected.as_slice() == name),
	}
}

/// Whether this engine (`account`, `config`) runs `module`: the operator selected it and the
/// module trusts the engine. Both are needed: trust is the module's choice, selection the
/// operator's, and trusting an engine alone never makes it run a module's code. With `entry`,
/// the module must also export it. One read of the module's info.
fn serves<T: Config>(
	config: &EngineNodeConfig,
	account: &T::AccountId,
	module: ModuleId,
	entry: Option<Entry>,
) -> bool {
	Modules::<T>::get(module).is_some_and(|info| {
		selected(config, &info.name) && entry.is_none_or(|entry| info.exports.has(entry))
	}) && TrustedEngines::<T>::get(module).contains(account)
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

/// How many blocks back markers are kept: re-runs deeper than this are not de-duplicated (the
/// node never catches up further back than this).
pub const MARKER_HISTORY: u64 = 512;

/// Most modules one overflowing block makes an engine running `all` consider.
const MAX_OVERFLOW_TARGETS: usize = 1024;

/// The modules this engine runs `on_state_change` of for the block whose state this call sees:
/// those that changed state in it, or, when more changed than were recorded, every module it
/// serves. Only modules it serves and that export `on_state_change`, in id order.
pub fn state_change_targets<T: Config>() -> Vec<ModuleId> {
	let Some(config) = node_config() else { return Vec::new() };
	// The node warns about a missing engine key, once.
	let Some((_, account)) = signer::<T>() else { return Vec::new() };
	let candidates: Vec<ModuleId> = if ChangedModulesOverflow::<T>::get() {
		match &config.modules {
			ModuleSelection::Named(names) => names
				.iter()
				.filter_map(|name| {
					ModuleNames::<T>::get(crate::ModuleName::<T>::try_from(name.clone()).ok()?)
				})
				.collect(),
			ModuleSelection::All => Modules::<T>::iter_keys().take(MAX_OVERFLOW_TARGETS).collect(),
		}
	} else {
		ChangedModules::<T>::get().into_inner()
	};
	let mut targets: Vec<ModuleId> = candidates
		.into_iter()
		.filter(|module| serves::<T>(&config, &account, *module, Some(Entry::OnStateChange)))
		.collect();
	targets.sort_unstable();
	targets.dedup();
	targets
}

/// Runs `module`'s `on_state_change` for the block `input` names, which must be the block whose
/// state this call sees, once per (module, block) on this engine: the run is marked done in
/// persistent off-chain storage after it returns, whether it succeeded or failed (a failure is
/// final and logged). A node that stops in the middle of a run runs it again on restart.
pub fn run_state_change<T: Config>(
	module: ModuleId,
	input: StateChangeInput,
) -> StateChangeOutcome {
	let current: u64 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(u64::MAX);
	if input.block_number != current {
		return StateChangeOutcome::WrongBlock;
	}
	let Some(config) = node_config() else { return StateChangeOutcome::NotServed };
	let Some((_, account)) = signer::<T>() else { return StateChangeOutcome::NotServed };
	if !serves::<T>(&config, &account, module, Some(Entry::OnStateChange)) {
		return StateChangeOutcome::NotServed;
	}
	let lock_key = (b"kernel::engine::lock", module).encode();
	let mut lock = StorageLock::<Time>::with_deadline(&lock_key, Duration::from_millis(30_000));
	let _guard = lock.lock();
	let marker = (input.block_number, input.block_hash);
	if already_ran(module, marker) {
		return StateChangeOutcome::AlreadyRan;
	}
	let outcome = match run::<T>(module, Entry::OnStateChange, input.encode()) {
		Ok(_) => StateChangeOutcome::Ran,
		Err(error) => {
			log::warn!(
				target: crate::LOG_TARGET,
				"on_state_change of module {module} at block {} failed: {error:?}",
				input.block_number,
			);
			StateChangeOutcome::Failed(failure_text(error))
		},
	};
	mark_ran(module, marker);
	outcome
}

/// Whether `module`'s `on_state_change` already ran for `marker` on this engine.
fn already_ran(module: ModuleId, marker: RunMarker) -> bool {
	StorageValueRef::persistent(&markers_key(module))
		.get::<Vec<RunMarker>>()
		.ok()
		.flatten()
		.is_some_and(|done| done.contains(&marker))
}

/// Records that `module`'s `on_state_change` ran for `marker`. Markers more than
/// [`MARKER_HISTORY`] blocks older are forgotten on the way, so a module's markers stay bounded
/// by the blocks it ran in during that window.
fn mark_ran(module: ModuleId, marker: RunMarker) {
	let oldest_kept = marker.0.saturating_sub(MARKER_HISTORY);
	let key = markers_key(module);
	let stored = StorageValueRef::persistent(&key);
	let mut done: Vec<RunMarker> = stored.get().ok().flatten().unwrap_or_default();
	done.retain(|(ran_at, _)| *ran_at >= oldest_kept);
	if !done.contains(&marker) {
		done.push(marker);
	}
	stored.set(&done);
}

fn failure_text(error: ExecError) -> Vec<u8> {
	match error {
		ExecError::Reverted(data) => data,
		ExecError::Panicked(message) => [&b"panicked: "[..], &message].concat(),
		other => format!("{other:?}").into_bytes(),
	}
}

/// Whether an engine transaction was refused for want of funds in this run: warned about once
/// per run. A run is one runtime call, so this is reset when a run starts.
static UNFUNDED_WARNED: AtomicBool = AtomicBool::new(false);

/// Runs an off-chain entry point of `module` with `input`.
fn run<T: Config>(module: ModuleId, entry: Entry, input: Vec<u8>) -> Result<Vec<u8>, ExecError> {
	UNFUNDED_WARNED.store(false, Ordering::Relaxed);
	let (result, _) =
		run_top_level_offchain::<T, _>(T::OffchainFrameWeight::get(), |ctx, sandbox| {
			ctx.offchain_entry(sandbox, module, entry, input)
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
	if !serves::<T>(&config, &account, module, None) {
		return Err(HttpDispatchError::NotServed);
	}
	let output = run::<T>(module, Entry::OnHttpRequest, request.encode())
		.map_err(|error| HttpDispatchError::Failed(failure_text(error)))?;
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

/// Persistent key recording which sealing key belongs to the engine key `engine`.
fn sealing_key_record(engine: &[u8; 32]) -> Vec<u8> {
	(b"kernel::engine::sealing-key", engine).encode()
}

/// The public half of this engine's sealing key: generated in the keystore (key type
/// [`SEALING_KEY_TYPE`]) the first time the engine `engine` seals anything, and recorded so
/// that later runs, and a concurrent first run, use the same one.
fn sealing_public(engine: &[u8; 32]) -> Result<ed25519::Public, EngineError> {
	let key_type = KeyTypeId(SEALING_KEY_TYPE);
	let record_key = sealing_key_record(engine);
	let record = StorageValueRef::persistent(&record_key);
	if let Ok(Some(raw)) = record.get::<[u8; 32]>() {
		let public = ed25519::Public::from_raw(raw);
		return sp_io::crypto::ed25519_public_keys(key_type)
			.contains(&public)
			.then_some(public)
			.ok_or(EngineError::NoKey);
	}
	let generated = sp_io::crypto::ed25519_generate(key_type, None);
	// Whoever records first wins; a loser's generated key stays unused.
	let recorded = record.mutate(|existing: Result<Option<[u8; 32]>, _>| match existing {
		Ok(Some(raw)) => Err(raw),
		_ => Ok(generated.0),
	});
	Ok(match recorded {
		Ok(raw) => ed25519::Public::from_raw(raw),
		Err(MutateStorageError::ValueFunctionFailed(raw)) => ed25519::Public::from_raw(raw),
		Err(MutateStorageError::ConcurrentModification(_)) => return Err(EngineError::Sealing),
	})
}

/// The sealing key of `module`'s secrets on this engine: `blake2(sig)`, where `sig` is the
/// (deterministic) ed25519 signature of the sealing key over a domain naming the engine and the
/// module. The sealing key signs nothing else, so no other signature can reveal it.
fn sealing_key<T: Config>(module: ModuleId) -> Result<([u8; 32], [u8; 32]), EngineError> {
	let engine = engine_account::<T>()?;
	let public = sealing_public(&engine)?;
	let domain = (b"kernel/seal/v2", engine, module).encode();
	let signature = sp_io::crypto::ed25519_sign(KeyTypeId(SEALING_KEY_TYPE), &public, &domain)
		.ok_or(EngineError::NoKey)?;
	Ok((engine, blake2_256(&(b"kernel/seal/v2", signature.0).encode())))
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

/// Whether `module` may have the engine sign `call`: only a call of itself, or an invocation
/// of a capability it created. The engine key is the operator's, not the module's: it must not
/// be lent to act on anything else.
fn own_call<T: Config>(module: ModuleId, call: &EngineCall) -> bool {
	match call {
		EngineCall::Call { module: target, .. } => *target == module,
		EngineCall::Invoke { cap, .. } => {
			Capabilities::<T>::get(cap).is_some_and(|cap| cap.creator == Creator::Module(module))
		},
	}
}

/// Counts one more submission by `module` in the current block against `limit`; false (and
/// nothing counted) when its budget is used up. The count lives in persistent off-chain
/// storage, so every run on this engine at this block shares it.
fn take_submission(module: ModuleId, block: u64, limit: u32) -> bool {
	StorageValueRef::persistent(&(b"kernel::engine::submissions", module).encode())
		.mutate(|stored: Result<Option<(u64, u32)>, _>| {
			let used = match stored {
				Ok(Some((at, used))) if at == block => used,
				_ => 0,
			};
			if used >= limit {
				return Err(());
			}
			Ok((block, used + 1))
		})
		.is_ok()
}

/// Submits `call`, asked for by `module`, as a kernel transaction signed with the engine key:
/// only `module`'s own calls ([`EngineError::NotOwnCall`] otherwise, checked before anything is
/// signed), and at most the operator's `max_submissions_per_block` per module and block.
pub fn submit<T: Config>(module: ModuleId, call: EngineCall) -> Result<(), EngineError> {
	if !own_call::<T>(module, &call) {
		log::warn!(
			target: crate::LOG_TARGET,
			"module {module} asked the engine to sign a call that is not its own: refused"
		);
		return Err(EngineError::NotOwnCall);
	}
	let (public, account) = signer::<T>().ok_or(EngineError::NoKey)?;
	let limit = node_config().unwrap_or_default().max_submissions_per_block;
	let block: u64 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(u64::MAX);
	if !take_submission(module, block, limit) {
		log::warn!(
			target: crate::LOG_TARGET,
			"module {module} used up its {limit} engine transactions for block {block}"
		);
		return Err(EngineError::SubmissionBudget);
	}
	fn bounded<S: Get<u32>>(bytes: Vec<u8>) -> Result<BoundedVec<u8, S>, EngineError> {
		BoundedVec::try_from(bytes).map_err(|_| EngineError::Submission)
	}
	let weight_limit = T::EngineTxWeight::get();
	// A module cannot spend more of the engine's funds on deposits than this per transaction.
	let storage_deposit_limit = Some(T::EngineDepositLimit::get());
	let call: Call<T> = match call {
		EngineCall::Call { module, function, params } => Call::call {
			module,
			function: bounded(function)?,
			params: bounded(params)?,
			caps: Default::default(),
			requests: Default::default(),
			weight_limit,
			storage_deposit_limit,
		},
		EngineCall::Invoke { cap, function, params } => Call::invoke {
			cap,
			function: bounded(function)?,
			params: bounded(params)?,
			caps: Default::default(),
			requests: Default::default(),
			weight_limit,
			storage_deposit_limit,
		},
	};
	warn_if_unfunded::<T>(&account);
	let nonce = reserve_nonce::<T>(&account);
	let transaction =
		T::create_signed_transaction::<T::EngineCrypto>(call.into(), public, account, nonce)
			.ok_or(EngineError::Submission)?;
	SubmitTransaction::<T, Call<T>>::submit_transaction(transaction)
		.map_err(|()| EngineError::Submission)
}

/// Warns, once per run, that the engine's account has no funds: its transactions cannot pay
/// their fees, and the operator should fund it (`kernel fund`).
fn warn_if_unfunded<T: Config>(account: &T::AccountId) {
	if frame_system::Pallet::<T>::account_exists(account)
		|| UNFUNDED_WARNED.swap(true, Ordering::Relaxed)
	{
		return;
	}
	log::warn!(
		target: crate::LOG_TARGET,
		"the engine account {account:?} holds no funds: its transactions cannot pay fees"
	);
}
