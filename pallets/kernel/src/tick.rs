//! Per-block entry points: modules exporting `on_block` run one by one at the start of each
//! block, within [`Config::OnBlockWeight`](crate::Config::OnBlockWeight) in total and
//! [`Config::OnBlockFrameWeight`](crate::Config::OnBlockFrameWeight) each. When the budget does
//! not cover every module, the next block continues where this one stopped. A module whose
//! `on_block` keeps failing leaves the round, so that it cannot hold a slot of the bounded
//! `Tickers` list, and a share of every block, for nothing.

use crate::{
	exec::run_top_level, weights::WeightInfo, Config, Error, Event, OnBlockFailures, Pallet,
	TickCursor, Tickers,
};
use alloc::vec::Vec;
use kernel_primitives::ModuleId;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Failures in a row after which a module's `on_block` no longer runs.
pub const MAX_ON_BLOCK_FAILURES: u32 = 3;

/// Runs this block's `on_block` entries and returns the weight used.
pub fn run_on_block<T: Config>() -> Weight {
	let db = T::DbWeight::get();
	let tickers = Tickers::<T>::get();
	let mut used = db.reads(1);
	if tickers.is_empty() {
		return used;
	}
	used = used.saturating_add(db.reads_writes(1, 1));
	let budget = T::OnBlockWeight::get();
	let per_module = T::OnBlockFrameWeight::get();
	let overhead = T::WeightInfo::call();
	let count = tickers.len() as u32;
	let start = TickCursor::<T>::get() % count;
	let mut next = start;
	let mut stopped = Vec::new();

	for offset in 0..count {
		let index = (start + offset) % count;
		if used.saturating_add(overhead).saturating_add(per_module).any_gt(budget) {
			break;
		}
		let module = tickers[index as usize];
		let (result, usage) =
			run_top_level::<T, _>(per_module, |ctx, sandbox| ctx.on_block(sandbox, module));
		used = used.saturating_add(overhead).saturating_add(usage.weight);
		used = used.saturating_add(db.reads_writes(1, 1));
		match result {
			Ok(()) => {
				if OnBlockFailures::<T>::contains_key(module) {
					OnBlockFailures::<T>::remove(module);
				}
			},
			Err(error) => {
				let error = Error::<T>::from(error).into();
				Pallet::<T>::deposit_event(Event::OnBlockFailed { module, error });
				if note_failure::<T>(module) {
					stopped.push(module);
				}
			},
		}
		next = (index + 1) % count;
	}
	if !stopped.is_empty() {
		used = used.saturating_add(db.writes(1));
		next = remove_stopped::<T>(&stopped, tickers.get(next as usize).copied());
	}
	TickCursor::<T>::put(next);
	used
}

/// Removes `stopped` from `Tickers` and returns the cursor that makes the next round start at
/// `resume_at` (or, if it left the round too, at the first module).
fn remove_stopped<T: Config>(stopped: &[ModuleId], resume_at: Option<ModuleId>) -> u32 {
	Tickers::<T>::mutate(|tickers| {
		tickers.retain(|m| !stopped.contains(m));
		let found = resume_at.and_then(|m| tickers.iter().position(|t| *t == m));
		found.unwrap_or(0) as u32
	})
}

/// Counts a failure of `module`'s `on_block`; whether it was the last one allowed.
fn note_failure<T: Config>(module: ModuleId) -> bool {
	let failures = OnBlockFailures::<T>::mutate(module, |n| {
		*n = n.saturating_add(1);
		*n
	});
	if failures < MAX_ON_BLOCK_FAILURES {
		return false;
	}
	OnBlockFailures::<T>::remove(module);
	Pallet::<T>::deposit_event(Event::OnBlockStopped { module });
	true
}
