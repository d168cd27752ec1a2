//! The `balance` process module: a token ledger in the module's child trie, with capabilities
//! that let users state on chain what another module may do with their funds.
//!
//! A user asks for `Slashable { account: me, amount }` (or `Transferable`, or `Locked`) in a
//! transaction's requests: the amount is locked and the user holds a capability for it, which
//! they can pass to, say, `staking`. Whoever holds it may slash (or spend) up to that amount,
//! and gets the remainder back as a new capability; a `Locked` one allows nothing (what
//! `democracy` counts as a vote). Dropping the capability unlocks what it still covers.
//!
//! With governance configured, `init` hands the module's `upgradable` capability (the
//! constitution) and a `Parameters` capability to `democracy`, each under its own rule.
//!
//! Built twice: as `module_balance` (revision 1) and, with the `v2` feature, as
//! `module_balance_v2` (revision 2), the upgrade target of the governance tests. Both keep
//! capabilities minted by earlier versions valid: a slashable capability means the same thing
//! after the upgrade, so `invoke` does not look at `creator_version`.
//!
//! The interface (function names, types) is in `module_interfaces::balance`.

#![no_std]

extern crate alloc;

use kernel_sdk::prelude::*;
use module_interfaces::{
	balance::{
		function as f, Account, Balance, BalanceCap, BalanceGovernance, BalanceInit, Event,
		Parameters, SlashArgs,
	},
	democracy::{self, PushArgs},
};

/// Which revision of the code this is.
#[cfg(not(feature = "v2"))]
const REVISION: u32 = 1;
#[cfg(feature = "v2")]
const REVISION: u32 = 2;

/// The module.
pub struct BalanceModule;

/// Every holder's balance.
const ACCOUNTS: Map<Holder, Account> = Map::new(b"acct/");
/// All tokens in existence.
const TOTAL_ISSUANCE: Value<Balance> = Value::new(b"total");
/// Parameters governance may change.
const PARAMETERS: Value<Parameters> = Value::new(b"params");
/// Without governance: the module's own `system::upgradable` and `system::destroy`, kept.
const SYSTEM_CAPS: Value<(Cap, Cap)> = Value::new(b"system");

impl Module for BalanceModule {
	fn init(init: Init) -> Result<Output> {
		let args: BalanceInit =
			if init.params.is_empty() { Default::default() } else { init.args()? };
		for (who, amount) in args.endowments {
			ACCOUNTS.mutate(&who, |account| account.free = account.free.saturating_add(amount));
			TOTAL_ISSUANCE.mutate(|total| *total = total.saturating_add(amount));
		}
		if args.parameters != Parameters::default() {
			PARAMETERS.set(&args.parameters);
		}
		match args.governance {
			Some(governance) => hand_to_democracy(governance, init.upgradable, init.destroy)?,
			None => SYSTEM_CAPS.set(&(init.upgradable, init.destroy)),
		}
		Ok(Output::none())
	}

	fn call(call: Call) -> Result<Output> {
		match call.function() {
			f::TRANSFER => {
				let (to, amount): (Holder, Balance) = call.args()?;
				let from = env::caller().ok_or(Error::BadOrigin)?;
				let Parameters { transfer_fee: fee, minimum_balance } = PARAMETERS.get_or_default();
				let debit = amount.checked_add(fee).ok_or(Error::Msg("amount overflows"))?;
				debit_free(&from, debit, minimum_balance)?;
				if fee > 0 {
					// The fee is burnt; without one, the issuance is not touched (a write saved).
					TOTAL_ISSUANCE.mutate(|t| *t = t.saturating_sub(fee));
				}
				credit(&to, amount, minimum_balance)?;
				env::emit(&Event::Transferred { from, to, amount });
				Ok(Output::none())
			},
			f::ACCOUNT => {
				let who: Holder = call.args()?;
				Ok(Output::value(&ACCOUNTS.get_or_default(&who)))
			},
			f::ACCOUNTS => {
				let holders: Vec<Holder> = call.args()?;
				let accounts: Vec<Account> =
					holders.iter().map(|h| ACCOUNTS.get_or_default(h)).collect();
				Ok(Output::value(&accounts))
			},
			f::TOTAL_ISSUANCE => Ok(Output::value(&TOTAL_ISSUANCE.get_or_default())),
			f::DESCRIBE => {
				let id: CapId = call.args()?;
				Ok(Output::value(&describe(Cap::from_id(id))))
			},
			f::PARAMETERS => Ok(Output::value(&PARAMETERS.get_or_default())),
			f::REVISION => Ok(Output::value(&REVISION)),
			f::REVOKE => {
				let root: CapId = call.args()?;
				let owner = match env::caller() {
					Some(Holder::Account(owner)) => owner,
					_ => return Err(Error::BadOrigin),
				};
				let revoked = kernel_sdk::revoke(root)?;
				let amount = unlock_revoked(&owner, &revoked)?;
				let caps = revoked.len() as u32;
				env::emit(&Event::Revoked { account: owner, amount, caps });
				Ok(Output::value(&(caps, amount)))
			},
			_ => Err(Error::UnknownFunction),
		}
	}

	fn invoke(invocation: Invocation) -> Result<Output> {
		let cap: BalanceCap = invocation.data()?;
		let call = &invocation.call;
		match (call.function(), cap) {
			(f::SLASH, BalanceCap::Slashable { account, amount }) => {
				let args: SlashArgs = call.args()?;
				let rest = amount
					.checked_sub(args.amount)
					.ok_or(Error::Msg("slash exceeds capability"))?;
				debit_locked(&account, args.amount)?;
				match &args.beneficiary {
					Some(to) => credit(to, args.amount, 0)?,
					None => TOTAL_ISSUANCE.mutate(|t| *t = t.saturating_sub(args.amount)),
				}
				env::emit(&Event::Slashed {
					account,
					amount: args.amount,
					beneficiary: args.beneficiary,
				});
				Ok(residual(BalanceCap::Slashable { account, amount: rest }))
			},
			(f::SPLIT, BalanceCap::Slashable { account, amount }) => {
				let part: Balance = call.args()?;
				if part == 0 || part >= amount {
					return Err(Error::Msg("split must leave two non-empty parts"));
				}
				let first = Cap::mint(&BalanceCap::Slashable { account, amount: part });
				let second = Cap::mint(&BalanceCap::Slashable { account, amount: amount - part });
				Ok(Output::none().with_cap(first).with_cap(second))
			},
			(f::TRANSFER, BalanceCap::Transferable { account, amount }) => {
				let (to, value): (Holder, Balance) = call.args()?;
				let rest =
					amount.checked_sub(value).ok_or(Error::Msg("transfer exceeds capability"))?;
				debit_locked(&account, value)?;
				credit(&to, value, PARAMETERS.get_or_default().minimum_balance)?;
				env::emit(&Event::Transferred {
					from: Holder::Account(account),
					to,
					amount: value,
				});
				Ok(residual(BalanceCap::Transferable { account, amount: rest }))
			},
			(f::SET_PARAMETERS, BalanceCap::Parameters) => {
				let parameters: Parameters = call.args()?;
				PARAMETERS.set(&parameters);
				env::emit(&Event::ParametersSet(parameters));
				Ok(Output::none().with_cap(Cap::mint(&BalanceCap::Parameters)))
			},
			_ => Err(Error::UnknownFunction),
		}
	}

	fn validate_request(request: Request) -> Result<Vec<u8>> {
		let cap: BalanceCap = request.data()?;
		if cap.account() != Some(&request.signer) {
			return Err(Error::Msg("a request may only lock the signer's own funds"));
		}
		if cap.amount() == 0 {
			return Err(Error::Msg("nothing to lock"));
		}
		let holder = Holder::Account(request.signer);
		let mut account = ACCOUNTS.get_or_default(&holder);
		account.free =
			account.free.checked_sub(cap.amount()).ok_or(Error::Msg("insufficient balance"))?;
		account.locked = account.locked.saturating_add(cap.amount());
		ACCOUNTS.insert(&holder, &account);
		env::emit(&Event::Locked { account: request.signer, amount: cap.amount() });
		Ok(request.data)
	}

	fn on_drop(dropped: Dropped) -> Result<()> {
		let cap: BalanceCap = dropped.data()?;
		let Some(&account) = cap.account() else { return Ok(()) };
		let amount = cap.amount();
		debit_locked(&account, amount)?;
		// Unlocking moves funds within the account: no minimum applies, so that a raised
		// minimum cannot make a capability undroppable.
		credit(&Holder::Account(account), amount, 0)?;
		env::emit(&Event::Unlocked { account, amount });
		Ok(())
	}

	fn migrate(migration: Migration) -> Result<()> {
		// Storage and capability data keep their layout across revisions: nothing to convert.
		env::emit(&Event::Migrated { from_version: migration.from_version });
		Ok(())
	}
}

kernel_sdk::entry_points!(BalanceModule: init, call, invoke, validate_request, on_drop, migrate);

/// Pushes the constitution (`upgradable`) and the `Parameters` capability to democracy, each
/// under its rule, and drops `destroy`: governed, `balance` is permanent.
fn hand_to_democracy(governance: BalanceGovernance, upgradable: Cap, destroy: Cap) -> Result<()> {
	let name = core::str::from_utf8(&governance.democracy).map_err(|_| Error::Decode)?;
	let democracy = env::lookup(name).ok_or(Error::Msg("democracy module not found"))?;
	let push = |cap: Cap, rule, label: &[u8]| {
		let args = PushArgs { rule, label: label.to_vec() };
		kernel_sdk::call_module(democracy, democracy::function::PUSH, &args, vec![cap])
	};
	push(upgradable, governance.upgrade, b"balance: upgrade")?;
	push(Cap::mint(&BalanceCap::Parameters), governance.parameters, b"balance: parameters")?;
	destroy.drop_capability()?;
	Ok(())
}

/// Adds `amount` to `who`'s free balance, refusing to leave it with less than `minimum`.
/// Nothing is stored for a zero amount, so that a zero transfer cannot create entries for
/// accounts that hold nothing.
fn credit(who: &Holder, amount: Balance, minimum: Balance) -> Result<()> {
	if amount == 0 {
		return Ok(());
	}
	let mut account = ACCOUNTS.get_or_default(who);
	account.free = account.free.saturating_add(amount);
	store(who, account, minimum)
}

/// Takes `amount` from `who`'s free balance, refusing to leave it with less than `minimum`.
fn debit_free(who: &Holder, amount: Balance, minimum: Balance) -> Result<()> {
	if amount == 0 {
		return Ok(());
	}
	let mut account = ACCOUNTS.get_or_default(who);
	account.free = account.free.checked_sub(amount).ok_or(Error::Msg("insufficient balance"))?;
	store(who, account, minimum)
}

fn debit_locked(who: &AccountId, amount: Balance) -> Result<()> {
	let holder = Holder::Account(*who);
	let mut account = ACCOUNTS.get_or_default(&holder);
	account.locked =
		account.locked.checked_sub(amount).ok_or(Error::Msg("locked balance inconsistent"))?;
	store(&holder, account, 0)
}

/// Stores `who`'s `account`, or removes its entry when it holds nothing (whoever empties it is
/// refunded the entry's deposit). Refuses a total below `minimum` but above zero.
fn store(who: &Holder, account: Account, minimum: Balance) -> Result<()> {
	let total = account.free.saturating_add(account.locked);
	if total == 0 {
		ACCOUNTS.remove(who);
		return Ok(());
	}
	if total < minimum {
		return Err(Error::Msg("below the minimum balance"));
	}
	ACCOUNTS.insert(who, &account);
	Ok(())
}

/// Unlocks what the capabilities `owner` revoked still covered, refusing (and so undoing the
/// revocation) unless the rule of [`f::REVOKE`] allows each one.
fn unlock_revoked(owner: &AccountId, revoked: &[kernel_sdk::RevokedCap]) -> Result<Balance> {
	let mut total: Balance = 0;
	for cap in revoked {
		let (account, amount) = match BalanceCap::decode(&mut &cap.data[..])? {
			BalanceCap::Transferable { account, amount } => (account, amount),
			BalanceCap::Slashable { account, amount } | BalanceCap::Locked { account, amount } => {
				if !matches!(cap.holder, Holder::Account(_)) {
					return Err(Error::Msg("a module holds this collateral"));
				}
				(account, amount)
			},
			BalanceCap::Parameters => return Err(Error::Msg("not a capability over funds")),
		};
		if &account != owner {
			return Err(Error::Msg("not the caller's funds"));
		}
		debit_locked(&account, amount)?;
		total = total.saturating_add(amount);
	}
	credit(&Holder::Account(*owner), total, 0)?;
	Ok(total)
}

/// The output of a repeatable invocation: the remainder as a new capability, if any.
fn residual(rest: BalanceCap) -> Output {
	if rest.amount() == 0 {
		return Output::none();
	}
	Output::none().with_cap(Cap::mint(&rest))
}

/// What a capability minted by this module stands for.
fn describe(cap: Cap) -> Option<BalanceCap> {
	let info = cap.inspect().ok()?;
	if info.creator != kernel_sdk::primitives::Creator::Module(env::module_id()) {
		return None;
	}
	BalanceCap::decode(&mut &info.data[..]).ok()
}
