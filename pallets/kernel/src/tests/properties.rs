//! Model-based property tests: random sequences of capability operations on the real `balance`
//! module, by several accounts, with a `tester` module that holds capabilities, is upgraded
//! and destroyed, and a hostile module that fails in every way while holding what it was
//! passed; checked after every step against a simple model.
//!
//! The model knows each account's free and locked balance, the issuance, and every live
//! capability (holder and data). After every step the kernel and the module must agree with it:
//! every capability has exactly one holder and the holder index says the same; an id is never
//! reused nor comes back once consumed; only the holder's actions succeed; tokens are conserved
//! (issuance = Σ free + locked, and it falls only by slashes without a beneficiary); an
//! account's locked balance is what its live capabilities stand for; and a step the model says
//! must fail fails and changes nothing the model can see; a destroyed module's capabilities are
//! dropped with its storage (`balance` unlocks what they covered); and every module's deposit
//! is what the rules say, and all of them are what its deployer has on hold.
//!
//! `PROPTEST_CASES` sets the number of sequences (32 by default, for CI); for example
//! `PROPTEST_CASES=2000 cargo test -p pallet-kernel properties` for a longer run. Shrunk
//! failures are kept in `proptest-regressions/` and replayed first.

use super::{balance::holder, *};
use crate::{storage::ModuleStorage, Pallet as KernelPallet};
use crate::{Capabilities, HeldBy};
use frame_support::traits::Hooks;
use kernel_primitives::{
	system::{CodeSource, SystemCap, UpgradeParams},
	CapRef, Creator,
};
use module_interfaces::balance::{
	function as bf, Account, Balance, BalanceCap, BalanceInit, SlashArgs,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const ACCOUNTS: [AccountId32; 3] = [ALICE, BOB, CHARLIE];
/// The model's holder index of the scratch module (0..3 are [`ACCOUNTS`]).
const SCRATCH: usize = 3;
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
	/// `Kernel::transfer_capability` to the scratch module.
	GiveToScratch { who: usize, pick: usize },
	/// Call the hostile module, which fails (`kind`: spin, trap, write then revert), passing a
	/// held capability if `pass`.
	Hostile { who: usize, kind: u8, pass: Option<usize> },
	/// Upgrade the scratch module with its `system::upgradable` (held by ALICE).
	Upgrade { who: usize },
	/// Destroy the scratch module with its `system::destroy` (held by ALICE); its storage and
	/// capabilities are deleted in the idle time after.
	Destroy { who: usize },
	/// `who` deploys another copy of the hostile module (its deposit held from `who`).
	Deploy { who: usize },
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
		1 => (who.clone(), any::<usize>()).prop_map(|(who, pick)| Op::InvokeGone { who, pick }),
		2 => (who.clone(), any::<usize>()).prop_map(|(who, pick)| Op::GiveToScratch { who, pick }),
		2 => (who.clone(), any::<u8>(), proptest::option::of(any::<usize>()))
			.prop_map(|(who, kind, pass)| Op::Hostile { who, kind, pass }),
		1 => prop_oneof![4 => Just(0usize), 1 => 0..3usize].prop_map(|who| Op::Upgrade { who }),
		1 => prop_oneof![4 => Just(0usize), 1 => 0..3usize].prop_map(|who| Op::Destroy { who }),
		1 => (0..3usize).prop_map(|who| Op::Deploy { who }),
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
	/// Whether the scratch module exists, and its code version.
	scratch_alive: bool,
	scratch_version: u32,
	/// The scratch module's `system::upgradable` and `system::destroy`, held by ALICE (the
	/// destroy capability is gone once used).
	upgradable: CapId,
	destroy: Option<CapId>,
	/// Modules deployed by the `Deploy` steps so far.
	deployed: usize,
}

impl Model {
	fn new(world: &World) -> Self {
		Model {
			free: ENDOWED,
			locked: [0; 3],
			issuance: ENDOWED.iter().sum(),
			caps: BTreeMap::new(),
			gone: BTreeSet::new(),
			last_id: Some(world.upgradable.max(world.destroy)),
			scratch_alive: true,
			scratch_version: 1,
			upgradable: world.upgradable,
			destroy: Some(world.destroy),
			deployed: 0,
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
		Op::InvokeGone { .. } | Op::Hostile { .. } => return None,
		Op::GiveToScratch { who, pick } => {
			let id = model.pick(pick);
			let data = model.held(who, id)?;
			if !model.scratch_alive {
				return None;
			}
			next.caps.insert(id, (SCRATCH, data));
		},
		Op::Deploy { .. } => next.deployed += 1,
		Op::Upgrade { who } => {
			if who != 0 || !model.scratch_alive {
				return None;
			}
			// The capability is consumed and a fresh one minted: `step` records its id.
			next.gone.insert(model.upgradable);
			next.scratch_version += 1;
		},
		Op::Destroy { who } => {
			let destroy = model.destroy?;
			if who != 0 || !model.scratch_alive {
				return None;
			}
			next.gone.insert(destroy);
			next.destroy = None;
			next.scratch_alive = false;
			// Deleting its holdings drops each capability: `balance` unlocks what it covered.
			let held: Vec<(CapId, BalanceCap)> = model
				.caps
				.iter()
				.filter(|(_, (holder, _))| *holder == SCRATCH)
				.map(|(id, (_, data))| (*id, *data))
				.collect();
			for (id, data) in held {
				consume(&mut next, id);
				let owner = index_of(data.account().expect("an account's capability"));
				next.locked[owner] -= data.amount();
				next.free[owner] += data.amount();
			}
		},
	}
	Some(Expected { model: next, minted })
}

/// The modules of a run: `balance`, the scratch `tester` (whose system capabilities ALICE
/// holds) and a hostile module.
struct World {
	balance: ModuleId,
	scratch: ModuleId,
	hostile: ModuleId,
	upgradable: CapId,
	destroy: CapId,
}

impl World {
	fn new() -> Self {
		let endowments = ACCOUNTS.iter().zip(ENDOWED).map(|(a, e)| (holder(a), e)).collect();
		let balance = deploy(
			kernel_modules::BALANCE,
			"balance",
			BalanceInit { endowments, governance: None, ..Default::default() }.encode(),
		);
		let scratch = deploy_tester("scratch");
		let init_caps = stats(scratch).init_caps;
		for cap in &init_caps {
			let code: u32 = query(&ALICE, scratch, tf::GIVE, (*cap, account(&ALICE)));
			assert_eq!(code, 0, "the scratch module hands ALICE its system capabilities");
		}
		let system = |id: CapId| {
			let record = Capabilities::<Test>::get(id).expect("exists");
			SystemCap::decode(&mut &record.data[..]).expect("a system capability")
		};
		let (mut upgradable, mut destroy) = (None, None);
		for id in init_caps {
			match system(id) {
				SystemCap::Upgradable(_) => upgradable = Some(id),
				SystemCap::Destroy(_) => destroy = Some(id),
			}
		}
		// Staged once, for every upgrade of the run (the code is larger than `MaxParamsLen`).
		Kernel::upload_code(origin(&CHARLIE), bounded(kernel_modules::TESTER)).expect("staged");
		let hostile = deploy(&hostile_code(), "hostile", Vec::new());
		World {
			balance,
			scratch,
			hostile,
			upgradable: upgradable.expect("an upgradable capability"),
			destroy: destroy.expect("a destroy capability"),
		}
	}

	/// The kernel's holder for the model's holder index.
	fn holder(&self, index: usize) -> Holder<AccountId32> {
		if index == SCRATCH {
			Holder::Module(self.scratch)
		} else {
			account(&ACCOUNTS[index])
		}
	}
}

/// A module whose `call` holds what it is passed and then fails: by the first letter of the
/// function, it spins (`s`), traps (`t`) or writes a key and reverts (anything else).
fn hostile_code() -> Vec<u8> {
	wat(r#"(module
		(import "kernel" "input" (func $input (param i32 i32) (result i32)))
		(import "kernel" "storage_set" (func $set (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "return_value" (func $return (param i32 i32 i32)))
		(memory (export "memory") 1)
		(data (i32.const 2000) "kv")
		(func (export "init"))
		(func (export "call") (local $f i32)
			(i32.store (i32.const 0) (i32.const 1024))
			(drop (call $input (i32.const 8) (i32.const 0)))
			(local.set $f (i32.load8_u (i32.const 9)))
			(if (i32.eq (local.get $f) (i32.const 115)) (then (loop $l (br $l))))
			(if (i32.eq (local.get $f) (i32.const 116)) (then unreachable))
			(drop (call $set (i32.const 2000) (i32.const 1) (i32.const 2001) (i32.const 1)))
			(call $return (i32.const 1) (i32.const 2000) (i32.const 2))))"#)
}

/// Runs `op` on the chain.
fn apply(world: &World, model: &Model, op: &Op) -> DispatchResultWithPostInfo {
	let balance = world.balance;
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
			Kernel::drop_capability(origin(who(i)), model.pick(pick), LIMIT, None)
		},
		Op::InvokeGone { who: i, pick } => {
			let gone: Vec<CapId> = model.gone.iter().copied().collect();
			let id = gone.get(pick % gone.len().max(1)).copied().unwrap_or(model.never_minted());
			invoke(who(i), id, bf::SPLIT, 1u128.encode(), Vec::new())
		},
		Op::GiveToScratch { who: i, pick } => Kernel::transfer_capability(
			origin(who(i)),
			model.pick(pick),
			Holder::Module(world.scratch),
		)
		.map(Into::into)
		.map_err(Into::into),
		Op::Hostile { who: i, kind, pass } => {
			let function = ["spin", "trap", "write"][usize::from(kind % 3)];
			let caps: Vec<CapRef> =
				pass.map(|pick| CapRef::Held(model.pick(pick))).into_iter().collect();
			let limit = Weight::from_parts(2_000_000_000, 1024 * 1024);
			Kernel::call(
				origin(who(i)),
				world.hostile,
				bounded(function),
				bounded(Vec::new()),
				caps.try_into().expect("one capability at most"),
				Default::default(),
				limit,
				None,
			)
		},
		Op::Deploy { who: i } => {
			deploy_as(who(i), &hostile_code(), &format!("deployed{}", model.deployed), Vec::new())
		},
		Op::Upgrade { who: i } => {
			let hash = crate::lifecycle::code_hash(kernel_modules::TESTER);
			let params =
				UpgradeParams { code: CodeSource::Hash(hash.0), migrate_params: Vec::new() };
			invoke(who(i), model.upgradable, "upgrade", params.encode(), Vec::new())
		},
		Op::Destroy { who: i } => {
			let id = model.destroy.unwrap_or(model.never_minted());
			let result = invoke(who(i), id, "destroy", Vec::new(), Vec::new());
			// The idle time of the following blocks deletes what the module held and stored.
			while crate::DeletionQueue::<Test>::iter().next().is_some() {
				Kernel::on_idle(1, Weight::MAX);
			}
			result
		},
	}
}

/// The ids of capabilities `creator` minted, as `CapabilityMinted` events announced them since
/// the events were last reset.
fn minted_ids(creator: Creator) -> Vec<CapId> {
	kernel_events()
		.into_iter()
		.filter_map(|event| match event {
			KernelEvent::CapabilityMinted { id, creator: c, .. } if c == creator => Some(id),
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
fn check(world: &World, model: &Model) -> Result<(), TestCaseError> {
	let balance = world.balance;
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
		.map(|(id, (holder, data))| (*id, (world.holder(*holder), *data)))
		.collect();
	let recorded = kernel_caps(balance);
	prop_assert_eq!(&recorded, &expected, "each capability, its one holder and its data");
	// Each holder's index lists its `balance` capabilities, and ALICE also the scratch module's
	// system capabilities.
	for index in 0..=SCRATCH {
		let mut modelled: BTreeSet<CapId> =
			model.caps.iter().filter(|(_, (h, _))| *h == index).map(|(id, _)| *id).collect();
		if index == 0 {
			modelled.insert(model.upgradable);
			modelled.extend(model.destroy);
		}
		let indexed: BTreeSet<CapId> = caps_of(&world.holder(index)).into_iter().collect();
		prop_assert_eq!(indexed, modelled, "the holder index of {} agrees", index);
	}
	let scratch = Modules::<Test>::get(world.scratch);
	prop_assert_eq!(
		scratch.as_ref().map(|info| info.version),
		model.scratch_alive.then_some(model.scratch_version)
	);
	if !model.scratch_alive {
		prop_assert!(
			ModuleStorage::new(world.scratch).code().is_none(),
			"a destroyed module's storage is deleted"
		);
	}
	// Deposits: each module's is what the rules say and is held on its account; no user holds
	// any; a module whose deletion is complete has no account left.
	for (id, info) in Modules::<Test>::iter() {
		prop_assert_eq!(info.deposit, KernelPallet::<Test>::deposit_for(&info));
		prop_assert_eq!(module_deposit(id), info.deposit, "module {}'s deposit is held", id);
	}
	for who in &ACCOUNTS {
		prop_assert_eq!(held_deposit(who), 0, "a user holds a module deposit");
	}
	for id in 0..crate::NextModuleId::<Test>::get() {
		if !Modules::<Test>::contains_key(id) && !crate::DeletionQueue::<Test>::contains_key(id) {
			let account = crate::deposit::module_account::<Test>(id);
			prop_assert!(!frame_system::Pallet::<Test>::account_exists(&account), "{} open", id);
		}
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
fn step(world: &World, model: Model, op: &Op) -> Result<Model, TestCaseError> {
	let balance = world.balance;
	frame_system::Pallet::<Test>::reset_events();
	let expected = predict(&model, op);
	let outcome = apply(world, &model, op);
	let Some(Expected { model: mut next, minted }) = expected else {
		prop_assert!(outcome.is_err(), "{:?} should fail: only the holder's actions succeed", op);
		check(world, &model)?;
		return Ok(model);
	};
	prop_assert!(outcome.is_ok(), "{:?} should succeed: {:?}", op, outcome);
	if let Op::Upgrade { .. } = op {
		let fresh = minted_ids(Creator::System);
		prop_assert_eq!(fresh.len(), 1, "an upgrade mints a fresh upgradable capability");
		prop_assert!(fresh[0] > model.last_id.unwrap_or(0) && !model.gone.contains(&fresh[0]));
		next.upgradable = fresh[0];
		next.last_id = Some(fresh[0]);
	}
	let ids = minted_ids(Creator::Module(balance));
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
	check(world, &next)?;
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
		| Op::InvokeGone { who, .. }
		| Op::GiveToScratch { who, .. }
		| Op::Hostile { who, .. }
		| Op::Upgrade { who }
		| Op::Destroy { who }
		| Op::Deploy { who } => who,
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: proptest_cases(), ..ProptestConfig::default() })]

	#[test]
	fn capability_and_token_invariants_hold_after_every_step(ops in proptest::collection::vec(op(), 1..40)) {
		new_test_ext().execute_with(|| {
			let world = World::new();
			let mut model = Model::new(&world);
			check(&world, &model)?;
			for op in &ops {
				model = step(&world, model, op)?;
			}
			Ok::<_, TestCaseError>(())
		})?;
	}
}
