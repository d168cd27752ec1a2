//! System capabilities (upgrade, duplicate, destroy), per-block entries and deposits.

use super::*;
use crate::{
	assert_fails, storage::ModuleStorage, Capabilities, DeletionQueue, Error, ModuleNames,
	Pallet as KernelPallet,
};
use frame_support::traits::Hooks;
use kernel_primitives::{
	abi::ReturnCode,
	system::{self as sys, CodeSource, UpgradeParams},
	Creator,
};
use module_interfaces::tester::{InvokeArgs, Outcome};

/// Upgrade parameters naming `code` by hash, staged by CHARLIE first (modules bigger than
/// `MaxParamsLen` cannot travel inline).
fn upgrade_params(code: &[u8], migrate: &[u8]) -> Vec<u8> {
	let hash = crate::lifecycle::code_hash(code);
	if !crate::CodeStore::<Test>::contains_key(hash) {
		Kernel::upload_code(origin(&CHARLIE), bounded(code)).expect("upload");
	}
	UpgradeParams { code: CodeSource::Hash(hash.0), migrate_params: migrate.to_vec() }.encode()
}

/// Upgrade parameters carrying small `code` inline.
fn inline_upgrade(code: &[u8], migrate: &[u8]) -> Vec<u8> {
	UpgradeParams { code: CodeSource::Code(code.to_vec()), migrate_params: migrate.to_vec() }
		.encode()
}

#[test]
fn a_module_can_upgrade_itself_and_its_migration_runs() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let (upgradable, _) = system_caps(tester);
		let args = InvokeArgs {
			cap: upgradable,
			function: sys::UPGRADE.to_vec(),
			params: upgrade_params(kernel_modules::TESTER, b""),
			..Default::default()
		};
		let outcome: Outcome = query(&ALICE, tester, tf::INVOKE, args);
		assert_eq!(outcome.code, ReturnCode::Success as u32);

		assert_eq!(module_version(tester), 2);
		assert_eq!(stats(tester).migrated_from, Some(1));
		// A fresh upgradable capability replaces the consumed one.
		assert_eq!(outcome.caps.len(), 1);
		let fresh = Capabilities::<Test>::get(outcome.caps[0]).unwrap();
		assert_eq!(fresh.creator, Creator::System);
		assert_eq!(fresh.holder, Holder::Module(tester));
		assert!(Capabilities::<Test>::get(upgradable).is_none());
	});
}

#[test]
fn a_failed_migration_leaves_code_version_and_storage_untouched() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		call(&ALICE, tester, tf::SET, (b"k".to_vec(), b"v1".to_vec())).unwrap();
		let (upgradable, _) = system_caps(tester);
		hand_over(tester, upgradable, &ALICE);
		let info_before = Modules::<Test>::get(tester).unwrap();

		// A migration that reverts...
		let params = upgrade_params(kernel_modules::TESTER, tester_api::FAIL_MIGRATION);
		assert_fails!(
			invoke(&ALICE, upgradable, "upgrade", params, Vec::new()),
			Error::<Test>::ModuleReverted
		);
		// ...and new code whose migration traps.
		let trapping = wat(r#"(module
			(memory (export "memory") 1)
			(func (export "init"))
			(func (export "call"))
			(func (export "migrate") unreachable))"#);
		assert_fails!(
			invoke(&ALICE, upgradable, "upgrade", inline_upgrade(&trapping, b""), Vec::new()),
			Error::<Test>::ModuleUnreachable
		);
		assert_eq!(Modules::<Test>::get(tester).unwrap(), info_before);
		assert_eq!(
			ModuleStorage::new(tester).code().as_deref(),
			Some(kernel_modules::TESTER),
			"the old code is still in place"
		);
	});
}

#[test]
fn an_upgrade_to_invalid_code_is_refused_without_effect() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let (upgradable, _) = system_caps(tester);
		hand_over(tester, upgradable, &ALICE);
		assert_fails!(
			invoke(&ALICE, upgradable, "upgrade", inline_upgrade(b"not wasm", b""), Vec::new()),
			Error::<Test>::InvalidCode
		);
		assert_fails!(
			invoke(&ALICE, upgradable, "rewrite", Vec::new(), Vec::new()),
			Error::<Test>::InvalidSystemCall
		);
	});
}

#[test]
fn an_upgrade_can_name_code_staged_by_hash() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let (upgradable, _) = system_caps(tester);
		hand_over(tester, upgradable, &ALICE);
		let hash = crate::lifecycle::code_hash(kernel_modules::TESTER);
		let by_hash = UpgradeParams { code: CodeSource::Hash(hash.0), migrate_params: Vec::new() };

		assert_fails!(
			invoke(&ALICE, upgradable, "upgrade", by_hash.encode(), Vec::new()),
			Error::<Test>::CodeNotFound
		);
		Kernel::upload_code(origin(&BOB), bounded(kernel_modules::TESTER)).expect("upload");
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::CodeDeposit.into(), &BOB),
			KernelPallet::<Test>::code_deposit(kernel_modules::TESTER.len() as u32)
		);
		invoke(&ALICE, upgradable, "upgrade", by_hash.encode(), Vec::new()).expect("upgrade");
		assert_eq!(module_version(tester), 2);

		assert_fails!(Kernel::remove_code(origin(&ALICE), hash), Error::<Test>::NotCodeOwner);
		Kernel::remove_code(origin(&BOB), hash).expect("owner removes");
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::CodeDeposit.into(), &BOB), 0);
	});
}

#[test]
fn an_uploader_cannot_pull_shared_code_from_under_an_upgrade() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let (upgradable, _) = system_caps(tester);
		hand_over(tester, upgradable, &ALICE);
		let code = kernel_modules::TESTER;
		let hash = crate::lifecycle::code_hash(code);
		let by_hash = UpgradeParams { code: CodeSource::Hash(hash.0), migrate_params: Vec::new() };
		let deposit = KernelPallet::<Test>::code_deposit(code.len() as u32);
		let held = |who| Balances::balance_on_hold(&crate::HoldReason::CodeDeposit.into(), who);

		// CHARLIE front-runs the proposer's upload; BOB, the proposer, uploads anyway.
		Kernel::upload_code(origin(&CHARLIE), bounded(code)).expect("first upload");
		Kernel::upload_code(origin(&BOB), bounded(code)).expect("a second uploader shares it");
		assert_fails!(
			Kernel::upload_code(origin(&BOB), bounded(code)),
			Error::<Test>::CodeAlreadyUploaded
		);
		assert_eq!((held(&CHARLIE), held(&BOB)), (deposit, deposit));

		// CHARLIE takes its share back: the code stays for the upgrade BOB staged it for.
		Kernel::remove_code(origin(&CHARLIE), hash).expect("removes its share");
		assert_eq!(held(&CHARLIE), 0);
		assert!(kernel_events().contains(&KernelEvent::CodeReleased { hash, owner: CHARLIE }));
		assert_fails!(Kernel::remove_code(origin(&CHARLIE), hash), Error::<Test>::NotCodeOwner);
		invoke(&ALICE, upgradable, "upgrade", by_hash.encode(), Vec::new()).expect("upgrade");
		assert_eq!(module_version(tester), 2);

		Kernel::remove_code(origin(&BOB), hash).expect("the last share");
		assert_eq!(held(&BOB), 0);
		assert!(!crate::CodeStore::<Test>::contains_key(hash));
		assert!(kernel_events().contains(&KernelEvent::CodeRemoved { hash }));
		assert_fails!(Kernel::remove_code(origin(&BOB), hash), Error::<Test>::CodeNotFound);
	});
}

#[test]
fn stale_capabilities_are_recognisable_after_an_upgrade() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let old = mint_to(&ALICE, tester, b"v1 ticket");
		let (upgradable, _) = system_caps(tester);
		hand_over(tester, upgradable, &ALICE);
		invoke(
			&ALICE,
			upgradable,
			"upgrade",
			upgrade_params(kernel_modules::TESTER, b""),
			Vec::new(),
		)
		.expect("upgrade");

		assert_eq!(Capabilities::<Test>::get(old).unwrap().creator_version, 1);
		assert_fails!(
			invoke(&ALICE, old, tf::CHECK_VERSION, Vec::new(), Vec::new()),
			Error::<Test>::ModuleReverted
		);
		let new = mint_to(&ALICE, tester, b"v2 ticket");
		assert_eq!(Capabilities::<Test>::get(new).unwrap().creator_version, 2);
		invoke(&ALICE, new, tf::CHECK_VERSION, Vec::new(), Vec::new()).expect("current");
		assert_eq!(last_output().0, b"v2 ticket".to_vec());
	});
}

#[test]
fn system_capabilities_can_be_duplicated() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let (upgradable, _) = system_caps(tester);
		hand_over(tester, upgradable, &ALICE);
		invoke(&ALICE, upgradable, "duplicate", Vec::new(), Vec::new()).expect("duplicate");
		let (_, copies) = last_output();
		assert_eq!(copies.len(), 2);
		for copy in copies {
			let record = Capabilities::<Test>::get(copy).unwrap();
			assert_eq!(record.creator, Creator::System);
			assert_eq!(record.parent, Some(upgradable));
			assert_eq!(record.holder, account(&ALICE));
		}
	});
}

#[test]
fn destroying_a_module_leaves_dangling_capabilities_and_deletes_storage_lazily() {
	new_test_ext().execute_with(|| {
		let doomed = deploy_tester("doomed");
		let other = deploy_tester("other");
		call(&ALICE, doomed, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();
		// ALICE holds a capability doomed minted; doomed holds one other minted.
		let dangling = mint_to(&ALICE, doomed, b"dangling");
		let held_by_doomed = mint_to(&ALICE, other, b"orphan");
		call_full(
			&ALICE,
			doomed,
			tf::KEEP,
			Vec::new(),
			vec![CapRef::Held(held_by_doomed)],
			Vec::new(),
		)
		.unwrap();
		let (_, destroy) = system_caps(doomed);
		hand_over(doomed, destroy, &BOB);
		let alice_before = Balances::free_balance(&ALICE);
		let doomed_deposit = Modules::<Test>::get(doomed).unwrap().deposit;

		invoke(&BOB, destroy, "destroy", Vec::new(), Vec::new()).expect("destroy");

		assert!(Modules::<Test>::get(doomed).is_none());
		assert!(ModuleNames::<Test>::get(bounded::<MaxNameLen>("doomed")).is_none());
		assert_eq!(module_deposit(doomed), doomed_deposit, "held until its storage is gone");
		assert_eq!(Balances::free_balance(&ALICE), alice_before);
		assert!(kernel_events().contains(&KernelEvent::ModuleDestroyed { module: doomed }));

		// Its capabilities dangle: invoking fails cleanly, dropping works.
		assert_fails!(
			invoke(&ALICE, dangling, tf::ECHO, Vec::new(), Vec::new()),
			Error::<Test>::CreatorDestroyed
		);
		Kernel::drop_capability(origin(&ALICE), dangling, LIMIT, None)
			.expect("drop a dangling cap");

		// Storage and held capabilities go in bounded steps.
		assert!(ModuleStorage::new(doomed).code().is_some());
		let other_before = Modules::<Test>::get(other).unwrap();
		KernelPallet::<Test>::on_idle(2, Weight::MAX);
		assert!(Capabilities::<Test>::get(held_by_doomed).is_none());
		assert_eq!(stats(other).dropped, vec![held_by_doomed], "the creator was told");
		assert!(ModuleStorage::new(doomed).code().is_none());
		// Then the deposit and the account's existential deposit go to the deployer. The orphan
		// drop (a frame nobody signed) grew `other`'s state and released the dropped
		// capability's deposit, both settled with its deployer, also ALICE.
		let ed = <Balances as frame_support::traits::fungible::Inspect<_>>::minimum_balance();
		let other_after = Modules::<Test>::get(other).unwrap();
		assert!(other_after.storage_bytes > other_before.storage_bytes, "on_drop wrote");
		assert_eq!(other_after.capabilities, other_before.capabilities - 1);
		let other_change = i128::from(other_after.deposit) - i128::from(other_before.deposit);
		assert_eq!(
			i128::from(Balances::free_balance(&ALICE)),
			i128::from(alice_before + doomed_deposit + ed) - other_change
		);
		let account = crate::deposit::module_account::<Test>(doomed);
		assert!(!frame_system::Pallet::<Test>::account_exists(&account), "closed");
		assert!(DeletionQueue::<Test>::get(doomed).is_none());
		assert!(kernel_events().contains(&KernelEvent::ModuleStorageDeleted { module: doomed }));
	});
}

#[test]
fn modules_with_on_block_run_each_block() {
	new_test_ext().execute_with(|| {
		let a = deploy_tester("a");
		let b = deploy_tester("b");
		KernelPallet::<Test>::on_initialize(2);
		KernelPallet::<Test>::on_initialize(3);
		assert_eq!(stats(a).ticks, 2);
		assert_eq!(stats(b).ticks, 2);
	});
}

/// Deploys a module whose `on_block` always traps, as `failing`.
fn deploy_failing_ticker() -> ModuleId {
	let code = wat(r#"(module
		(memory (export "memory") 1)
		(func (export "init"))
		(func (export "call"))
		(func (export "on_block") unreachable))"#);
	deploy(&code, "failing", Vec::new())
}

#[test]
fn a_failing_on_block_is_reported_and_undone() {
	new_test_ext().execute_with(|| {
		let failing = deploy_failing_ticker();
		KernelPallet::<Test>::on_initialize(2);
		assert!(kernel_events().iter().any(|e| matches!(
			e,
			KernelEvent::OnBlockFailed { module, .. } if *module == failing
		)));
	});
}

#[test]
fn a_module_whose_on_block_keeps_failing_leaves_the_round() {
	new_test_ext().execute_with(|| {
		let healthy = deploy_tester("healthy");
		let failing = deploy_failing_ticker();
		let failures = |events: &[KernelEvent<Test>]| {
			events
				.iter()
				.filter(
					|e| matches!(e, KernelEvent::OnBlockFailed { module, .. } if *module == failing),
				)
				.count()
		};
		let max = crate::tick::MAX_ON_BLOCK_FAILURES;

		for block in 2..2 + u64::from(max) {
			// Each failure is counted until the last one allowed.
			assert!(crate::Tickers::<Test>::get().contains(&failing), "still ticking at {block}");
			KernelPallet::<Test>::on_initialize(block);
		}

		assert_eq!(failures(&kernel_events()), max as usize);
		assert!(kernel_events().contains(&KernelEvent::OnBlockStopped { module: failing }));
		assert_eq!(crate::Tickers::<Test>::get().into_inner(), vec![healthy]);
		System::reset_events();
		KernelPallet::<Test>::on_initialize(10);
		assert_eq!(failures(&kernel_events()), 0, "it no longer runs");
		assert_eq!(stats(healthy).ticks, max + 1, "the healthy one goes on");

		assert!(!crate::OnBlockFailures::<Test>::contains_key(failing));
	});
}

#[test]
fn on_block_stops_at_the_budget_and_resumes_next_block() {
	new_test_ext().execute_with(|| {
		let modules: Vec<ModuleId> = (0..3).map(|i| deploy_tester(&format!("t{i}"))).collect();
		// Room for exactly one frame per block.
		let one_frame = OnBlockFrameWeight::get()
			.saturating_add(<() as crate::weights::WeightInfo>::call())
			.saturating_add(
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads_writes(2, 1),
			);
		OnBlockWeight::set(&one_frame);
		for block in 2..5 {
			KernelPallet::<Test>::on_initialize(block);
		}
		for module in modules {
			assert_eq!(stats(module).ticks, 1, "each module had exactly one turn");
		}
	});
}

#[test]
fn deposits_follow_code_and_state() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let info = Modules::<Test>::get(tester).unwrap();
		assert_eq!(info.deposit, KernelPallet::<Test>::deposit_for(&info));
		assert_eq!(module_deposit(tester), info.deposit, "held on the module's account");
		assert_eq!(held_deposit(&ALICE), 0, "not on the deployer's");
		assert!(info.deposit >= kernel_modules::TESTER.len() as u64);
		let alice_before = Balances::free_balance(&ALICE);
		let bob_before = Balances::free_balance(&BOB);

		call(&BOB, tester, tf::SET, (b"k".to_vec(), b"v".to_vec())).unwrap();
		let after = Modules::<Test>::get(tester).unwrap();
		// Key: "data/" + SCALE("k"); value: SCALE("v").
		let bytes = (5 + 2) + 2;
		assert_eq!(after.storage_items, info.storage_items + 1);
		assert_eq!(after.storage_bytes, info.storage_bytes + bytes);
		assert_eq!(
			after.deposit,
			info.deposit + u64::from(bytes) * DepositPerByte::get() + DepositPerItem::get()
		);
		assert_eq!(module_deposit(tester), after.deposit);
		assert_eq!(Balances::free_balance(&BOB), bob_before - (after.deposit - info.deposit));
		assert_eq!(
			Balances::free_balance(&ALICE),
			alice_before,
			"the caller pays, not the deployer"
		);
	});
}

/// A creator whose `on_drop` hands whoever dropped a capability a fresh one, and whose `call`
/// mints one for its caller: dropping its capabilities never ends if the dropper keeps getting
/// new ones.
fn boomerang() -> Vec<u8> {
	wat(r#"(module
		(import "kernel" "cap_mint" (func $mint (param i32 i32 i32) (result i32)))
		(import "kernel" "return_value" (func $return (param i32 i32 i32)))
		(memory (export "memory") 1)
		;; Output { data: [], caps: [id] }: an empty vector, compact(1), then the id at 2.
		(data (i32.const 0) "\00\04")
		(func $boomerang
			(drop (call $mint (i32.const 100) (i32.const 0) (i32.const 2)))
			(call $return (i32.const 0) (i32.const 0) (i32.const 10)))
		(func (export "init"))
		(func (export "call") (call $boomerang))
		(func (export "on_drop") (call $boomerang)))"#)
}

/// Runs `on_idle` with a bounded budget for `blocks` blocks.
fn idle_blocks(blocks: u64) {
	for block in 2..2 + blocks {
		KernelPallet::<Test>::on_idle(block, Weight::from_parts(200_000_000_000, u64::MAX));
	}
}

#[test]
fn deleting_a_holder_finishes_even_when_a_creator_s_on_drop_hands_it_a_new_capability() {
	new_test_ext().execute_with(|| {
		let creator = deploy(&boomerang(), "boomerang", Vec::new());
		let doomed = deploy_tester("doomed");
		call(&ALICE, creator, "any", ()).expect("mints");
		let (_, caps) = last_output();
		call_full(&ALICE, doomed, tf::KEEP, Vec::new(), vec![CapRef::Held(caps[0])], Vec::new())
			.unwrap();
		let (_, destroy) = system_caps(doomed);
		hand_over(doomed, destroy, &BOB);
		let deposit = Modules::<Test>::get(doomed).unwrap().deposit;
		invoke(&BOB, destroy, "destroy", Vec::new(), Vec::new()).expect("destroy");
		let alice_before = Balances::free_balance(&ALICE);

		idle_blocks(3);

		// The boomerang's `on_drop` ran without a receiver: its fresh capability trapped it
		// (`NoReceiver`), and the capability was removed anyway.
		assert!(caps_of(&Holder::Module(doomed)).is_empty(), "the dead holder holds nothing");
		assert!(!DeletionQueue::<Test>::contains_key(doomed), "deletion finished");
		assert!(ModuleStorage::new(doomed).code().is_none());
		// Nobody signed the drops: the deposit of the boomerang's capability goes back to its
		// deployer, also ALICE.
		let ed = <Balances as frame_support::traits::fungible::Inspect<_>>::minimum_balance();
		let cap_deposit = KernelPallet::<Test>::capability_deposit();
		assert_eq!(
			Balances::free_balance(&ALICE),
			alice_before + deposit + ed + cap_deposit,
			"deposits returned"
		);
		assert_eq!(module_deposit(doomed), 0);
		assert_eq!(
			Modules::<Test>::get(creator).unwrap().capabilities,
			2,
			"only its own system capabilities are left"
		);
	});
}

#[test]
fn a_module_destroyed_in_an_execution_can_no_longer_write_and_its_frame_is_undone() {
	new_test_ext().execute_with(|| {
		let doomed = deploy_tester("doomed");
		let caller = deploy_tester("caller");
		let (_, destroy) = system_caps(doomed);
		let destroy_then_write = || {
			let invoke =
				InvokeArgs { cap: destroy, function: sys::DESTROY.to_vec(), ..Default::default() };
			(invoke, b"k".to_vec(), vec![7u8; 1_000])
		};
		let deposit = Modules::<Test>::get(doomed).unwrap().deposit;

		// At the top, the transaction fails with the reason.
		assert_fails!(
			call(&BOB, doomed, tf::INVOKE_THEN_SET, destroy_then_write()),
			Error::<Test>::ModuleDestroyed
		);

		// Nested, the kernel undoes the frame (the destroy with it) and its caller goes on.
		let args = module_interfaces::tester::CallArgs {
			module: doomed,
			function: tf::INVOKE_THEN_SET.as_bytes().to_vec(),
			params: destroy_then_write().encode(),
			caps: Vec::new(),
			fuel: 0,
		};
		let outcome: Outcome = query(&BOB, caller, tf::CALL, args);
		assert_eq!(outcome.code, ReturnCode::CalleeTrapped as u32);
		let info = Modules::<Test>::get(doomed).expect("still there: the destroy was undone");
		assert_eq!(info.deposit, deposit, "nothing written, nothing charged");
		let value: Option<Vec<u8>> = query(&ALICE, doomed, tf::GET, b"k".to_vec());
		assert_eq!(value, None);
		assert!(!DeletionQueue::<Test>::contains_key(doomed));
	});
}
