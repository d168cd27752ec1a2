//! The real `balance` module: ledger, requests, slashable and transferable capabilities.

use super::*;
use crate::{assert_fails, storage::ModuleStorage, Capabilities, Error};
use kernel_primitives::abi::ReturnCode;
use module_interfaces::{
	balance::{
		function as bf, Account, Balance, BalanceCap, BalanceInit, Event as BalanceEvent,
		Parameters, SlashArgs,
	},
	tester::{InvokeArgs, Outcome},
};

type ModuleHolder = module_interfaces::Holder;

pub(super) fn raw(who: &AccountId32) -> [u8; 32] {
	who.clone().into()
}

pub(super) fn holder(who: &AccountId32) -> ModuleHolder {
	ModuleHolder::Account(raw(who))
}

/// Deploys `balance` with 1000 for ALICE and 500 for BOB.
fn deploy_balance() -> ModuleId {
	let endowments = vec![(holder(&ALICE), 1_000), (holder(&BOB), 500)];
	deploy(
		kernel_modules::BALANCE,
		"balance",
		BalanceInit { endowments, governance: None, ..Default::default() }.encode(),
	)
}

/// Every key and value in `module`'s child trie.
fn module_state(module: ModuleId) -> Vec<(Vec<u8>, Vec<u8>)> {
	let storage = ModuleStorage::new(module);
	let mut state = Vec::new();
	let mut key = Vec::new();
	while let Some(next) = storage.next_key(&key) {
		state.push((next.clone(), storage.get(&next).expect("a value")));
		key = next;
	}
	state
}

fn account_of(balance: ModuleId, who: &AccountId32) -> Account {
	query(&CHARLIE, balance, bf::ACCOUNT, holder(who))
}

fn total(balance: ModuleId) -> Balance {
	query(&CHARLIE, balance, bf::TOTAL_ISSUANCE, ())
}

fn slashable(who: &AccountId32, amount: Balance) -> Vec<u8> {
	BalanceCap::Slashable { account: raw(who), amount }.encode()
}

fn balance_events(balance: ModuleId) -> Vec<BalanceEvent> {
	module_events()
		.into_iter()
		.filter(|(module, _)| *module == balance)
		.map(|(_, data)| BalanceEvent::decode(&mut &data[..]).expect("balance event"))
		.collect()
}

/// Requests a capability from `balance` and hands it to `tester` in the same call.
fn request_into(tester: ModuleId, balance: ModuleId, who: &AccountId32, request: Vec<u8>) -> CapId {
	call_full(
		who,
		tester,
		tf::KEEP,
		Vec::new(),
		vec![CapRef::Request(0)],
		vec![(balance, request)],
	)
	.expect("request accepted");
	let kept: Vec<CapId> = decode_output();
	kept[0]
}

#[test]
fn init_endows_accounts() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		assert_eq!(account_of(balance, &ALICE), Account { free: 1_000, locked: 0 });
		assert_eq!(account_of(balance, &BOB), Account { free: 500, locked: 0 });
		assert_eq!(total(balance), 1_500);
	});
}

#[test]
fn transfer_through_kernel_call() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		call(&ALICE, balance, bf::TRANSFER, (holder(&BOB), 300u128)).expect("transfer");
		assert_eq!(account_of(balance, &ALICE).free, 700);
		assert_eq!(account_of(balance, &BOB).free, 800);
		assert!(balance_events(balance).contains(&BalanceEvent::Transferred {
			from: holder(&ALICE),
			to: holder(&BOB),
			amount: 300,
		}));
	});
}

#[test]
fn a_zero_transfer_creates_no_entry() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let items = crate::Modules::<Test>::get(balance).expect("deployed").storage_items;
		let state = module_state(balance);
		call(&ALICE, balance, bf::TRANSFER, (holder(&CHARLIE), 0u128)).expect("transfer");
		assert_eq!(crate::Modules::<Test>::get(balance).expect("deployed").storage_items, items);
		assert_eq!(module_state(balance), state, "no entry for CHARLIE");
		assert!(balance_events(balance).contains(&BalanceEvent::Transferred {
			from: holder(&ALICE),
			to: holder(&CHARLIE),
			amount: 0,
		}));
	});
}

#[test]
fn a_zero_transfer_from_a_holder_with_nothing_creates_no_entry_either() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let state = module_state(balance);
		call(&CHARLIE, balance, bf::TRANSFER, (holder(&BOB), 0u128)).expect("transfer");
		assert_eq!(module_state(balance), state, "no entry for CHARLIE");
	});
}

/// Deploys `balance` with 1000 for ALICE and a minimum balance of 100.
fn deploy_balance_with_minimum() -> ModuleId {
	let init = BalanceInit {
		endowments: vec![(holder(&ALICE), 1_000)],
		governance: None,
		parameters: Parameters { minimum_balance: 100, ..Default::default() },
	};
	deploy(kernel_modules::BALANCE, "balance", init.encode())
}

#[test]
fn a_transfer_that_leaves_either_side_below_the_minimum_balance_is_refused() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance_with_minimum();
		let state = module_state(balance);

		// CHARLIE holds nothing: 99 would make a dust entry.
		assert_fails!(
			call(&ALICE, balance, bf::TRANSFER, (holder(&CHARLIE), 99u128)),
			Error::<Test>::ModuleReverted
		);
		// ALICE would keep 1.
		assert_fails!(
			call(&ALICE, balance, bf::TRANSFER, (holder(&CHARLIE), 999u128)),
			Error::<Test>::ModuleReverted
		);
		assert_eq!(module_state(balance), state);

		call(&ALICE, balance, bf::TRANSFER, (holder(&CHARLIE), 100u128)).expect("the minimum");
		assert_eq!(account_of(balance, &CHARLIE).free, 100);
		call(&ALICE, balance, bf::TRANSFER, (holder(&BOB), 900u128)).expect("all the rest");
		assert_eq!(account_of(balance, &ALICE), Account::default());
	});
}

#[test]
fn emptying_an_account_removes_its_entry_and_refunds_its_deposit_to_whoever_empties_it() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let before = crate::Modules::<Test>::get(balance).expect("deployed");
		let bob_before = Balances::free_balance(&BOB);

		// BOB sends all he has to ALICE, who has an entry: one entry fewer.
		call(&BOB, balance, bf::TRANSFER, (holder(&ALICE), 500u128)).expect("transfer");

		let after = crate::Modules::<Test>::get(balance).expect("deployed");
		assert_eq!(after.storage_items, before.storage_items - 1);
		assert_eq!(account_of(balance, &BOB), Account::default());
		assert_eq!(Balances::free_balance(&BOB), bob_before + (before.deposit - after.deposit));
		assert!(after.deposit < before.deposit);
	});
}

#[test]
fn overspending_fails_without_effect() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		assert_fails!(
			call(&ALICE, balance, bf::TRANSFER, (holder(&BOB), 1_001u128)),
			Error::<Test>::ModuleReverted
		);
	});
}

#[test]
fn a_slashable_request_locks_funds_and_the_holder_slashes_keeping_the_remainder() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let staking = deploy_tester("stand-in-staking");
		let cap = request_into(staking, balance, &ALICE, slashable(&ALICE, 100));

		assert_eq!(account_of(balance, &ALICE), Account { free: 900, locked: 100 });
		assert_eq!(Capabilities::<Test>::get(cap).unwrap().holder, Holder::Module(staking));

		// The holder slashes 90 and keeps slashable(ALICE, 10).
		let args = InvokeArgs {
			cap,
			function: bf::SLASH.into(),
			params: SlashArgs { amount: 90, beneficiary: None }.encode(),
			..Default::default()
		};
		let outcome: Outcome = query(&CHARLIE, staking, tf::INVOKE, args);
		assert_eq!(outcome.code, ReturnCode::Success as u32);
		assert_eq!(outcome.caps.len(), 1);
		let remainder = Capabilities::<Test>::get(outcome.caps[0]).unwrap();
		assert_eq!(remainder.holder, Holder::Module(staking));
		assert_eq!(remainder.parent, Some(cap));
		assert_eq!(
			BalanceCap::decode(&mut &remainder.data[..]).unwrap(),
			BalanceCap::Slashable { account: raw(&ALICE), amount: 10 }
		);
		assert_eq!(account_of(balance, &ALICE), Account { free: 900, locked: 10 });
		assert_eq!(total(balance), 1_410, "slashed funds are burnt");
	});
}

#[test]
fn slashing_more_than_the_capability_covers_fails_without_effect() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		call_full(
			&ALICE,
			balance,
			bf::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(balance, slashable(&ALICE, 100))],
		)
		.unwrap();
		let cap = caps_of(&account(&ALICE))[0];
		let too_much = SlashArgs { amount: 101, beneficiary: None }.encode();
		assert_fails!(
			invoke(&ALICE, cap, bf::SLASH, too_much, Vec::new()),
			Error::<Test>::ModuleReverted
		);
	});
}

#[test]
fn a_slash_can_pay_a_beneficiary() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		call_full(
			&ALICE,
			balance,
			bf::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(balance, slashable(&ALICE, 100))],
		)
		.unwrap();
		let cap = caps_of(&account(&ALICE))[0];
		let args = SlashArgs { amount: 100, beneficiary: Some(holder(&CHARLIE)) }.encode();
		invoke(&ALICE, cap, bf::SLASH, args, Vec::new()).expect("slash");
		assert_eq!(last_output().1, Vec::<CapId>::new(), "nothing remains");
		assert_eq!(account_of(balance, &CHARLIE).free, 100);
		assert_eq!(account_of(balance, &ALICE), Account { free: 900, locked: 0 });
		assert_eq!(total(balance), 1_500);
	});
}

#[test]
fn split_divides_a_slashable_capability() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		call_full(
			&ALICE,
			balance,
			bf::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(balance, slashable(&ALICE, 100))],
		)
		.unwrap();
		let cap = caps_of(&account(&ALICE))[0];
		invoke(&ALICE, cap, bf::SPLIT, 30u128.encode(), Vec::new()).expect("split");
		let (_, parts) = last_output();
		let amounts: Vec<Balance> = parts
			.iter()
			.map(|id| {
				BalanceCap::decode(&mut &Capabilities::<Test>::get(id).unwrap().data[..])
					.unwrap()
					.amount()
			})
			.collect();
		assert_eq!(amounts, vec![30, 70]);
		assert_eq!(account_of(balance, &ALICE).locked, 100, "splitting locks nothing more");
	});
}

#[test]
fn dropping_a_slashable_capability_unlocks_its_funds() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		call_full(
			&ALICE,
			balance,
			bf::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(balance, slashable(&ALICE, 250))],
		)
		.unwrap();
		assert_eq!(account_of(balance, &ALICE), Account { free: 750, locked: 250 });
		let cap = caps_of(&account(&ALICE))[0];
		Kernel::drop_capability(origin(&ALICE), cap, LIMIT, None).expect("drop");
		assert_eq!(account_of(balance, &ALICE), Account { free: 1_000, locked: 0 });
		assert!(balance_events(balance)
			.contains(&BalanceEvent::Unlocked { account: raw(&ALICE), amount: 250 }));
	});
}

#[test]
fn a_request_cannot_lock_someone_elses_funds() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		assert_fails!(
			call_full(
				&ALICE,
				balance,
				bf::TOTAL_ISSUANCE,
				Vec::new(),
				Vec::new(),
				vec![(balance, slashable(&BOB, 10))]
			),
			Error::<Test>::RequestRejected
		);
	});
}

#[test]
fn a_request_beyond_free_funds_is_rejected() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		assert_fails!(
			call_full(
				&BOB,
				balance,
				bf::TOTAL_ISSUANCE,
				Vec::new(),
				Vec::new(),
				vec![(balance, slashable(&BOB, 501))]
			),
			Error::<Test>::RequestRejected
		);
	});
}

#[test]
fn a_transferable_capability_pays_from_locked_funds_and_returns_the_rest() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let cheque = BalanceCap::Transferable { account: raw(&ALICE), amount: 200 }.encode();
		call_full(
			&ALICE,
			balance,
			bf::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(balance, cheque)],
		)
		.unwrap();
		let cap = caps_of(&account(&ALICE))[0];
		Kernel::transfer_capability(origin(&ALICE), cap, account(&BOB)).unwrap();

		invoke(&BOB, cap, bf::TRANSFER, (holder(&CHARLIE), 150u128).encode(), Vec::new())
			.expect("pay");
		let (_, rest) = last_output();

		assert_eq!(account_of(balance, &CHARLIE).free, 150);
		assert_eq!(account_of(balance, &ALICE), Account { free: 800, locked: 50 });
		assert_eq!(caps_of(&account(&BOB)), rest);
		assert_eq!(
			BalanceCap::decode(&mut &Capabilities::<Test>::get(rest[0]).unwrap().data[..]).unwrap(),
			BalanceCap::Transferable { account: raw(&ALICE), amount: 50 }
		);
	});
}

#[test]
fn describe_tells_what_a_balance_capability_covers() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		call_full(
			&ALICE,
			balance,
			bf::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(balance, slashable(&ALICE, 7))],
		)
		.unwrap();
		let cap = caps_of(&account(&ALICE))[0];
		let described: Option<BalanceCap> = query(&BOB, balance, bf::DESCRIBE, cap);
		assert_eq!(described, Some(BalanceCap::Slashable { account: raw(&ALICE), amount: 7 }));
		let tester = deploy_tester("t");
		let foreign = mint_to(&ALICE, tester, b"x");
		let described: Option<BalanceCap> = query(&BOB, balance, bf::DESCRIBE, foreign);
		assert_eq!(described, None);
	});
}

// ---- revocation by the owner of locked funds ----

fn transferable(who: &AccountId32, amount: Balance) -> Vec<u8> {
	BalanceCap::Transferable { account: raw(who), amount }.encode()
}

/// Requests `request` from `balance` as `who`, who keeps the capability; its id.
fn request_held(balance: ModuleId, who: &AccountId32, request: Vec<u8>) -> CapId {
	let id = crate::NextCapId::<Test>::get();
	call_full(who, balance, bf::TOTAL_ISSUANCE, Vec::new(), Vec::new(), vec![(balance, request)])
		.expect("request accepted");
	assert_eq!(Capabilities::<Test>::get(id).map(|c| c.holder), Some(account(who)));
	id
}

#[test]
fn the_owner_revokes_an_allowance_after_it_was_given_away_and_partly_spent() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let allowance = request_held(balance, &ALICE, transferable(&ALICE, 100));
		Kernel::transfer_capability(origin(&ALICE), allowance, account(&BOB)).expect("give");
		let spend = (holder(&BOB), 30u128).encode();
		invoke(&BOB, allowance, bf::TRANSFER, spend, Vec::new()).expect("spend");
		let residual = last_output().1[0];
		assert_eq!(account_of(balance, &ALICE), Account { free: 900, locked: 70 });

		let (caps, unlocked): (u32, Balance) = query(&ALICE, balance, bf::REVOKE, allowance);

		assert_eq!((caps, unlocked), (1, 70));
		assert_eq!(account_of(balance, &ALICE), Account { free: 970, locked: 0 });
		assert_eq!(account_of(balance, &BOB), Account { free: 530, locked: 0 });
		assert_eq!(total(balance), 1_500);
		assert!(!Capabilities::<Test>::contains_key(residual));
		assert!(balance_events(balance).contains(&BalanceEvent::Revoked {
			account: raw(&ALICE),
			amount: 70,
			caps: 1
		}));
		assert_fails!(
			invoke(&BOB, residual, bf::TRANSFER, (holder(&BOB), 1u128).encode(), Vec::new()),
			Error::<Test>::CapabilityNotFound
		);
	});
}

#[test]
fn collateral_a_module_holds_cannot_be_revoked_by_its_owner() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let staker = deploy_tester("staker");
		let bond = request_into(staker, balance, &ALICE, slashable(&ALICE, 50));
		let before = account_of(balance, &ALICE);

		assert_fails!(call(&ALICE, balance, bf::REVOKE, bond), Error::<Test>::ModuleReverted);

		assert_eq!(Capabilities::<Test>::get(bond).map(|c| c.holder), Some(Holder::Module(staker)));
		assert_eq!(account_of(balance, &ALICE), before);
	});
}

#[test]
fn collateral_an_account_holds_is_revoked_by_its_owner_and_nobody_else() {
	new_test_ext().execute_with(|| {
		let balance = deploy_balance();
		let bond = request_held(balance, &ALICE, slashable(&ALICE, 50));
		Kernel::transfer_capability(origin(&ALICE), bond, account(&BOB)).expect("give");

		// BOB holds it but the funds are ALICE's; ALICE's own revocation goes through.
		assert_fails!(call(&BOB, balance, bf::REVOKE, bond), Error::<Test>::ModuleReverted);
		let (caps, unlocked): (u32, Balance) = query(&ALICE, balance, bf::REVOKE, bond);

		assert_eq!((caps, unlocked), (1, 50));
		assert_eq!(account_of(balance, &ALICE), Account { free: 1_000, locked: 0 });
		assert!(caps_of(&account(&BOB)).is_empty());
	});
}
