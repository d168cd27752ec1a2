//! `balance`: a token ledger with slashable and transferable capabilities.
//!
//! | function | params | returns |
//! | --- | --- | --- |
//! | `transfer` | `(Holder, Balance)` to, amount | nothing |
//! | `account` | `Holder` | [`Account`] |
//! | `total_issuance` | nothing | `Balance` |
//! | `describe` | `CapId` of a capability it created | `Option<BalanceCap>` |
//!
//! Capabilities (data [`BalanceCap`]), requested by users (which locks the amount) and invoked:
//!
//! | capability | function | params | effect |
//! | --- | --- | --- | --- |
//! | `Slashable` | `slash` | [`SlashArgs`] | removes `amount` of the locked funds; returns the remainder as a new `Slashable` |
//! | `Slashable` | `split` | `Balance` | returns two `Slashable`s: the given amount and the rest |
//! | `Transferable` | `transfer` | `(Holder, Balance)` | pays from the locked funds; returns the remainder as a new `Transferable` |
//!
//! Dropping either capability unlocks what it still covers.

use crate::{AccountId, Holder};
use codec::{Decode, Encode};

/// The module's conventional name.
pub const NAME: &str = "balance";

/// An amount of tokens.
pub type Balance = u128;

/// Function names.
pub mod function {
	/// Public: move tokens from the caller.
	pub const TRANSFER: &str = "transfer";
	/// Public: an account's free and locked balance.
	pub const ACCOUNT: &str = "account";
	/// Public: all tokens in existence.
	pub const TOTAL_ISSUANCE: &str = "total_issuance";
	/// Public: what a capability minted by `balance` stands for.
	pub const DESCRIBE: &str = "describe";
	/// Capability `Slashable`: remove tokens.
	pub const SLASH: &str = "slash";
	/// Capability `Slashable`: split in two.
	pub const SPLIT: &str = "split";
}

/// The data of a capability minted by `balance`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub enum BalanceCap {
	/// May slash up to `amount` of `account`'s funds, which stay locked meanwhile.
	Slashable {
		/// Whose funds.
		account: AccountId,
		/// How much.
		amount: Balance,
	},
	/// May transfer up to `amount` of `account`'s funds, which stay locked meanwhile.
	Transferable {
		/// Whose funds.
		account: AccountId,
		/// How much.
		amount: Balance,
	},
}

impl BalanceCap {
	/// The account whose funds it covers.
	pub fn account(&self) -> &AccountId {
		match self {
			BalanceCap::Slashable { account, .. } | BalanceCap::Transferable { account, .. } => {
				account
			},
		}
	}

	/// The amount it covers.
	pub fn amount(&self) -> Balance {
		match self {
			BalanceCap::Slashable { amount, .. } | BalanceCap::Transferable { amount, .. } => {
				*amount
			},
		}
	}
}

/// Parameters of `slash`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct SlashArgs {
	/// How much to slash.
	pub amount: Balance,
	/// Who receives the slashed tokens; `None` burns them.
	pub beneficiary: Option<Holder>,
}

/// A holder's balance.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Account {
	/// Spendable.
	pub free: Balance,
	/// Locked by outstanding capabilities.
	pub locked: Balance,
}

/// Parameters of `init`: the initial endowments.
pub type Endowments = alloc::vec::Vec<(Holder, Balance)>;

/// Events (`Kernel::ModuleEvent` data).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Event {
	/// Tokens moved.
	Transferred {
		/// From.
		from: Holder,
		/// To.
		to: Holder,
		/// How much.
		amount: Balance,
	},
	/// Funds were locked for a capability.
	Locked {
		/// Whose.
		account: AccountId,
		/// How much.
		amount: Balance,
	},
	/// Locked funds were released.
	Unlocked {
		/// Whose.
		account: AccountId,
		/// How much.
		amount: Balance,
	},
	/// Locked funds were slashed.
	Slashed {
		/// Whose.
		account: AccountId,
		/// How much.
		amount: Balance,
		/// Who received them (`None`: burnt).
		beneficiary: Option<Holder>,
	},
}
