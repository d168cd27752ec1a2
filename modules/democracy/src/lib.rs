//! The `democracy` process module: governs capabilities, each under its own rule.
//!
//! See `module_interfaces::democracy` for the interface. In short: `push` hands democracy a
//! capability with a rule; accounts `propose` to invoke it (or to change its rule), `vote`, and
//! when the voting period ends the proposal is tallied against the capability's rule, with
//! votes weighed by `balance` holdings at that moment. An approved proposal is enacted after
//! its delay: democracy invokes the capability and keeps what the invocation returns.

#![no_std]

extern crate alloc;

use kernel_sdk::{prelude::*, Encoded};
use module_interfaces::{
	balance::{self, Account},
	democracy::{
		function as f, Action, DemocracyInit, Event, Governed, Proposal, ProposeArgs, PushArgs,
		Rule, Status, TightenArgs, VoteArgs, MAX_VOTERS,
	},
};

/// The module.
pub struct Democracy;

const NEXT_GOVERNED: Value<u32> = Value::new(b"next_governed");
const GOVERNED: Map<u32, Governed> = Map::new(b"governed/");
const NEXT_PROPOSAL: Value<u32> = Value::new(b"next_proposal");
const PROPOSALS: Map<u32, Proposal> = Map::new(b"proposal/");
/// Each proposal's voters, in voting order (bounded by `MAX_VOTERS`).
const VOTERS: Map<u32, Vec<AccountId>> = Map::new(b"voters/");
const VOTES: Map<(u32, AccountId), bool> = Map::new(b"vote/");
/// Proposals still voting or waiting for enactment, oldest first.
const ACTIVE: Value<Vec<u32>> = Value::new(b"active");

/// Most proposals `on_block` closes or enacts per block.
const MAX_PER_BLOCK: usize = 4;

impl Module for Democracy {
	fn init(init: Init) -> Result<Output> {
		let args: DemocracyInit =
			if init.params.is_empty() { Default::default() } else { init.args()? };
		match args.self_upgrade {
			Some(rule) => {
				govern(init.upgradable, rule, b"democracy: upgrade".to_vec(), env::this())?;
			},
			None => init.upgradable.drop_capability()?,
		}
		init.destroy.drop_capability()?;
		Ok(Output::none())
	}

	fn call(mut call: Call) -> Result<Output> {
		match call.function() {
			f::PUSH => {
				let args: PushArgs = call.args()?;
				let [cap] = call.take_caps::<1>()?;
				let pusher = env::caller().ok_or(Error::BadOrigin)?;
				let id = govern(cap, args.rule, args.label, pusher)?;
				Ok(Output::value(&id))
			},
			f::PROPOSE => {
				let args: ProposeArgs = call.args()?;
				Ok(Output::value(&propose(env::caller_account()?, args)?))
			},
			f::VOTE => {
				let args: VoteArgs = call.args()?;
				vote(env::caller_account()?, args)?;
				Ok(Output::none())
			},
			f::TIGHTEN => {
				let args: TightenArgs = call.args()?;
				tighten(env::caller().ok_or(Error::BadOrigin)?, args)?;
				Ok(Output::none())
			},
			f::CLOSE => {
				let id: u32 = call.args()?;
				Ok(Output::value(&close(id)?))
			},
			f::ENACT => {
				let id: u32 = call.args()?;
				enact(id)?;
				Ok(Output::none())
			},
			f::GOVERNED => {
				let id: u32 = call.args()?;
				Ok(Output::value(&GOVERNED.get(&id)))
			},
			f::PROPOSAL => {
				let id: u32 = call.args()?;
				Ok(Output::value(&PROPOSALS.get(&id)))
			},
			_ => Err(Error::UnknownFunction),
		}
	}

	/// Closes proposals whose voting ended and enacts approved ones that are due.
	fn on_block(block: Block) -> Result<()> {
		let due: Vec<u32> = ACTIVE
			.get_or_default()
			.into_iter()
			.filter(|id| PROPOSALS.get(id).is_some_and(|p| is_due(&p, block.number)))
			.take(MAX_PER_BLOCK)
			.collect();
		for id in due {
			let Some(proposal) = PROPOSALS.get(&id) else { continue };
			match proposal.status {
				Status::Voting => {
					close(id)?;
				},
				Status::Approved { .. } => enact(id)?,
				_ => {},
			}
		}
		Ok(())
	}
}

kernel_sdk::entry_points!(Democracy: init, call, on_block);

fn is_due(proposal: &Proposal, now: u64) -> bool {
	match proposal.status {
		Status::Voting => now > proposal.ends,
		Status::Approved { enact_at } => now >= enact_at,
		_ => false,
	}
}

fn next_id(counter: &Value<u32>) -> Result<u32> {
	counter.mutate(|next| {
		let id = *next;
		*next = next.checked_add(1).ok_or(Error::Msg("ids exhausted"))?;
		Ok(id)
	})
}

/// Records `cap` as governed under `rule`.
fn govern(cap: Cap, rule: Rule, label: Vec<u8>, pusher: Holder) -> Result<u32> {
	if !rule.is_valid() {
		return Err(Error::Msg("invalid rule"));
	}
	let id = next_id(&NEXT_GOVERNED)?;
	GOVERNED.insert(&id, &Governed { cap: Some(cap.id()), rule, label: label.clone(), pusher });
	env::emit(&Event::Pushed { governed: id, label });
	Ok(id)
}

/// `who`, the pusher of a governed capability, makes its rule stricter at once. Proposals
/// still open are tallied under the new rule; loosening a rule takes a vote under the current
/// one (`Action::SetRule`), so a rule never gets easier to pass without one.
fn tighten(who: Holder, args: TightenArgs) -> Result<()> {
	let mut governed =
		GOVERNED.get(&args.governed).ok_or(Error::Msg("no such governed capability"))?;
	if governed.pusher != who {
		return Err(Error::Msg("only whoever pushed the capability may tighten its rule"));
	}
	if !args.rule.is_valid() {
		return Err(Error::Msg("invalid rule"));
	}
	if !args.rule.is_at_least_as_strict_as(&governed.rule) {
		return Err(Error::Msg("a rule can only be tightened; loosening it takes a vote"));
	}
	governed.rule = args.rule;
	GOVERNED.insert(&args.governed, &governed);
	env::emit(&Event::RuleTightened { governed: args.governed, rule: args.rule });
	Ok(())
}

fn propose(proposer: AccountId, args: ProposeArgs) -> Result<u32> {
	let governed = GOVERNED.get(&args.governed).ok_or(Error::Msg("no such governed capability"))?;
	if governed.cap.is_none() {
		return Err(Error::Msg("the capability was consumed"));
	}
	if let Action::SetRule(rule) = &args.action {
		if !rule.is_valid() {
			return Err(Error::Msg("invalid rule"));
		}
	}
	let id = next_id(&NEXT_PROPOSAL)?;
	let ends = env::block_number().saturating_add(governed.rule.voting_period);
	PROPOSALS.insert(
		&id,
		&Proposal {
			governed: args.governed,
			action: args.action,
			proposer,
			ends,
			status: Status::Voting,
			ayes: 0,
			nays: 0,
			total_issuance: 0,
		},
	);
	ACTIVE.mutate(|active| active.push(id));
	env::emit(&Event::Proposed { proposal: id, governed: args.governed });
	Ok(id)
}

fn vote(who: AccountId, args: VoteArgs) -> Result<()> {
	let proposal = PROPOSALS.get(&args.proposal).ok_or(Error::Msg("no such proposal"))?;
	if proposal.status != Status::Voting || env::block_number() > proposal.ends {
		return Err(Error::Msg("voting has ended"));
	}
	let key = (args.proposal, who);
	if !VOTES.contains(&key) {
		let added = VOTERS.mutate(&args.proposal, |voters| {
			if voters.len() >= MAX_VOTERS as usize {
				return false;
			}
			voters.push(who);
			true
		});
		if !added {
			return Err(Error::Msg("too many voters"));
		}
	}
	VOTES.insert(&key, &args.aye);
	env::emit(&Event::Voted { proposal: args.proposal, who, aye: args.aye });
	Ok(())
}

/// Tallies a proposal whose voting period ended, against its capability's current rule.
fn close(id: u32) -> Result<Status> {
	let mut proposal = PROPOSALS.get(&id).ok_or(Error::Msg("no such proposal"))?;
	if proposal.status != Status::Voting {
		return Err(Error::Msg("not open"));
	}
	let now = env::block_number();
	if now <= proposal.ends {
		return Err(Error::Msg("voting has not ended"));
	}
	let rule =
		GOVERNED.get(&proposal.governed).ok_or(Error::Msg("no such governed capability"))?.rule;
	let (ayes, nays, total_issuance) = tally(id)?;
	proposal.ayes = ayes;
	proposal.nays = nays;
	proposal.total_issuance = total_issuance;
	proposal.status = if passes(&rule, ayes, nays, total_issuance) {
		Status::Approved { enact_at: now.saturating_add(rule.enactment_delay) }
	} else {
		ACTIVE.mutate(|active| active.retain(|p| *p != id));
		Status::Rejected
	};
	PROPOSALS.insert(&id, &proposal);
	env::emit(&Event::Closed { proposal: id, status: proposal.status, ayes, nays });
	Ok(proposal.status)
}

/// Whether `ayes`/`nays` out of `total` meet `rule`.
fn passes(rule: &Rule, ayes: u128, nays: u128, total: u128) -> bool {
	let turnout = ayes.saturating_add(nays);
	turnout > 0
		&& turnout.saturating_mul(100) >= total.saturating_mul(rule.min_turnout_percent.into())
		&& ayes.saturating_mul(100) >= turnout.saturating_mul(rule.approval_percent.into())
}

/// Weighs every vote by the voter's `balance` holdings now (one call for all voters).
fn tally(id: u32) -> Result<(u128, u128, u128)> {
	let balance = env::lookup(balance::NAME).ok_or(Error::Msg("balance module not found"))?;
	let voters = VOTERS.get_or_default(&id);
	let holders: Vec<Holder> = voters.iter().map(|who| Holder::Account(*who)).collect();
	let accounts: Vec<Account> =
		call_module(balance, balance::function::ACCOUNTS, &holders, Vec::new())?.decode()?;
	let total: u128 =
		call_module(balance, balance::function::TOTAL_ISSUANCE, &(), Vec::new())?.decode()?;
	let (mut ayes, mut nays) = (0u128, 0u128);
	for (who, account) in voters.iter().zip(accounts) {
		let weight = account.free.saturating_add(account.locked);
		match VOTES.get(&(id, *who)) {
			Some(true) => ayes = ayes.saturating_add(weight),
			Some(false) => nays = nays.saturating_add(weight),
			None => {},
		}
	}
	Ok((ayes, nays, total))
}

/// Enacts an approved proposal whose delay passed. A capability that refuses the invocation
/// stays governed; the proposal is then `Failed`.
fn enact(id: u32) -> Result<()> {
	let mut proposal = PROPOSALS.get(&id).ok_or(Error::Msg("no such proposal"))?;
	let Status::Approved { enact_at } = proposal.status else {
		return Err(Error::Msg("not approved, or already enacted"));
	};
	if env::block_number() < enact_at {
		return Err(Error::Msg("enactment delay has not passed"));
	}
	let mut governed =
		GOVERNED.get(&proposal.governed).ok_or(Error::Msg("no such governed capability"))?;
	proposal.status = match &proposal.action {
		Action::SetRule(rule) => {
			governed.rule = *rule;
			Status::Enacted
		},
		Action::Invoke { function, params } => {
			let cap = governed.cap.take().ok_or(Error::Msg("the capability was consumed"))?;
			let function = core::str::from_utf8(function).map_err(|_| Error::Decode)?;
			match Cap::from_id(cap).invoke(function, &Encoded(params), Vec::new()) {
				Ok(reply) => {
					keep_successors(&mut governed, reply.caps)?;
					Status::Enacted
				},
				Err(failed) => {
					governed.cap = Some(failed.cap.id());
					Status::Failed { code: failed.error.code as u32 }
				},
			}
		},
	};
	GOVERNED.insert(&proposal.governed, &governed);
	PROPOSALS.insert(&id, &proposal);
	ACTIVE.mutate(|active| active.retain(|p| *p != id));
	match proposal.status {
		Status::Failed { code } => env::emit(&Event::EnactmentFailed { proposal: id, code }),
		_ => env::emit(&Event::Enacted { proposal: id }),
	}
	Ok(())
}

/// A repeatable capability returns its successor: it takes the invoked one's place. Further
/// returned capabilities come under governance with the same rule.
fn keep_successors(governed: &mut Governed, caps: Vec<Cap>) -> Result<()> {
	let mut caps = caps.into_iter();
	governed.cap = caps.next().map(|cap| cap.id());
	for extra in caps {
		govern(extra, governed.rule, governed.label.clone(), env::this())?;
	}
	Ok(())
}
