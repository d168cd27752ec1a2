//! `balance`: a token ledger with slashable and transferable capabilities.
//!
//! | function | params | returns |
//! | --- | --- | --- |
//! | `transfer` | `(Holder, Balance)` to, amount | nothing; refused if it leaves either side with less than [`Parameters::minimum_balance`] but not nothing |
//! | `account` | `Holder` | [`Account`] |
//! | `accounts` | `Vec<Holder>` | `Vec<Account>` |
//! | `total_issuance` | nothing | `Balance` |
//! | `describe` | `CapId` of a capability it created | `Option<BalanceCap>` |
//! | `parameters` | nothing | [`Parameters`] |
//! | `revision` | nothing | `u32`: 1, or 2 for the upgraded code (`module_balance_v2`) |
//! | `revoke` | `CapId` granted to the caller's request | `(u32, Balance)`: capabilities revoked, amount unlocked; see [`function::REVOKE`] for when it is allowed |
//!
//! Capabilities (data [`BalanceCap`]), requested by users (which locks the amount) and invoked:
//!
//! | capability | function | params | effect |
//! | --- | --- | --- | --- |
//! | `Slashable` | `slash` | [`SlashArgs`] | removes `amount` of the locked funds; returns the remainder as a new `Slashable` |
//! | `Slashable` | `split` | `Balance` | returns two `Slashable`s: the given amount and the rest |
//! | `Transferable` | `transfer` | `(Holder, Balance)` | pays from the locked funds; returns the remainder as a new `Transferable` |
//! | `Parameters` | `set_parameters` | [`Parameters`] | replaces the parameters; returns a fresh `Parameters` |
//! | `Locked` | — | — | nothing: it only keeps the funds locked (a vote in `democracy`) |
//!
//! A `Locked` capability allows nothing: it proves that funds are locked (what `democracy`
//! counts as a vote). Dropping a `Slashable`, `Transferable` or `Locked` capability unlocks what
//! it still covers.
//!
//! With governance configured (see [`BalanceInit`]), `init` pushes `balance`'s `upgradable`
//! capability (the constitution) and its `Parameters` capability to `democracy`, each under its
//! own rule, and drops `destroy`: `balance` can then be changed only by votes.

use crate::{AccountId, Holder};
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The module's conventional name.
pub const NAME: &str = "balance";

/// An amount of tokens.
pub type Balance = u128;

functions! {
	/// Public: move tokens from the caller. Capability `Transferable`: pay from the locked
	/// funds; returns the remainder as a new `Transferable`.
	call & invoke(Transferable) TRANSFER = "transfer": (Holder, Balance) => ();
	/// Public: an account's free and locked balance.
	query ACCOUNT = "account": Holder => Account;
	/// Public: several holders' balances at once (`Vec<Holder>` → `Vec<Account>`).
	query ACCOUNTS = "accounts": Vec<Holder> => Vec<Account>;
	/// Public: all tokens in existence.
	query TOTAL_ISSUANCE = "total_issuance": () => Balance;
	/// Public: what a capability minted by `balance` stands for.
	query DESCRIBE = "describe": crate::CapId => Option<BalanceCap>;
	/// Capability `Slashable`: remove tokens; returns the remainder as a new `Slashable`.
	invoke(Slashable) SLASH = "slash": SlashArgs => ();
	/// Capability `Slashable`: split in two; returns two `Slashable`s, the given amount and
	/// the rest.
	invoke(Slashable) SPLIT = "split": Balance => ();
	/// Public: the current parameters.
	query PARAMETERS = "parameters": () => Parameters;
	/// Capability `Parameters`: replace the parameters; returns a fresh `Parameters`.
	invoke(Parameters) SET_PARAMETERS = "set_parameters": Parameters => ();
	/// Public: which revision of the code runs.
	query REVISION = "revision": () => u32;
	/// Public, `CapId`: the owner of locked funds revokes the capability it was granted over
	/// them (the id its request minted) and everything derived from it, and the funds they
	/// still cover are unlocked; returns how many capabilities were revoked and the amount
	/// unlocked. Allowed only if every capability revoked covers the caller's funds and is a
	/// `Transferable` (an allowance, revocable at any time) or a `Slashable` or `Locked` held by
	/// an account: one held by a module is collateral (or a vote) that module relies on, and
	/// only it can give it back (by dropping it). Otherwise nothing changes.
	call REVOKE = "revoke": crate::CapId => (u32, Balance);
}

/// The data of a capability minted by `balance`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
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
	/// May change the module's [`Parameters`] (held by governance).
	Parameters,
	/// Stands for `amount` of `account`'s funds, locked while it exists, and allows nothing
	/// else: what `democracy` counts as a vote. Dropping it unlocks the funds.
	Locked {
		/// Whose funds.
		account: AccountId,
		/// How much.
		amount: Balance,
	},
}

impl BalanceCap {
	/// The account whose funds it covers, if it covers funds.
	pub fn account(&self) -> Option<&AccountId> {
		match self {
			BalanceCap::Slashable { account, .. }
			| BalanceCap::Transferable { account, .. }
			| BalanceCap::Locked { account, .. } => Some(account),
			BalanceCap::Parameters => None,
		}
	}

	/// The amount it covers (0 for `Parameters`).
	pub fn amount(&self) -> Balance {
		match self {
			BalanceCap::Slashable { amount, .. }
			| BalanceCap::Transferable { amount, .. }
			| BalanceCap::Locked { amount, .. } => *amount,
			BalanceCap::Parameters => 0,
		}
	}
}

/// Parameters governance may change.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Parameters {
	/// Tokens burnt on every `transfer`, on top of the amount.
	pub transfer_fee: Balance,
	/// The least a holder may hold, free and locked together, unless it holds nothing: a
	/// `transfer` that would leave its sender or receiver with less is refused. An entry costs
	/// its creator a storage deposit; this keeps entries from being made for dust. Unlocking and
	/// slashing are not refused by it.
	pub minimum_balance: Balance,
}

/// Parameters of `slash`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct SlashArgs {
	/// How much to slash.
	pub amount: Balance,
	/// Who receives the slashed tokens; `None` burns them.
	pub beneficiary: Option<Holder>,
}

/// A holder's balance.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Account {
	/// Spendable.
	pub free: Balance,
	/// Locked by outstanding capabilities.
	pub locked: Balance,
}

/// Parameters of `init`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default)]
pub struct BalanceInit {
	/// Initial holdings.
	pub endowments: Vec<(Holder, Balance)>,
	/// Where to push the module's capabilities, if governed.
	pub governance: Option<BalanceGovernance>,
	/// The parameters it starts with.
	pub parameters: Parameters,
}

/// How `balance` is governed.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct BalanceGovernance {
	/// The democracy module's name.
	pub democracy: Vec<u8>,
	/// Rule for upgrading `balance`: the constitution.
	pub upgrade: crate::democracy::Rule,
	/// Rule for changing its [`Parameters`].
	pub parameters: crate::democracy::Rule,
}

/// Events (`Kernel::ModuleEvent` data).
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
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
	/// The parameters changed.
	ParametersSet(Parameters),
	/// The code was upgraded from `from_version`; balances and capabilities carry over.
	Migrated {
		/// The version before.
		from_version: u32,
	},
	/// The owner revoked capabilities over its funds (see [`function::REVOKE`]); what they still
	/// covered is unlocked.
	Revoked {
		/// Whose funds.
		account: AccountId,
		/// How much was unlocked.
		amount: Balance,
		/// How many capabilities were revoked.
		caps: u32,
	},
}

/// `balance`'s metadata (see [`kernel_metadata`]).
#[cfg(feature = "metadata")]
pub fn metadata() -> Result<kernel_metadata::Metadata, kernel_metadata::Error> {
	functions(kernel_metadata::Builder::new(NAME))
		.docs(&["A token ledger with slashable and transferable capabilities."])
		.init::<BalanceInit>()
		.capability::<BalanceCap>()
		.request::<BalanceCap>()
		.event::<Event>()
		.build()
}
