//! # kernel-engine
//!
//! The node side of the execution engine. A node becomes an engine when its operator passes
//! `--engine` and its keystore holds an engine key (key type `kern`, ed25519). Then:
//!
//! * the node records the operator's choice ([`EngineNodeConfig`]: which modules to run) in its
//!   persistent off-chain storage, where the runtime's offchain worker finds it and runs those
//!   modules' `on_state_change` after each block that changed their state;
//! * the [gateway] serves HTTP at `/modules/{module}/{path}` and answers each request by
//!   running the module's `on_http_request` through the runtime API, with the same off-chain
//!   context: the keystore (sealed secrets, the engine's identity), the off-chain database
//!   (secrets), the transaction pool (signed transactions) and outbound HTTP
//!   ([externalities]).
//!
//! Without `--engine` the node removes any earlier configuration and runs no module code
//! off-chain.

#![warn(missing_docs)]

pub mod externalities;
pub mod gateway;

use codec::Encode;
use kernel_primitives::offchain::{EngineNodeConfig, ENGINE_CONFIG_KEY};
use polkadot_sdk::{sp_core::offchain::OffchainStorage, sp_offchain::STORAGE_PREFIX};
use std::{net::SocketAddr, time::Duration};

/// Command-line options of the execution engine.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineParams {
	/// Run this node as an execution engine: run modules' off-chain code and serve their HTTP
	/// endpoints. Needs an engine key (`key insert --key-type kern --scheme ed25519`).
	#[arg(long)]
	pub engine: bool,

	/// Address of the engine's HTTP gateway.
	#[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
	pub engine_http: SocketAddr,

	/// Names of the modules this engine runs (comma-separated). By default it runs every module
	/// that trusts it.
	#[arg(long, value_name = "NAMES", value_delimiter = ',')]
	pub engine_modules: Vec<String>,

	/// Largest request body the gateway accepts, in bytes.
	#[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
	pub engine_max_body: usize,

	/// How long the gateway lets a module answer, in milliseconds.
	#[arg(long, value_name = "MS", default_value_t = 10_000)]
	pub engine_request_timeout: u64,
}

impl EngineParams {
	/// The configuration recorded for the runtime.
	pub fn node_config(&self) -> EngineNodeConfig {
		let modules = (!self.engine_modules.is_empty())
			.then(|| self.engine_modules.iter().map(|name| name.as_bytes().to_vec()).collect());
		EngineNodeConfig { modules }
	}

	/// The gateway's limits.
	pub fn limits(&self) -> gateway::Limits {
		gateway::Limits {
			max_body: self.engine_max_body,
			timeout: Duration::from_millis(self.engine_request_timeout),
		}
	}
}

/// Records this node's engine configuration where the runtime's offchain worker reads it, or
/// removes it when the node is not an engine.
pub fn record_config<S: OffchainStorage>(storage: &mut S, params: &EngineParams) {
	if params.engine {
		storage.set(STORAGE_PREFIX, ENGINE_CONFIG_KEY, &params.node_config().encode());
	} else {
		storage.remove(STORAGE_PREFIX, ENGINE_CONFIG_KEY);
	}
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
}
