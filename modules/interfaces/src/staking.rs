//! `staking`: stake with a `balance::slashable` capability, slashed by governance.
//!
//! A staker requests `balance::Slashable { account: me, amount }` and passes it to `bond` in
//! the same transaction: `staking` keeps the capability, the funds stay locked in `balance`.
//! Governance holds staking's `Slasher` capability: invoking it with `slash` slashes a staker's
//! bond and `staking` keeps the remainder. `unbond` starts the unbonding delay; `withdraw` after
//! it drops the capability, and `balance` unlocks the funds.
//!
//! | function | params | caps | returns |
//! | --- | --- | --- | --- |
//! | `bond` | — | one `balance::Slashable` of the caller | — |
//! | `unbond` | — | — | `u64` block from which `withdraw` works |
//! | `withdraw` | — | — | — |
//! | `stake` | `AccountId` | — | `Option<Stake>` |
//! | `stakers` | [`StakersPage`] | — | `Vec<(AccountId, Stake)>`: at most [`MAX_STAKERS_PAGE`], in storage order after `start_after` |
//!
//! | capability | function | params | effect |
//! | --- | --- | --- | --- |
//! | `Slasher` | `slash` | [`SlashOrder`] | slashes the bond; returns a fresh `Slasher` |

use crate::{democracy::Rule, AccountId, CapId};
use codec::{Decode, Encode};

/// The module's conventional name.
pub const NAME: &str = "staking";

/// Function names.
pub mod function {
	/// Bond a slashable capability.
	pub const BOND: &str = "bond";
	/// Start unbonding.
	pub const UNBOND: &str = "unbond";
	/// Drop the bond after the delay.
	pub const WITHDRAW: &str = "withdraw";
	/// One staker's stake.
	pub const STAKE: &str = "stake";
	/// A page of stakes.
	pub const STAKERS: &str = "stakers";
	/// Capability `Slasher`: slash a staker.
	pub const SLASH: &str = "slash";
}

/// The most stakes one `stakers` call returns, whatever `limit` asks: the output of a frame is
/// bounded, and so must be the work one call does.
pub const MAX_STAKERS_PAGE: u32 = 64;

/// Parameters of `stakers`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StakersPage {
	/// Start after this staker (`None`: from the first); the last account of the previous page.
	pub start_after: Option<AccountId>,
	/// How many at most (capped at [`MAX_STAKERS_PAGE`]).
	pub limit: u32,
}

/// A staker's bond.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Stake {
	/// How much is bonded (and slashable).
	pub amount: u128,
	/// The `balance::Slashable` capability staking holds.
	pub cap: CapId,
	/// When unbonding completes, if started.
	pub unbonding_at: Option<u64>,
}

/// The data of capabilities `staking` mints.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub enum StakingCap {
	/// May slash stakers.
	Slasher,
}

/// Parameters of `slash`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct SlashOrder {
	/// Whose bond.
	pub account: AccountId,
	/// How much.
	pub amount: u128,
}

/// Initial parameters.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct StakingInit {
	/// Blocks between `unbond` and `withdraw`.
	pub unbonding_delay: u64,
	/// Where to push staking's capabilities, if governed.
	pub governance: Option<StakingGovernance>,
}

/// How `staking` is governed.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct StakingGovernance {
	/// The democracy module's name.
	pub democracy: alloc::vec::Vec<u8>,
	/// Rule for upgrading staking.
	pub upgrade: Rule,
	/// Rule for slashing.
	pub slash: Rule,
}

/// Events (`Kernel::ModuleEvent` data).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Event {
	/// Funds were bonded.
	Bonded {
		/// Who.
		account: AccountId,
		/// How much.
		amount: u128,
	},
	/// Unbonding started.
	Unbonding {
		/// Who.
		account: AccountId,
		/// When `withdraw` works.
		at: u64,
	},
	/// The bond was dropped; its funds unlock.
	Withdrawn {
		/// Who.
		account: AccountId,
		/// How much.
		amount: u128,
	},
	/// A bond was slashed.
	Slashed {
		/// Whose.
		account: AccountId,
		/// How much.
		amount: u128,
		/// What is left bonded.
		remaining: u128,
	},
}
