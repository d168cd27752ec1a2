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
	EngineNodeConfig, HttpDispatchError, HttpRequest, HttpResponse, ENGINE_CONFIG_KEY,
	ENGINE_KEY_TYPE,
};
use module_interfaces::{
	secret_sharing::{self as ss, signing_payload, RegisterArgs, Sharing},
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
	ext.register_extension(KeystoreExt::new(Arc::new(keystore)));
	offchain_state.write().timestamp = Timestamp::from_unix_millis(1_700_000_000_000);
	Engine { ext, offchain: offchain_state, pool: pool_state, account: AccountId32::from(public.0) }
}

/// Configures the node as an engine running `modules` (`None`: all that trust it).
fn configure(modules: Option<Vec<&str>>) {
	let config = EngineNodeConfig {
		modules: modules.map(|m| m.iter().map(|n| n.as_bytes().to_vec()).collect()),
	};
	sp_io::offchain::local_storage_set(
		StorageKind::PERSISTENT,
		ENGINE_CONFIG_KEY,
		&config.encode(),
	);
}

fn raw(who: &AccountId32) -> [u8; 32] {
	who.clone().into()
}

/// A tester that trusts `engine`.
fn trusting_tester(engine: &AccountId32) -> ModuleId {
	let tester = deploy_tester("offchain");
	call(&ALICE, tester, tf::TRUST, vec![raw(engine)]).expect("trust");
	tester
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
		let endowed =
			BalanceInit { endowments: vec![(Holder::Account(raw(&ALICE)), 100)], governance: None };
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
		configure(None);
		let tester = trusting_tester(&account);
		call(&ALICE, tester, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();

		engine::on_block::<Test>(1);
		engine::on_block::<Test>(1);
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
			})
		);

		// A re-org: another block at the same height runs again.
		frame_system::BlockHash::<Test>::insert(1, H256::repeat_byte(7));
		engine::on_block::<Test>(1);
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

		engine::on_block::<Test>(1);
		assert_eq!(state_change_count(trusting), 0, "not an engine until configured");

		configure(Some(vec!["someone-else"]));
		engine::on_block::<Test>(1);
		assert_eq!(state_change_count(trusting), 0, "not selected by the operator");

		configure(None);
		engine::on_block::<Test>(1);
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
	let Engine { mut ext, offchain, pool, account } = engine_node();
	ext.execute_with(|| {
		configure(None);
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
	share: Vec<u8>,
}

fn kms(engine: &AccountId32) -> Kms {
	configure(None);
	Kernel::register_engine(origin(engine), bounded("http://127.0.0.1:8001")).expect("register");
	let module = deploy(kernel_modules::SECRET_SHARING, ss::NAME, Vec::new());
	let owner = sr25519::Pair::from_string("//Owner", None).unwrap();
	let owner_account = AccountId32::from(owner.public().0);
	let share = b"share number one".to_vec();
	let args = RegisterArgs {
		threshold: 1,
		shares: vec![(raw(engine), sp_io::hashing::blake2_256(&share))],
	};
	call(&owner_account, module, ss::function::REGISTER, args).expect("register");
	Kms { module, owner, owner_account, engine: engine.clone(), share }
}

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
	let signature = signer.sign(&payload);
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

fn kms_http(request: HttpRequest) -> HttpResponse {
	engine::handle_http::<Test>(ss::NAME.as_bytes().to_vec(), request).expect("served")
}

fn sharing(kms: &Kms) -> Option<Sharing> {
	query(&ALICE, kms.module, ss::function::SHARING, 0u64)
}

/// Applies the engine's submitted transactions as the engine.
fn apply_submitted(pool: &Shared<PoolState>, engine: &AccountId32) {
	let transactions = std::mem::take(&mut pool.write().transactions);
	for bytes in transactions {
		let xt = Extrinsic::decode(&mut &bytes[..]).unwrap();
		use frame_support::traits::UnfilteredDispatchable;
		xt.function.dispatch_bypass_filter(origin(engine)).expect("engine transaction succeeds");
	}
}

#[test]
fn the_kms_stores_serves_and_deletes_a_share_with_signed_requests() {
	let Engine { mut ext, pool, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account);
		let now = 1_700_000_000_000u64;
		assert!(TrustedEngines::<Test>::get(kms.module).contains(&account));

		// Upload: checked against the commitment, stored, confirmed on chain.
		let wrong = signed(&kms, &kms.owner, "PUT", "/shares/0", b"not the share", now);
		assert_eq!(kms_http(wrong).status, 422);
		let upload = signed(&kms, &kms.owner, "PUT", "/shares/0", &kms.share, now + 1);
		assert_eq!(kms_http(upload.clone()).status, 200);
		assert_eq!(submitted(&pool).len(), 1);
		apply_submitted(&pool, &account);
		assert!(sharing(&kms).unwrap().slots[0].uploaded);

		// A replay of the same signed request is refused.
		assert_eq!(kms_http(upload).status, 409);

		// Download: only inside a window opened on chain, only by the owner.
		assert_eq!(
			kms_http(signed(&kms, &kms.owner, "GET", "/shares/0", b"", now + 2)).status,
			403
		);
		call(&kms.owner_account, kms.module, ss::function::OPEN_DOWNLOAD, (0u64, 10u64)).unwrap();
		let got = kms_http(signed(&kms, &kms.owner, "GET", "/shares/0", b"", now + 3));
		assert_eq!((got.status, got.body), (200, kms.share.clone()));
		let mallory = sr25519::Pair::from_string("//Mallory", None).unwrap();
		assert_eq!(kms_http(signed(&kms, &mallory, "GET", "/shares/0", b"", now + 4)).status, 403);
		let mut forged = signed(&kms, &kms.owner, "GET", "/shares/0", b"", now + 5);
		forged.path = b"/shares/1".to_vec();
		assert_eq!(kms_http(forged).status, 401, "the signature covers the path");
		let mut unsigned = signed(&kms, &kms.owner, "GET", "/shares/0", b"", now + 6);
		unsigned.headers.clear();
		assert_eq!(kms_http(unsigned).status, 401);

		// Deletion: requested on chain, done by the engine's on_state_change, confirmed.
		crate::Pallet::<Test>::on_initialize(2);
		frame_system::Pallet::<Test>::set_block_number(2);
		call(&kms.owner_account, kms.module, ss::function::DELETE, 0u64).unwrap();
		engine::on_block::<Test>(2);
		assert_eq!(engine::secret_get::<Test>(kms.module, b"share/0").unwrap(), None);
		apply_submitted(&pool, &account);
		assert_eq!(sharing(&kms), None, "every engine confirmed: the sharing is gone");
	});
}

#[test]
fn a_sharing_must_name_registered_engines_once_each() {
	let Engine { mut ext, account, .. } = engine_node();
	ext.execute_with(|| {
		let kms = kms(&account);
		let args = RegisterArgs { threshold: 1, shares: vec![(raw(&CHARLIE), [0; 32])] };
		assert_fails!(
			call(&kms.owner_account, kms.module, ss::function::REGISTER, args),
			Error::<Test>::ModuleReverted
		);
		let twice = RegisterArgs { threshold: 1, shares: vec![(raw(&account), [0; 32]); 2] };
		assert_fails!(
			call(&kms.owner_account, kms.module, ss::function::REGISTER, twice),
			Error::<Test>::ModuleReverted
		);
		let impossible = RegisterArgs { threshold: 2, shares: vec![(raw(&account), [0; 32])] };
		assert_fails!(
			call(&kms.owner_account, kms.module, ss::function::REGISTER, impossible),
			Error::<Test>::ModuleReverted
		);
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
		configure(None);
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
		configure(None);
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
		configure(None);
		let tester = trusting_tester(&account);
		for number in [1u64, 2, 600] {
			frame_system::BlockHash::<Test>::insert(number, H256::repeat_byte(number as u8));
			call(&ALICE, tester, tf::SET, (b"k".to_vec(), number.encode())).unwrap();
			engine::on_block::<Test>(number);
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
		configure(None);
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
		let kms = kms(&account);
		let upload = signed(&kms, &kms.owner, "PUT", "/shares/0", &kms.share, 1_700_000_000_000);
		assert_eq!(kms_http(upload).status, 200);
		apply_submitted(&pool, &account);
		// Each step is a block in which the KMS's state changes (the owner registers another
		// sharing), so the engine's on_state_change runs.
		let args = RegisterArgs {
			threshold: 1,
			shares: vec![(raw(&account), sp_io::hashing::blake2_256(&kms.share))],
		};
		let block_with_a_change = |number: u64| {
			crate::Pallet::<Test>::on_initialize(number);
			frame_system::Pallet::<Test>::set_block_number(number);
			frame_system::BlockHash::<Test>::insert(number, H256::repeat_byte(number as u8));
			call(&kms.owner_account, kms.module, ss::function::REGISTER, args.clone()).unwrap();
		};
		let confirm_delete = RuntimeCall::Kernel(crate::Call::call {
			module: kms.module,
			function: bounded(ss::function::CONFIRM_DELETE),
			params: bounded(0u64.encode()),
			caps: Default::default(),
			requests: Default::default(),
			weight_limit: EngineTxWeight::get(),
		});

		block_with_a_change(2);
		call(&kms.owner_account, kms.module, ss::function::DELETE, 0u64).unwrap();
		engine::on_block::<Test>(2);
		assert_eq!(
			submitted(&pool).into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
			vec![confirm_delete.clone()]
		);
		pool.write().transactions.clear();

		block_with_a_change(21);
		engine::on_block::<Test>(21);
		assert!(submitted(&pool).is_empty(), "the first confirmation may still be on its way");

		block_with_a_change(22);
		engine::on_block::<Test>(22);
		assert_eq!(
			submitted(&pool).into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
			vec![confirm_delete]
		);
		apply_submitted(&pool, &account);
		assert_eq!(sharing(&kms), None, "confirmed at last: the sharing is gone");

		block_with_a_change(23);
		engine::on_block::<Test>(23);
		assert!(submitted(&pool).is_empty());
		assert_eq!(
			engine::secret_get::<Test>(kms.module, b"pending-delete-confirmations").unwrap(),
			None,
			"nothing is left pending"
		);
	});
}
