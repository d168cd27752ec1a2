//! Revocation by lineage: a creator takes back a capability and everything derived from it,
//! wherever it went, in bounded steps; nobody else can; a failing frame undoes it.

use super::*;
use crate::{
	assert_fails, Capabilities, Descendants, Event, LineageRemovals, Lineages, MAX_LINEAGE,
};
use kernel_primitives::abi::ReturnCode;
use module_interfaces::tester::{CallArgs, Outcome};
use std::collections::BTreeSet;

/// Invokes `cap` as `who` with `function` and returns the capabilities it produced.
fn derive(who: &AccountId32, cap: CapId, function: &str) -> Vec<CapId> {
	invoke(who, cap, function, Vec::new(), Vec::new()).expect("invoke");
	last_output().1
}

fn give(who: &AccountId32, cap: CapId, to: Holder<AccountId32>) {
	Kernel::transfer_capability(origin(who), cap, to).expect("transfer");
}

/// `tester`'s `function` on `id`, as ALICE; the outcome `tester` reports.
fn revoke_with(tester: ModuleId, function: &str, id: CapId) -> Outcome {
	query(&ALICE, tester, function, id)
}

fn revoked_ids(outcome: &Outcome) -> BTreeSet<CapId> {
	assert_eq!(outcome.code, ReturnCode::Success as u32, "revocation failed: {outcome:?}");
	Vec::<CapId>::decode(&mut &outcome.data[..]).expect("ids").into_iter().collect()
}

fn in_table(ids: &[CapId]) -> Vec<bool> {
	ids.iter().map(Capabilities::<Test>::contains_key).collect()
}

fn descendants_of(ancestor: CapId) -> BTreeSet<CapId> {
	Descendants::<Test>::iter_key_prefix(ancestor).collect()
}

fn free(who: &AccountId32) -> u64 {
	Balances::free_balance(who)
}

#[test]
fn revoking_a_consumed_root_removes_what_was_derived_from_it_wherever_it_is_held() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let keeper = deploy_tester("keeper");
		let deposit_before = module_deposit(tester);
		let (alice_before, bob_before) = (free(&ALICE), free(&BOB));

		// ALICE gets a root, splits it (consuming it), gives one half to BOB and the other to a
		// module; BOB renews his half, so the root's grandchild is all that is left of it.
		let root = mint_to(&ALICE, tester, b"grant");
		let halves = derive(&ALICE, root, tf::SPLIT);
		give(&ALICE, halves[0], account(&BOB));
		give(&ALICE, halves[1], Holder::Module(keeper));
		let renewed = derive(&BOB, halves[0], tf::RENEW)[0];
		assert_eq!(
			Lineages::<Test>::get(renewed).expect("derived").to_vec(),
			vec![root, halves[0]]
		);
		assert_eq!(descendants_of(root), BTreeSet::from([halves[1], renewed]));
		assert_eq!(module_deposit(tester), deposit_before + 2 * Kernel::capability_deposit());

		let revoked = revoked_ids(&revoke_with(tester, tf::REVOKE, root));

		assert_eq!(revoked, BTreeSet::from([halves[1], renewed]));
		assert_eq!(in_table(&[root, halves[0], halves[1], renewed]), vec![false; 4]);
		assert!(caps_of(&account(&BOB)).is_empty());
		assert!(!caps_of(&Holder::Module(keeper)).contains(&halves[1]));
		assert!(descendants_of(root).is_empty() && descendants_of(halves[0]).is_empty());
		assert!(
			Lineages::<Test>::get(renewed).is_none() && Lineages::<Test>::get(halves[1]).is_none()
		);
		assert!(kernel_events().iter().any(|event| matches!(
			event,
			Event::CapabilitiesRevoked { ancestor, by, ids, complete: true }
				if *ancestor == root && *by == tester
					&& ids.iter().copied().collect::<BTreeSet<_>>() == revoked
		)));
		// The holders find them gone; the deposits are back with whoever paid them.
		assert_fails!(
			invoke(&BOB, renewed, tf::ECHO, Vec::new(), Vec::new()),
			crate::Error::<Test>::CapabilityNotFound
		);
		assert_eq!(module_deposit(tester), deposit_before);
		assert_eq!((free(&ALICE), free(&BOB)), (alice_before, bob_before));
		// Nothing is left to revoke.
		let again = revoke_with(tester, tf::REVOKE, root);
		assert_eq!(again.code, ReturnCode::CapabilityNotFound as u32);
	});
}

#[test]
fn a_live_capability_is_revoked_with_its_descendants_and_its_siblings_stay() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let root = mint_to(&ALICE, tester, b"grant");
		let halves = derive(&ALICE, root, tf::SPLIT);
		let quarters = derive(&ALICE, halves[0], tf::SPLIT);

		// `halves[1]` is live: revoking it takes it and nothing else.
		let revoked = revoked_ids(&revoke_with(tester, tf::REVOKE, halves[1]));

		assert_eq!(revoked, BTreeSet::from([halves[1]]));
		assert_eq!(in_table(&quarters), vec![true, true]);
		assert_eq!(descendants_of(root), quarters.iter().copied().collect());
	});
}

#[test]
fn the_lineage_keeps_the_root_and_the_nearest_ancestors() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let mut chain = vec![mint_to(&ALICE, tester, b"grant")];
		for _ in 0..6 {
			let next = derive(&ALICE, *chain.last().expect("a link"), tf::RENEW)[0];
			chain.push(next);
		}
		let last = chain[6];
		let lineage = Lineages::<Test>::get(last).expect("derived").to_vec();
		assert_eq!(lineage.len(), MAX_LINEAGE as usize);
		assert_eq!(lineage, vec![chain[0], chain[3], chain[4], chain[5]]);

		// An ancestor the lineage forgot reaches nothing; the root and the nearest do.
		assert_eq!(
			revoke_with(tester, tf::REVOKE, chain[1]).code,
			ReturnCode::CapabilityNotFound as u32
		);
		assert!(Capabilities::<Test>::contains_key(last));
		assert_eq!(revoked_ids(&revoke_with(tester, tf::REVOKE, chain[0])), BTreeSet::from([last]));
	});
}

#[test]
fn only_the_creator_may_revoke() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let other = deploy_tester("other");
		let root = mint_to(&ALICE, tester, b"grant");
		let halves = derive(&ALICE, root, tf::SPLIT);
		let (upgradable, _) = system_caps(tester);

		for id in [root, halves[0]] {
			let refused = revoke_with(other, tf::REVOKE, id);
			assert_eq!(refused.code, ReturnCode::NotCreator as u32);
		}
		// `system::*` capabilities belong to the kernel: not even the module they govern may
		// revoke them.
		let refused = revoke_with(tester, tf::REVOKE, upgradable);
		assert_eq!(refused.code, ReturnCode::NotCreator as u32);
		assert_eq!(in_table(&[halves[0], halves[1], upgradable]), vec![true; 3]);
		assert_eq!(caps_of(&account(&ALICE)), halves);
	});
}

#[test]
fn nothing_to_revoke_is_capability_not_found() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let outcome = revoke_with(tester, tf::REVOKE_STEP, 9_999);
		assert_eq!(outcome.code, ReturnCode::CapabilityNotFound as u32);
	});
}

/// A root with `live` capabilities derived from it, all held by ALICE, made by splitting.
fn tree_of(tester: ModuleId, live: usize) -> (CapId, Vec<CapId>) {
	let root = mint_to(&ALICE, tester, b"grant");
	let mut leaves = derive(&ALICE, root, tf::SPLIT);
	while leaves.len() < live {
		let leaf = leaves.remove(0);
		leaves.extend(derive(&ALICE, leaf, tf::SPLIT));
	}
	(root, leaves)
}

#[test]
fn a_large_tree_is_revoked_in_bounded_steps() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let max = <Test as crate::Config>::MaxCapsPerCall::get() as usize;
		let (root, leaves) = tree_of(tester, max + 4);
		let step = |expected_complete: bool| {
			let outcome = revoke_with(tester, tf::REVOKE_STEP, root);
			assert_eq!(outcome.code, ReturnCode::Success as u32);
			let (ids, complete) =
				<(Vec<CapId>, bool)>::decode(&mut &outcome.data[..]).expect("a step");
			assert_eq!(complete, expected_complete);
			ids
		};

		let first = step(false);
		assert_eq!(first.len(), max);
		assert_eq!(descendants_of(root).len(), 4);
		let second = step(true);
		assert_eq!(second.len(), 4);

		let all: BTreeSet<CapId> = first.into_iter().chain(second).collect();
		assert_eq!(all, leaves.iter().copied().collect());
		assert!(caps_of(&account(&ALICE)).is_empty());
		// The second step paid for stepping over the index entries the first removed.
		let (_, removed) = LineageRemovals::<Test>::get();
		assert!(removed as usize >= leaves.len());
		let outcome = revoke_with(tester, tf::REVOKE_STEP, root);
		assert_eq!(outcome.code, ReturnCode::CapabilityNotFound as u32);
	});
}

#[test]
fn the_sdk_takes_as_many_steps_as_the_tree_needs() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let max = <Test as crate::Config>::MaxCapsPerCall::get() as usize;
		let (root, leaves) = tree_of(tester, 2 * max + 1);

		let revoked = revoked_ids(&revoke_with(tester, tf::REVOKE, root));

		assert_eq!(revoked, leaves.iter().copied().collect());
		let steps = kernel_events()
			.into_iter()
			.filter(|event| matches!(event, Event::CapabilitiesRevoked { .. }))
			.count();
		assert_eq!(steps, 3);
	});
}

#[test]
fn a_revocation_in_a_frame_that_fails_is_undone_while_its_caller_goes_on() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let caller = deploy_tester("caller");
		let root = mint_to(&ALICE, tester, b"grant");
		let halves = derive(&ALICE, root, tf::SPLIT);
		give(&ALICE, halves[1], account(&BOB));
		let lineages: Vec<_> = halves.iter().map(Lineages::<Test>::get).collect();
		let deposit = module_deposit(tester);

		let args = CallArgs {
			module: tester,
			function: tf::REVOKE_THEN_FAIL.as_bytes().to_vec(),
			params: root.encode(),
			caps: Vec::new(),
			fuel: 0,
		};
		let outcome: Outcome = query(&ALICE, caller, tf::CALL, args);

		assert_eq!(outcome.code, ReturnCode::CalleeReverted as u32);
		assert_eq!(caps_of(&account(&ALICE)), vec![halves[0]]);
		assert_eq!(caps_of(&account(&BOB)), vec![halves[1]]);
		assert_eq!(halves.iter().map(Lineages::<Test>::get).collect::<Vec<_>>(), lineages);
		assert_eq!(descendants_of(root), halves.iter().copied().collect());
		assert_eq!(module_deposit(tester), deposit);
		assert!(!kernel_events().iter().any(|e| matches!(e, Event::CapabilitiesRevoked { .. })));
	});
}

#[test]
fn a_derived_capability_holds_the_deposit_of_its_lineage_entries() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("tester");
		let deposit = Kernel::capability_deposit();
		let per_item = <Test as crate::Config>::DepositPerItem::get();
		assert!(deposit >= per_item * u64::from(crate::capability::ENTRIES));
		let before = module_deposit(tester);
		let root = mint_to(&ALICE, tester, b"grant");
		derive(&ALICE, root, tf::SPLIT);
		assert_eq!(module_deposit(tester), before + 2 * deposit);
	});
}

#[test]
fn a_revocation_step_pays_for_the_index_entries_removed_earlier_in_the_block() {
	new_test_ext().execute_with(|| {
		let read = 1_000_000;
		DbWeight::set(&frame_support::weights::RuntimeDbWeight { read, write: read });
		let tester = deploy_tester("tester");
		let (big, leaves) = tree_of(tester, 12);
		let (first, _) = tree_of(tester, 2);
		let (second, _) = tree_of(tester, 2);
		let step = |root: CapId| {
			let info = call(&ALICE, tester, tf::REVOKE_STEP, root).expect("a step");
			info.actual_weight.expect("measured").ref_time()
		};

		let before = step(first);
		let removed_before = LineageRemovals::<Test>::get().1;
		revoke_with(tester, tf::REVOKE, big);
		let removed = LineageRemovals::<Test>::get().1 - removed_before;
		let after = step(second);

		// Each of the 12 leaves left at least one index entry (under the root) behind.
		assert!(removed as usize >= leaves.len());
		// Each is a trie seek: a read, and what the `next_key_deleted` benchmark measured for
		// stepping over a deleted key beyond the write that deleted it.
		let measured = super::metering::measured_deletions(1).ref_time();
		let per_removal = measured.max(read);
		assert!(
			after >= before + u64::from(removed) * per_removal,
			"stepping over {removed} deletions must cost {per_removal} each: {before} -> {after}"
		);
	});
}
