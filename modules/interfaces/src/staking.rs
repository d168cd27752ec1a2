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
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The module's conventional name.
pub const NAME: &str = "staking";

functions! {
	/// Bond the `balance::Slashable` capability of the caller passed with the call.
	call BOND = "bond": () => ();
	/// Start unbonding; returns the block from which `withdraw` works.
	call UNBOND = "unbond": () => u64;
	/// Drop the bond after the delay (`balance` unlocks the funds).
	call WITHDRAW = "withdraw": () => ();
	/// One staker's stake.
	query STAKE = "stake": AccountId => Option<Stake>;
	/// A page of stakes: at most [`MAX_STAKERS_PAGE`], in storage order after `start_after`.
	query STAKERS = "stakers": StakersPage => Vec<(AccountId, Stake)>;
	/// Capability `Slasher`: slash a staker; returns a fresh `Slasher`.
	invoke(Slasher) SLASH = "slash": SlashOrder => ();
}

/// The most stakes one `stakers` call returns, whatever `limit` asks: the output of a frame is
/// bounded, and so must be the work one call does.
pub const MAX_STAKERS_PAGE: u32 = 64;

/// Parameters of `stakers`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StakersPage {
	/// Start after this staker (`None`: from the first); the last account of the previous page.
	pub start_after: Option<AccountId>,
	/// How many at most (capped at [`MAX_STAKERS_PAGE`]).
	pub limit: u32,
}

/// A staker's bond.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
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
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub enum StakingCap {
	/// May slash stakers.
	Slasher,
}

/// Parameters of `slash`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct SlashOrder {
	/// Whose bond.
	pub account: AccountId,
	/// How much.
	pub amount: u128,
}

/// Initial parameters.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct StakingInit {
	/// Blocks between `unbond` and `withdraw`.
	pub unbonding_delay: u64,
	/// Where to push staking's capabilities, if governed.
	pub governance: Option<StakingGovernance>,
}

/// How `staking` is governed.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct StakingGovernance {
	/// The democracy module's name.
	pub democracy: Vec<u8>,
	/// Rule for upgrading staking.
	pub upgrade: Rule,
	/// Rule for slashing.
	pub slash: Rule,
}

/// Events (`Kernel::ModuleEvent` data).
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
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

/// `staking`'s metadata (see [`kernel_metadata`]).
#[cfg(feature = "metadata")]
pub fn metadata() -> Result<kernel_metadata::Metadata, kernel_metadata::Error> {
	functions(kernel_metadata::Builder::new(NAME))
		.docs(&["Stake with a `balance::Slashable` capability, slashed by governance."])
		.init::<StakingInit>()
		.capability::<StakingCap>()
		.event::<Event>()
		.build()
}
