//! # kernel-engine
//!
//! The node side of the execution engine. A node becomes an engine when its operator passes
//! `--engine`, names the modules it runs (`--engine-modules`; none by default) and its keystore
//! holds an engine key (key type `kern`, ed25519). Then:
//!
//! * the node records the operator's choice ([`EngineNodeConfig`]: which modules, which key,
//!   how many transactions per module and block) in its persistent off-chain storage, where the
//!   runtime finds it;
//! * the [runner] runs those modules' `on_state_change` for every finalized block that changed
//!   their state, once per (module, block), catching up on restart within a bound and within a
//!   per-block time budget;
//! * the [gateway] serves HTTP at `/modules/{module}/{path}` and answers each request by
//!   running the module's `on_http_request` through the runtime API, behind `tower` limits;
//! * an engine runs one off-chain run of a module at a time ([`EngineContext::exclusive`]), so
//!   a module's check of its secrets and the write that follows are never interleaved with
//!   another run of the same module (a replay check, an upload racing a deletion);
//! * every run gets the off-chain context: the keystore (sealed secrets, the engine's
//!   identity), the off-chain database (secrets), the transaction pool (signed transactions)
//!   and outbound HTTP under the operator's [policy] ([externalities]).
//!
//! Without `--engine` the node removes any earlier configuration and runs no module code
//! off-chain.

#![warn(missing_docs)]

pub mod externalities;
pub mod gateway;
pub mod policy;
pub mod runner;

use codec::Encode;
use externalities::{EngineExternalities, Outbound};
use kernel_primitives::offchain::{
	EngineNodeConfig, ModuleSelection, DEFAULT_MAX_SUBMISSIONS_PER_BLOCK, ENGINE_CONFIG_KEY,
	ENGINE_KEY_TYPE,
};
use kernel_primitives::ModuleId;
use kernel_runtime::opaque::Block;
use polkadot_sdk::{
	sc_transaction_pool_api::OffchainTransactionPoolFactory,
	sp_api::{ApiExt, ApiRef, ProvideRuntimeApi},
	sp_blockchain::HeaderBackend,
	sp_core::{
		crypto::{KeyTypeId, Ss58Codec},
		ed25519,
		offchain::{storage::OffchainDb, OffchainDbExt, OffchainStorage, OffchainWorkerExt},
	},
	sp_keystore::{KeystoreExt, KeystorePtr},
	sp_offchain::STORAGE_PREFIX,
};
use std::{
	collections::HashMap,
	net::SocketAddr,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};

/// Command-line options of the execution engine.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineParams {
	/// Run this node as an execution engine: run the off-chain code of the modules named by
	/// `--engine-modules` and serve their HTTP endpoints. Needs an engine key (`key insert
	/// --key-type kern --scheme ed25519`).
	#[arg(long)]
	pub engine: bool,

	/// Address of the engine's HTTP gateway.
	#[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
	pub engine_http: SocketAddr,

	/// Names of the modules this engine runs (comma-separated); none by default. `all` runs
	/// every module that trusts this engine: unsafe on a validator or any node with secrets,
	/// since any account can deploy a module that trusts it.
	#[arg(long, value_name = "NAMES|all", value_delimiter = ',')]
	pub engine_modules: Vec<String>,

	/// The engine key to use when the keystore holds several (its public key, hex or SS58);
	/// by default the smallest one.
	#[arg(long, value_name = "PUBLIC", value_parser = parse_public_key)]
	pub engine_key: Option<[u8; 32]>,

	/// Hosts (`name`, `name:port`, an IP address) and networks (CIDR) that modules' outbound
	/// HTTP may reach besides public addresses (comma-separated). Loopback, private,
	/// link-local, unique-local, multicast and unspecified addresses are refused otherwise.
	#[arg(long, value_name = "ENTRIES", value_delimiter = ',')]
	pub engine_http_allow: Vec<policy::AllowEntry>,

	/// Most outbound HTTP requests one off-chain run may make.
	#[arg(long, value_name = "COUNT", default_value_t = 16)]
	pub engine_http_max_requests: u32,

	/// Most bytes (request and response bodies) one off-chain run may send and receive.
	#[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
	pub engine_http_max_bytes: u64,

	/// Most time one off-chain run may wait for outbound HTTP responses, in milliseconds.
	#[arg(long, value_name = "MS", default_value_t = 30_000)]
	pub engine_http_max_wait: u64,

	/// Most transactions one module may have this engine sign per block.
	#[arg(long, value_name = "COUNT", default_value_t = DEFAULT_MAX_SUBMISSIONS_PER_BLOCK)]
	pub engine_max_submissions: u32,

	/// Time this engine spends at most on one block's `on_state_change` runs, in
	/// milliseconds; modules not reached by then are skipped for that block (and logged).
	#[arg(long, value_name = "MS", default_value_t = 10_000)]
	pub engine_block_budget: u64,

	/// Largest request body the gateway accepts, in bytes.
	#[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
	pub engine_max_body: usize,

	/// How long the gateway lets a request take, body and module included, in milliseconds.
	#[arg(long, value_name = "MS", default_value_t = 10_000)]
	pub engine_request_timeout: u64,

	/// Most requests the gateway handles at once; more get `503`.
	#[arg(long, value_name = "COUNT", default_value_t = 32)]
	pub engine_max_concurrent: usize,

	/// How long a client may take to send a request's headers, in milliseconds.
	#[arg(long, value_name = "MS", default_value_t = 5_000)]
	pub engine_header_timeout: u64,

	/// How long a request body may stall between two chunks, in milliseconds; then `408`.
	#[arg(long, value_name = "MS", default_value_t = 5_000)]
	pub engine_body_timeout: u64,

	/// Origins allowed to call the gateway from a browser (CORS), comma-separated, or `*`;
	/// none by default.
	#[arg(long, value_name = "ORIGINS", value_delimiter = ',')]
	pub engine_cors: Vec<String>,
}

/// Parses an ed25519 public key given as hex (with or without `0x`) or SS58.
fn parse_public_key(text: &str) -> Result<[u8; 32], String> {
	let hex = text.strip_prefix("0x").unwrap_or(text);
	if hex.len() == 64 {
		let mut key = [0u8; 32];
		for (i, byte) in key.iter_mut().enumerate() {
			*byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
				.map_err(|_| format!("{text:?} is not a hex public key"))?;
		}
		return Ok(key);
	}
	ed25519::Public::from_ss58check(text)
		.map(|public| public.0)
		.map_err(|_| format!("{text:?} is neither a hex nor an SS58 public key"))
}

impl EngineParams {
	/// The configuration recorded for the runtime.
	pub fn node_config(&self) -> EngineNodeConfig {
		let all = self.engine_modules.iter().any(|name| name == "all");
		let modules = if all {
			ModuleSelection::All
		} else {
			ModuleSelection::Named(
				self.engine_modules.iter().map(|name| name.as_bytes().to_vec()).collect(),
			)
		};
		EngineNodeConfig {
			modules,
			engine_key: self.engine_key,
			max_submissions_per_block: self.engine_max_submissions,
		}
	}

	/// The gateway's limits.
	pub fn limits(&self) -> gateway::Limits {
		gateway::Limits {
			max_body: self.engine_max_body,
			timeout: Duration::from_millis(self.engine_request_timeout),
			max_concurrent: self.engine_max_concurrent.max(1),
			header_timeout: Duration::from_millis(self.engine_header_timeout),
			body_timeout: Duration::from_millis(self.engine_body_timeout),
			cors: self.engine_cors.clone(),
		}
	}

	/// The outbound HTTP policy.
	pub fn http_policy(&self) -> policy::HttpPolicy {
		policy::HttpPolicy {
			allow: self.engine_http_allow.clone(),
			max_requests: self.engine_http_max_requests,
			max_bytes: self.engine_http_max_bytes,
			max_wait: Duration::from_millis(self.engine_http_max_wait),
		}
	}

	/// The per-block time budget of `on_state_change` runs.
	pub fn block_budget(&self) -> Duration {
		Duration::from_millis(self.engine_block_budget)
	}

	/// What the operator should know about this configuration, logged at start.
	pub fn warnings(&self) -> Vec<String> {
		let mut warnings = Vec::new();
		if !self.engine {
			return warnings;
		}
		match self.node_config().modules {
			ModuleSelection::All => warnings.push(
				"--engine-modules all: this engine runs the off-chain code of every module that \
				 trusts it, which any account can deploy; unsafe on a validator"
					.into(),
			),
			ModuleSelection::Named(names) if names.is_empty() => warnings.push(
				"--engine without --engine-modules: this engine runs no module's off-chain code"
					.into(),
			),
			ModuleSelection::Named(_) => {},
		}
		warnings
	}
}

/// Persistent off-chain key of the runner's cursor: the last finalized block it processed.
pub(crate) const CURSOR_KEY: &[u8] = b"kernel::engine::cursor";

/// Records this node's engine configuration where the runtime reads it, or removes it (and the
/// runner's cursor) when the node is not an engine.
pub fn record_config<S: OffchainStorage>(storage: &mut S, params: &EngineParams) {
	if params.engine {
		storage.set(STORAGE_PREFIX, ENGINE_CONFIG_KEY, &params.node_config().encode());
	} else {
		storage.remove(STORAGE_PREFIX, ENGINE_CONFIG_KEY);
		storage.remove(STORAGE_PREFIX, CURSOR_KEY);
	}
}

/// What every off-chain run needs: the client to call the runtime, and the off-chain context
/// (keystore, off-chain database, transaction pool, outbound HTTP).
pub struct EngineContext<C, S> {
	client: Arc<C>,
	offchain_storage: S,
	keystore: KeystorePtr,
	pool: OffchainTransactionPoolFactory<Block>,
	outbound: Arc<Outbound>,
	runtime: tokio::runtime::Handle,
	module_runs: ModuleRuns,
}

/// One lock per module that has run on this engine: see [`ModuleRuns::exclusive`].
#[derive(Default)]
pub struct ModuleRuns(Mutex<HashMap<ModuleId, Arc<Mutex<()>>>>);

impl ModuleRuns {
	/// Runs `run`, an off-chain run whose top-level frame is `module`, after any other run of
	/// `module` has finished; `None`, without running it, if `abandoned` was set meanwhile (the
	/// HTTP client is no longer waiting), so a queue of stale requests does not run. Runs of
	/// different modules go on in parallel. Only the top-level module is locked: a module that
	/// another module's run calls into may run at the same time as a run of its own.
	pub fn exclusive<R>(
		&self,
		module: ModuleId,
		abandoned: &AtomicBool,
		run: impl FnOnce() -> R,
	) -> Option<R> {
		let module_lock = lock(&self.0).entry(module).or_default().clone();
		let _one_at_a_time = lock(&module_lock);
		(!abandoned.load(Ordering::SeqCst)).then(run)
	}
}

/// Marks a run abandoned when dropped: the gateway holds one while it waits for a run, and
/// drops it when the client goes away or the request's deadline passes.
pub struct AbandonOnDrop(pub Arc<AtomicBool>);

impl Drop for AbandonOnDrop {
	fn drop(&mut self) {
		self.0.store(true, Ordering::SeqCst);
	}
}

impl<C, S> EngineContext<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	S: OffchainStorage + Clone + 'static,
{
	/// The context of `client` with this node's keystore, off-chain storage and pool, making
	/// outbound requests under `policy` on `runtime`.
	pub fn new(
		client: Arc<C>,
		offchain_storage: S,
		keystore: KeystorePtr,
		pool: OffchainTransactionPoolFactory<Block>,
		policy: policy::HttpPolicy,
		runtime: tokio::runtime::Handle,
	) -> Result<Self, EngineError> {
		let outbound = Arc::new(Outbound::new(policy).map_err(EngineError::HttpClient)?);
		let module_runs = ModuleRuns::default();
		Ok(Self { client, offchain_storage, keystore, pool, outbound, runtime, module_runs })
	}

	/// Runs `run` once no other run of `module` is going on here, unless it was `abandoned`
	/// by then ([`ModuleRuns::exclusive`]).
	pub fn exclusive<R>(
		&self,
		module: ModuleId,
		abandoned: &AtomicBool,
		run: impl FnOnce() -> R,
	) -> Option<R> {
		self.module_runs.exclusive(module, abandoned, run)
	}

	/// A runtime API instance for one off-chain run, with the off-chain extensions registered:
	/// fresh externalities, so the run's HTTP limits are its own. Transactions the run submits
	/// go to the pool at the best block, whatever block the run reads (the runner reads
	/// finalized blocks, which a pool may no longer hold a view of).
	pub fn run_api(&self) -> ApiRef<'_, C::Api> {
		let mut api = self.client.runtime_api();
		api.register_extension(KeystoreExt(self.keystore.clone()));
		api.register_extension(OffchainDbExt::new(OffchainDb::new(self.offchain_storage.clone())));
		api.register_extension(OffchainWorkerExt::new(EngineExternalities::new(
			self.outbound.clone(),
			self.runtime.clone(),
		)));
		api.register_extension(self.pool.offchain_transaction_pool(self.client.info().best_hash));
		api
	}

	/// The client.
	pub fn client(&self) -> &Arc<C> {
		&self.client
	}

	/// The persistent off-chain storage.
	pub fn storage(&self) -> S {
		self.offchain_storage.clone()
	}

	/// Whether the keystore holds an engine key.
	pub fn has_engine_key(&self) -> bool {
		!self.keystore.ed25519_public_keys(KeyTypeId(ENGINE_KEY_TYPE)).is_empty()
	}
}

/// Locks `mutex`; a run that panicked while holding it left nothing the lock protects.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Errors of the engine's node side.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
	/// The gateway could not listen.
	#[error("the engine gateway cannot listen on {addr}: {source}")]
	Bind {
		/// Where it tried.
		addr: SocketAddr,
		/// Why it failed.
		source: std::io::Error,
	},
	/// The outbound HTTP client could not be set up.
	#[error("cannot set up the outbound HTTP client: {0}")]
	HttpClient(std::io::Error),
	/// Calling the runtime failed.
	#[error("runtime API error: {0}")]
	Runtime(String),
	/// The client stopped waiting before the run's turn came; it did not run.
	#[error("the request was abandoned before it ran")]
	Abandoned,
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::mpsc;

	/// The flag of runs whose caller waits for them.
	static WAITED_FOR: AtomicBool = AtomicBool::new(false);

	/// Starts a run of `module` on another thread and returns once it is inside; it ends when
	/// the returned sender sends.
	fn holding(
		runs: &Arc<ModuleRuns>,
		module: ModuleId,
	) -> (std::thread::JoinHandle<Option<()>>, mpsc::Sender<()>) {
		let (entered, inside) = mpsc::channel();
		let (release, wait_for_release) = mpsc::channel::<()>();
		let runs = runs.clone();
		let run = std::thread::spawn(move || {
			runs.exclusive(module, &WAITED_FOR, || {
				entered.send(()).unwrap();
				wait_for_release.recv().unwrap();
			})
		});
		inside.recv().unwrap();
		(run, release)
	}

	#[test]
	fn runs_of_one_module_wait_for_each_other_and_other_modules_do_not() {
		let runs = Arc::new(ModuleRuns::default());
		let (first, release) = holding(&runs, 1);

		assert_eq!(runs.exclusive(2, &WAITED_FOR, || "another module"), Some("another module"));

		let second_inside = Arc::new(AtomicBool::new(false));
		let (starting, second_starting) = mpsc::channel();
		let second = {
			let (runs, inside) = (runs.clone(), second_inside.clone());
			std::thread::spawn(move || {
				starting.send(()).unwrap();
				runs.exclusive(1, &WAITED_FOR, || inside.store(true, Ordering::SeqCst));
			})
		};
		second_starting.recv().unwrap();
		std::thread::sleep(Duration::from_millis(100));
		assert!(!second_inside.load(Ordering::SeqCst), "the second run waits for the first");

		release.send(()).unwrap();
		first.join().unwrap();
		second.join().unwrap();
		assert!(second_inside.load(Ordering::SeqCst), "and then runs");
	}

	#[test]
	fn a_run_abandoned_while_it_waits_for_its_turn_does_not_run() {
		let runs = Arc::new(ModuleRuns::default());
		let (first, release) = holding(&runs, 1);
		let abandoned = Arc::new(AtomicBool::new(false));
		let ran = Arc::new(AtomicBool::new(false));
		let second = {
			let (runs, abandoned, ran) = (runs.clone(), abandoned.clone(), ran.clone());
			std::thread::spawn(move || {
				runs.exclusive(1, &abandoned, || ran.store(true, Ordering::SeqCst))
			})
		};
		drop(AbandonOnDrop(abandoned));
		release.send(()).unwrap();
		first.join().unwrap();
		assert_eq!(second.join().unwrap(), None);
		assert!(!ran.load(Ordering::SeqCst), "the abandoned run did not start");
	}
}
