//! The execution engine's runtime half, with the off-chain test externalities: exactly-once
//! `on_state_change`, sealed secrets, HTTP, engine transactions, and the `secret-sharing` KMS.

use super::*;
use crate::{
	assert_fails, engine, mock::Extrinsic, Capabilities, ChangedModules, Engines, Error,
	TrustedEngines,
};
use frame_support::traits::Hooks;
use kernel_primitives::abi::ReturnCode;
use kernel_primitives::offchain::{
	EngineCall, EngineNodeConfig, HttpDispatchError, HttpRequest, HttpResponse, ModuleSelection,
	StateChangeInput, StateChangeOutcome, ENGINE_CONFIG_KEY, ENGINE_KEY_TYPE,
};
use module_interfaces::{
	secret_sharing::{
		self as ss, commitment_preimage, sealed, signing_payload, EngineEntry, RegisterArgs,
		ShareSpec, Sharing,
	},
	tester::{CallArgs, Outcome, ENGINE_EVENT, STATE_CHANGE_COUNT},
};
use polkadot_sdk::{
	sp_core::{
		crypto::{KeyTypeId, Pair as _},
		offchain::{
			testing::{
				OffchainState, PendingRequest, PoolState, TestOffchainExt, TestTransactionPoolExt,
			},
			OffchainDbExt, OffchainWorkerExt, StorageKind, Timestamp, TransactionPoolExt,
		},
		sr25519,
	},
	sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt},
	sp_runtime::generic::Preamble,
};
use std::sync::Arc;

type Shared<S> = Arc<parking_lot::RwLock<S>>;

struct Engine {
	ext: sp_io::TestExternalities,
	offchain: Shared<OffchainState>,
	pool: Shared<PoolState>,
	account: AccountId32,
	keystore: Arc<MemoryKeystore>,
}

/// A test chain whose node is an engine: offchain, pool and keystore extensions, an engine key.
fn engine_node() -> Engine {
	let mut ext = new_test_ext();
	let (offchain, offchain_state) = TestOffchainExt::new();
	let (pool, pool_state) = TestTransactionPoolExt::new();
	let keystore = MemoryKeystore::new();
	let public = keystore
		.ed25519_generate_new(KeyTypeId(ENGINE_KEY_TYPE), Some("//Engine"))
		.expect("key generated");
	ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	let keystore = Arc::new(keystore);
	ext.register_extension(KeystoreExt::new(keystore.clone()));
	offchain_state.write().timestamp = Timestamp::from_unix_millis(1_700_000_000_000);
	Engine {
		ext,
		offchain: offchain_state,
		pool: pool_state,
		account: AccountId32::from(public.0),
		keystore,
	}
}

/// Configures the node as an engine running `modules`.
fn configure(modules: ModuleSelection) {
	configure_with(EngineNodeConfig { modules, ..Default::default() });
}

fn configure_with(config: EngineNodeConfig) {
	sp_io::offchain::local_storage_set(
		StorageKind::PERSISTENT,
		ENGINE_CONFIG_KEY,
		&config.encode(),
	);
}

fn named(names: &[&str]) -> ModuleSelection {
	ModuleSelection::Named(names.iter().map(|name| name.as_bytes().to_vec()).collect())
}

/// What the node's engine runner does for finalized block `number`: runs `on_state_change` of
/// every module the runtime names for it, at that block.
fn run_engine(number: u64) -> Vec<(ModuleId, StateChangeOutcome)> {
	frame_system::Pallet::<Test>::set_block_number(number);
	let block_hash = frame_system::BlockHash::<Test>::get(number).0;
	engine::state_change_targets::<Test>()
		.into_iter()
		.map(|module| {
			let input = StateChangeInput { block_number: number, block_hash };
			(module, engine::run_state_change::<Test>(module, input))
		})
		.collect()
}

fn raw(who: &AccountId32) -> [u8; 32] {
	who.clone().into()
}

/// A tester named `offchain` that trusts `engine`.
fn trusting_tester(engine: &AccountId32) -> ModuleId {
	trusting_tester_named("offchain", engine)
}

fn trusting_tester_named(name: &str, engine: &AccountId32) -> ModuleId {
	let tester = deploy_tester(name);
	call(&ALICE, tester, tf::TRUST, vec![raw(engine)]).expect("trust");
	tester
}

/// Configures the node as an engine running every trusting module, signing at most `limit`
/// transactions per module and block.
fn configure_submissions(limit: u32) {
	configure_with(EngineNodeConfig {
		modules: ModuleSelection::All,
		max_submissions_per_block: limit,
		..Default::default()
	});
}

/// The calls in the pool, with the nonce each was signed with.
fn submitted(pool: &Shared<PoolState>) -> Vec<(u64, RuntimeCall)> {
	pool.read()
		.transactions
		.iter()
		.map(|bytes| {
			let xt = Extrinsic::decode(&mut &bytes[..]).expect("an extrinsic");
			let Preamble::Signed(nonce, ..) = xt.preamble else { panic!("signed") };
			(nonce, xt.function)
		})
		.collect()
}

fn state_change_count(module: ModuleId) -> u32 {
	engine::secret_get::<Test>(module, STATE_CHANGE_COUNT)
		.expect("unsealed")
		.map(|bytes| u32::decode(&mut &bytes[..]).unwrap())
		.unwrap_or(0)
}

fn http(
	module: &str,
	method: &str,
	path: &str,
	body: &[u8],
) -> Result<HttpResponse, HttpDispatchError> {
	engine::handle_http::<Test>(
		module.as_bytes().to_vec(),
		HttpRequest {
			method: method.as_bytes().to_vec(),
			path: path.as_bytes().to_vec(),
			body: body.to_vec(),
			..Default::default()
		},
	)
}

#[test]
fn modules_that_changed_state_are_recorded_per_block() {
	use module_interfaces::balance::{function as bf, BalanceInit};
	new_test_ext().execute_with(|| {
		let endowed = BalanceInit {
			endowments: vec![(Holder::Account(raw(&ALICE)), 100)],
			..Default::default()
		};
		let quiet = deploy(kernel_modules::BALANCE, "quiet", endowed.encode());
		let busy = deploy(kernel_modules::BALANCE, "busy", endowed.encode());
		crate::Pallet::<Test>::on_initialize(2);
		assert!(ChangedModules::<Test>::get().is_empty(), "a new block starts empty");

		let to_bob = (Holder::<[u8; 32]>::Account(raw(&BOB)), 10u128);
		call(&ALICE, busy, bf::TRANSFER, to_bob).unwrap();
		call(&ALICE, quiet, bf::TOTAL_ISSUANCE, ()).unwrap();
		assert_eq!(ChangedModules::<Test>::get().into_inner(), vec![busy], "reads change nothing");
		// A failed call leaves no trace either.
		let too_much = (Holder::<[u8; 32]>::Account(raw(&BOB)), 1_000u128);
		assert!(call(&ALICE, quiet, bf::TRANSFER, too_much).is_err());
		assert_eq!(ChangedModules::<Test>::get().into_inner(), vec![busy]);
	});
}

#[test]
fn on_state_change_runs_once_per_module_and_block_and_submits_with_the_engine_key() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		let tester = trusting_tester(&account);
		call(&ALICE, tester, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();

		run_engine(1);
		run_engine(1);
		assert_eq!(state_change_count(tester), 1, "a re-run of the same block does nothing");
		let calls = submitted(&pool);
		assert_eq!(calls.len(), 1);
		assert_eq!(
			calls[0].1,
			RuntimeCall::Kernel(crate::Call::call {
				module: tester,
				function: bounded(tf::EMIT),
				params: bounded(ENGINE_EVENT.to_vec().encode()),
				caps: Default::default(),
				requests: Default::default(),
				weight_limit: EngineTxWeight::get(),
				storage_deposit_limit: Some(EngineDepositLimit::get()),
			})
		);

		// Markers are per block hash: another block at the same height runs again.
		frame_system::BlockHash::<Test>::insert(1, H256::repeat_byte(7));
		run_engine(1);
		assert_eq!(state_change_count(tester), 2);
		// Several submissions from one engine take consecutive nonces.
		let nonces: Vec<u64> = submitted(&pool).iter().map(|(nonce, _)| *nonce).collect();
		assert_eq!(nonces, vec![0, 1]);
	});
}

#[test]
fn an_engine_runs_only_modules_that_trust_it_and_that_its_operator_selected() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let stranger = deploy_tester("stranger");
		call(&ALICE, stranger, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();
		let trusting = trusting_tester(&account);
		call(&ALICE, trusting, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();

		run_engine(1);
		assert_eq!(state_change_count(trusting), 0, "not an engine until configured");

		configure(named(&["someone-else"]));
		run_engine(1);
		assert_eq!(state_change_count(trusting), 0, "not selected by the operator");

		configure(ModuleSelection::All);
		run_engine(1);
		assert_eq!(state_change_count(stranger), 0, "does not trust this engine");
		assert_eq!(state_change_count(trusting), 1);
		assert_eq!(submitted(&pool).len(), 1);
	});
}

#[test]
fn secrets_are_sealed_at_rest_and_private_to_their_module() {
	let Engine { mut ext, offchain, account, .. } = engine_node();
	ext.execute_with(|| {
		let share = b"the share in clear".to_vec();
		engine::secret_set::<Test>(7, b"share/1", &share).unwrap();
		assert_eq!(engine::secret_get::<Test>(7, b"share/1").unwrap(), Some(share.clone()));
		assert_eq!(engine::secret_get::<Test>(8, b"share/1").unwrap(), None, "other module");

		let mut key = b"kernel::secret::".to_vec();
		key.extend_from_slice(&raw(&account));
		key.extend_from_slice(&7u32.to_le_bytes());
		key.extend_from_slice(b"share/1");
		let sealed = offchain.read().persistent_storage.get(&key).expect("stored");
		assert!(!sealed.windows(share.len()).any(|w| w == share.as_slice()), "not in clear");

		// Tampering is detected.
		let mut tampered = sealed.clone();
		*tampered.last_mut().unwrap() ^= 1;
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &key, &tampered);
		assert_eq!(engine::secret_get::<Test>(7, b"share/1"), Err(engine::EngineError::Sealing));

		assert_eq!(engine::secret_clear::<Test>(7, b"share/1"), Ok(true));
		assert_eq!(engine::secret_clear::<Test>(7, b"share/1"), Ok(false));
	});
}

#[test]
fn without_an_engine_key_secrets_are_unavailable() {
	let mut ext = new_test_ext();
	let (offchain, _) = TestOffchainExt::new();
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(KeystoreExt::new(Arc::new(MemoryKeystore::new())));
	ext.execute_with(|| {
		assert_eq!(engine::engine_account::<Test>(), Err(engine::EngineError::NoKey));
		assert_eq!(engine::secret_set::<Test>(0, b"k", b"v"), Err(engine::EngineError::NoKey));
		assert_eq!(
			engine::handle_http::<Test>(b"t".to_vec(), HttpRequest::default()),
			Err(HttpDispatchError::NotServed)
		);
	});
}

#[test]
fn off_chain_host_functions_trap_on_chain() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		assert_fails!(call(&ALICE, tester, tf::USE_SECRETS, ()), Error::<Test>::OffchainOnly);
	});
}

#[test]
fn the_gateway_runs_on_http_request_with_the_off_chain_context() {
	let Engine { mut ext, offchain, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		trusting_tester(&account);

		let echoed = http("offchain", "POST", "/echo", b"hello").unwrap();
		assert_eq!((echoed.status, echoed.body), (200, b"hello".to_vec()));

		assert_eq!(http("offchain", "PUT", "/secret/k", b"v").unwrap().status, 200);
		assert_eq!(http("offchain", "GET", "/secret/k", b"").unwrap().body, b"v".to_vec());
		assert_eq!(http("offchain", "GET", "/whoami", b"").unwrap().body, raw(&account).to_vec());

		assert_eq!(http("offchain", "POST", "/submit", b"from http").unwrap().status, 202);
		assert_eq!(submitted(&pool).len(), 1, "an HTTP request can send a transaction");

		offchain.write().expect_request(PendingRequest {
			method: "GET".into(),
			uri: "http://example.test/data".into(),
			sent: true,
			response: Some(b"remote data".to_vec()),
			..Default::default()
		});
		let fetched = http("offchain", "POST", "/fetch", b"http://example.test/data").unwrap();
		assert_eq!((fetched.status, fetched.body), (200, b"remote data".to_vec()));

		// Off-chain code cannot write state.
		let root = state_root();
		let refused = http("offchain", "POST", "/write", b"").unwrap_err();
		assert!(matches!(refused, HttpDispatchError::Failed(text) if text.ends_with(b"ReadOnly)")));
		assert_eq!(state_root(), root);

		assert_eq!(
			http("offchain", "GET", "/fail", b""),
			Err(HttpDispatchError::Failed(b"deliberate failure".to_vec()))
		);
		assert_eq!(http("nope", "GET", "/", b""), Err(HttpDispatchError::ModuleNotFound));
		deploy(&super::validation::minimal_module(), "plain", Vec::new());
		assert_eq!(http("plain", "GET", "/", b""), Err(HttpDispatchError::NotExported));
		deploy_tester("untrusting");
		assert_eq!(http("untrusting", "GET", "/echo", b""), Err(HttpDispatchError::NotServed));
	});
}

#[test]
fn engines_register_and_unregister() {
	new_test_ext().execute_with(|| {
		let endpoint: frame_support::BoundedVec<u8, MaxEndpointLen> =
			bounded("http://127.0.0.1:8001");
		Kernel::register_engine(origin(&BOB), endpoint.clone()).unwrap();
		let info = Engines::<Test>::get(&BOB).unwrap();
		assert_eq!(info.endpoint, endpoint);
		assert_eq!(info.public_key, raw(&BOB));
		Kernel::unregister_engine(origin(&BOB)).unwrap();
		assert!(Engines::<Test>::get(&BOB).is_none());
		assert_fails!(Kernel::unregister_engine(origin(&BOB)), Error::<Test>::NotAnEngine);
	});
}

// ---- the secret-sharing KMS on one engine ----

struct Kms {
	module: ModuleId,
	owner: sr25519::Pair,
	owner_account: AccountId32,
	engine: AccountId32,
	/// The engine's published X25519 key.
	engine_key: [u8; 32],
	share: Vec<u8>,
}

/// The KMS deployed by Alice (its admin), with `engine` registered, listed and its key
/// published, and sharing 0: one share on `engine`, owned by `//Owner`.
fn kms(engine: &AccountId32, pool: &Shared<PoolState>) -> Kms {
	configure(ModuleSelection::All);
	Kernel::register_engine(origin(engine), bounded("http://127.0.0.1:8001")).expect("register");
	let module = deploy(kernel_modules::SECRET_SHARING, ss::NAME, Vec::new());
	call(&ALICE, module, ss::function::LIST_ENGINE, raw(engine)).expect("listed by the admin");
	run_engine(1);
	apply_submitted(pool, engine);
	let engine_key = engine_entry(module, engine).box_key.expect("the engine published its key");
	let owner = sr25519::Pair::from_string("//Owner", None).unwrap();
	let owner_account = AccountId32::from(owner.public().0);
	fund(&owner_account);
	let share = b"share number one".to_vec();
	let kms = Kms { module, owner, owner_account, engine: engine.clone(), engine_key, share };
	call(&kms.owner_account, module, ss::function::REGISTER, register_args(&kms, 0, 1))
		.expect("register");
	kms
}

/// The KMS's view of `engine`.
fn engine_entry(module: ModuleId, engine: &AccountId32) -> EngineEntry {
	let entries: Vec<EngineEntry> = query(&ALICE, module, ss::function::ENGINES, ());
	entries.into_iter().find(|entry| entry.account == raw(engine)).expect("trusted")
}

/// The salt of the share of the owner's sharing with `nonce`.
fn salt(nonce: u64) -> [u8; 32] {
	[nonce as u8 + 1; 32]
}

/// `RegisterArgs` for the owner's sharing with `nonce`: `kms.share` on `kms.engine`.
fn register_args(kms: &Kms, nonce: u64, threshold: u8) -> RegisterArgs {
	let commitment = commitment(&kms.owner_account, nonce, &kms.engine, &kms.share);
	let share = ShareSpec { engine: raw(&kms.engine), salt: salt(nonce), commitment };
	RegisterArgs { threshold, nonce, shares: vec![share] }
}

fn commitment(owner: &AccountId32, nonce: u64, engine: &AccountId32, share: &[u8]) -> [u8; 32] {
	sp_io::hashing::blake2_256(&commitment_preimage(
		raw(owner),
		nonce,
		raw(engine),
		salt(nonce),
		share,
	))
}

/// `share` sealed to the engine's published key.
fn sealed_share(kms: &Kms, share: &[u8]) -> Vec<u8> {
	sealed::seal(&kms.engine_key, [5; 32], share).expect("a valid key")
}

/// The owner's key for one download.
const REPLY_SECRET: [u8; 32] = [3; 32];

/// A request to the KMS signed by `signer` at `timestamp`.
fn signed(
	kms: &Kms,
	signer: &sr25519::Pair,
	method: &str,
	path: &str,
	body: &[u8],
	timestamp: u64,
) -> HttpRequest {
	let payload = signing_payload(
		raw(&kms.engine),
		method.as_bytes(),
		path.as_bytes(),
		sp_io::hashing::blake2_256(body),
		timestamp,
	);
	with_signature(signer, signer.sign(&payload), method, path, body, timestamp)
}

fn with_signature(
	signer: &sr25519::Pair,
	signature: sr25519::Signature,
	method: &str,
	path: &str,
	body: &[u8],
	timestamp: u64,
) -> HttpRequest {
	let hex = |bytes: &[u8]| {
		format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
	};
	HttpRequest {
		method: method.as_bytes().to_vec(),
		path: path.as_bytes().to_vec(),
		query: Vec::new(),
		headers: vec![
			(ss::AUTH_ACCOUNT.to_vec(), hex(&signer.public().0).into_bytes()),
			(ss::AUTH_TIMESTAMP.to_vec(), timestamp.to_string().into_bytes()),
			(ss::AUTH_SIGNATURE.to_vec(), hex(&signature.0).into_bytes()),
		],
		body: body.to_vec(),
	}
}

/// The owner's signed upload of `body` to sharing 0.
fn upload(kms: &Kms, body: &[u8], timestamp: u64) -> HttpResponse {
	kms_http(signed(kms, &kms.owner, "PUT", "/shares/0", body, timestamp))
}

/// `signer`'s signed download of sharing 0, sealed to [`REPLY_SECRET`]'s key.
fn download(kms: &Kms, signer: &sr25519::Pair, timestamp: u64) -> HttpResponse {
	let reply_key = sealed::public_key(&REPLY_SECRET);
	kms_http(signed(kms, signer, "POST", "/shares/0/download", &reply_key, timestamp))
}

fn kms_http(request: HttpRequest) -> HttpResponse {
	engine::handle_http::<Test>(ss::NAME.as_bytes().to_vec(), request).expect("served")
}

fn sharing(kms: &Kms) -> Option<Sharing> {
	query(&ALICE, kms.module, ss::function::SHARING, 0u64)
}

fn stored_share(kms: &Kms) -> Option<Vec<u8>> {
	engine::secret_get::<Test>(kms.module, b"share/0").expect("unsealed")
}

/// Gives `who` an endowment if it has nothing: whoever signs a transaction pays the deposits of
/// the state it adds.
fn fund(who: &AccountId32) {
	if Balances::free_balance(who) == 0 {
		Balances::force_set_balance(RuntimeOrigin::root(), who.clone(), ENDOWMENT).unwrap();
	}
}

/// Applies the engine's submitted transactions as the engine, funded first: an engine pays the
/// deposits of the state its transactions add (an operator funds it with `kernel fund`).
fn apply_submitted(pool: &Shared<PoolState>, engine: &AccountId32) {
	fund(engine);
	let transactions = std::mem::take(&mut pool.write().transactions);
	for bytes in transactions {
		let xt = Extrinsic::decode(&mut &bytes[..]).unwrap();
		use frame_support::traits::UnfilteredDispatchable;
		xt.function.dispatch_bypass_filter(origin(engine)).expect("engine transaction succeeds");
	}
}

/// Starts block `number`, in which the owner asks for the deletion of sharing 0.
fn request_deletion(kms: &Kms, number: u64) {
	crate::Pallet::<Test>::on_initialize(number);
	frame_system::Pallet::<Test>::set_block_number(number);
	call(&kms.owner_account, kms.module, ss::function::DELETE, 0u64).unwrap();
}

#[test]
fn the_kms_stores_serves_and_deletes_a_sealed_share_with_signed_requests() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		let now = 1_700_000_000_000u64;
		assert!(TrustedEngines::<Test>::get(kms.module).contains(&account));

		// Upload: opened with the engine's key, checked against the commitment, stored,
		// confirmed on chain.
		let upload_ok =
			signed(&kms, &kms.owner, "PUT", "/shares/0", &sealed_share(&kms, &kms.share), now);
		assert_eq!(kms_http(upload_ok.clone()).status, 200);
		assert_eq!(stored_share(&kms), Some(kms.share.clone()));
		assert_eq!(submitted(&pool).len(), 1);
		apply_submitted(&pool, &account);
		assert!(sharing(&kms).unwrap().slots[0].uploaded);

		// A replay of the same signed request is refused.
		assert_eq!(kms_http(upload_ok).status, 409);

		// Download: only inside a window opened on chain, only by the owner, sealed to the
		// key the owner sent.
		assert_eq!(download(&kms, &kms.owner, now + 2).status, 403);
		call(&kms.owner_account, kms.module, ss::function::OPEN_DOWNLOAD, (0u64, 10u64)).unwrap();
		let got = download(&kms, &kms.owner, now + 3);
		assert_eq!(got.status, 200);
		assert_ne!(got.body, kms.share, "never in clear");
		assert_eq!(sealed::open(&REPLY_SECRET, &got.body), Some(kms.share.clone()));
		let mallory = sr25519::Pair::from_string("//Mallory", None).unwrap();
		assert_eq!(download(&kms, &mallory, now + 4).status, 403);
		let reply_key = sealed::public_key(&REPLY_SECRET);
		let mut forged =
			signed(&kms, &kms.owner, "POST", "/shares/0/download", &reply_key, now + 5);
		forged.body = sealed::public_key(&[4; 32]).to_vec();
		assert_eq!(kms_http(forged).status, 401, "the signature covers the reply key");
		let mut unsigned =
			signed(&kms, &kms.owner, "POST", "/shares/0/download", &reply_key, now + 6);
		unsigned.headers.clear();
		assert_eq!(kms_http(unsigned).status, 401);
		let old_way = signed(&kms, &kms.owner, "GET", "/shares/0", b"", now + 7);
		assert_eq!(kms_http(old_way).status, 405, "no unsealed download");

		// Deletion: requested on chain, done by the engine's on_state_change, confirmed.
		request_deletion(&kms, 2);
		run_engine(2);
		assert_eq!(stored_share(&kms), None);
		apply_submitted(&pool, &account);
		assert_eq!(sharing(&kms), None, "every engine confirmed: the sharing is gone");
	});
}

#[test]
fn an_upload_must_be_sealed_to_the_engine_and_match_its_bound_commitment() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		let now = 1_700_000_000_000u64;
		let refused = |body: &[u8], timestamp: u64| {
			let response = upload(&kms, body, timestamp);
			assert_eq!(stored_share(&kms), None, "nothing stored");
			assert!(submitted(&pool).is_empty(), "nothing confirmed");
			response.status
		};
		assert_eq!(refused(&kms.share, now), 400, "a share in clear");
		let to_another_key = sealed::seal(&sealed::public_key(&[8; 32]), [5; 32], &kms.share);
		assert_eq!(refused(&to_another_key.unwrap(), now + 1), 400, "sealed to another key");
		let mut altered = sealed_share(&kms, &kms.share);
		altered[40] ^= 1;
		assert_eq!(refused(&altered, now + 2), 400, "altered on the way");
		assert_eq!(refused(&sealed_share(&kms, b"another share"), now + 3), 422);

		// The commitment on chain binds the share to its owner, sharing (nonce) and engine:
		// change any one of them, salt kept, and it is another commitment.
		let on_chain = sharing(&kms).unwrap().slots[0].commitment;
		let (owner, engine) = (raw(&kms.owner_account), raw(&kms.engine));
		let with = |owner, nonce, engine| {
			sp_io::hashing::blake2_256(&commitment_preimage(
				owner,
				nonce,
				engine,
				salt(0),
				&kms.share,
			))
		};
		assert_eq!(with(owner, 0, engine), on_chain);
		assert_ne!(with(raw(&BOB), 0, engine), on_chain, "bound to the owner");
		assert_ne!(with(owner, 1, engine), on_chain, "bound to the sharing");
		assert_ne!(with(owner, 0, raw(&BOB)), on_chain, "bound to the engine");

		// Refusals left the replay record alone: the first good upload still goes through.
		assert_eq!(upload(&kms, &sealed_share(&kms, &kms.share), now).status, 200);
	});
}

#[test]
fn register_takes_the_owners_next_nonce_once() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		let next: u64 =
			query(&ALICE, kms.module, ss::function::NEXT_NONCE, raw(&kms.owner_account));
		assert_eq!(next, 1);
		let stale = register_args(&kms, 0, 1);
		assert_fails!(
			call(&kms.owner_account, kms.module, ss::function::REGISTER, stale),
			Error::<Test>::ModuleReverted
		);
		let none: Option<Sharing> = query(&ALICE, kms.module, ss::function::SHARING, 1u64);
		assert_eq!(none, None);
		let still: u64 =
			query(&ALICE, kms.module, ss::function::NEXT_NONCE, raw(&kms.owner_account));
		assert_eq!(still, 1);
		assert_eq!(sharing(&kms).unwrap().nonce, 0);
	});
}

#[test]
fn a_wallet_signature_over_the_wrapped_payload_is_accepted() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		let body = sealed_share(&kms, &kms.share);
		let timestamp = 1_700_000_000_000u64;
		let payload = signing_payload(
			raw(&kms.engine),
			b"PUT",
			b"/shares/0",
			sp_io::hashing::blake2_256(&body),
			timestamp,
		);
		let by_wallet = kms.owner.sign(&ss::wrapped(&payload));
		let request = with_signature(&kms.owner, by_wallet, "PUT", "/shares/0", &body, timestamp);
		assert_eq!(kms_http(request).status, 200);
		let over_other_bytes = kms.owner.sign(&ss::wrapped(b"something else"));
		let request =
			with_signature(&kms.owner, over_other_bytes, "PUT", "/shares/0", &body, timestamp + 1);
		assert_eq!(kms_http(request).status, 401);
	});
}

#[test]
fn an_upload_that_arrives_after_the_deletion_is_refused_and_stores_nothing() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		// The upload races the deletion: it reads a state from before the owner's request, in
		// which the sharing is not being deleted, but runs after the engine deleted the share.
		// The request and the engine's run are rolled back on chain; the engine's off-chain
		// storage keeps what the run did.
		frame_support::storage::with_transaction(|| {
			request_deletion(&kms, 2);
			run_engine(2);
			assert!(!submitted(&pool).is_empty(), "the engine confirmed the deletion");
			frame_support::storage::TransactionOutcome::Rollback(Ok::<
				_,
				polkadot_sdk::sp_runtime::DispatchError,
			>(()))
		})
		.unwrap();
		assert!(!sharing(&kms).unwrap().deleting);
		let late = upload(&kms, &sealed_share(&kms, &kms.share), 1_700_000_000_000);
		assert_eq!(late.status, 409);
		assert_eq!(stored_share(&kms), None);
	});
}

#[test]
fn only_the_admin_lists_engines_and_only_trusted_engines_publish_keys() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		let entry = engine_entry(kms.module, &account);
		assert!(entry.listed);
		Kernel::register_engine(origin(&CHARLIE), bounded("http://127.0.0.1:8002")).unwrap();
		assert_fails!(
			call(&BOB, kms.module, ss::function::LIST_ENGINE, raw(&CHARLIE)),
			Error::<Test>::ModuleReverted
		);
		assert_fails!(
			call(&ALICE, kms.module, ss::function::LIST_ENGINE, [4u8; 32]),
			Error::<Test>::ModuleReverted
		);
		assert_fails!(
			call(&CHARLIE, kms.module, ss::function::PUBLISH_KEY, [1u8; 32]),
			Error::<Test>::ModuleReverted
		);
		let entries: Vec<EngineEntry> = query(&ALICE, kms.module, ss::function::ENGINES, ());
		assert_eq!(entries, vec![entry.clone()], "nothing changed");

		call(&ALICE, kms.module, ss::function::UNLIST_ENGINE, raw(&account)).unwrap();
		let unlisted = engine_entry(kms.module, &account);
		assert!(!unlisted.listed);
		assert_eq!(unlisted.box_key, entry.box_key, "still trusted, key kept");
	});
}

#[test]
fn a_sharing_must_name_registered_engines_once_each() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		let spec = |engine: &AccountId32| ShareSpec {
			engine: raw(engine),
			salt: [0; 32],
			commitment: [0; 32],
		};
		let refused = |shares: Vec<ShareSpec>, threshold: u8| {
			let args = RegisterArgs { threshold, nonce: 1, shares };
			assert_fails!(
				call(&kms.owner_account, kms.module, ss::function::REGISTER, args),
				Error::<Test>::ModuleReverted
			);
		};
		refused(vec![spec(&CHARLIE)], 1);
		refused(vec![spec(&account), spec(&account)], 1);
		refused(vec![spec(&account)], 2);
		let next: u64 =
			query(&ALICE, kms.module, ss::function::NEXT_NONCE, raw(&kms.owner_account));
		assert_eq!(next, 1, "no sharing was registered");
	});
}

/// Runs the nested call `args` from the trusted tester `offchain`, off chain through its
/// `/call` route, and returns the outcome it reports.
fn call_from_http(args: &CallArgs) -> Result<Outcome, HttpDispatchError> {
	let response = http("offchain", "POST", "/call", &args.encode())?;
	assert_eq!(response.status, 200);
	Ok(Outcome::decode(&mut &response.body[..]).expect("an outcome"))
}

fn call_args(module: ModuleId, function: &str, params: impl Encode) -> CallArgs {
	CallArgs { module, function: function.into(), params: params.encode(), ..Default::default() }
}

#[test]
fn a_module_reached_by_a_nested_call_uses_engine_services_only_if_it_trusts_the_engine() {
	let Engine { mut ext, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		trusting_tester(&account);
		let stranger = deploy_tester("stranger");
		let probe = || {
			let outcome = call_from_http(&call_args(stranger, tf::USE_SECRETS, ())).unwrap();
			assert_eq!(outcome.code, ReturnCode::Success as u32, "the call itself works");
			u32::decode(&mut &outcome.data[..]).unwrap()
		};

		assert_eq!(probe(), ReturnCode::NotAllowed as u32);
		assert_eq!(engine::secret_get::<Test>(stranger, b"probe").unwrap(), None);

		call(&ALICE, stranger, tf::TRUST, vec![raw(&account)]).unwrap();
		assert_eq!(probe(), ReturnCode::Success as u32);
		assert_eq!(
			engine::secret_get::<Test>(stranger, b"probe").unwrap(),
			Some(b"value".to_vec())
		);
	});
}

#[test]
fn off_chain_frames_cannot_move_capabilities_by_passing_or_returning_them() {
	let Engine { mut ext, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		let tester = trusting_tester(&account);
		let other = deploy_tester("other");
		let mine: Vec<CapId> = query(&ALICE, tester, tf::KEPT, ());
		let theirs: Vec<CapId> = query(&ALICE, other, tf::KEPT, ());
		let root = state_root();

		// Passing a capability: the calling frame traps.
		let mut passing = call_args(other, tf::KEEP, ());
		passing.caps = vec![mine[0]];
		let refused = call_from_http(&passing).unwrap_err();
		assert!(matches!(refused, HttpDispatchError::Failed(text) if text.ends_with(b"ReadOnly)")));

		// Returning one: the callee's frame traps and the caller is told.
		let outcome = call_from_http(&call_args(other, tf::RELEASE, vec![theirs[0]])).unwrap();
		assert_eq!((outcome.code, outcome.caps), (ReturnCode::CalleeTrapped as u32, vec![]));

		assert_eq!(state_root(), root);
		assert_eq!(Capabilities::<Test>::get(mine[0]).unwrap().holder, Holder::Module(tester));
		assert_eq!(Capabilities::<Test>::get(theirs[0]).unwrap().holder, Holder::Module(other));
	});
}

#[test]
fn run_markers_of_a_module_are_pruned_as_it_keeps_running() {
	let Engine { mut ext, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		let tester = trusting_tester(&account);
		for number in [1u64, 2, 600] {
			frame_system::BlockHash::<Test>::insert(number, H256::repeat_byte(number as u8));
			call(&ALICE, tester, tf::SET, (b"k".to_vec(), number.encode())).unwrap();
			run_engine(number);
		}
		assert_eq!(state_change_count(tester), 3);
		let markers: Vec<engine::RunMarker> = sp_io::offchain::local_storage_get(
			StorageKind::PERSISTENT,
			&engine::markers_key(tester),
		)
		.and_then(|raw| Decode::decode(&mut &raw[..]).ok())
		.expect("markers");
		assert_eq!(markers, vec![(600, [88; 32])], "markers older than the history are gone");
	});
}

#[test]
fn a_nonce_left_behind_by_a_dropped_transaction_is_reused_once_the_chain_stalls() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		trusting_tester(&account);
		let submit = || assert_eq!(http("offchain", "POST", "/submit", b"x").unwrap().status, 202);
		let nonces = || submitted(&pool).iter().map(|(nonce, _)| *nonce).collect::<Vec<_>>();

		frame_system::Pallet::<Test>::set_block_number(5);
		submit();
		submit();
		assert_eq!(nonces(), vec![0, 1], "in flight: consecutive nonces");

		// Neither was included and the chain moved on: they were dropped.
		frame_system::Pallet::<Test>::set_block_number(14);
		submit();
		assert_eq!(nonces(), vec![0, 1, 2], "not stalled long enough yet");
		frame_system::Pallet::<Test>::set_block_number(15);
		submit();
		assert_eq!(nonces(), vec![0, 1, 2, 0], "stalled: back to the on-chain nonce");
		submit();
		assert_eq!(nonces(), vec![0, 1, 2, 0, 1]);
	});
}

#[test]
fn an_engine_confirms_a_deletion_again_when_its_confirmation_was_dropped() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account, &pool);
		assert_eq!(upload(&kms, &sealed_share(&kms, &kms.share), 1_700_000_000_000).status, 200);
		apply_submitted(&pool, &account);
		// Each step is a block in which the KMS's state changes (the owner registers another
		// sharing), so the engine's on_state_change runs.
		let nonce = std::cell::Cell::new(1);
		let block_with_a_change = |number: u64| {
			crate::Pallet::<Test>::on_initialize(number);
			frame_system::Pallet::<Test>::set_block_number(number);
			frame_system::BlockHash::<Test>::insert(number, H256::repeat_byte(number as u8));
			let args = register_args(&kms, nonce.replace(nonce.get() + 1), 1);
			call(&kms.owner_account, kms.module, ss::function::REGISTER, args).unwrap();
		};
		let confirm_delete = RuntimeCall::Kernel(crate::Call::call {
			module: kms.module,
			function: bounded(ss::function::CONFIRM_DELETE),
			params: bounded(0u64.encode()),
			caps: Default::default(),
			requests: Default::default(),
			weight_limit: EngineTxWeight::get(),
			storage_deposit_limit: Some(EngineDepositLimit::get()),
		});

		block_with_a_change(2);
		call(&kms.owner_account, kms.module, ss::function::DELETE, 0u64).unwrap();
		run_engine(2);
		assert_eq!(
			submitted(&pool).into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
			vec![confirm_delete.clone()]
		);
		pool.write().transactions.clear();

		block_with_a_change(21);
		run_engine(21);
		assert!(submitted(&pool).is_empty(), "the first confirmation may still be on its way");

		block_with_a_change(22);
		run_engine(22);
		assert_eq!(
			submitted(&pool).into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
			vec![confirm_delete]
		);
		apply_submitted(&pool, &account);
		assert_eq!(sharing(&kms), None, "confirmed at last: the sharing is gone");

		block_with_a_change(23);
		run_engine(23);
		assert!(submitted(&pool).is_empty());
		assert_eq!(
			engine::secret_get::<Test>(kms.module, b"pending-delete-confirmations").unwrap(),
			None,
			"nothing is left pending"
		);
	});
}

// ---- operator consent, own calls only, budgets, key choice, sealing ----

#[test]
fn an_engine_runs_no_module_its_operator_did_not_name_whatever_trusts_it() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let tester = trusting_tester(&account);
		call(&ALICE, tester, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();

		configure_with(EngineNodeConfig::default());
		assert_eq!(run_engine(1), vec![], "the default selection is no module");
		assert_eq!(http("offchain", "GET", "/echo", b""), Err(HttpDispatchError::NotServed));
		assert_eq!(state_change_count(tester), 0);
		assert!(submitted(&pool).is_empty());

		configure(named(&["offchain"]));
		assert_eq!(run_engine(1), vec![(tester, StateChangeOutcome::Ran)]);
		assert_eq!(http("offchain", "POST", "/echo", b"hi").unwrap().body, b"hi".to_vec());
	});
}

/// `submit_transaction` of `call` from the tester's `on_http_request`: the status and text.
fn submit_any(call: &EngineCall) -> (u16, Vec<u8>) {
	let response = http("offchain", "POST", "/submit-any", &call.encode()).expect("answered");
	(response.status, response.body)
}

#[test]
fn the_engine_key_signs_only_calls_of_the_module_that_asks() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		let tester = trusting_tester(&account);
		let other = deploy_tester("other");
		let theirs = mint_to(&ALICE, other, b"theirs");
		let ours = mint_to(&ALICE, tester, b"ours");
		let refused = (403, b"NotAllowed".to_vec());

		let call_other =
			EngineCall::Call { module: other, function: b"set".to_vec(), params: Vec::new() };
		assert_eq!(submit_any(&call_other), refused, "a call of another module");
		let invoke_theirs =
			EngineCall::Invoke { cap: theirs, function: b"x".to_vec(), params: Vec::new() };
		assert_eq!(submit_any(&invoke_theirs), refused, "a capability another module created");
		let invoke_missing =
			EngineCall::Invoke { cap: 9_999, function: b"x".to_vec(), params: Vec::new() };
		assert_eq!(submit_any(&invoke_missing), refused, "a capability that does not exist");
		assert!(submitted(&pool).is_empty(), "nothing was signed");

		let own_call =
			EngineCall::Call { module: tester, function: b"emit".to_vec(), params: Vec::new() };
		assert_eq!(submit_any(&own_call).0, 202);
		let invoke_ours =
			EngineCall::Invoke { cap: ours, function: b"x".to_vec(), params: Vec::new() };
		assert_eq!(submit_any(&invoke_ours).0, 202);
		let calls: Vec<RuntimeCall> = submitted(&pool).into_iter().map(|(_, call)| call).collect();
		assert!(
			matches!(&calls[0], RuntimeCall::Kernel(crate::Call::call { module, .. }) if *module == tester)
		);
		assert!(
			matches!(&calls[1], RuntimeCall::Kernel(crate::Call::invoke { cap, .. }) if *cap == ours)
		);
	});
}

#[test]
fn a_module_gets_a_budget_of_engine_transactions_per_block() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		configure_submissions(2);
		let tester = trusting_tester(&account);
		let other = trusting_tester_named("other", &account);
		let own = |module| EngineCall::Call { module, function: b"emit".to_vec(), params: vec![] };
		frame_system::Pallet::<Test>::set_block_number(3);
		assert_eq!(submit_any(&own(tester)).0, 202);
		assert_eq!(submit_any(&own(tester)).0, 202);
		assert_eq!(submit_any(&own(tester)), (403, b"Unavailable".to_vec()), "budget spent");
		assert_eq!(submitted(&pool).len(), 2);

		// Another module has its own budget.
		let from_other = http("other", "POST", "/submit-any", &own(other).encode()).unwrap();
		assert_eq!(from_other.status, 202);

		// The next block brings a new budget.
		frame_system::Pallet::<Test>::set_block_number(4);
		assert_eq!(submit_any(&own(tester)).0, 202);
		assert_eq!(submitted(&pool).len(), 4);
	});
}

#[test]
fn a_failed_on_state_change_is_final_and_runs_only_for_the_block_it_names() {
	let Engine { mut ext, account, .. } = engine_node();
	ext.execute_with(|| {
		// No transactions allowed: the tester's on_state_change fails when it submits.
		configure_submissions(0);
		let tester = trusting_tester(&account);
		call(&ALICE, tester, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();
		let outcome = run_engine(1);
		assert!(matches!(&outcome[..], [(m, StateChangeOutcome::Failed(_))] if *m == tester));
		assert_eq!(run_engine(1), vec![(tester, StateChangeOutcome::AlreadyRan)], "not retried");

		let elsewhere = StateChangeInput { block_number: 7, block_hash: [0; 32] };
		assert_eq!(
			engine::run_state_change::<Test>(tester, elsewhere),
			StateChangeOutcome::WrongBlock,
			"a run at one block's state cannot claim another block"
		);
	});
}

#[test]
fn more_changed_modules_than_recorded_run_every_served_module() {
	let Engine { mut ext, account, .. } = engine_node();
	ext.execute_with(|| {
		configure(ModuleSelection::All);
		let tester = trusting_tester(&account);
		let quiet = trusting_tester_named("quiet", &account);
		frame_system::Pallet::<Test>::set_block_number(2);
		// The block's record is full of other modules when the tester writes.
		let full: Vec<ModuleId> = (1_000..1_000 + MaxChangedModules::get()).collect();
		ChangedModules::<Test>::put(frame_support::BoundedVec::try_from(full).unwrap());
		call(&ALICE, tester, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();
		assert!(!ChangedModules::<Test>::get().contains(&tester), "not recorded");
		assert!(crate::ChangedModulesOverflow::<Test>::get(), "but the overflow is");

		let ran: Vec<ModuleId> = run_engine(2).into_iter().map(|(module, _)| module).collect();
		assert_eq!(ran, vec![tester, quiet], "every served module runs: no change is lost");

		// A new block starts afresh (its own on_block round may record the testers again).
		<crate::Pallet<Test> as Hooks<u64>>::on_initialize(3);
		assert!(!crate::ChangedModulesOverflow::<Test>::get());
		assert!(!ChangedModules::<Test>::get().contains(&1_000));
	});
}

#[test]
fn the_engine_key_is_the_configured_one_or_else_the_smallest() {
	let Engine { mut ext, keystore, account, .. } = engine_node();
	ext.execute_with(|| {
		let second = keystore
			.ed25519_generate_new(KeyTypeId(ENGINE_KEY_TYPE), Some("//Second"))
			.expect("key generated");
		let smallest = raw(&account).min(second.0);
		assert_eq!(engine::engine_account::<Test>(), Ok(smallest), "deterministic default");

		let largest = raw(&account).max(second.0);
		configure_with(EngineNodeConfig { engine_key: Some(largest), ..Default::default() });
		assert_eq!(engine::engine_account::<Test>(), Ok(largest), "the operator's choice");

		configure_with(EngineNodeConfig { engine_key: Some([9; 32]), ..Default::default() });
		assert_eq!(
			engine::engine_account::<Test>(),
			Err(engine::EngineError::NoKey),
			"a configured key the keystore lacks is no key, not another one"
		);
	});
}

#[test]
fn secrets_are_sealed_with_a_dedicated_key_that_the_engine_key_cannot_stand_in_for() {
	let Engine { mut ext, offchain, keystore, account, .. } = engine_node();
	ext.execute_with(|| {
		let sealing = KeyTypeId(kernel_primitives::offchain::SEALING_KEY_TYPE);
		assert!(keystore.ed25519_public_keys(sealing).is_empty());
		engine::secret_set::<Test>(7, b"s", b"value").unwrap();
		let keys = keystore.ed25519_public_keys(sealing);
		assert_eq!(keys.len(), 1, "a sealing key was generated on first use");
		engine::secret_set::<Test>(8, b"s", b"other").unwrap();
		assert_eq!(keystore.ed25519_public_keys(sealing), keys, "and is used from then on");
		assert_eq!(engine::secret_get::<Test>(7, b"s"), Ok(Some(b"value".to_vec())));

		// The old derivation, a signature of the engine (transaction) key, does not open it.
		let engine_public = polkadot_sdk::sp_core::ed25519::Public::from_raw(raw(&account));
		let mut domain = b"kernel/seal/v1".to_vec();
		domain.extend_from_slice(&7u32.to_le_bytes());
		let signature = keystore
			.ed25519_sign(KeyTypeId(ENGINE_KEY_TYPE), &engine_public, &domain)
			.unwrap()
			.unwrap();
		let legacy = sp_io::hashing::blake2_256(&signature.encode());
		let mut storage_key = b"kernel::secret::".to_vec();
		storage_key.extend_from_slice(&raw(&account));
		storage_key.extend_from_slice(&7u32.to_le_bytes());
		storage_key.extend_from_slice(b"s");
		let sealed = offchain.read().persistent_storage.get(&storage_key).expect("stored");
		use chacha20poly1305::{
			aead::{Aead, KeyInit, Payload},
			ChaCha20Poly1305, Key, Nonce,
		};
		let (nonce, ciphertext) = sealed.split_at(12);
		let opened = ChaCha20Poly1305::new(Key::from_slice(&legacy))
			.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &storage_key });
		assert!(opened.is_err());
	});
}
