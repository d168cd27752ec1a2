//! Deleting destroyed modules in the idle weight of blocks: as many steps as the weight allows,
//! and each block starting with the next tombstone.

use super::*;
use crate::{
	mock::{DbWeight, DeletionBatch},
	storage::ModuleStorage,
	DeletionCursor, DeletionQueue, Pallet as KernelPallet,
};
use frame_support::{traits::Hooks, weights::RuntimeDbWeight};

/// A destroyed tester with `keys` state keys that holds no capability (so deleting it is
/// trie steps only), after a block boundary.
fn destroyed_tester(ext: &mut sp_io::TestExternalities, name: &str, keys: u8) -> ModuleId {
	let doomed = ext.execute_with(|| {
		let doomed = deploy_tester(name);
		for i in 0..keys {
			call(&ALICE, doomed, tf::SET, (vec![i], vec![i])).unwrap();
		}
		let (upgradable, destroy) = system_caps(doomed);
		hand_over(doomed, upgradable, &ALICE);
		hand_over(doomed, destroy, &ALICE);
		invoke(&ALICE, destroy, "destroy", Vec::new(), Vec::new()).unwrap();
		doomed
	});
	ext.commit_all().unwrap();
	doomed
}

/// Keys left in `module`'s trie, code included.
fn trie_keys(module: ModuleId) -> usize {
	let storage = ModuleStorage::new(module);
	let mut count = usize::from(storage.code().is_some());
	let mut key = Vec::new();
	while let Some(next) = storage.next_key(&key) {
		count += 1;
		key = next;
	}
	count
}

/// Storage priced, so that the idle weight bounds the work.
fn price_storage() -> RuntimeDbWeight {
	let price = RuntimeDbWeight { read: 1_000_000, write: 1_000_000 };
	DbWeight::set(&price);
	price
}

/// Idle weight for `steps` trie steps in one block: the cursor and one tombstone read, the
/// steps, and closing the account.
fn budget_for_steps(db: RuntimeDbWeight, steps: u64) -> Weight {
	db.reads_writes(2, 1)
		.saturating_add(db.writes(u64::from(DeletionBatch::get()) * steps))
		.saturating_add(db.reads_writes(4, 4))
}

/// Runs `on_idle` with `budget` as block `block`, then commits, as a chain does.
fn idle_block(ext: &mut sp_io::TestExternalities, block: u64, budget: Weight) -> Weight {
	let used = ext.execute_with(|| KernelPallet::<Test>::on_idle(block, budget));
	ext.commit_all().unwrap();
	used
}

/// Priced storage and a destroyed tester with 60 state keys: the chain, the price, the module
/// and the keys left in its trie.
fn priced_chain_with_a_destroyed_tester(
) -> (sp_io::TestExternalities, RuntimeDbWeight, ModuleId, usize) {
	let mut ext = new_test_ext();
	let db = ext.execute_with(price_storage);
	let doomed = destroyed_tester(&mut ext, "doomed", 60);
	let keys = ext.execute_with(|| trie_keys(doomed));
	(ext, db, doomed, keys)
}

#[test]
fn deletion_does_as_many_steps_as_the_idle_weight_allows() {
	let (mut ext, db, doomed, keys) = priced_chain_with_a_destroyed_tester();
	let batch = DeletionBatch::get() as usize;
	assert!(keys > 3 * batch, "{keys} keys take four steps");

	let budget = budget_for_steps(db, 2);
	let used = idle_block(&mut ext, 2, budget);
	assert!(used.all_lte(budget), "{used:?} within {budget:?}");
	assert_eq!(ext.execute_with(|| trie_keys(doomed)), keys - 2 * batch, "two steps in a block");

	idle_block(&mut ext, 3, budget);
	ext.execute_with(|| {
		assert_eq!(trie_keys(doomed), 0, "the last two steps");
		assert!(DeletionQueue::<Test>::get(doomed).is_none());
		assert!(DeletionCursor::<Test>::get().is_none(), "nothing left to resume");
	});
}

#[test]
fn a_tiny_idle_weight_deletes_nothing_and_ample_weight_finishes_in_one_block() {
	let (mut ext, db, doomed, keys) = priced_chain_with_a_destroyed_tester();

	let used = idle_block(&mut ext, 2, budget_for_steps(db, 1) - Weight::from_parts(1, 0));
	assert_eq!(ext.execute_with(|| trie_keys(doomed)), keys);
	assert!(used.ref_time() > 0, "the lookups are counted");

	idle_block(&mut ext, 3, Weight::MAX);
	ext.execute_with(|| {
		assert_eq!(trie_keys(doomed), 0);
		assert!(DeletionQueue::<Test>::get(doomed).is_none());
	});
}

#[test]
fn each_block_starts_with_the_tombstone_after_the_one_left_unfinished() {
	let mut ext = new_test_ext();
	let db = ext.execute_with(price_storage);
	let first = destroyed_tester(&mut ext, "first", 60);
	let second = destroyed_tester(&mut ext, "second", 60);
	let keys = ext.execute_with(|| trie_keys(first));
	assert_eq!(ext.execute_with(|| trie_keys(second)), keys);
	let batch = DeletionBatch::get() as usize;
	let budget = budget_for_steps(db, 1);

	idle_block(&mut ext, 2, budget);
	let (started, waiting) =
		ext.execute_with(
			|| {
				if trie_keys(first) < keys {
					(first, second)
				} else {
					(second, first)
				}
			},
		);
	ext.execute_with(|| {
		assert_eq!(trie_keys(started), keys - batch);
		assert_eq!(trie_keys(waiting), keys, "one step, on one module");
		assert_eq!(DeletionCursor::<Test>::get(), Some(started));
	});

	idle_block(&mut ext, 3, budget);
	ext.execute_with(|| {
		assert_eq!(trie_keys(waiting), keys - batch, "the next block starts with the other");
		assert_eq!(trie_keys(started), keys - batch);
		assert_eq!(DeletionCursor::<Test>::get(), Some(waiting));
	});
}
