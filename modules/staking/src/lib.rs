//! The `staking` process module: stake with a `balance::slashable` capability.
//!
//! See `module_interfaces::staking` for the interface. The staker's funds never leave
//! `balance`: staking holds a capability that may slash them, which is exactly what the staker
//! agreed to in the transaction that requested it. Governance holds the `Slasher` capability;
//! slashing invokes the staker's capability and keeps the remainder.

#![no_std]

extern crate alloc;

use kernel_sdk::prelude::*;
use module_interfaces::{
	balance::{self, BalanceCap, SlashArgs},
	democracy::{self, PushArgs},
	staking::{
		function as f, Event, SlashOrder, Stake, StakersPage, StakingCap, StakingGovernance,
		StakingInit, MAX_STAKERS_PAGE,
	},
};

/// The module.
pub struct Staking;

const STAKES: Map<AccountId, Stake> = Map::new(b"stake/");
const UNBONDING_DELAY: Value<u64> = Value::new(b"unbonding_delay");
/// Without governance: the module's own system capabilities and slasher, kept.
const KEPT: Value<Vec<CapId>> = Value::new(b"kept");

impl Module for Staking {
	fn init(init: Init) -> Result<Output> {
		let args: StakingInit = init.args()?;
		UNBONDING_DELAY.set(&args.unbonding_delay);
		let slasher = Cap::mint(&StakingCap::Slasher);
		match args.governance {
			Some(governance) => {
				hand_to_democracy(governance, init.upgradable, slasher, init.destroy)?
			},
			None => KEPT.set(&vec![init.upgradable.id(), init.destroy.id(), slasher.id()]),
		}
		Ok(Output::none())
	}

	fn call(mut call: Call) -> Result<Output> {
		match call.function() {
			f::BOND => {
				let who = env::caller_account()?;
				let [cap] = call.take_caps::<1>()?;
				bond(who, cap)?;
				Ok(Output::none())
			},
			f::UNBOND => Ok(Output::value(&unbond(env::caller_account()?)?)),
			f::WITHDRAW => {
				withdraw(env::caller_account()?)?;
				Ok(Output::none())
			},
			f::STAKE => {
				let who: AccountId = call.args()?;
				Ok(Output::value(&STAKES.get(&who)))
			},
			f::STAKERS => {
				let page: StakersPage = call.args()?;
				let stakes = match &page.start_after {
					Some(after) => STAKES.iter_after(after),
					None => STAKES.iter(),
				};
				let limit = page.limit.min(MAX_STAKERS_PAGE) as usize;
				Ok(Output::value(&stakes.take(limit).collect::<Vec<_>>()))
			},
			_ => Err(Error::UnknownFunction),
		}
	}

	fn invoke(invocation: Invocation) -> Result<Output> {
		let StakingCap::Slasher = invocation.data()?;
		match invocation.call.function() {
			f::SLASH => {
				let order: SlashOrder = invocation.call.args()?;
				slash(order)?;
				// Repeatable: the slasher comes back to whoever holds it.
				Ok(Output::none().with_cap(Cap::mint(&StakingCap::Slasher)))
			},
			_ => Err(Error::UnknownFunction),
		}
	}
}

kernel_sdk::entry_points!(Staking: init, call, invoke);

fn balance_module() -> Result<ModuleId> {
	env::lookup(balance::NAME).ok_or(Error::Msg("balance module not found"))
}

/// Keeps `cap` as `who`'s bond after checking with `balance` what it is.
fn bond(who: AccountId, cap: Cap) -> Result<()> {
	if STAKES.contains(&who) {
		return Err(Error::Msg("already bonded"));
	}
	let described: Option<BalanceCap> =
		call_module(balance_module()?, balance::function::DESCRIBE, &cap.id(), Vec::new())?
			.decode()?;
	let amount = match described {
		Some(BalanceCap::Slashable { account, amount }) if account == who && amount > 0 => amount,
		_ => return Err(Error::Msg("bond takes a balance::Slashable of the caller's own funds")),
	};
	STAKES.insert(&who, &Stake { amount, cap: cap.id(), unbonding_at: None });
	env::emit(&Event::Bonded { account: who, amount });
	Ok(())
}

fn unbond(who: AccountId) -> Result<u64> {
	let mut stake = STAKES.get(&who).ok_or(Error::Msg("not bonded"))?;
	if stake.unbonding_at.is_some() {
		return Err(Error::Msg("already unbonding"));
	}
	let at = env::block_number().saturating_add(UNBONDING_DELAY.get_or_default());
	stake.unbonding_at = Some(at);
	STAKES.insert(&who, &stake);
	env::emit(&Event::Unbonding { account: who, at });
	Ok(at)
}

/// Drops the bond once unbonding completed: `balance` unlocks the funds.
fn withdraw(who: AccountId) -> Result<()> {
	let stake = STAKES.get(&who).ok_or(Error::Msg("not bonded"))?;
	match stake.unbonding_at {
		Some(at) if env::block_number() >= at => {},
		Some(_) => return Err(Error::Msg("still unbonding")),
		None => return Err(Error::Msg("call unbond first")),
	}
	Cap::from_id(stake.cap).drop_capability()?;
	STAKES.remove(&who);
	env::emit(&Event::Withdrawn { account: who, amount: stake.amount });
	Ok(())
}

/// Slashes `order.amount` of a bond (burnt) and keeps the remainder as the bond.
fn slash(order: SlashOrder) -> Result<()> {
	let mut stake = STAKES.get(&order.account).ok_or(Error::Msg("not bonded"))?;
	let amount = order.amount.min(stake.amount);
	let args = SlashArgs { amount, beneficiary: None };
	let reply = Cap::from_id(stake.cap).invoke(balance::function::SLASH, &args, Vec::new())?;
	stake.amount -= amount;
	match reply.caps.into_iter().next() {
		Some(rest) => {
			stake.cap = rest.id();
			STAKES.insert(&order.account, &stake);
		},
		// Nothing left: the bond is gone.
		None => {
			STAKES.remove(&order.account);
		},
	}
	env::emit(&Event::Slashed { account: order.account, amount, remaining: stake.amount });
	Ok(())
}

/// Pushes `upgradable` and the slasher to democracy under their rules; drops `destroy`.
fn hand_to_democracy(
	governance: StakingGovernance,
	upgradable: Cap,
	slasher: Cap,
	destroy: Cap,
) -> Result<()> {
	let name = core::str::from_utf8(&governance.democracy).map_err(|_| Error::Decode)?;
	let democracy = env::lookup(name).ok_or(Error::Msg("democracy module not found"))?;
	let push = |cap: Cap, rule, label: &[u8]| {
		let args = PushArgs { rule, label: label.to_vec() };
		call_module(democracy, democracy::function::PUSH, &args, vec![cap])
	};
	push(upgradable, governance.upgrade, b"staking: upgrade")?;
	push(slasher, governance.slash, b"staking: slash")?;
	destroy.drop_capability()?;
	Ok(())
}
