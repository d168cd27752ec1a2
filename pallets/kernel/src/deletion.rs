//! Deleting destroyed modules, in the idle weight of each block.
//!
//! `system::destroy` removes a module from the registry at once and leaves a [`Tombstone`]
//! in [`DeletionQueue`]. Everything else goes here, in bounded steps, as many as the block's
//! idle weight allows: first the capabilities the module held (their creators' `on_drop` runs
//! with no receiver, and a capability is removed even if it fails), then its child trie, in
//! steps of `DeletionBatch` keys. When the trie is empty, the deposit and the module's account
//! go to its deployer.
//!
//! Each block starts with the tombstone after the one the block before left unfinished
//! ([`DeletionCursor`]), so that one huge module cannot keep the others waiting.
//!
//! [`Tombstone`]: crate::types::Tombstone

use crate::{
	deposit,
	exec::{run_top_level, run_without_frames},
	meter,
	storage::ModuleStorage,
	types::HolderOf,
	Config, DeletionCursor, DeletionQueue, Event, HeldBy, Pallet,
};
use kernel_primitives::{CapId, Holder, ModuleId};
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{Weight, WeightMeter},
};

/// Deletes as much of the destroyed modules as `limit` allows. Returns the weight used.
pub(crate) fn process_deletions<T: Config>(limit: Weight) -> Weight {
	let db = T::DbWeight::get();
	let mut meter = WeightMeter::with_limit(limit);
	// The cursor, read and written.
	if meter.try_consume(db.reads_writes(1, 1)).is_err() {
		return meter.consumed();
	}
	let mut next = next_tombstone::<T>(DeletionCursor::<T>::get());
	while let Some(module) = next {
		if meter.try_consume(db.reads(1)).is_err() || !delete::<T>(module, &mut meter) {
			DeletionCursor::<T>::put(module);
			return meter.consumed();
		}
		next = next_tombstone::<T>(Some(module));
	}
	DeletionCursor::<T>::kill();
	meter.consumed()
}

/// The tombstone after `after` in the queue's order, else the first.
fn next_tombstone<T: Config>(after: Option<ModuleId>) -> Option<ModuleId> {
	after
		.and_then(|module| {
			DeletionQueue::<T>::iter_keys_from(DeletionQueue::<T>::hashed_key_for(module)).next()
		})
		.or_else(|| DeletionQueue::<T>::iter_keys().next())
}

/// Deletes what is left of `module` within `meter`; whether it is gone.
fn delete<T: Config>(module: ModuleId, meter: &mut WeightMeter) -> bool {
	drop_held::<T>(module, meter) && clear_trie::<T>(module, meter)
}

/// Drops the capabilities `module` held; whether none is left.
fn drop_held<T: Config>(module: ModuleId, meter: &mut WeightMeter) -> bool {
	let holder: HolderOf<T> = Holder::Module(module);
	let budget = drop_budget::<T>();
	let worst = budget.saturating_add(removal_budget::<T>()).saturating_add(drop_overhead::<T>());
	while let Some(cap) = HeldBy::<T>::iter_key_prefix(&holder).next() {
		if !meter.can_consume(worst) {
			return false;
		}
		meter.consume(drop_orphan::<T>(&holder, cap));
	}
	true
}

/// What the creator's `on_drop` of an orphan may use, its frame included: no dispatchable's
/// benchmark covers it.
fn drop_budget<T: Config>() -> Weight {
	T::OnBlockFrameWeight::get().saturating_add(meter::frame::<T>())
}

/// What removing an orphan whose `on_drop` failed may use: the table entries and settling the
/// creator's deposit.
fn removal_budget<T: Config>() -> Weight {
	meter::cap_table::<T>(2, 2)
		.saturating_add(meter::lineage_removal::<T>(crate::MAX_LINEAGE as usize))
		.saturating_add(meter::settle_module::<T>(true))
}

/// Finding the next orphan and the holder's existence, around each drop.
fn drop_overhead<T: Config>() -> Weight {
	T::DbWeight::get().reads_writes(2, 2)
}

/// Drops a capability whose holder was destroyed. The creator's `on_drop` runs with
/// [`drop_budget`]; if it fails the capability is removed anyway, since nobody is left to
/// hold it. Returns the weight used.
fn drop_orphan<T: Config>(holder: &HolderOf<T>, cap: CapId) -> Weight {
	let (result, usage) = run_top_level::<T, _>(drop_budget::<T>(), |ctx, sandbox| {
		ctx.pay_first_frame();
		ctx.drop_capability(sandbox, holder.clone(), cap)
	});
	let mut used = usage.weight;
	if result.is_err() {
		// Nobody signed: the deposit goes back to the deployer of the module it belongs to.
		let (_, removal) = run_without_frames::<T, _>(removal_budget::<T>(), |ctx| {
			ctx.take_capability(cap, holder)
		});
		used.saturating_accrue(removal.weight);
		Pallet::<T>::deposit_event(Event::CapabilityDropped { id: cap, by: holder.clone() });
	}
	used.saturating_add(drop_overhead::<T>())
}

/// Clears `module`'s trie, in as many steps of `DeletionBatch` keys as `meter` allows, and
/// closes it when it is empty; whether it is gone.
///
/// A trie can be cleared once per block (see [`ModuleStorage::clear_all`]), so the steps this
/// block can afford are one call.
fn clear_trie<T: Config>(module: ModuleId, meter: &mut WeightMeter) -> bool {
	let db = T::DbWeight::get();
	let batch = T::DeletionBatch::get().max(1);
	// The last step also closes the module's account: its hold, its balance and the deployer's.
	let close = db.reads_writes(4, 4);
	let steps = affordable(meter.remaining().saturating_sub(close), db.writes(u64::from(batch)))
		.min(u32::MAX / batch);
	if steps == 0 {
		return false;
	}
	let progress = ModuleStorage::new(module).clear_all(batch * steps);
	meter.consume(db.writes(u64::from(progress.removed).max(1)));
	if !progress.done {
		return false;
	}
	meter.consume(close);
	if let Some(tombstone) = DeletionQueue::<T>::take(module) {
		deposit::close_account::<T>(module, &tombstone.deployer);
	}
	Pallet::<T>::deposit_event(Event::ModuleStorageDeleted { module });
	true
}

/// How many times `step` fits in `available` (`u32::MAX` if it costs nothing).
fn affordable(available: Weight, step: Weight) -> u32 {
	let fits = |have: u64, need: u64| have.checked_div(need).unwrap_or(u64::MAX);
	let times = fits(available.ref_time(), step.ref_time())
		.min(fits(available.proof_size(), step.proof_size()));
	u32::try_from(times).unwrap_or(u32::MAX)
}
