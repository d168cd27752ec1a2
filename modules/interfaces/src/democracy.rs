//! `democracy`: governs capabilities, each under its own rule.
//!
//! Anyone may hand democracy a capability with `push`, under a [`Rule`]. Accounts then
//! `propose` what to do with a governed capability (invoke it with a function and parameters,
//! or change its rule), `vote` aye or nay, and after the voting period a proposal that met its
//! rule is enacted: democracy invokes the capability.
//!
//! Votes weigh **locked** tokens: a voter hands democracy `balance::Locked` capabilities over
//! its own funds (requested in the same transaction), which make up its [`Lock`]; every vote
//! counts the lock's amount at the time of the vote. Locked tokens cannot move, so they count
//! once, and an account with nothing locked cannot vote at all: there are no voter slots for
//! sybils to fill, and the tally is a running sum, not a walk over the voters. `unlock` gives
//! the tokens back (dropping the capabilities unlocks them in `balance`) and withdraws the
//! voter's votes on proposals still open. Proposing takes a lock of at least
//! [`DemocracyInit::proposal_bond`], kept until the proposal closes.
//!
//! Because every capability has its own rule, a "constitution" (`balance`'s `upgradable`) can
//! require 90 % while a parameter needs 50 %. Rules only get stricter without a vote: whoever
//! pushed a capability may `tighten` its rule at any time; loosening it takes a vote under the
//! current rule (`Action::SetRule`).
//!
//! | function | params | caps | returns |
//! | --- | --- | --- | --- |
//! | `push` | [`PushArgs`] | the capability | `u32` governed id |
//! | `propose` | [`ProposeArgs`] | `balance::Locked` of the caller's funds, added to its lock | `u32` proposal id |
//! | `vote` | [`VoteArgs`] | `balance::Locked` of the caller's funds, added to its lock (none if it has one) | — |
//! | `unlock` | — | — | `u128` unlocked; withdraws the caller's votes on open proposals; refused while its own proposal is open |
//! | `lock` | `AccountId` | — | `Option<Lock>` |
//! | `tighten` | [`TightenArgs`] (caller: the pusher) | — | — |
//! | `close` | `u32` proposal | — | [`Status`] |
//! | `enact` | `u32` proposal | — | — |
//! | `governed` | `u32` | — | `Option<Governed>` |
//! | `proposal` | `u32` | — | `Option<Proposal>` |
//!
//! `on_block` closes proposals whose voting period ended and enacts approved ones when their
//! delay has passed, at most a few per block, from a queue ordered by due block (so its work
//! does not grow with the number of proposals); `close` and `enact` do the same on demand.

use crate::{AccountId, CapId, Holder};
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The module's conventional name.
pub const NAME: &str = "democracy";

functions! {
	/// Hand a capability (passed with the call) to democracy under a rule; returns its
	/// governed id.
	call PUSH = "push": PushArgs => u32;
	/// Propose an action on a governed capability, passing `balance::Locked` capabilities of
	/// the caller's funds (added to its lock, at least the proposal bond); returns the proposal
	/// id.
	call PROPOSE = "propose": ProposeArgs => u32;
	/// Vote on a proposal, passing `balance::Locked` capabilities of the caller's funds (none
	/// if it has a lock already).
	call VOTE = "vote": VoteArgs => ();
	/// Take back the caller's locked tokens, withdrawing its votes on open proposals; returns
	/// the amount unlocked.
	call UNLOCK = "unlock": () => u128;
	/// An account's lock.
	query LOCK = "lock": AccountId => Option<Lock>;
	/// Make a governed capability's rule stricter, without a vote (its pusher only).
	call TIGHTEN = "tighten": TightenArgs => ();
	/// Tally a proposal whose voting period ended.
	call CLOSE = "close": u32 => Status;
	/// Enact an approved proposal whose delay passed.
	call ENACT = "enact": u32 => ();
	/// A governed capability.
	query GOVERNED = "governed": u32 => Option<Governed>;
	/// A proposal.
	query PROPOSAL = "proposal": u32 => Option<Proposal>;
}

/// When a proposal on a governed capability passes.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rule {
	/// Share of the votes cast (by weight) that must be aye, in percent, 1 to 100.
	pub approval_percent: u8,
	/// Share of all tokens that must take part, in percent, 0 to 100.
	pub min_turnout_percent: u8,
	/// Blocks a proposal is open for votes.
	pub voting_period: u64,
	/// Blocks between approval and enactment.
	pub enactment_delay: u64,
}

impl Rule {
	/// Whether the rule is usable: approval 1..=100, turnout ≤ 100, a voting period.
	pub fn is_valid(&self) -> bool {
		(1..=100).contains(&self.approval_percent)
			&& self.min_turnout_percent <= 100
			&& self.voting_period > 0
	}

	/// Whether `self` is at least as hard to pass as `other`.
	pub fn is_at_least_as_strict_as(&self, other: &Rule) -> bool {
		self.approval_percent >= other.approval_percent
			&& self.min_turnout_percent >= other.min_turnout_percent
			&& self.voting_period >= other.voting_period
			&& self.enactment_delay >= other.enactment_delay
	}
}

/// Parameters of `tighten`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct TightenArgs {
	/// The governed capability.
	pub governed: u32,
	/// Its new rule: at least as strict as the current one in every field.
	pub rule: Rule,
}

/// Parameters of `push`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct PushArgs {
	/// The rule for the pushed capability.
	pub rule: Rule,
	/// What it is, for people (`"balance: upgrade"`).
	pub label: Vec<u8>,
}

/// What a proposal would do.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Action {
	/// Invoke the governed capability.
	Invoke {
		/// Function name.
		function: Vec<u8>,
		/// Parameters.
		params: Vec<u8>,
	},
	/// Replace the governed capability's rule (voted under the current rule).
	SetRule(Rule),
}

/// Parameters of `propose`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct ProposeArgs {
	/// The governed capability.
	pub governed: u32,
	/// What to do with it.
	pub action: Action,
}

/// Parameters of `vote`.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct VoteArgs {
	/// The proposal.
	pub proposal: u32,
	/// Aye or nay. Voting again replaces the vote.
	pub aye: bool,
}

/// An account's locked tokens: what its votes weigh.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default)]
pub struct Lock {
	/// The `balance::Locked` capabilities democracy holds for it (at most [`MAX_LOCK_CAPS`]).
	pub caps: Vec<CapId>,
	/// What they lock, in all.
	pub amount: u128,
	/// Proposals it voted on or proposed that may still be open (at most [`MAX_OPEN_VOTES`]).
	pub proposals: Vec<u32>,
}

/// Most `balance::Locked` capabilities in one account's lock.
pub const MAX_LOCK_CAPS: u32 = 4;

/// Most proposals one account's lock can be voting on (or have proposed) at once. A bound per
/// account, so that unlocking does bounded work; it limits nobody else.
pub const MAX_OPEN_VOTES: u32 = 16;

/// A capability democracy holds.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Governed {
	/// The capability now (invoking a repeatable capability replaces it); `None` once an
	/// invocation consumed it without a successor.
	pub cap: Option<CapId>,
	/// The rule its proposals follow.
	pub rule: Rule,
	/// What it is.
	pub label: Vec<u8>,
	/// Who pushed it.
	pub pusher: Holder,
}

/// Where a proposal stands.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
	/// Open for votes until `ends`.
	Voting,
	/// Passed; enacted at or after `enact_at`.
	Approved {
		/// The first block it may be enacted in.
		enact_at: u64,
	},
	/// Did not meet its rule.
	Rejected,
	/// Done.
	Enacted,
	/// Enactment failed (the capability refused); the capability is still governed.
	Failed {
		/// The kernel's return code.
		code: u32,
	},
}

/// A proposal.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Proposal {
	/// The governed capability.
	pub governed: u32,
	/// What it does.
	pub action: Action,
	/// Who proposed it.
	pub proposer: AccountId,
	/// The last block of its voting period.
	pub ends: u64,
	/// Where it stands.
	pub status: Status,
	/// Aye weight: locked tokens voting aye, so far; final at the tally.
	pub ayes: u128,
	/// Nay weight, likewise.
	pub nays: u128,
	/// Total issuance at the tally.
	pub total_issuance: u128,
}

/// Initial parameters.
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default)]
pub struct DemocracyInit {
	/// Rule for upgrading democracy itself (`None`: drop its `upgradable` and stay immutable).
	pub self_upgrade: Option<Rule>,
	/// The least a proposer must have locked: proposals cost stake, kept until they close.
	pub proposal_bond: u128,
}

/// Events (`Kernel::ModuleEvent` data).
#[cfg_attr(feature = "metadata", derive(scale_info::TypeInfo))]
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Event {
	/// A capability came under governance.
	Pushed {
		/// Its governed id.
		governed: u32,
		/// Its label.
		label: Vec<u8>,
	},
	/// A proposal was made.
	Proposed {
		/// Its id.
		proposal: u32,
		/// On what.
		governed: u32,
	},
	/// A vote was cast.
	Voted {
		/// On what.
		proposal: u32,
		/// By whom.
		who: AccountId,
		/// Which way.
		aye: bool,
		/// With how many locked tokens.
		weight: u128,
	},
	/// A proposal was tallied.
	Closed {
		/// Which.
		proposal: u32,
		/// The outcome (`Approved` or `Rejected`).
		status: Status,
		/// Aye weight.
		ayes: u128,
		/// Nay weight.
		nays: u128,
	},
	/// A proposal was enacted.
	Enacted {
		/// Which.
		proposal: u32,
	},
	/// Enacting a proposal failed.
	EnactmentFailed {
		/// Which.
		proposal: u32,
		/// The kernel's return code.
		code: u32,
	},
	/// A governed capability's pusher made its rule stricter.
	RuleTightened {
		/// Which.
		governed: u32,
		/// The new rule.
		rule: Rule,
	},
	/// An account took back its locked tokens; its votes on open proposals were withdrawn.
	Unlocked {
		/// Whose.
		who: AccountId,
		/// How many tokens.
		amount: u128,
	},
}

/// `democracy`'s metadata (see [`kernel_metadata`]).
#[cfg(feature = "metadata")]
pub fn metadata() -> Result<kernel_metadata::Metadata, kernel_metadata::Error> {
	functions(kernel_metadata::Builder::new(NAME))
		.docs(&["Governs capabilities, each under its own rule; votes weigh locked tokens."])
		.init::<DemocracyInit>()
		.event::<Event>()
		.build()
}
