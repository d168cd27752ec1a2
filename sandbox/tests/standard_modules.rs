//! The sandbox drives the standard modules' real Wasm as a module author's integration tests
//! would: calls, events, failures with their reasons, capabilities requested, passed, invoked
//! and dropped, and blocks going by.

use codec::Encode;
use kernel_primitives::CapRef;
use kernel_sandbox::{Sandbox, ALICE, BOB};
use module_interfaces::{
	balance::{self, function as f, Account, BalanceCap, BalanceInit, Event},
	staking::{self, Stake, StakingInit},
	Holder, ModuleId,
};

fn holder(who: &kernel_sandbox::AccountId) -> Holder {
	Holder::Account(who.clone().into())
}

/// A sandbox with `balance` deployed, ALICE holding 1 000 tokens.
fn with_balance() -> (Sandbox, ModuleId) {
	let mut sandbox = Sandbox::new();
	let init = BalanceInit { endowments: vec![(holder(&ALICE), 1_000)], ..Default::default() };
	let token = sandbox.deploy(&ALICE, kernel_modules::BALANCE, balance::NAME, init).unwrap();
	(sandbox, token)
}

fn account(sandbox: &mut Sandbox, token: ModuleId, who: &kernel_sandbox::AccountId) -> Account {
	sandbox.query(&BOB, token, f::ACCOUNT, holder(who)).unwrap()
}

#[test]
fn a_transfer_moves_tokens_and_reports_its_event() {
	let (mut sandbox, token) = with_balance();
	let done = sandbox.call(&ALICE, token, f::TRANSFER, (holder(&BOB), 100u128)).unwrap();
	assert_eq!(
		done.events_of::<Event>(token).unwrap(),
		vec![Event::Transferred { from: holder(&ALICE), to: holder(&BOB), amount: 100 }]
	);
	assert!(done.weight.ref_time() > 0, "the kernel charged for the frame");
	assert_eq!(account(&mut sandbox, token, &BOB), Account { free: 100, locked: 0 });
	assert_eq!(account(&mut sandbox, token, &ALICE), Account { free: 900, locked: 0 });
}

#[test]
fn a_refused_transfer_says_why_and_changes_nothing() {
	let (mut sandbox, token) = with_balance();
	let failure = sandbox.call(&ALICE, token, f::TRANSFER, (holder(&BOB), 5_000u128)).unwrap_err();
	assert_eq!(failure.error_name(), "ModuleReverted");
	assert_eq!(failure.reason(), Some("insufficient balance"));
	assert_eq!(failure.frames.len(), 1);
	assert_eq!(failure.frames[0].module, token);
	assert_eq!(failure.to_string(), "ModuleReverted: insufficient balance");
	assert_eq!(account(&mut sandbox, token, &ALICE), Account { free: 1_000, locked: 0 });
	assert_eq!(account(&mut sandbox, token, &BOB), Account::default());
	// A query that fails says why too.
	let unknown = sandbox.query::<()>(&ALICE, token, "no_such_function", ()).unwrap_err();
	assert_eq!(unknown.reason(), Some("unknown function"));
}

#[test]
fn a_requested_capability_is_split_and_dropped_and_the_funds_follow() {
	let (mut sandbox, token) = with_balance();
	let slashable = BalanceCap::Slashable { account: ALICE.into(), amount: 50 };
	let requested = sandbox
		.call_with(
			&ALICE,
			token,
			f::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(token, slashable.encode())],
		)
		.unwrap();
	assert_eq!(requested.decode::<u128>().unwrap(), 1_000);
	assert_eq!(account(&mut sandbox, token, &ALICE), Account { free: 950, locked: 50 });
	let held = sandbox.capabilities(&kernel_primitives::Holder::Account(ALICE));
	assert_eq!(held.len(), 1, "the unused requested capability stays with the signer");
	let (cap, data) = (held[0].0, held[0].1.data.clone());
	assert_eq!(data, slashable.encode());

	let split = sandbox.invoke(&ALICE, cap, f::SPLIT, 20u128).unwrap();
	assert_eq!(split.caps.len(), 2);
	assert!(sandbox.capability(cap).is_none(), "invoking consumed it");
	for part in split.caps {
		sandbox.drop_capability(&ALICE, part).unwrap();
	}
	assert_eq!(account(&mut sandbox, token, &ALICE), Account { free: 1_000, locked: 0 });
	let gone = sandbox.invoke(&ALICE, cap, f::SPLIT, 1u128).unwrap_err();
	assert_eq!(gone.error_name(), "CapabilityNotFound");
}

#[test]
fn staking_bonds_a_capability_passed_in_the_same_call() {
	let (mut sandbox, token) = with_balance();
	let init = StakingInit { unbonding_delay: 2, governance: None };
	let stakes = sandbox.deploy(&ALICE, kernel_modules::STAKING, staking::NAME, init).unwrap();
	let slashable = BalanceCap::Slashable { account: ALICE.into(), amount: 300 };
	let bonded = sandbox
		.call_with(
			&ALICE,
			stakes,
			staking::function::BOND,
			Vec::new(),
			vec![CapRef::Request(0)],
			vec![(token, slashable.encode())],
		)
		.unwrap();
	assert_eq!(
		bonded.events_of::<staking::Event>(stakes).unwrap(),
		vec![staking::Event::Bonded { account: ALICE.into(), amount: 300 }]
	);
	let stake: Option<Stake> =
		sandbox.query(&BOB, stakes, staking::function::STAKE, <[u8; 32]>::from(ALICE)).unwrap();
	assert_eq!(stake.map(|s| s.amount), Some(300));
	assert_eq!(account(&mut sandbox, token, &ALICE).locked, 300);

	// Unbonding takes two blocks; withdrawing before fails and changes nothing.
	let ready_at: u64 =
		sandbox.call(&ALICE, stakes, staking::function::UNBOND, ()).unwrap().decode().unwrap();
	assert_eq!(ready_at, sandbox.block_number() + 2);
	assert!(sandbox.call(&ALICE, stakes, staking::function::WITHDRAW, ()).is_err());
	assert_eq!(account(&mut sandbox, token, &ALICE).locked, 300);
	sandbox.next_block();
	sandbox.next_block();
	sandbox.call(&ALICE, stakes, staking::function::WITHDRAW, ()).unwrap();
	assert_eq!(account(&mut sandbox, token, &ALICE), Account { free: 1_000, locked: 0 });
}
