//! Every rule of the capability table.

use super::*;
use crate::{assert_fails, Capabilities, Error};
use kernel_primitives::{abi::ReturnCode, system::SystemCap, Creator};
use module_interfaces::tester::{CallArgs, InvokeArgs, Outcome};

/// A capability as a module sees it through `cap_inspect`.
type ModuleCapability = kernel_primitives::Capability<[u8; 32], Vec<u8>>;

#[test]
fn minted_capability_is_held_by_the_receiver_and_records_its_creator() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"ticket");

		let record = Capabilities::<Test>::get(cap).expect("minted");
		assert_eq!(record.holder, account(&ALICE));
		assert_eq!(record.creator, Creator::Module(tester));
		assert_eq!(record.data.into_inner(), b"ticket".to_vec());
		assert_eq!(record.creator_version, 1);
		assert_eq!(caps_of(&account(&ALICE)), vec![cap]);
	});
}

#[test]
fn invoking_consumes_the_capability_and_runs_the_creator_with_its_data() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"ticket");

		invoke(&ALICE, cap, tf::ECHO, Vec::new(), Vec::new()).expect("invoke");

		assert_eq!(last_output().0, b"ticket".to_vec());
		assert!(Capabilities::<Test>::get(cap).is_none());
		assert!(caps_of(&account(&ALICE)).is_empty());
	});
}

#[test]
fn invoking_the_same_capability_twice_fails_the_second_time_without_effect() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"once");
		invoke(&ALICE, cap, tf::ECHO, Vec::new(), Vec::new()).expect("first invoke");

		assert_fails!(
			invoke(&ALICE, cap, tf::ECHO, Vec::new(), Vec::new()),
			Error::<Test>::CapabilityNotFound
		);
	});
}

#[test]
fn a_forged_capability_id_is_refused() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		mint_to(&ALICE, tester, b"real");

		assert_fails!(
			invoke(&ALICE, 9_999, tf::ECHO, Vec::new(), Vec::new()),
			Error::<Test>::CapabilityNotFound
		);
		// Forged ids passed as arguments are refused too.
		assert_fails!(
			call_full(&ALICE, tester, tf::KEEP, Vec::new(), vec![CapRef::Held(9_999)], Vec::new()),
			Error::<Test>::CapabilityNotFound
		);
	});
}

#[test]
fn a_capability_held_by_someone_else_cannot_be_used() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"alice's");

		assert_fails!(
			invoke(&BOB, cap, tf::ECHO, Vec::new(), Vec::new()),
			Error::<Test>::NotHolder
		);
		assert_fails!(
			call_full(&BOB, tester, tf::KEEP, Vec::new(), vec![CapRef::Held(cap)], Vec::new()),
			Error::<Test>::NotHolder
		);
		assert_fails!(
			Kernel::drop_capability(origin(&BOB), cap, LIMIT, None),
			Error::<Test>::NotHolder
		);
		assert_fails!(
			Kernel::transfer_capability(origin(&BOB), cap, account(&BOB)),
			Error::<Test>::NotHolder
		);
	});
}

#[test]
fn a_module_cannot_use_a_capability_it_does_not_hold() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"alice's");
		let args = InvokeArgs { cap, function: tf::ECHO.into(), ..Default::default() };

		let outcome: Outcome = query(&BOB, tester, tf::INVOKE, args);

		assert_eq!(outcome.code, ReturnCode::NotHolder as u32);
		assert_eq!(Capabilities::<Test>::get(cap).expect("still there").holder, account(&ALICE));
	});
}

#[test]
fn a_repeatable_capability_returns_its_successor_with_lineage() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"pass");

		invoke(&ALICE, cap, tf::RENEW, Vec::new(), Vec::new()).expect("renew");

		let (_, returned) = last_output();
		assert_eq!(returned.len(), 1);
		let successor = Capabilities::<Test>::get(returned[0]).expect("minted");
		assert_eq!(successor.holder, account(&ALICE));
		assert_eq!(successor.parent, Some(cap));
		assert_eq!(successor.data.into_inner(), b"pass".to_vec());
		assert!(returned[0] > cap, "ids are never reused");
	});
}

#[test]
fn capabilities_passed_as_arguments_move_to_the_receiver_who_can_invoke_them() {
	new_test_ext().execute_with(|| {
		let creator = deploy_tester("creator");
		let keeper = deploy_tester("keeper");
		let cap = mint_to(&ALICE, creator, b"gift");

		call_full(&ALICE, keeper, tf::KEEP, Vec::new(), vec![CapRef::Held(cap)], Vec::new())
			.expect("pass");
		assert_eq!(Capabilities::<Test>::get(cap).unwrap().holder, Holder::Module(keeper));
		assert!(caps_of(&account(&ALICE)).is_empty());
		assert!(kernel_events().contains(&KernelEvent::CapabilityMoved {
			id: cap,
			from: account(&ALICE),
			to: Holder::Module(keeper),
		}));

		// The keeper invokes it later; the creator's echo comes back.
		let args = InvokeArgs { cap, function: tf::ECHO.into(), ..Default::default() };
		let outcome: Outcome = query(&BOB, keeper, tf::INVOKE, args);
		assert_eq!(outcome.code, ReturnCode::Success as u32);
		assert_eq!(outcome.data, b"gift".to_vec());
		assert!(Capabilities::<Test>::get(cap).is_none());
	});
}

#[test]
fn passing_the_same_capability_twice_is_refused() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"one");
		assert_fails!(
			call_full(
				&ALICE,
				tester,
				tf::KEEP,
				Vec::new(),
				vec![CapRef::Held(cap), CapRef::Held(cap)],
				Vec::new()
			),
			Error::<Test>::DuplicateCapability
		);
	});
}

#[test]
fn only_the_creator_can_turn_one_capability_into_two() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"coin");

		invoke(&ALICE, cap, tf::SPLIT, Vec::new(), Vec::new()).expect("split");

		let (_, halves) = last_output();
		assert_eq!(halves.len(), 2);
		for half in &halves {
			let record = Capabilities::<Test>::get(half).unwrap();
			assert_eq!(record.parent, Some(cap));
			assert_eq!(record.holder, account(&ALICE));
		}
		assert!(Capabilities::<Test>::get(cap).is_none(), "the original is consumed");
		assert_eq!(caps_of(&account(&ALICE)), halves);
	});
}

#[test]
fn dropping_tells_the_creator_and_removes_the_capability() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"droppable");

		Kernel::drop_capability(origin(&ALICE), cap, LIMIT, None).expect("drop");

		assert!(Capabilities::<Test>::get(cap).is_none());
		assert_eq!(stats(tester).dropped, vec![cap]);
	});
}

#[test]
fn a_drop_the_creator_refuses_keeps_the_capability() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, tester_api::STICKY);
		assert_fails!(
			Kernel::drop_capability(origin(&ALICE), cap, LIMIT, None),
			Error::<Test>::ModuleReverted
		);
		assert_eq!(Capabilities::<Test>::get(cap).unwrap().holder, account(&ALICE));
	});
}

#[test]
fn a_holder_can_forget_a_capability_its_creator_refuses_to_let_go() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, tester_api::STICKY);
		assert_fails!(Kernel::forget_capability(origin(&BOB), cap), Error::<Test>::NotHolder);
		assert_fails!(
			Kernel::forget_capability(origin(&ALICE), 9_999),
			Error::<Test>::CapabilityNotFound
		);

		Kernel::forget_capability(origin(&ALICE), cap).expect("forgotten");

		assert!(Capabilities::<Test>::get(cap).is_none());
		assert!(caps_of(&account(&ALICE)).is_empty());
		assert!(stats(tester).dropped.is_empty(), "the creator was not told");
		assert!(kernel_events()
			.contains(&crate::Event::CapabilityForgotten { id: cap, by: account(&ALICE) }));
	});
}

#[test]
fn a_public_call_consumes_no_capability() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"kept");
		call(&ALICE, tester, tf::STATS, ()).expect("call");
		assert_eq!(caps_of(&account(&ALICE)), vec![cap]);
	});
}

#[test]
fn a_request_becomes_a_capability_usable_in_the_same_call() {
	new_test_ext().execute_with(|| {
		let issuer = deploy_tester("issuer");
		let keeper = deploy_tester("keeper");

		call_full(
			&ALICE,
			keeper,
			tf::KEEP,
			Vec::new(),
			vec![CapRef::Request(0)],
			vec![(issuer, b"voucher".to_vec())],
		)
		.expect("request and pass");

		let kept: Vec<CapId> = decode_output();
		assert_eq!(kept.len(), 1);
		let record = Capabilities::<Test>::get(kept[0]).unwrap();
		assert_eq!(record.creator, Creator::Module(issuer));
		assert_eq!(record.holder, Holder::Module(keeper));
		assert_eq!(record.data.into_inner(), b"voucher".to_vec());
		assert_eq!(stats(issuer).requests, 1);
	});
}

#[test]
fn an_unused_requested_capability_stays_with_the_signer() {
	new_test_ext().execute_with(|| {
		let issuer = deploy_tester("issuer");
		call_full(&ALICE, issuer, tf::STATS, Vec::new(), Vec::new(), vec![(issuer, b"v".to_vec())])
			.expect("call");
		let held = caps_of(&account(&ALICE));
		assert_eq!(held.len(), 1);
		assert_eq!(Capabilities::<Test>::get(held[0]).unwrap().creator, Creator::Module(issuer));
	});
}

#[test]
fn one_rejected_request_fails_the_whole_transaction() {
	new_test_ext().execute_with(|| {
		let issuer = deploy_tester("issuer");
		assert_fails!(
			call_full(
				&ALICE,
				issuer,
				tf::SET,
				(b"k".to_vec(), b"v".to_vec()).encode(),
				Vec::new(),
				vec![(issuer, b"fine".to_vec()), (issuer, tester_api::REJECT.to_vec())],
			),
			Error::<Test>::RequestRejected
		);
	});
}

#[test]
fn a_request_to_a_module_without_validate_request_fails() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let plain = deploy(&super::validation::minimal_module(), "plain", Vec::new());
		assert_fails!(
			call_full(
				&ALICE,
				tester,
				tf::STATS,
				Vec::new(),
				Vec::new(),
				vec![(plain, b"x".to_vec())]
			),
			Error::<Test>::EntryNotExported
		);
	});
}

#[test]
fn a_reference_to_a_missing_request_is_refused() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		assert_fails!(
			call_full(&ALICE, tester, tf::KEEP, Vec::new(), vec![CapRef::Request(0)], Vec::new()),
			Error::<Test>::InvalidRequestIndex
		);
	});
}

#[test]
fn deploy_hands_system_capabilities_to_the_module() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let init_caps = stats(tester).init_caps;
		assert_eq!(init_caps.len(), 2);
		let expected = [SystemCap::Upgradable(tester), SystemCap::Destroy(tester)];
		for (id, system) in init_caps.iter().zip(expected) {
			let record = Capabilities::<Test>::get(id).unwrap();
			assert_eq!(record.creator, Creator::System);
			assert_eq!(record.holder, Holder::Module(tester));
			assert_eq!(SystemCap::decode(&mut &record.data[..]).unwrap(), system);
		}
	});
}

#[test]
fn capabilities_passed_to_deploy_move_to_the_new_module() {
	new_test_ext().execute_with(|| {
		let issuer = deploy_tester("issuer");
		let cap = mint_to(&ALICE, issuer, b"dowry");
		Kernel::deploy(
			origin(&ALICE),
			bounded(kernel_modules::TESTER),
			bounded("heir"),
			bounded(Vec::new()),
			vec![CapRef::Held(cap)].try_into().unwrap(),
			Default::default(),
			LIMIT,
			None,
		)
		.expect("deploy");
		let heir = crate::ModuleNames::<Test>::get(bounded::<MaxNameLen>("heir")).unwrap();
		assert_eq!(Capabilities::<Test>::get(cap).unwrap().holder, Holder::Module(heir));
		assert_eq!(stats(heir).init_caps[2], cap);
	});
}

#[test]
fn transfer_capability_hands_it_to_another_account() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"gift");
		Kernel::transfer_capability(origin(&ALICE), cap, account(&BOB)).expect("transfer");
		assert_eq!(caps_of(&account(&BOB)), vec![cap]);
		invoke(&BOB, cap, tf::ECHO, Vec::new(), Vec::new()).expect("bob invokes");
	});
}

#[test]
fn transfer_to_a_missing_module_is_refused() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"gift");
		assert_fails!(
			Kernel::transfer_capability(origin(&ALICE), cap, Holder::Module(77)),
			Error::<Test>::InvalidHolder
		);
	});
}

#[test]
fn a_module_can_give_a_capability_to_an_account() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let cap = mint_to(&ALICE, tester, b"x");
		call_full(&ALICE, tester, tf::KEEP, Vec::new(), vec![CapRef::Held(cap)], Vec::new())
			.unwrap();

		let code: u32 = query(&ALICE, tester, tf::GIVE, (cap, account(&BOB)));
		assert_eq!(code, ReturnCode::Success as u32);
		assert_eq!(caps_of(&account(&BOB)), vec![cap]);

		// It cannot give it again: it no longer holds it.
		let code: u32 = query(&ALICE, tester, tf::GIVE, (cap, account(&CHARLIE)));
		assert_eq!(code, ReturnCode::NotHolder as u32);
	});
}

#[test]
fn inspect_shows_own_and_held_capabilities_only() {
	new_test_ext().execute_with(|| {
		let a = deploy_tester("a");
		let b = deploy_tester("b");
		let cap = mint_to(&ALICE, a, b"mine");

		let (code, info): (u32, Option<ModuleCapability>) = query(&ALICE, a, tf::INSPECT, cap);
		assert_eq!(code, ReturnCode::Success as u32, "the creator may inspect");
		assert_eq!(info.unwrap().data, b"mine".to_vec());

		let (code, info): (u32, Option<ModuleCapability>) = query(&ALICE, b, tf::INSPECT, cap);
		assert_eq!(code, ReturnCode::NotHolder as u32, "a stranger may not");
		assert!(info.is_none());
	});
}

#[test]
fn returned_capabilities_of_a_nested_call_go_to_the_calling_module() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let minter = deploy_tester("minter");
		let args = CallArgs {
			module: minter,
			function: tf::MINT.into(),
			params: b"inner".to_vec().encode(),
			..Default::default()
		};
		let outcome: Outcome = query(&ALICE, caller, tf::CALL, args);
		assert_eq!(outcome.code, ReturnCode::Success as u32);
		assert_eq!(outcome.caps.len(), 1);
		let record = Capabilities::<Test>::get(outcome.caps[0]).unwrap();
		assert_eq!(record.holder, Holder::Module(caller));
		assert_eq!(record.creator, Creator::Module(minter));
	});
}
