//! Per-block entry points: modules exporting `on_block` run one by one at the start of each
//! block, within [`Config::OnBlockWeight`](crate::Config::OnBlockWeight) in total and
//! [`Config::OnBlockFrameWeight`](crate::Config::OnBlockFrameWeight) each. When the budget does
//! not cover every module, the next block continues where this one stopped. A module whose
//! `on_block` keeps failing leaves the round, so that it cannot hold a slot of the bounded
//! `Tickers` list, and a share of every block, for nothing.
//!
//! Each run costs its module [`Config::TickFee`], burnt from the module's account before it
//! runs: the round is for modules someone pays for (`fund_ticks`), and one whose account cannot
//! pay leaves it. So filling the `MaxTickingModules` slots costs for every block they are held,
//! not once.

use crate::{
	deposit::module_account,
	exec::{run_top_level, ExecError},
	types::BalanceOf,
	weights::WeightInfo,
	Config, Error, Event, Modules, OnBlockFailures, Pallet, TickCursor, Tickers,
};
use alloc::vec::Vec;
use kernel_primitives::{abi::Entry, ModuleId};
use polkadot_sdk::{
	frame_support::{
		traits::{
			fungible::{Inspect, Mutate},
			tokens::{Fortitude, Precision, Preservation},
			Get,
		},
		weights::Weight,
	},
	sp_runtime::{traits::Zero, DispatchResult},
};

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
		next = (index + 1) % count;
		if !T::TickFee::get().is_zero() {
			// The module's account and the total issuance.
			used = used.saturating_add(db.reads_writes(2, 2));
			if !pay_for_run::<T>(module) {
				Pallet::<T>::deposit_event(Event::OnBlockUnfunded { module });
				stopped.push(module);
				continue;
			}
		}
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

/// Whether `module`'s account can pay for one run: what it holds above the existential deposit
/// (and its held deposits) covers [`Config::TickFee`].
pub(crate) fn funded<T: Config>(module: ModuleId) -> bool {
	let fee = T::TickFee::get();
	let account = module_account::<T>(module);
	fee.is_zero()
		|| T::Currency::reducible_balance(&account, Preservation::Preserve, Fortitude::Polite)
			>= fee
}

/// Burns one run's fee from `module`'s account; whether it could pay.
fn pay_for_run<T: Config>(module: ModuleId) -> bool {
	let account = module_account::<T>(module);
	let fee = T::TickFee::get();
	T::Currency::burn_from(
		&account,
		fee,
		Preservation::Preserve,
		Precision::Exact,
		Fortitude::Polite,
	)
	.is_ok()
}

/// Adds `module` to the round, at its end, unless it is in it.
pub(crate) fn join<T: Config>(module: ModuleId) -> Result<(), ExecError> {
	Tickers::<T>::try_mutate(|tickers| {
		if !tickers.contains(&module) {
			tickers.try_push(module).map_err(|_| ExecError::TooManyModules)?;
		}
		Ok(())
	})
}

/// `who` pays `amount` into `module`'s account for its runs; a module that exports `on_block`
/// and can now pay a run joins the round, its failure count cleared. Callers undo it all on an
/// error (a full round: `TooManyModules`): the dispatchable's storage layer, or genesis, which
/// panics.
pub(crate) fn fund<T: Config>(
	who: &T::AccountId,
	module: ModuleId,
	amount: BalanceOf<T>,
) -> DispatchResult {
	let info = Modules::<T>::get(module).ok_or(Error::<T>::ModuleNotFound)?;
	T::Currency::transfer(who, &module_account::<T>(module), amount, Preservation::Preserve)?;
	if info.exports.has(Entry::OnBlock) && funded::<T>(module) {
		OnBlockFailures::<T>::remove(module);
		join::<T>(module).map_err(Error::<T>::from)?;
	}
	Pallet::<T>::deposit_event(Event::TicksFunded { module, by: who.clone(), amount });
	Ok(())
}
