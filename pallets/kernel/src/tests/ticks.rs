//! The paid per-block round: with a `TickFee`, a module runs each block only while its account
//! can pay, and anyone can pay for it with `fund_ticks`.

use super::*;
use crate::{
	assert_fails, deposit::module_account, mock::TickFee, Error, Pallet as KernelPallet, Tickers,
};
use frame_support::traits::{fungible::Inspect, Hooks};

const FEE: u64 = 5;

/// What `module`'s account holds beyond its existential deposit and its held deposit.
fn tick_funds(module: ModuleId) -> u64 {
	let ed = <Balances as Inspect<_>>::minimum_balance();
	Balances::free_balance(module_account::<Test>(module)) - ed
}

fn fund(
	who: &AccountId32,
	module: ModuleId,
	amount: u64,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	Kernel::fund_ticks(origin(who), module, amount)
}

#[test]
fn with_a_fee_a_module_runs_each_block_only_while_someone_pays_for_it() {
	new_test_ext().execute_with(|| {
		TickFee::set(&FEE);
		let tester = deploy_tester("t");
		assert!(!Tickers::<Test>::get().contains(&tester), "nobody paid for its runs");
		KernelPallet::<Test>::on_initialize(2);
		assert_eq!(stats(tester).ticks, 0);

		let (bob_before, issuance_before) =
			(Balances::free_balance(&BOB), Balances::total_issuance());
		fund(&BOB, tester, 2 * FEE + 2).expect("funds");
		assert!(Tickers::<Test>::get().contains(&tester));
		assert_eq!(Balances::free_balance(&BOB), bob_before - (2 * FEE + 2));
		assert!(kernel_events().contains(&KernelEvent::TicksFunded {
			module: tester,
			by: BOB,
			amount: 2 * FEE + 2
		}));

		KernelPallet::<Test>::on_initialize(3);
		KernelPallet::<Test>::on_initialize(4);
		assert_eq!(stats(tester).ticks, 2);
		assert_eq!(tick_funds(tester), 2, "each run burnt its fee");
		assert_eq!(Balances::total_issuance(), issuance_before - 2 * FEE);

		// 2 cannot pay a run: the module leaves the round without running.
		KernelPallet::<Test>::on_initialize(5);
		assert_eq!(stats(tester).ticks, 2);
		assert!(!Tickers::<Test>::get().contains(&tester));
		assert!(kernel_events().contains(&KernelEvent::OnBlockUnfunded { module: tester }));
		assert_eq!(tick_funds(tester), 2);

		// Paid for again, it is back.
		fund(&CHARLIE, tester, FEE).expect("funds");
		KernelPallet::<Test>::on_initialize(6);
		assert_eq!(stats(tester).ticks, 3);
		assert_eq!(tick_funds(tester), 2);
	});
}

#[test]
fn funding_a_missing_module_or_beyond_the_funder_s_means_is_refused_and_moves_nothing() {
	new_test_ext().execute_with(|| {
		TickFee::set(&FEE);
		let tester = deploy_tester("t");
		let bob_before = Balances::free_balance(&BOB);

		assert_fails!(fund(&BOB, tester + 100, 10), Error::<Test>::ModuleNotFound);
		assert_eq!(Balances::free_balance(&BOB), bob_before);

		let all = Balances::free_balance(&PAUPER);
		assert!(fund(&PAUPER, tester, all).is_err(), "the funder must stay alive");
		assert_eq!(Balances::free_balance(&PAUPER), all);
		assert_eq!(tick_funds(tester), 0);
		assert!(!Tickers::<Test>::get().contains(&tester));
	});
}

#[test]
fn a_full_round_refuses_a_module_and_the_funds_stay_with_the_funder() {
	new_test_ext().execute_with(|| {
		TickFee::set(&FEE);
		let tester = deploy_tester("t");
		let full: Vec<ModuleId> = (0..MaxTickingModules::get()).map(|i| tester + 1 + i).collect();
		Tickers::<Test>::put(frame_support::BoundedVec::truncate_from(full.clone()));
		let bob_before = Balances::free_balance(&BOB);

		assert_fails!(fund(&BOB, tester, 10 * FEE), Error::<Test>::TooManyModules);

		assert_eq!(Balances::free_balance(&BOB), bob_before);
		assert_eq!(tick_funds(tester), 0);
		assert_eq!(Tickers::<Test>::get().into_inner(), full);
	});
}

#[test]
fn without_a_fee_every_module_exporting_on_block_joins_at_deploy() {
	new_test_ext().execute_with(|| {
		assert_eq!(TickFee::get(), 0);
		let tester = deploy_tester("t");
		assert!(Tickers::<Test>::get().contains(&tester));
		KernelPallet::<Test>::on_initialize(2);
		assert_eq!(stats(tester).ticks, 1);
	});
}
