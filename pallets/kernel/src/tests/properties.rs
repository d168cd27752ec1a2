//! Model-based property tests: random sequences of capability operations on the real `balance`
//! module, by several accounts, checked after every step against a simple model.
//!
//! The model knows each account's free and locked balance, the issuance, and every live
//! capability (holder and data). After every step the kernel and the module must agree with it:
//! every capability has exactly one holder and the holder index says the same; an id is never
//! reused nor comes back once consumed; only the holder's actions succeed; tokens are conserved
//! (issuance = Σ free + locked, and it falls only by slashes without a beneficiary); an
//! account's locked balance is what its live capabilities stand for; and a step the model says
//! must fail fails and changes nothing the model can see.
//!
//! `PROPTEST_CASES` sets the number of sequences (32 by default, for CI); for example
//! `PROPTEST_CASES=2000 cargo test -p pallet-kernel properties` for a longer run. Shrunk
//! failures are kept in `proptest-regressions/` and replayed first.

use super::{balance::holder, *};
use crate::{Capabilities, HeldBy};
use kernel_primitives::Creator;
use module_interfaces::balance::{
	function as bf, Account, Balance, BalanceCap, BalanceInit, SlashArgs,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const ACCOUNTS: [AccountId32; 3] = [ALICE, BOB, CHARLIE];
const ENDOWED: [Balance; 3] = [1_000, 500, 200];

/// One step of a sequence; `who` and `to` index [`ACCOUNTS`], `pick` chooses a capability.
#[derive(Clone, Debug)]
enum Op {
	/// `who` requests a capability over `amount` of `whose` funds (refused unless its own).
	Request { who: usize, whose: usize, transferable: bool, amount: Balance },
	/// `balance.transfer` of free funds.
	Transfer { who: usize, to: usize, amount: Balance },
	/// Invoke `split` on a capability.
	Split { who: usize, pick: usize, part: Balance },
	/// Invoke `slash` on a capability, to a beneficiary or burning.
	Slash { who: usize, pick: usize, amount: Balance, beneficiary: Option<usize> },
	/// Invoke `transfer` on a capability: pay locked funds to `to`.
	Pay { who: usize, pick: usize, value: Balance, to: usize },
	/// `Kernel::transfer_capability` to another account.
	Give { who: usize, pick: usize, to: usize },
	/// `Kernel::drop_capability`: the creator unlocks the funds.
	Drop { who: usize, pick: usize },
	/// Invoke a capability that was consumed or never minted.
	InvokeGone { who: usize, pick: usize },
}

fn op() -> impl Strategy<Value = Op> {
	let who = 0..3usize;
	prop_oneof![
		3 => (who.clone(), prop_oneof![4 => Just(None), 1 => (0..3usize).prop_map(Some)], any::<bool>(), 0..400u128)
			.prop_map(|(who, other, transferable, amount)| Op::Request { who, whose: other.unwrap_or(who), transferable, amount }),
		2 => (who.clone(), 0..3usize, 0..600u128).prop_map(|(who, to, amount)| Op::Transfer { who, to, amount }),
		2 => (who.clone(), any::<usize>(), 0..300u128).prop_map(|(who, pick, part)| Op::Split { who, pick, part }),
		2 => (who.clone(), any::<usize>(), 0..300u128, proptest::option::of(0..3usize))
			.prop_map(|(who, pick, amount, beneficiary)| Op::Slash { who, pick, amount, beneficiary }),
		2 => (who.clone(), any::<usize>(), 0..300u128, 0..3usize).prop_map(|(who, pick, value, to)| Op::Pay { who, pick, value, to }),
		2 => (who.clone(), any::<usize>(), 0..3usize).prop_map(|(who, pick, to)| Op::Give { who, pick, to }),
		2 => (who.clone(), any::<usize>()).prop_map(|(who, pick)| Op::Drop { who, pick }),
		1 => (who, any::<usize>()).prop_map(|(who, pick)| Op::InvokeGone { who, pick }),
	]
}

/// What the kernel and `balance` should hold.
#[derive(Clone, Debug)]
struct Model {
	free: [Balance; 3],
	locked: [Balance; 3],
	issuance: Balance,
	/// Live capabilities minted by `balance`: id → (holder, data).
	caps: BTreeMap<CapId, (usize, BalanceCap)>,
	/// Ids that were consumed or dropped.
	gone: BTreeSet<CapId>,
	/// The largest id seen so far: a new one must be larger.
	last_id: Option<CapId>,
}

impl Model {
	fn new() -> Self {
		Model {
			free: ENDOWED,
			locked: [0; 3],
			issuance: ENDOWED.iter().sum(),
			caps: BTreeMap::new(),
			gone: BTreeSet::new(),
			last_id: None,
		}
	}

	/// The capability `pick` names: one of the live ones, or (none being live) one never minted.
	fn pick(&self, pick: usize) -> CapId {
		match self.caps.keys().nth(pick % self.caps.len().max(1)) {
			Some(id) => *id,
			None => self.never_minted(),
		}
	}

	fn never_minted(&self) -> CapId {
		self.last_id.map_or(1_000_000, |id| id + 1_000)
	}

	/// The capability `id` if `who` holds it.
	fn held(&self, who: usize, id: CapId) -> Option<BalanceCap> {
		self.caps.get(&id).filter(|(holder, _)| *holder == who).map(|(_, data)| *data)
	}
}

fn index_of(account: &[u8; 32]) -> usize {
	ACCOUNTS.iter().position(|a| raw(a) == *account).expect("one of the model's accounts")
}

fn raw(who: &AccountId32) -> [u8; 32] {
	who.clone().into()
}

/// What a step should do, if it succeeds: the model after it and the capabilities it mints
/// (data, for the new ids to be matched against), held by `who`.
struct Expected {
	model: Model,
	minted: Vec<BalanceCap>,
}

/// The model's prediction for `op`: `None` if it must fail.
fn predict(model: &Model, op: &Op) -> Option<Expected> {
	let mut next = model.clone();
	let mut minted = Vec::new();
	let consume = |next: &mut Model, id: CapId| {
		next.caps.remove(&id);
		next.gone.insert(id);
	};
	match *op {
		Op::Request { who, whose, transferable, amount } => {
			if whose != who || amount == 0 || amount > model.free[who] {
				return None;
			}
			next.free[who] -= amount;
			next.locked[who] += amount;
			let account = raw(&ACCOUNTS[who]);
			minted.push(if transferable {
				BalanceCap::Transferable { account, amount }
			} else {
				BalanceCap::Slashable { account, amount }
			});
		},
		Op::Transfer { who, to, amount } => {
			if amount > model.free[who] {
				return None;
			}
			next.free[who] -= amount;
			next.free[to] += amount;
		},
		Op::Split { who, pick, part } => {
			let id = model.pick(pick);
			let BalanceCap::Slashable { account, amount } = model.held(who, id)? else {
				return None;
			};
			if part == 0 || part >= amount {
				return None;
			}
			consume(&mut next, id);
			minted.push(BalanceCap::Slashable { account, amount: part });
			minted.push(BalanceCap::Slashable { account, amount: amount - part });
		},
		Op::Slash { who, pick, amount: slashed, beneficiary } => {
			let id = model.pick(pick);
			let BalanceCap::Slashable { account, amount } = model.held(who, id)? else {
				return None;
			};
			let rest = amount.checked_sub(slashed)?;
			consume(&mut next, id);
			next.locked[index_of(&account)] -= slashed;
			match beneficiary {
				Some(to) => next.free[to] += slashed,
				None => next.issuance -= slashed,
			}
			if rest > 0 {
				minted.push(BalanceCap::Slashable { account, amount: rest });
			}
		},
		Op::Pay { who, pick, value, to } => {
			let id = model.pick(pick);
			let BalanceCap::Transferable { account, amount } = model.held(who, id)? else {
				return None;
			};
			let rest = amount.checked_sub(value)?;
			consume(&mut next, id);
			next.locked[index_of(&account)] -= value;
			next.free[to] += value;
			if rest > 0 {
				minted.push(BalanceCap::Transferable { account, amount: rest });
			}
		},
		Op::Give { who, pick, to } => {
			let id = model.pick(pick);
			let data = model.held(who, id)?;
			next.caps.insert(id, (to, data));
		},
		Op::Drop { who, pick } => {
			let id = model.pick(pick);
			let data = model.held(who, id)?;
			consume(&mut next, id);
			let owner = index_of(data.account().expect("an account's capability"));
			next.locked[owner] -= data.amount();
			next.free[owner] += data.amount();
		},
		Op::InvokeGone { .. } => return None,
	}
	Some(Expected { model: next, minted })
}

/// Runs `op` on the chain.
fn apply(balance: ModuleId, model: &Model, op: &Op) -> DispatchResultWithPostInfo {
	let who = |i: usize| &ACCOUNTS[i];
	match *op {
		Op::Request { who: i, whose, transferable, amount } => {
			let account = raw(&ACCOUNTS[whose]);
			let data = if transferable {
				BalanceCap::Transferable { account, amount }
			} else {
				BalanceCap::Slashable { account, amount }
			};
			call_full(
				who(i),
				balance,
				bf::TOTAL_ISSUANCE,
				Vec::new(),
				Vec::new(),
				vec![(balance, data.encode())],
			)
		},
		Op::Transfer { who: i, to, amount } => {
			call(who(i), balance, bf::TRANSFER, (holder(who(to)), amount))
		},
		Op::Split { who: i, pick, part } => {
			invoke(who(i), model.pick(pick), bf::SPLIT, part.encode(), Vec::new())
		},
		Op::Slash { who: i, pick, amount, beneficiary } => {
			let args = SlashArgs { amount, beneficiary: beneficiary.map(|b| holder(who(b))) };
			invoke(who(i), model.pick(pick), bf::SLASH, args.encode(), Vec::new())
		},
		Op::Pay { who: i, pick, value, to } => invoke(
			who(i),
			model.pick(pick),
			bf::TRANSFER,
			(holder(who(to)), value).encode(),
			Vec::new(),
		),
		Op::Give { who: i, pick, to } => {
			Kernel::transfer_capability(origin(who(i)), model.pick(pick), account(who(to)))
				.map(Into::into)
				.map_err(Into::into)
		},
		Op::Drop { who: i, pick } => {
			Kernel::drop_capability(origin(who(i)), model.pick(pick), LIMIT)
		},
		Op::InvokeGone { who: i, pick } => {
			let gone: Vec<CapId> = model.gone.iter().copied().collect();
			let id = gone.get(pick % gone.len().max(1)).copied().unwrap_or(model.never_minted());
			invoke(who(i), id, bf::SPLIT, 1u128.encode(), Vec::new())
		},
	}
}

/// The ids `CapabilityMinted` events announced since the events were last reset.
fn minted_ids() -> Vec<CapId> {
	kernel_events()
		.into_iter()
		.filter_map(|event| match event {
			KernelEvent::CapabilityMinted { id, .. } => Some(id),
			_ => None,
		})
		.collect()
}

/// The capabilities `balance` created, as the kernel records them: id → (holder, data).
fn kernel_caps(balance: ModuleId) -> BTreeMap<CapId, (Holder<AccountId32>, BalanceCap)> {
	Capabilities::<Test>::iter()
		.filter(|(_, cap)| cap.creator == Creator::Module(balance))
		.map(|(id, cap)| {
			let data = BalanceCap::decode(&mut &cap.data[..]).expect("balance's data");
			(id, (cap.holder, data))
		})
		.collect()
}

/// Every invariant, kernel and module against the model.
fn check(balance: ModuleId, model: &Model) -> Result<(), TestCaseError> {
	for (i, who) in ACCOUNTS.iter().enumerate() {
		let held: Account = query(&CHARLIE, balance, bf::ACCOUNT, holder(who));
		prop_assert_eq!(held, Account { free: model.free[i], locked: model.locked[i] });
		let locked_by_caps: Balance = model
			.caps
			.values()
			.filter(|(_, data)| data.account() == Some(&raw(who)))
			.map(|(_, data)| data.amount())
			.sum();
		prop_assert_eq!(model.locked[i], locked_by_caps, "locked funds are what caps stand for");
	}
	let issuance: Balance = query(&CHARLIE, balance, bf::TOTAL_ISSUANCE, ());
	prop_assert_eq!(issuance, model.issuance);
	let held_in_accounts: Balance = model.free.iter().chain(&model.locked).sum();
	prop_assert_eq!(held_in_accounts, issuance, "tokens are conserved");

	let expected: BTreeMap<_, _> = model
		.caps
		.iter()
		.map(|(id, (holder, data))| (*id, (account(&ACCOUNTS[*holder]), *data)))
		.collect();
	let recorded = kernel_caps(balance);
	prop_assert_eq!(&recorded, &expected, "each capability, its one holder and its data");
	// The accounts hold nothing but `balance`'s capabilities, so their index is the model's.
	for (i, who) in ACCOUNTS.iter().enumerate() {
		let indexed: BTreeSet<CapId> = caps_of(&account(who)).into_iter().collect();
		let modelled: BTreeSet<CapId> =
			model.caps.iter().filter(|(_, (h, _))| *h == i).map(|(id, _)| *id).collect();
		prop_assert_eq!(indexed, modelled, "the holder index agrees");
	}
	for (holder, id) in HeldBy::<Test>::iter_keys() {
		let cap = Capabilities::<Test>::get(id);
		prop_assert_eq!(cap.map(|cap| cap.holder), Some(holder), "index entry of {}", id);
	}
	for id in &model.gone {
		prop_assert!(!Capabilities::<Test>::contains_key(id), "consumed capability {} is back", id);
	}
	Ok(())
}

/// Runs one step and checks it against the model; returns the model after it.
fn step(balance: ModuleId, model: Model, op: &Op) -> Result<Model, TestCaseError> {
	frame_system::Pallet::<Test>::reset_events();
	let expected = predict(&model, op);
	let outcome = apply(balance, &model, op);
	let Some(Expected { model: mut next, minted }) = expected else {
		prop_assert!(outcome.is_err(), "{:?} should fail: only the holder's actions succeed", op);
		check(balance, &model)?;
		return Ok(model);
	};
	prop_assert!(outcome.is_ok(), "{:?} should succeed: {:?}", op, outcome);
	let ids = minted_ids();
	prop_assert_eq!(ids.len(), minted.len(), "{:?} mints {} capabilities", op, minted.len());
	let recorded = kernel_caps(balance);
	let mut data: Vec<BalanceCap> = Vec::new();
	for id in &ids {
		prop_assert!(model.last_id.is_none_or(|last| *id > last), "id {} is reused", id);
		prop_assert!(!model.gone.contains(id), "id {} comes back", id);
		let (holder, cap) = recorded.get(id).cloned().expect("a minted capability is recorded");
		prop_assert_eq!(&holder, &account(&ACCOUNTS[op_actor(op)]), "minted to the actor");
		next.caps.insert(*id, (op_actor(op), cap));
		next.last_id = Some(*id);
		data.push(cap);
	}
	prop_assert_eq!(data, minted, "the new capabilities stand for what the model says");
	check(balance, &next)?;
	Ok(next)
}

fn op_actor(op: &Op) -> usize {
	match *op {
		Op::Request { who, .. }
		| Op::Transfer { who, .. }
		| Op::Split { who, .. }
		| Op::Slash { who, .. }
		| Op::Pay { who, .. }
		| Op::Give { who, .. }
		| Op::Drop { who, .. }
		| Op::InvokeGone { who, .. } => who,
	}
}

fn cases() -> u32 {
	std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(32)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

	#[test]
	fn capability_and_token_invariants_hold_after_every_step(ops in proptest::collection::vec(op(), 1..40)) {
		new_test_ext().execute_with(|| {
			let endowments = ACCOUNTS.iter().zip(ENDOWED).map(|(a, e)| (holder(a), e)).collect();
			let balance = deploy(
				kernel_modules::BALANCE,
				"balance",
				BalanceInit { endowments, governance: None }.encode(),
			);
			let mut model = Model::new();
			check(balance, &model)?;
			for op in &ops {
				model = step(balance, model, op)?;
			}
			Ok::<_, TestCaseError>(())
		})?;
	}
}
