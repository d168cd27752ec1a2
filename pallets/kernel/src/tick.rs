//! Per-block entry points: modules exporting `on_block` run one by one at the start of each
//! block, within [`Config::OnBlockWeight`](crate::Config::OnBlockWeight) in total and
//! [`Config::OnBlockFrameWeight`](crate::Config::OnBlockFrameWeight) each. When the budget does
//! not cover every module, the next block continues where this one stopped.

use crate::{
	exec::run_top_level, weights::WeightInfo, Config, Error, Event, Pallet, TickCursor, Tickers,
};
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

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

	for offset in 0..count {
		let index = (start + offset) % count;
		if used.saturating_add(overhead).saturating_add(per_module).any_gt(budget) {
			break;
		}
		let module = tickers[index as usize];
		let (result, usage) =
			run_top_level::<T, _>(per_module, |ctx, sandbox| ctx.on_block(sandbox, module));
		used = used.saturating_add(overhead).saturating_add(usage.weight);
		if let Err(error) = result {
			let error = Error::<T>::from(error).into();
			Pallet::<T>::deposit_event(Event::OnBlockFailed { module, error });
		}
		next = (index + 1) % count;
	}
	TickCursor::<T>::put(next);
	used
}
