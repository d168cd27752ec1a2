//! Dispatches the command line.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service::{self, Sealing},
};
use kernel_runtime::opaque::Block;
use polkadot_sdk::{
	sc_cli::{self, SubstrateCli},
	sc_network,
	sc_service::{self, ChainType, PartialComponents},
	sp_core::H256,
};
use std::time::Duration;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Capability Kernel Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://example.invalid/capability-kernel/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development()?),
			"" | "local" => Box::new(chain_spec::local_testnet()?),
			"local3" => Box::new(chain_spec::local_three()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// How a chain seals blocks: development chains on demand, others with Aura.
fn sealing(cli: &Cli, chain_type: ChainType) -> Sealing {
	match chain_type {
		ChainType::Development => {
			Sealing::Instant { heartbeat: Duration::from_millis(cli.dev_block_time) }
		},
		_ => Sealing::Aura,
	}
}

/// The transaction pool of an instantly sealed chain: the single-state pool. Such a chain has no
/// forks for the fork-aware pool to track, and under instant sealing the fork-aware pool of
/// stable2609 loses transactions that arrive while blocks are sealed one after another (seen
/// as nonces that never advance with an empty pool; see polkadot-sdk#9323). `--pool-type` is
/// therefore ignored there; its limits apply.
fn single_state_pool(cli: &Cli) -> sc_service::config::TransactionPoolOptions {
	let mut params = cli.run.pool_config.clone();
	params.pool_type = sc_cli::TransactionPoolType::SingleState;
	params.transaction_pool(true)
}

/// Parses the command line and runs it.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::from_args();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config, sealing(&cli, config.chain_spec.chain_type()))?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } =
					service::new_partial(&config, sealing(&cli, config.chain_spec.chain_type()))?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } =
					service::new_partial(&config, sealing(&cli, config.chain_spec.chain_type()))?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config, sealing(&cli, config.chain_spec.chain_type()))?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config, sealing(&cli, config.chain_spec.chain_type()))?;
				let aux_revert = Box::new(|client, _, blocks| {
					polkadot_sdk::sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use polkadot_sdk::{
				frame_benchmarking_cli::BenchmarkCmd, sp_runtime::traits::HashingFor,
			};
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				BenchmarkCmd::Pallet(cmd) => {
					cmd.run_with_spec::<HashingFor<Block>, ()>(Some(config.chain_spec))
				},
				_ => Err("only `benchmark pallet` is supported by this node".into()),
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		Some(Subcommand::CheckModule(cmd)) => {
			// A refusal is the command's answer, not a node failure: printed as is, exit status 1.
			if let Err(refusal) = cmd.run() {
				eprintln!("{refusal}");
				std::process::exit(1);
			}
			Ok(())
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			runner.run_node_until_exit(|mut config| async move {
				let sealing = sealing(&cli, config.chain_spec.chain_type());
				if matches!(sealing, Sealing::Instant { .. }) {
					config.transaction_pool = single_state_pool(&cli);
				}
				let engine = cli.engine.clone();
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => {
						service::new_full::<sc_network::NetworkWorker<Block, H256>>(
							config, sealing, engine,
						)
					},
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(
							config, sealing, engine,
						)
					},
				}
				.map_err(sc_cli::Error::Service)
			})
		},
	}
}
