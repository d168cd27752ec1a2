//! The runtime's wiring of the kernel's transaction extension: it reserves the weight of its
//! event for the calls that execute modules, and gives it back when there is nothing to report.
//! (The mock runtime of the pallet's tests has zero database weights, so this is checked here.)

use super::*;
use polkadot_sdk::{
	frame_support::{dispatch::GetDispatchInfo, weights::Weight},
	sp_io,
	sp_runtime::traits::TransactionExtension,
};

fn kernel_call() -> RuntimeCall {
	RuntimeCall::Kernel(pallet_kernel::Call::call {
		module: 0,
		function: Default::default(),
		params: Default::default(),
		caps: Default::default(),
		requests: Default::default(),
		weight_limit: Weight::zero(),
		storage_deposit_limit: None,
	})
}

#[test]
fn the_failure_report_reserves_its_event_for_kernel_calls_and_refunds_it_when_unused() {
	let report = pallet_kernel::ReportFailures::<Runtime>::new();
	let reserved = report.weight(&kernel_call());
	assert!(reserved.ref_time() > 0, "the event's writes are reserved");
	let remark = RuntimeCall::System(frame_system::Call::remark { remark: Vec::new() });
	assert_eq!(report.weight(&remark), Weight::zero(), "only calls that execute modules");

	let info = kernel_call().get_dispatch_info();
	sp_io::TestExternalities::default().execute_with(|| {
		let unspent = <pallet_kernel::ReportFailures<Runtime> as TransactionExtension<
			RuntimeCall,
		>>::post_dispatch_details(true, &info, &Default::default(), 0, &Ok(()));
		assert_eq!(unspent, Ok(reserved), "nothing to report: all of it comes back");
	});
}

/// The contracts twin of the kernel's benchmark token runs on this runtime's pallet-contracts:
/// the comparison in `docs/performance.md` measures a working program on both sides. (Its
/// 32-byte fixed storage keys are not readable through `Contracts::get_storage`, which takes
/// variable keys, so the balances are checked by what the token lets each account send.)
#[test]
fn the_benchmarks_contracts_token_transfers_and_emits_its_event() {
	use codec::Encode;
	use polkadot_sdk::frame_support::traits::fungible::Mutate;

	let alice = AccountId::new([1; 32]);
	let bob = AccountId::new([2; 32]);
	sp_io::TestExternalities::default().execute_with(|| {
		frame_system::Pallet::<Runtime>::set_block_number(1);
		Balances::set_balance(&alice, 1_000 * UNIT);
		Balances::set_balance(&bob, 1_000 * UNIT);
		let token = crate::peers::instantiate_token(&alice).expect("the token deploys");
		let transfer = |from: &AccountId, to: &AccountId, amount: u128| {
			let to: [u8; 32] = to.clone().into();
			Contracts::call(
				RuntimeOrigin::signed(from.clone()),
				token.clone().into(),
				0,
				Weight::from_parts(10_000_000_000, 1_000_000),
				None,
				(to, amount).encode(),
			)
		};

		assert!(transfer(&bob, &alice, 1).is_err(), "bob starts with nothing");
		transfer(&alice, &bob, 5).expect("alice holds the supply");
		let alice_raw: [u8; 32] = alice.clone().into();
		let bob_raw: [u8; 32] = bob.clone().into();
		let emitted = frame_system::Pallet::<Runtime>::events().into_iter().any(|record| {
			matches!(record.event, RuntimeEvent::Contracts(pallet_contracts::Event::ContractEmitted {
				ref data, ..
			}) if *data == (alice_raw, bob_raw, 5u128).encode())
		});
		assert!(emitted, "the transfer's event");

		assert!(transfer(&bob, &alice, 6).is_err(), "bob holds 5, not 6");
		transfer(&bob, &alice, 5).expect("bob holds 5");
		assert!(transfer(&bob, &alice, 1).is_err(), "and then nothing");
		assert!(transfer(&alice, &bob, 1_000_000_000_001).is_err(), "alice holds 10^12");
		transfer(&alice, &bob, 1_000_000_000_000).expect("all of it");
	});
}
