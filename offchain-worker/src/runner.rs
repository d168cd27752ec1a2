//! The runner: `on_state_change` of the modules an engine serves, for finalized blocks.
//!
//! Semantics (also in `docs/execution-engine.md`):
//!
//! * Only **finalized** blocks are processed, in order, so a run never sees a block that a
//!   re-org later discards. On a chain with instant finality (the dev chain) that is every
//!   block as soon as it is sealed.
//! * For each block the runtime names the modules to run ([`state_change_targets`]: the
//!   modules that changed state in it, or every served module when more changed than the block
//!   recorded), and each is run by its own runtime call with fresh off-chain externalities, so
//!   per-run limits are per module.
//! * **Once per (module, block)**: the runtime marks a run done after it returns (success or
//!   failure; failures are logged, not retried). A node that stops in the middle of a run runs
//!   that one again on restart.
//! * A cursor in the node's off-chain storage records the last finalized block processed. On
//!   restart the runner **catches up**, oldest first, on the blocks finalized while it was
//!   offline, at most [`MAX_CATCH_UP`] of them (the most recent; older ones are skipped with a
//!   warning, as their state may be pruned). A node that was never an engine starts at the
//!   current finalized block.
//! * A **per-block time budget**: once one block's runs have taken `budget`, the modules not
//!   yet run for it are skipped, with a warning, so one cheap transaction touching many
//!   modules cannot buy unbounded engine time.
//!
//! [`state_change_targets`]: pallet_kernel::engine::state_change_targets

use crate::{gateway::KernelRuntimeApi, EngineContext, CURSOR_KEY};
use codec::{Decode, Encode};
use futures::{FutureExt, StreamExt};
use kernel_primitives::offchain::{StateChangeInput, StateChangeOutcome};
use kernel_runtime::opaque::Block;
use pallet_kernel::runtime_api::KernelApi;
use polkadot_sdk::{
	sc_client_api::BlockchainEvents, sp_api::ProvideRuntimeApi, sp_blockchain::HeaderBackend,
	sp_core::offchain::OffchainStorage, sp_offchain::STORAGE_PREFIX,
	sp_runtime::traits::Header as _,
};
use std::{
	sync::{atomic::AtomicBool, Arc},
	time::{Duration, Instant},
};

/// Most finalized blocks caught up on after a restart (fewer than the default state pruning
/// keeps, and than the runtime's run-marker history).
pub const MAX_CATCH_UP: u32 = 200;

const LOG: &str = "kernel::engine";

/// Runs `on_state_change` for every block finalized from now on, and catches up first.
pub async fn run<C, S>(context: Arc<EngineContext<C, S>>, budget: Duration)
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: KernelRuntimeApi,
	S: OffchainStorage + Clone + 'static,
{
	let mut finality = context.client().finality_notification_stream();
	let mut target = context.client().info().finalized_number;
	let mut warned_no_key = false;
	loop {
		let has_key = context.has_engine_key();
		if !has_key && !warned_no_key {
			log::warn!(
				target: LOG,
				"no engine key (type kern) in the keystore: this engine runs nothing until one is inserted"
			);
		}
		warned_no_key = !has_key;
		let worker = context.clone();
		if tokio::task::spawn_blocking(move || catch_up(&worker, target, budget)).await.is_err() {
			log::error!(target: LOG, "the engine runner stopped: a run panicked");
			return;
		}
		let Some(notification) = finality.next().await else { return };
		target = *notification.header.number();
		// Finalizations that arrived meanwhile: go straight to the newest.
		while let Some(Some(notification)) = finality.next().now_or_never() {
			target = target.max(*notification.header.number());
		}
	}
}

/// The first block to process when the last processed one was `cursor` (if any) and the chain
/// is finalized up to `to`; logs the blocks it skips.
pub fn first_block(cursor: Option<u32>, to: u32) -> u32 {
	let Some(cursor) = cursor else { return to.saturating_add(1) };
	let next = cursor.saturating_add(1);
	let oldest = to.saturating_sub(MAX_CATCH_UP - 1).max(1);
	if next < oldest {
		log::warn!(
			target: LOG,
			"catching up on blocks {oldest}..={to} only: blocks {next}..{oldest} were finalized too long ago"
		);
	}
	next.max(oldest)
}

/// Processes every finalized block after the cursor up to `to`, advancing the cursor after
/// each.
fn catch_up<C, S>(context: &EngineContext<C, S>, to: u32, budget: Duration)
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: KernelRuntimeApi,
	S: OffchainStorage + Clone + 'static,
{
	let mut storage = context.storage();
	let cursor =
		storage.get(STORAGE_PREFIX, CURSOR_KEY).and_then(|raw| u32::decode(&mut &raw[..]).ok());
	if cursor.is_none() {
		// A new engine: nothing before now.
		storage.set(STORAGE_PREFIX, CURSOR_KEY, &to.encode());
		return;
	}
	for number in first_block(cursor, to)..=to {
		process_block(context, number, budget);
		storage.set(STORAGE_PREFIX, CURSOR_KEY, &number.encode());
	}
}

/// Runs `on_state_change` of the modules the runtime names for block `number`, within
/// `budget`.
fn process_block<C, S>(context: &EngineContext<C, S>, number: u32, budget: Duration)
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: KernelRuntimeApi,
	S: OffchainStorage + Clone + 'static,
{
	let hash = match context.client().hash(number) {
		Ok(Some(hash)) => hash,
		other => {
			log::warn!(target: LOG, "finalized block {number} not found ({other:?}): skipped");
			return;
		},
	};
	let targets = match context.run_api().state_change_targets(hash) {
		Ok(targets) => targets,
		Err(error) => {
			log::warn!(target: LOG, "block {number}: cannot list the modules to run: {error}");
			return;
		},
	};
	let started = Instant::now();
	let input = StateChangeInput { block_number: number.into(), block_hash: hash.0 };
	for (done, module) in targets.iter().enumerate() {
		if started.elapsed() >= budget {
			log::warn!(
				target: LOG,
				"block {number}: the engine's {budget:?} budget is spent; on_state_change of modules {:?} skipped",
				&targets[done..],
			);
			return;
		}
		let run = || context.run_api().run_state_change(hash, *module, input.clone());
		// The runner never abandons a run: it waits for its turn.
		let Some(outcome) = context.exclusive(*module, &AtomicBool::new(false), run) else {
			continue;
		};
		match outcome {
			Ok(StateChangeOutcome::Ran) => {
				log::debug!(target: LOG, "block {number}: on_state_change of module {module} ran")
			},
			Ok(StateChangeOutcome::Failed(why)) => log::warn!(
				target: LOG,
				"block {number}: on_state_change of module {module} failed: {}",
				String::from_utf8_lossy(&why),
			),
			Ok(other) => log::debug!(target: LOG, "block {number}: module {module}: {other:?}"),
			Err(error) => log::warn!(target: LOG, "block {number}: module {module}: {error}"),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn catch_up_starts_after_the_cursor_within_the_bound() {
		assert_eq!(first_block(None, 40), 41, "a new engine starts after the finalized block");
		assert_eq!(first_block(Some(30), 40), 31, "resumes after the cursor");
		assert_eq!(first_block(Some(40), 40), 41, "nothing to do");
		assert_eq!(first_block(Some(0), 10), 1, "never block 0");
		assert_eq!(first_block(Some(5), 1000), 1000 - MAX_CATCH_UP + 1, "bounded");
	}
}
