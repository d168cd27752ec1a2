//! The node service: a full client that either seals blocks on demand (development) or runs
//! Aura + GRANDPA (networks), with offchain workers.

use futures::{channel::mpsc, FutureExt, StreamExt};
use kernel_runtime::{opaque::Block, RuntimeApi};
use polkadot_sdk::{
	sc_basic_authorship,
	sc_client_api::Backend,
	sc_consensus,
	sc_consensus_aura::{self, ImportQueueParams, SlotProportion, StartAuraParams},
	sc_consensus_grandpa::{self, SharedVoterState},
	sc_consensus_manual_seal::{
		self,
		consensus::{aura::AuraConsensusDataProvider, timestamp::SlotTimestampProvider},
		EngineCommand, ManualSealParams,
	},
	sc_executor, sc_network, sc_offchain,
	sc_service::{self, error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig},
	sc_telemetry::{Telemetry, TelemetryWorker},
	sc_transaction_pool,
	sc_transaction_pool_api::{OffchainTransactionPoolFactory, TransactionPool},
	sp_consensus_aura::sr25519::AuthorityPair as AuraPair,
	sp_core::H256,
	sp_io, sp_runtime, sp_timestamp,
};
use std::{sync::Arc, time::Duration};

pub(crate) type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// How often GRANDPA justifications are imported and generated.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// How blocks are produced.
#[derive(Clone, Copy, Debug)]
pub enum Sealing {
	/// Aura slots and GRANDPA finality (networks).
	Aura,
	/// On demand: when a transaction arrives, on `engine_createBlock`, and every `heartbeat`
	/// (if not zero); every block is final at once (development).
	Instant {
		/// Interval of empty blocks.
		heartbeat: Duration,
	},
}

/// The parts shared by the full node and the maintenance subcommands.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	FullPool,
	(
		sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>,
		sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
		Option<Telemetry>,
	),
>;

/// Builds the client, backend, pool and import queue.
pub fn new_partial(config: &Configuration, sealing: Sealing) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, polkadot_sdk::sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
		client.clone(),
		GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|x| x.handle()),
	)?;

	let import_queue = match sealing {
		Sealing::Instant { .. } => sc_consensus_manual_seal::import_queue(
			Box::new(client.clone()),
			&task_manager.spawn_essential_handle(),
			config.prometheus_registry(),
		),
		Sealing::Aura => {
			let cidp_client = client.clone();
			sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
				block_import: grandpa_block_import.clone(),
				justification_import: Some(Box::new(grandpa_block_import.clone())),
				client: client.clone(),
				create_inherent_data_providers: move |parent_hash, _| {
					let cidp_client = cidp_client.clone();
					async move {
						let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
							&*cidp_client,
							parent_hash,
						)?;
						let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
						let slot = polkadot_sdk::sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
						Ok((slot, timestamp))
					}
				},
				spawner: &task_manager.spawn_essential_handle(),
				registry: config.prometheus_registry(),
				check_for_equivocation: Default::default(),
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			})?
		},
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa_block_import, grandpa_link, telemetry),
	})
}

/// Builds and starts a full node.
pub fn new_full<
	N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
	config: Configuration,
	sealing: Sealing,
	engine: kernel_engine::EngineParams,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (block_import, grandpa_link, mut telemetry),
	} = new_partial(&config, sealing)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let peer_store_handle = net_config.peer_store_handle();
	let grandpa_protocol_name = sc_consensus_grandpa::protocol_standard_name(
		&client.chain_info().genesis_hash,
		&config.chain_spec,
	);
	let (grandpa_protocol_config, grandpa_notification_service) =
		sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			peer_store_handle,
		);
	net_config.add_notification_protocol(grandpa_protocol_config);

	let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			gap_sync_body_policy: None,
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				// No pallet of this runtime fetches from an offchain worker; modules reach the
				// network only through the engine's policy-checked client (`kernel-engine`).
				enable_http_requests: false,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	start_engine(
		&engine,
		&client,
		&backend,
		&keystore_container,
		&transaction_pool,
		&task_manager,
	)?;

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa && matches!(sealing, Sealing::Aura);
	let prometheus_registry = config.prometheus_registry().cloned();

	let (seal_sink, seal_commands) = mpsc::channel::<EngineCommand<H256>>(64);
	let manual_seal = matches!(sealing, Sealing::Instant { .. }).then_some(seal_sink);

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				manual_seal: manual_seal.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: Arc::new(network.clone()),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if role.is_authority() {
		let proposer_factory = sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|x| x.handle()),
		);

		match sealing {
			Sealing::Instant { heartbeat } => {
				let commands = instant_seal_commands(&transaction_pool, heartbeat, seal_commands);
				let aura_client = client.clone();
				let params = ManualSealParams {
					block_import: client.clone(),
					env: proposer_factory,
					client: client.clone(),
					pool: transaction_pool.clone(),
					commands_stream: commands,
					select_chain,
					consensus_data_provider: Some(Box::new(AuraConsensusDataProvider::new(
						client.clone(),
					))),
					// Only the timestamp: the Aura digest is derived from it, and manual seal counts
					// inherent data entries to tell an empty block, so each must yield an extrinsic.
					create_inherent_data_providers: move |_, ()| {
						let client = aura_client.clone();
						async move { SlotTimestampProvider::new_aura(client).map_err(Into::into) }
					},
				};
				task_manager.spawn_essential_handle().spawn_blocking(
					"instant-seal",
					Some("block-authoring"),
					sc_consensus_manual_seal::run_manual_seal(params),
				);
			},
			Sealing::Aura => {
				let slot_duration = sc_consensus_aura::slot_duration(&*client)?;
				let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
					StartAuraParams {
						slot_duration,
						client: client.clone(),
						select_chain,
						block_import,
						proposer_factory,
						create_inherent_data_providers: move |_, ()| async move {
							let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
							let slot = polkadot_sdk::sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
								*timestamp,
								slot_duration,
							);
							Ok((slot, timestamp))
						},
						force_authoring,
						backoff_authoring_blocks: Option::<()>::None,
						keystore: keystore_container.keystore(),
						sync_oracle: sync_service.clone(),
						justification_sync_link: sync_service.clone(),
						block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
						max_block_proposal_slot_portion: None,
						telemetry: telemetry.as_ref().map(|x| x.handle()),
						compatibility_mode: Default::default(),
					},
				)?;
				task_manager.spawn_essential_handle().spawn_blocking(
					"aura",
					Some("block-authoring"),
					aura,
				);
			},
		}
	}

	if enable_grandpa {
		let keystore = if role.is_authority() { Some(keystore_container.keystore()) } else { None };
		let grandpa_config = sc_consensus_grandpa::Config {
			gossip_duration: Duration::from_millis(333),
			justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
			name: Some(name),
			observer_enabled: false,
			keystore,
			local_role: role,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			protocol_name: grandpa_protocol_name,
		};
		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link: grandpa_link,
			network,
			sync: Arc::new(sync_service),
			notification_service: grandpa_notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		};
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}

/// Records the engine configuration for the runtime and, on an engine, starts the runner of
/// `on_state_change` (finalized blocks) and the HTTP gateway.
fn start_engine(
	engine: &kernel_engine::EngineParams,
	client: &Arc<FullClient>,
	backend: &Arc<FullBackend>,
	keystore: &sc_service::KeystoreContainer,
	pool: &Arc<FullPool>,
	task_manager: &TaskManager,
) -> Result<(), ServiceError> {
	let Some(mut storage) = backend.offchain_storage() else {
		return Err(ServiceError::Other("the engine needs off-chain storage".into()));
	};
	kernel_engine::record_config(&mut storage, engine);
	for warning in engine.warnings() {
		log::warn!(target: "kernel::engine", "{warning}");
	}
	if !engine.engine {
		return Ok(());
	}
	let context = Arc::new(
		kernel_engine::EngineContext::new(
			client.clone(),
			storage,
			keystore.keystore(),
			OffchainTransactionPoolFactory::new(pool.clone()),
			engine.http_policy(),
			tokio::runtime::Handle::current(),
		)
		.map_err(|e| ServiceError::Other(e.to_string()))?,
	);
	let gateway = Arc::new(kernel_engine::gateway::Gateway::new(context.clone(), engine.limits()));
	let addr = engine.engine_http;
	task_manager.spawn_essential_handle().spawn("engine-gateway", Some("engine"), async move {
		if let Err(error) = gateway.serve(addr).await {
			log::error!(target: "kernel::engine", "{error}");
		}
	});
	let budget = engine.block_budget();
	task_manager.spawn_essential_handle().spawn(
		"engine-runner",
		Some("engine"),
		kernel_engine::runner::run(context, budget),
	);
	Ok(())
}

/// The commands that drive instant sealing: one block per batch of imported transactions, one
/// per `engine_createBlock` call, and an empty one every `heartbeat` (unless zero). Every block
/// is finalized at once.
fn instant_seal_commands(
	pool: &Arc<FullPool>,
	heartbeat: Duration,
	rpc_commands: mpsc::Receiver<EngineCommand<H256>>,
) -> impl futures::Stream<Item = EngineCommand<H256>> + Unpin {
	let seal = |create_empty| EngineCommand::SealNewBlock {
		create_empty,
		finalize: true,
		parent_hash: None,
		sender: None,
	};
	let on_transactions = pool.import_notification_stream().map(move |_| seal(false));
	let ticks = futures::stream::unfold((), move |()| async move {
		if heartbeat.is_zero() {
			futures::future::pending::<()>().await;
		}
		futures_timer::Delay::new(heartbeat).await;
		Some(((), ()))
	})
	.map(move |()| seal(true));
	Box::pin(futures::stream::select(futures::stream::select(on_transactions, ticks), rpc_commands))
}
