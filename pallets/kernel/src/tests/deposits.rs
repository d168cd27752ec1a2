//! Storage deposits: the signer pays for the state its execution adds, at most its
//! `storage_deposit_limit`; whoever shrinks state is refunded; deposits are held on the
//! module's own account and go to the deployer when the module's storage is deleted.

use super::*;
use crate::{
	assert_fails,
	deposit::{module_account, StorageDeposit},
	exec::ExecError,
	runtime_api::DryRunCall,
	types::Limits,
	Capabilities, Error, NextCapId, Pallet as KernelPallet,
};
use frame_support::{
	storage::{with_transaction, TransactionOutcome},
	traits::fungible::Inspect,
};
use module_interfaces::tester::{CallArgs, Outcome};
use polkadot_sdk::sp_runtime::DispatchError;

fn free(who: &AccountId32) -> u64 {
	Balances::free_balance(who)
}

fn existential_deposit() -> u64 {
	<Balances as Inspect<_>>::minimum_balance()
}

fn deposit_of(module: ModuleId) -> u64 {
	Modules::<Test>::get(module).expect("exists").deposit
}

/// `tester`'s `set` parameters: `len` bytes under the key `k`.
fn value_of(len: usize) -> Vec<u8> {
	(b"k".to_vec(), vec![7u8; len]).encode()
}

/// `tester`'s `set` of `len` bytes as `who`, with a deposit limit.
fn set_with_limit(
	who: &AccountId32,
	tester: ModuleId,
	len: usize,
	limit: Option<u64>,
) -> DispatchResultWithPostInfo {
	Kernel::call(
		origin(who),
		tester,
		bounded(tf::SET),
		bounded(value_of(len)),
		Default::default(),
		Default::default(),
		LIMIT,
		limit,
	)
}

/// The dry run of `set` of `len` bytes as `who`, its changes thrown away.
fn dry_run_set(who: &AccountId32, tester: ModuleId, len: usize) -> StorageDeposit<u64> {
	let call = DryRunCall::Call {
		module: tester,
		function: tf::SET.into(),
		params: value_of(len),
		caps: Vec::new(),
		requests: Vec::new(),
	};
	let run = || Kernel::dry_run(who.clone(), call, None);
	let result = with_transaction(|| TransactionOutcome::Rollback(Ok::<_, DispatchError>(run())))
		.expect("runs");
	assert!(result.result.is_ok(), "the dry run succeeds: {:?}", result.result);
	result.storage_deposit
}

#[test]
fn deploying_charges_the_deployer_the_code_deposit_and_the_account_s_existential_deposit() {
	new_test_ext().execute_with(|| {
		let alice_before = free(&ALICE);

		let tester = deploy_tester("t");

		let deposit = deposit_of(tester);
		assert!(deposit >= kernel_modules::TESTER.len() as u64);
		assert_eq!(free(&ALICE), alice_before - deposit - existential_deposit());
		assert_eq!(held_deposit(&ALICE), 0, "nothing is held on the deployer");
		assert_eq!(module_deposit(tester), deposit, "the deposit is on the module's account");
		assert_eq!(free(&module_account::<Test>(tester)), existential_deposit());
	});
}

#[test]
fn a_stranger_pays_for_the_state_it_writes_and_the_deployer_pays_nothing() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let (alice_before, bob_before, held_before) =
			(free(&ALICE), free(&BOB), deposit_of(tester));

		call_full(&BOB, tester, tf::SET, value_of(16_000), Vec::new(), Vec::new()).unwrap();

		let growth = deposit_of(tester) - held_before;
		assert!(growth >= 16_000 * DepositPerByte::get(), "a deposit for every byte");
		assert_eq!(free(&BOB), bob_before - growth, "the caller pays");
		assert_eq!(free(&ALICE), alice_before, "the deployer does not");
		assert_eq!(held_deposit(&ALICE), 0);
		assert_eq!(held_deposit(&BOB), 0, "held on the module, not on the caller");
		assert_eq!(module_deposit(tester), held_before + growth);
	});
}

#[test]
fn whoever_shrinks_state_is_refunded_its_deposit() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		call_full(&BOB, tester, tf::SET, value_of(1_000), Vec::new(), Vec::new()).unwrap();
		let (bob_before, charlie_before, held_before) =
			(free(&BOB), free(&CHARLIE), deposit_of(tester));

		call_full(&CHARLIE, tester, tf::SET, value_of(10), Vec::new(), Vec::new()).unwrap();

		let shrinkage = held_before - deposit_of(tester);
		// 990 bytes of value and one of its length prefix.
		assert_eq!(shrinkage, 991 * DepositPerByte::get());
		assert_eq!(free(&CHARLIE), charlie_before + shrinkage, "the one who freed it");
		assert_eq!(free(&BOB), bob_before);
		assert_eq!(module_deposit(tester), held_before - shrinkage);
	});
}

#[test]
fn the_dry_run_reports_the_charge_and_the_refund() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let held_before = deposit_of(tester);

		let charge = dry_run_set(&BOB, tester, 1_000);

		assert_eq!(deposit_of(tester), held_before, "the dry run changed nothing");
		call_full(&BOB, tester, tf::SET, value_of(1_000), Vec::new(), Vec::new()).unwrap();
		assert_eq!(charge, StorageDeposit::Charge(deposit_of(tester) - held_before));
		assert_eq!(
			dry_run_set(&CHARLIE, tester, 10),
			StorageDeposit::Refund(991 * DepositPerByte::get())
		);
	});
}

#[test]
fn a_deposit_above_the_limit_is_refused_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let StorageDeposit::Charge(needed) = dry_run_set(&BOB, tester, 1_000) else {
			panic!("a write is charged")
		};
		let (bob_before, held_before) = (free(&BOB), deposit_of(tester));

		assert_fails!(
			set_with_limit(&BOB, tester, 1_000, Some(needed - 1)),
			Error::<Test>::StorageDepositLimitExhausted
		);
		assert_eq!((free(&BOB), deposit_of(tester)), (bob_before, held_before));

		set_with_limit(&BOB, tester, 1_000, Some(needed)).expect("the exact limit is enough");
		assert_eq!(free(&BOB), bob_before - needed);
	});
}

#[test]
fn the_kernel_undoes_an_execution_whose_deposit_exceeds_its_limit() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let root = state_root();

		// Not through a dispatchable, which FRAME would roll back anyway: the kernel's own
		// top-level transaction must undo the write and every transfer.
		let (result, usage) = KernelPallet::<Test>::execute_call(
			&BOB,
			tester,
			bounded(tf::SET),
			bounded(value_of(1_000)),
			Default::default(),
			Default::default(),
			Limits { weight: LIMIT, deposit: Some(0) },
		);

		assert_eq!(result, Err(ExecError::StorageDepositLimitExhausted));
		assert_eq!(usage.storage_deposit, StorageDeposit::Charge(0), "nothing charged");
		assert_eq!(state_root(), root, "nothing changed");
	});
}

#[test]
fn a_payer_who_cannot_cover_the_deposit_is_refused() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let held_before = deposit_of(tester);

		assert_fails!(
			set_with_limit(&PAUPER, tester, 1_000, None),
			Error::<Test>::InsufficientDeposit
		);
		assert_eq!(deposit_of(tester), held_before);
	});
}

#[test]
fn a_nested_frame_that_fails_is_charged_nothing_and_one_that_succeeds_is_charged_to_the_signer() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let callee = deploy_tester("callee");
		let nested = |function: &str| CallArgs {
			module: callee,
			function: function.as_bytes().to_vec(),
			params: value_of(1_000),
			caps: Vec::new(),
			fuel: 0,
		};
		let (bob_before, caller_held, callee_held) =
			(free(&BOB), deposit_of(caller), deposit_of(callee));

		// The callee writes and fails; its caller goes on and the transaction succeeds.
		let outcome: Outcome = query(&BOB, caller, tf::CALL, nested(tf::SET_THEN_FAIL));
		assert_ne!(outcome.code, kernel_primitives::abi::ReturnCode::Success as u32);
		assert_eq!((free(&BOB), deposit_of(callee)), (bob_before, callee_held));

		// The same write in a callee that succeeds is charged to the signer, not to the caller
		// module's or the callee's deployer.
		let alice_before = free(&ALICE);
		let outcome: Outcome = query(&BOB, caller, tf::CALL, nested(tf::SET));
		assert_eq!(outcome.code, kernel_primitives::abi::ReturnCode::Success as u32);
		let growth = deposit_of(callee) - callee_held;
		assert!(growth >= 1_000);
		assert_eq!(free(&BOB), bob_before - growth);
		assert_eq!(free(&ALICE), alice_before);
		assert_eq!(deposit_of(caller), caller_held);
	});
}

// ---- capabilities ----

/// A module whose `call` mints a capability and then traps.
fn mint_then_trap() -> Vec<u8> {
	wat(r#"(module
		(import "kernel" "cap_mint" (func $mint (param i32 i32 i32) (result i32)))
		(memory (export "memory") 1)
		(func (export "init"))
		(func (export "call")
			(drop (call $mint (i32.const 100) (i32.const 0) (i32.const 8)))
			unreachable))"#)
}

/// `tester`'s `mint` of a capability with `data`, as `who`, with a deposit limit.
fn mint_with_limit(
	who: &AccountId32,
	tester: ModuleId,
	limit: Option<u64>,
) -> DispatchResultWithPostInfo {
	Kernel::call(
		origin(who),
		tester,
		bounded(tf::MINT),
		bounded(b"x".to_vec().encode()),
		Default::default(),
		Default::default(),
		LIMIT,
		limit,
	)
}

#[test]
fn a_capability_holds_a_deposit_from_its_minter_and_whoever_forgets_it_gets_the_deposit() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let per_cap = KernelPallet::<Test>::capability_deposit();
		assert!(per_cap > existential_deposit());
		let before = Modules::<Test>::get(tester).unwrap();
		let (alice_before, bob_before) = (free(&ALICE), free(&BOB));

		let cap = mint_to(&BOB, tester, b"x");

		let after = Modules::<Test>::get(tester).unwrap();
		assert_eq!(
			(after.storage_bytes, after.storage_items),
			(before.storage_bytes, before.storage_items)
		);
		assert_eq!(after.capabilities, before.capabilities + 1);
		assert_eq!(free(&BOB), bob_before - per_cap, "the minter's signer pays");
		assert_eq!(deposit_of(tester), before.deposit + per_cap);
		assert_eq!(module_deposit(tester), before.deposit + per_cap, "held on the module");

		// Pushed onto a stranger, the capability is the stranger's to turn into money.
		Kernel::transfer_capability(origin(&BOB), cap, account(&CHARLIE)).unwrap();
		let charlie_before = free(&CHARLIE);
		Kernel::forget_capability(origin(&CHARLIE), cap).unwrap();
		assert_eq!(free(&CHARLIE), charlie_before + per_cap);
		assert_eq!(free(&BOB), bob_before - per_cap);
		assert_eq!((deposit_of(tester), module_deposit(tester)), (before.deposit, before.deposit));
		assert_eq!(Modules::<Test>::get(tester).unwrap().capabilities, before.capabilities);
		assert_eq!(free(&ALICE), alice_before, "the deployer neither pays nor gains");
	});
}

#[test]
fn consuming_a_capability_refunds_its_deposit_to_whoever_consumes_it() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let per_cap = KernelPallet::<Test>::capability_deposit();
		let cap = mint_to(&BOB, tester, b"x");
		Kernel::transfer_capability(origin(&BOB), cap, account(&CHARLIE)).unwrap();
		let (charlie_before, held_before) = (free(&CHARLIE), deposit_of(tester));

		invoke(&CHARLIE, cap, tf::ECHO, Vec::new(), Vec::new()).expect("invokes");

		assert!(Capabilities::<Test>::get(cap).is_none());
		assert_eq!(free(&CHARLIE), charlie_before + per_cap);
		assert_eq!(deposit_of(tester), held_before - per_cap);
		assert_eq!(module_deposit(tester), held_before - per_cap);
	});
}

#[test]
fn a_mint_past_the_storage_deposit_limit_is_refused_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let per_cap = KernelPallet::<Test>::capability_deposit();
		let unchanged =
			|| (NextCapId::<Test>::get(), free(&BOB), deposit_of(tester), caps_of(&account(&BOB)));
		let before = unchanged();

		assert_fails!(
			mint_with_limit(&BOB, tester, Some(per_cap - 1)),
			Error::<Test>::StorageDepositLimitExhausted
		);
		assert_eq!(unchanged(), before);

		mint_with_limit(&BOB, tester, Some(per_cap)).expect("exactly the deposit");
		assert_eq!(free(&BOB), before.1 - per_cap);
	});
}

#[test]
fn duplicating_a_system_capability_charges_the_invoker_for_the_one_more_it_makes() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let per_cap = KernelPallet::<Test>::capability_deposit();
		let (upgradable, _) = system_caps(tester);
		hand_over(tester, upgradable, &BOB);
		let before = Modules::<Test>::get(tester).unwrap();
		assert_eq!(before.capabilities, 2, "its upgradable and destroy capabilities");
		let bob_before = free(&BOB);

		invoke(&BOB, upgradable, "duplicate", Vec::new(), Vec::new()).expect("duplicates");

		assert_eq!(caps_of(&account(&BOB)).len(), 2);
		assert_eq!(Modules::<Test>::get(tester).unwrap().capabilities, 3);
		assert_eq!(free(&BOB), bob_before - per_cap);
		assert_eq!(module_deposit(tester), before.deposit + per_cap);
	});
}

#[test]
fn a_nested_frame_that_mints_and_fails_is_charged_nothing_while_its_caller_goes_on() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let minter = deploy(&mint_then_trap(), "minter", Vec::new());
		let before = (free(&BOB), deposit_of(minter), NextCapId::<Test>::get());
		let args = CallArgs {
			module: minter,
			function: b"any".to_vec(),
			params: Vec::new(),
			caps: Vec::new(),
			fuel: 0,
		};

		let outcome: Outcome = query(&BOB, caller, tf::CALL, args);

		assert_eq!(outcome.code, kernel_primitives::abi::ReturnCode::CalleeTrapped as u32);
		assert_eq!((free(&BOB), deposit_of(minter), NextCapId::<Test>::get()), before);
		assert_eq!(Modules::<Test>::get(minter).unwrap().capabilities, 2);
	});
}
