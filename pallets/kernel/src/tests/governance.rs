//! Governance with the real `democracy`, `balance` and `staking` modules: a rule per
//! capability, upgrades by vote, slashing by vote, and staking with slashable capabilities.

use super::{
	balance::{holder, raw},
	*,
};
use crate::{assert_fails, Capabilities, Error, Pallet as KernelPallet};
use frame_support::traits::Hooks;
use kernel_primitives::system::{CodeSource, UpgradeParams};
use module_interfaces::{
	balance::{self as b, Account, BalanceCap, BalanceGovernance, BalanceInit, Parameters},
	democracy::{
		self as d, Action, DemocracyInit, Event as DemocracyEvent, Governed, Proposal, ProposeArgs,
		PushArgs, Rule, Status, TightenArgs, VoteArgs,
	},
	staking::{self as s, SlashOrder, Stake, StakingGovernance, StakingInit},
};

/// 90 % of the votes, half of all tokens voting: the constitution.
const CONSTITUTION: Rule =
	Rule { approval_percent: 90, min_turnout_percent: 50, voting_period: 5, enactment_delay: 2 };
/// A simple majority.
const MAJORITY: Rule =
	Rule { approval_percent: 50, min_turnout_percent: 10, voting_period: 5, enactment_delay: 1 };
const UNBONDING_DELAY: u64 = 10;

/// Governed ids, in the order the modules push them at init.
const DEMOCRACY_UPGRADE: u32 = 0;
const BALANCE_UPGRADE: u32 = 1;
const BALANCE_PARAMETERS: u32 = 2;
const STAKING_UPGRADE: u32 = 3;
const STAKING_SLASH: u32 = 4;

struct Chain {
	democracy: ModuleId,
	balance: ModuleId,
	staking: ModuleId,
}

/// Deploys democracy, then balance (ALICE 600, BOB 300, CHARLIE 100) and staking, both
/// governed by democracy, as the genesis presets do.
fn governed_chain() -> Chain {
	let democracy = deploy(
		kernel_modules::DEMOCRACY,
		d::NAME,
		DemocracyInit { self_upgrade: Some(CONSTITUTION), ..Default::default() }.encode(),
	);
	let balance = deploy(
		kernel_modules::BALANCE,
		b::NAME,
		BalanceInit {
			endowments: vec![(holder(&ALICE), 600), (holder(&BOB), 300), (holder(&CHARLIE), 100)],
			governance: Some(BalanceGovernance {
				democracy: d::NAME.into(),
				upgrade: CONSTITUTION,
				parameters: MAJORITY,
			}),
			parameters: Default::default(),
		}
		.encode(),
	);
	let staking = deploy(
		kernel_modules::STAKING,
		s::NAME,
		StakingInit {
			unbonding_delay: UNBONDING_DELAY,
			governance: Some(StakingGovernance {
				democracy: d::NAME.into(),
				upgrade: MAJORITY,
				slash: MAJORITY,
			}),
		}
		.encode(),
	);
	Chain { democracy, balance, staking }
}

/// Runs blocks up to `n`: each one's `on_block` entries (democracy closes and enacts).
fn advance_to(n: u64) {
	let now = frame_system::Pallet::<Test>::block_number();
	for block in now + 1..=n {
		frame_system::Pallet::<Test>::set_block_number(block);
		KernelPallet::<Test>::on_initialize(block);
	}
}

fn now() -> u64 {
	frame_system::Pallet::<Test>::block_number()
}

fn propose(chain: &Chain, who: &AccountId32, governed: u32, action: Action) -> u32 {
	query(who, chain.democracy, d::function::PROPOSE, ProposeArgs { governed, action })
}

/// `who` votes; the first time, it locks all its free tokens for it.
fn vote(chain: &Chain, who: &AccountId32, proposal: u32, aye: bool) {
	try_vote(chain, who, proposal, aye).expect("vote");
}

fn try_vote(
	chain: &Chain,
	who: &AccountId32,
	proposal: u32,
	aye: bool,
) -> DispatchResultWithPostInfo {
	let (caps, requests) = if lock_of(chain, who).is_some() {
		(Vec::new(), Vec::new())
	} else {
		(vec![CapRef::Request(0)], vec![(chain.balance, locked(who, account_of(chain, who).free))])
	};
	let args = VoteArgs { proposal, aye }.encode();
	call_full(who, chain.democracy, d::function::VOTE, args, caps, requests)
}

/// The data of a `balance::Locked` capability over `amount` of `who`'s funds.
fn locked(who: &AccountId32, amount: u128) -> Vec<u8> {
	BalanceCap::Locked { account: raw(who), amount }.encode()
}

/// `who` takes its locked tokens back.
fn unlock(chain: &Chain, who: &AccountId32) {
	call(who, chain.democracy, d::function::UNLOCK, ()).expect("unlock");
}

fn lock_of(chain: &Chain, who: &AccountId32) -> Option<d::Lock> {
	query(&CHARLIE, chain.democracy, d::function::LOCK, raw(who))
}

fn proposal(chain: &Chain, id: u32) -> Proposal {
	let found: Option<Proposal> = query(&ALICE, chain.democracy, d::function::PROPOSAL, id);
	found.expect("proposal exists")
}

fn governed(chain: &Chain, id: u32) -> Governed {
	let found: Option<Governed> = query(&ALICE, chain.democracy, d::function::GOVERNED, id);
	found.expect("governed capability exists")
}

fn upgrade_balance_to_v2() -> Action {
	let hash = crate::lifecycle::code_hash(kernel_modules::BALANCE_V2);
	if !crate::CodeStore::<Test>::contains_key(hash) {
		Kernel::upload_code(origin(&ALICE), bounded(kernel_modules::BALANCE_V2)).expect("upload");
	}
	let params = UpgradeParams { code: CodeSource::Hash(hash.0), migrate_params: Vec::new() };
	Action::Invoke { function: b"upgrade".to_vec(), params: params.encode() }
}

fn set_fee(fee: u128) -> Action {
	Action::Invoke {
		function: b::function::SET_PARAMETERS.as_bytes().to_vec(),
		params: Parameters { transfer_fee: fee, ..Default::default() }.encode(),
	}
}

/// `who` bonds `amount` with `staking`, through a `Slashable` requested in the same call.
fn bond(chain: &Chain, who: &AccountId32, amount: u128) -> DispatchResultWithPostInfo {
	call_full(
		who,
		chain.staking,
		s::function::BOND,
		Vec::new(),
		vec![CapRef::Request(0)],
		vec![(chain.balance, BalanceCap::Slashable { account: raw(who), amount }.encode())],
	)
}

fn account_of(chain: &Chain, who: &AccountId32) -> Account {
	query(&CHARLIE, chain.balance, b::function::ACCOUNT, holder(who))
}

#[test]
fn genesis_hands_each_capability_to_democracy_under_its_own_rule() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let expectations = [
			(DEMOCRACY_UPGRADE, CONSTITUTION, &b"democracy: upgrade"[..]),
			(BALANCE_UPGRADE, CONSTITUTION, b"balance: upgrade"),
			(BALANCE_PARAMETERS, MAJORITY, b"balance: parameters"),
			(STAKING_UPGRADE, MAJORITY, b"staking: upgrade"),
			(STAKING_SLASH, MAJORITY, b"staking: slash"),
		];
		for (id, rule, label) in expectations {
			let entry = governed(&chain, id);
			assert_eq!(entry.rule, rule);
			assert_eq!(entry.label, label.to_vec());
			let cap = Capabilities::<Test>::get(entry.cap.expect("held")).expect("exists");
			assert_eq!(cap.holder, Holder::Module(chain.democracy), "democracy holds it");
		}
		// Nobody else holds an upgradable capability for balance: it changes only by vote.
		assert!(caps_of(&Holder::Module(chain.balance)).is_empty());
	});
}

#[test]
fn a_proposal_missing_the_constitutional_rule_is_not_enacted_while_a_majority_one_is() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let upgrade = propose(&chain, &ALICE, BALANCE_UPGRADE, upgrade_balance_to_v2());
		let fee = propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(5));
		// 70 % aye (ALICE 600 + CHARLIE 100) against BOB's 300 on both.
		for id in [upgrade, fee] {
			vote(&chain, &ALICE, id, true);
			vote(&chain, &CHARLIE, id, true);
			vote(&chain, &BOB, id, false);
		}
		advance_to(now() + MAJORITY.voting_period + 1 + MAJORITY.enactment_delay + 2);

		assert_eq!(proposal(&chain, upgrade).status, Status::Rejected);
		assert_eq!(module_version(chain.balance), 1, "the constitution did not change");
		assert!(matches!(proposal(&chain, fee).status, Status::Enacted));
		let parameters: Parameters = query(&ALICE, chain.balance, b::function::PARAMETERS, ());
		assert_eq!(parameters.transfer_fee, 5, "the parameter changed");

		// The new fee applies: 10 sent, 15 spent, once BOB has his tokens back.
		unlock(&chain, &BOB);
		call(&BOB, chain.balance, b::function::TRANSFER, (holder(&CHARLIE), 10u128)).unwrap();
		assert_eq!(account_of(&chain, &BOB).free, 285);
	});
}

#[test]
fn a_vote_under_the_constitution_upgrades_balance_and_keeps_balances_and_capabilities() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		// A slashable capability from before the upgrade.
		call_full(
			&ALICE,
			chain.balance,
			b::function::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(
				chain.balance,
				BalanceCap::Slashable { account: raw(&ALICE), amount: 50 }.encode(),
			)],
		)
		.unwrap();
		let old_cap = caps_of(&account(&ALICE))[0];

		let id = propose(&chain, &BOB, BALANCE_UPGRADE, upgrade_balance_to_v2());
		for who in [&ALICE, &BOB, &CHARLIE] {
			vote(&chain, who, id, true);
		}
		advance_to(now() + CONSTITUTION.voting_period + 1);
		assert!(matches!(proposal(&chain, id).status, Status::Approved { .. }));
		assert_eq!(module_version(chain.balance), 1, "not before the enactment delay");
		advance_to(now() + CONSTITUTION.enactment_delay);

		assert_eq!(proposal(&chain, id).status, Status::Enacted);
		assert_eq!(module_version(chain.balance), 2);
		let revision: u32 = query(&ALICE, chain.balance, b::function::REVISION, ());
		assert_eq!(revision, 2, "the new code runs");
		// The voters' locks, taken by revision 1, are given back by revision 2.
		for who in [&ALICE, &BOB, &CHARLIE] {
			unlock(&chain, who);
		}
		assert_eq!(account_of(&chain, &ALICE), Account { free: 550, locked: 50 });
		assert_eq!(account_of(&chain, &BOB).free, 300);
		// Democracy still governs balance's upgrades: the fresh upgradable replaced the old.
		let entry = governed(&chain, BALANCE_UPGRADE);
		let fresh = Capabilities::<Test>::get(entry.cap.unwrap()).unwrap();
		assert_eq!(fresh.holder, Holder::Module(chain.democracy));
		// The capability minted by version 1 still works under version 2.
		invoke(&ALICE, old_cap, b::function::SPLIT, 20u128.encode(), Vec::new()).expect("split");
		assert_eq!(last_output().1.len(), 2);
	});
}

#[test]
fn an_enacted_proposal_cannot_be_enacted_again() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let id = propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(1));
		vote(&chain, &ALICE, id, true);
		advance_to(now() + MAJORITY.voting_period + 1 + MAJORITY.enactment_delay);
		assert_eq!(proposal(&chain, id).status, Status::Enacted);

		assert_fails!(
			call(&ALICE, chain.democracy, d::function::ENACT, id),
			Error::<Test>::ModuleReverted
		);
		advance_to(now() + 5);
		assert_eq!(proposal(&chain, id).status, Status::Enacted);
	});
}

#[test]
fn too_little_turnout_rejects_even_a_unanimous_vote() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		// CHARLIE alone holds 10 %: the constitution needs half of all tokens to vote.
		let id = propose(&chain, &CHARLIE, BALANCE_UPGRADE, upgrade_balance_to_v2());
		vote(&chain, &CHARLIE, id, true);
		advance_to(now() + CONSTITUTION.voting_period + 1 + CONSTITUTION.enactment_delay);
		assert_eq!(proposal(&chain, id).status, Status::Rejected);
		assert_eq!(module_version(chain.balance), 1);
	});
}

#[test]
fn locked_tokens_vote_once_and_cannot_move_until_unlocked() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let id = propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(9));
		vote(&chain, &BOB, id, true);
		vote(&chain, &CHARLIE, id, false);
		// BOB's 300 are locked for his vote: he cannot hand them to ALICE to vote again.
		assert_fails!(
			call(&BOB, chain.balance, b::function::TRANSFER, (holder(&ALICE), 300u128)),
			Error::<Test>::ModuleReverted
		);
		vote(&chain, &ALICE, id, false);
		advance_to(now() + MAJORITY.voting_period + 1);
		let tallied = proposal(&chain, id);
		assert_eq!((tallied.ayes, tallied.nays, tallied.total_issuance), (300, 700, 1_000));
		assert_eq!(tallied.status, Status::Rejected);

		// After the vote BOB takes his tokens back; the tally stays as it was.
		let unlocked: u128 = query(&BOB, chain.democracy, d::function::UNLOCK, ());
		assert_eq!(unlocked, 300);
		assert_eq!(account_of(&chain, &BOB), Account { free: 300, locked: 0 });
		assert!(lock_of(&chain, &BOB).is_none());
		call(&BOB, chain.balance, b::function::TRANSFER, (holder(&ALICE), 300u128)).expect("free");
		assert_eq!(proposal(&chain, id).ayes, 300);
	});
}

#[test]
fn nothing_locked_cannot_vote_and_no_voter_slots_can_be_filled() {
	use frame_support::traits::fungible::Mutate;
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let id = propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(1));
		// Without a lock there is no vote, whoever asks.
		assert_fails!(
			call(&BOB, chain.democracy, d::function::VOTE, VoteArgs { proposal: id, aye: true }),
			Error::<Test>::ModuleReverted
		);
		// More voters than the old 64 slots, one token each: every one counts.
		let voters: Vec<AccountId32> = (0..70u8).map(|i| AccountId32::new([100 + i; 32])).collect();
		for voter in &voters {
			Balances::set_balance(voter, 1_000_000);
			call(&ALICE, chain.balance, b::function::TRANSFER, (holder(voter), 1u128)).unwrap();
			vote(&chain, voter, id, true);
		}
		assert_eq!(proposal(&chain, id).ayes, 70);
		assert_eq!(account_of(&chain, &voters[69]), Account { free: 0, locked: 1 });
	});
}

#[test]
fn unlocking_withdraws_the_votes_still_open_and_returns_the_tokens() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let first = propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(1));
		let second = propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(2));
		vote(&chain, &BOB, first, true);
		vote(&chain, &BOB, second, false);
		let lock = lock_of(&chain, &BOB).expect("locked");
		assert_eq!((lock.amount, lock.proposals), (300, vec![first, second]));
		assert_eq!(account_of(&chain, &BOB), Account { free: 0, locked: 300 });

		let unlocked: u128 = query(&BOB, chain.democracy, d::function::UNLOCK, ());

		assert_eq!(unlocked, 300);
		assert_eq!((proposal(&chain, first).ayes, proposal(&chain, second).nays), (0, 0));
		assert_eq!(account_of(&chain, &BOB), Account { free: 300, locked: 0 });
		assert!(module_events().iter().any(|(module, data)| *module == chain.democracy
			&& DemocracyEvent::decode(&mut &data[..])
				== Ok(DemocracyEvent::Unlocked { who: raw(&BOB), amount: 300 })));
		assert_fails!(
			call(&BOB, chain.democracy, d::function::UNLOCK, ()),
			Error::<Test>::ModuleReverted
		);
	});
}

/// [`governed_chain`] with a proposal bond.
fn governed_chain_with_bond(bond: u128) -> Chain {
	let democracy = deploy(
		kernel_modules::DEMOCRACY,
		d::NAME,
		DemocracyInit { self_upgrade: None, proposal_bond: bond }.encode(),
	);
	let balance = deploy(
		kernel_modules::BALANCE,
		b::NAME,
		BalanceInit {
			endowments: vec![(holder(&ALICE), 600), (holder(&BOB), 300), (holder(&CHARLIE), 100)],
			..Default::default()
		}
		.encode(),
	);
	Chain { democracy, balance, staking: ModuleId::MAX }
}

#[test]
fn a_proposal_needs_the_bond_locked_and_keeps_it_until_it_closes() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain_with_bond(50);
		let governed = push_own(&chain, MAJORITY);
		let args = ProposeArgs { governed, action: set_fee(1) }.encode();
		let propose_with = |lock: Option<u128>| {
			let (caps, requests) = match lock {
				Some(amount) => {
					(vec![CapRef::Request(0)], vec![(chain.balance, locked(&BOB, amount))])
				},
				None => (Vec::new(), Vec::new()),
			};
			call_full(&BOB, chain.democracy, d::function::PROPOSE, args.clone(), caps, requests)
		};
		assert_fails!(propose_with(None), Error::<Test>::ModuleReverted);
		assert_fails!(propose_with(Some(49)), Error::<Test>::ModuleReverted);

		propose_with(Some(60)).expect("bonded");
		let id: u32 = decode_output();
		assert_eq!(account_of(&chain, &BOB), Account { free: 240, locked: 60 });
		assert_fails!(
			call(&BOB, chain.democracy, d::function::UNLOCK, ()),
			Error::<Test>::ModuleReverted
		);

		advance_to(proposal(&chain, id).ends + 1);
		assert_eq!(proposal(&chain, id).status, Status::Rejected);
		let unlocked: u128 = query(&BOB, chain.democracy, d::function::UNLOCK, ());
		assert_eq!(unlocked, 60);
		assert_eq!(account_of(&chain, &BOB), Account { free: 300, locked: 0 });
	});
}

#[test]
fn on_block_takes_due_proposals_from_the_head_of_its_queue_a_few_per_block() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let ids: Vec<u32> =
			(0..6).map(|fee| propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(fee))).collect();
		let later = {
			advance_to(now() + 1);
			propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(9))
		};
		let voting = |chain: &Chain| -> usize {
			ids.iter().filter(|id| proposal(chain, **id).status == Status::Voting).count()
		};
		let due = proposal(&chain, ids[0]).ends + 1;
		advance_to(due - 1);
		assert_eq!(voting(&chain), 6, "not due yet");
		advance_to(due);
		assert_eq!(voting(&chain), 2, "four per block");
		advance_to(due + 1);
		assert_eq!(voting(&chain), 0);
		assert_eq!(proposal(&chain, later).status, Status::Rejected, "due one block later");
	});
}

#[test]
fn a_rule_changes_only_through_a_vote_under_the_current_rule() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let stricter = Rule { approval_percent: 75, ..MAJORITY };
		let id = propose(&chain, &ALICE, BALANCE_PARAMETERS, Action::SetRule(stricter));
		vote(&chain, &ALICE, id, true);
		advance_to(now() + MAJORITY.voting_period + 1 + MAJORITY.enactment_delay);
		assert_eq!(governed(&chain, BALANCE_PARAMETERS).rule, stricter);

		// 60 % no longer passes a parameter change.
		let fee = propose(&chain, &ALICE, BALANCE_PARAMETERS, set_fee(3));
		vote(&chain, &ALICE, fee, true);
		vote(&chain, &BOB, fee, false);
		vote(&chain, &CHARLIE, fee, false);
		advance_to(now() + stricter.voting_period + 1);
		assert_eq!(proposal(&chain, fee).status, Status::Rejected);

		// An invalid rule cannot even be proposed.
		let impossible = Rule { approval_percent: 101, ..MAJORITY };
		assert_fails!(
			call(
				&ALICE,
				chain.democracy,
				d::function::PROPOSE,
				ProposeArgs { governed: BALANCE_PARAMETERS, action: Action::SetRule(impossible) },
			),
			Error::<Test>::ModuleReverted
		);
	});
}

/// ALICE hands democracy a capability of her own under `rule`; returns its governed id.
fn push_own(chain: &Chain, rule: Rule) -> u32 {
	let tester = deploy_tester("pushed");
	let cap = mint_to(&ALICE, tester, b"governed");
	let args = PushArgs { rule, label: b"alice's".to_vec() };
	call_full(
		&ALICE,
		chain.democracy,
		d::function::PUSH,
		args.encode(),
		vec![CapRef::Held(cap)],
		Vec::new(),
	)
	.expect("push");
	decode_output()
}

fn tighten(
	chain: &Chain,
	who: &AccountId32,
	governed: u32,
	rule: Rule,
) -> DispatchResultWithPostInfo {
	call(who, chain.democracy, d::function::TIGHTEN, TightenArgs { governed, rule })
}

#[test]
fn whoever_pushed_a_capability_can_tighten_its_rule_without_a_vote_but_never_loosen_it() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let id = push_own(&chain, MAJORITY);
		let stricter = Rule { approval_percent: 75, enactment_delay: 3, ..MAJORITY };

		// Nobody else; nothing looser in any field; nothing invalid.
		assert_fails!(tighten(&chain, &BOB, id, stricter), Error::<Test>::ModuleReverted);
		let looser = Rule { approval_percent: 40, ..MAJORITY };
		assert_fails!(tighten(&chain, &ALICE, id, looser), Error::<Test>::ModuleReverted);
		let one_field_looser = Rule { approval_percent: 90, voting_period: 4, ..MAJORITY };
		assert_fails!(tighten(&chain, &ALICE, id, one_field_looser), Error::<Test>::ModuleReverted);
		let invalid = Rule { approval_percent: 101, ..MAJORITY };
		assert_fails!(tighten(&chain, &ALICE, id, invalid), Error::<Test>::ModuleReverted);
		// The genesis capabilities were pushed by modules: no account tightens them.
		assert_fails!(
			tighten(&chain, &ALICE, BALANCE_PARAMETERS, CONSTITUTION),
			Error::<Test>::ModuleReverted
		);
		assert_eq!(governed(&chain, id).rule, MAJORITY);

		tighten(&chain, &ALICE, id, stricter).expect("stricter");
		assert_eq!(governed(&chain, id).rule, stricter);
		let event = DemocracyEvent::RuleTightened { governed: id, rule: stricter };
		assert!(module_events().contains(&(chain.democracy, event.encode())));
		tighten(&chain, &ALICE, id, stricter).expect("the same rule again is not looser");
	});
}

#[test]
fn a_proposal_still_open_is_tallied_under_the_tightened_rule() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let id = push_own(&chain, MAJORITY);
		let open = propose(&chain, &BOB, id, Action::SetRule(MAJORITY));
		// 600 aye against 100 nay: 86 %, enough for a majority.
		vote(&chain, &ALICE, open, true);
		vote(&chain, &CHARLIE, open, false);

		tighten(&chain, &ALICE, id, Rule { approval_percent: 90, ..MAJORITY }).expect("tighten");
		advance_to(now() + MAJORITY.voting_period + 1);

		let tallied = proposal(&chain, open);
		assert_eq!((tallied.ayes, tallied.nays), (600, 100));
		assert_eq!(tallied.status, Status::Rejected, "86 % is short of the 90 % now required");
	});
}

#[test]
fn staking_bonds_a_slashable_capability_and_governance_slashes_it() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		bond(&chain, &ALICE, 200).expect("bond");
		let stake: Option<Stake> = query(&BOB, chain.staking, s::function::STAKE, raw(&ALICE));
		let stake = stake.expect("bonded");
		assert_eq!(stake.amount, 200);
		assert_eq!(
			Capabilities::<Test>::get(stake.cap).unwrap().holder,
			Holder::Module(chain.staking)
		);
		assert_eq!(account_of(&chain, &ALICE), Account { free: 400, locked: 200 });

		// Governance decides a slash of 50.
		let order = SlashOrder { account: raw(&ALICE), amount: 50 };
		let id = propose(
			&chain,
			&BOB,
			STAKING_SLASH,
			Action::Invoke {
				function: s::function::SLASH.as_bytes().to_vec(),
				params: order.encode(),
			},
		);
		vote(&chain, &BOB, id, true);
		vote(&chain, &ALICE, id, false);
		// BOB's 300 against the 400 ALICE has not bonded (bonded tokens are locked for staking
		// and do not vote): 50 % of the votes cast is not reached...
		advance_to(now() + MAJORITY.voting_period + 1);
		assert_eq!(proposal(&chain, id).status, Status::Rejected);

		// ...until ALICE agrees.
		let id = propose(
			&chain,
			&BOB,
			STAKING_SLASH,
			Action::Invoke {
				function: s::function::SLASH.as_bytes().to_vec(),
				params: order.encode(),
			},
		);
		vote(&chain, &ALICE, id, true);
		advance_to(now() + MAJORITY.voting_period + 1 + MAJORITY.enactment_delay);
		assert_eq!(proposal(&chain, id).status, Status::Enacted);
		let stake: Stake =
			query::<Option<Stake>>(&BOB, chain.staking, s::function::STAKE, raw(&ALICE)).unwrap();
		assert_eq!(stake.amount, 150, "staking keeps the remainder");
		assert_eq!(account_of(&chain, &ALICE), Account { free: 0, locked: 550 });
		unlock(&chain, &ALICE);
		assert_eq!(account_of(&chain, &ALICE), Account { free: 400, locked: 150 });
		let total: u128 = query(&BOB, chain.balance, b::function::TOTAL_ISSUANCE, ());
		assert_eq!(total, 950, "slashed funds are burnt");
		// The slasher came back to democracy for next time.
		let slasher = governed(&chain, STAKING_SLASH).cap.expect("still governed");
		assert_eq!(
			Capabilities::<Test>::get(slasher).unwrap().holder,
			Holder::Module(chain.democracy)
		);
	});
}

#[test]
fn unbonding_drops_the_capability_after_the_delay() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		bond(&chain, &BOB, 100).unwrap();
		assert_fails!(
			call(&BOB, chain.staking, s::function::WITHDRAW, ()),
			Error::<Test>::ModuleReverted
		);
		let at: u64 = query(&BOB, chain.staking, s::function::UNBOND, ());
		assert_eq!(at, now() + UNBONDING_DELAY);
		assert_fails!(
			call(&BOB, chain.staking, s::function::WITHDRAW, ()),
			Error::<Test>::ModuleReverted
		);

		advance_to(at);
		call(&BOB, chain.staking, s::function::WITHDRAW, ()).expect("withdraw");
		assert_eq!(account_of(&chain, &BOB), Account { free: 300, locked: 0 });
		let stake: Option<Stake> = query(&BOB, chain.staking, s::function::STAKE, raw(&BOB));
		assert_eq!(stake, None);
	});
}

#[test]
fn bond_refuses_someone_elses_or_a_foreign_capability() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		let tester = deploy_tester("t");
		let foreign = mint_to(&ALICE, tester, b"not balance");
		assert_fails!(
			call_full(
				&ALICE,
				chain.staking,
				s::function::BOND,
				Vec::new(),
				vec![CapRef::Held(foreign)],
				Vec::new()
			),
			Error::<Test>::ModuleReverted
		);
		// BOB's slashable capability, given to ALICE, is not ALICE's stake.
		call_full(
			&BOB,
			chain.balance,
			b::function::TOTAL_ISSUANCE,
			Vec::new(),
			Vec::new(),
			vec![(
				chain.balance,
				BalanceCap::Slashable { account: raw(&BOB), amount: 10 }.encode(),
			)],
		)
		.unwrap();
		let bobs = caps_of(&account(&BOB))[0];
		Kernel::transfer_capability(origin(&BOB), bobs, account(&ALICE)).unwrap();
		assert_fails!(
			call_full(
				&ALICE,
				chain.staking,
				s::function::BOND,
				Vec::new(),
				vec![CapRef::Held(bobs)],
				Vec::new()
			),
			Error::<Test>::ModuleReverted
		);
	});
}

#[test]
fn stakers_are_listed_in_pages_of_bounded_size() {
	new_test_ext().execute_with(|| {
		let chain = governed_chain();
		for (who, amount) in [(&ALICE, 10), (&BOB, 20), (&CHARLIE, 30)] {
			bond(&chain, who, amount).expect("bond");
		}
		let page = |start_after: Option<[u8; 32]>, limit: u32| -> Vec<([u8; 32], Stake)> {
			query(&BOB, chain.staking, s::function::STAKERS, s::StakersPage { start_after, limit })
		};

		let all = page(None, 10);
		assert_eq!(all.len(), 3);
		let first = page(None, 2);
		assert_eq!(first, all[..2].to_vec());
		let rest = page(Some(first[1].0), 2);
		assert_eq!(rest, all[2..].to_vec());
		assert!(page(Some(all[2].0), 2).is_empty());
		assert!(page(None, 0).is_empty());
		let mut amounts: Vec<u128> = all.iter().map(|(_, stake)| stake.amount).collect();
		amounts.sort();
		assert_eq!(amounts, vec![10, 20, 30]);
	});
}
