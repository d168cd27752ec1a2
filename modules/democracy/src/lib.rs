//! The `democracy` process module: governs capabilities, each under its own rule.
//!
//! See `module_interfaces::democracy` for the interface. In short: `push` hands democracy a
//! capability with a rule; accounts `propose` to invoke it (or to change its rule), `vote` with
//! the tokens they locked (`balance::Locked` capabilities democracy holds), and when the voting
//! period ends the proposal's running tally is checked against the capability's rule. An
//! approved proposal is enacted after its delay: democracy invokes the capability and keeps what
//! the invocation returns.

#![no_std]

extern crate alloc;

use kernel_sdk::{prelude::*, Encoded};
use module_interfaces::{
	balance::{self, BalanceCap},
	democracy::{
		function as f, Action, DemocracyInit, Event, Governed, Lock, Proposal, ProposeArgs,
		PushArgs, Rule, Status, TightenArgs, VoteArgs, MAX_LOCK_CAPS, MAX_OPEN_VOTES,
	},
};

/// The module.
pub struct Democracy;

const NEXT_GOVERNED: Value<u32> = Value::new(b"next_governed");
const GOVERNED: Map<u32, Governed> = Map::new(b"governed/");
const NEXT_PROPOSAL: Value<u32> = Value::new(b"next_proposal");
const PROPOSALS: Map<u32, Proposal> = Map::new(b"proposal/");
/// Each vote: which way, and with how many locked tokens.
const VOTES: Map<(u32, AccountId), (bool, u128)> = Map::new(b"vote/");
/// Each account's locked tokens.
const LOCKS: Map<AccountId, Lock> = Map::new(b"lock/");
/// The least a proposer must have locked.
const PROPOSAL_BOND: Value<u128> = Value::new(b"bond");
/// Proposals waiting to be closed or enacted, keyed by due block then id, both big endian, so
/// that key order is due order and `on_block` reads only the head.
const DUE: Map<[u8; 12], u32> = Map::new(b"due/");

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
		if args.proposal_bond > 0 {
			PROPOSAL_BOND.set(&args.proposal_bond);
		}
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
				let who = env::caller_account()?;
				add_to_lock(who, core::mem::take(&mut call.caps))?;
				Ok(Output::value(&propose(who, args)?))
			},
			f::VOTE => {
				let args: VoteArgs = call.args()?;
				let who = env::caller_account()?;
				add_to_lock(who, core::mem::take(&mut call.caps))?;
				vote(who, args)?;
				Ok(Output::none())
			},
			f::UNLOCK => Ok(Output::value(&unlock(env::caller_account()?)?)),
			f::LOCK => {
				let who: AccountId = call.args()?;
				Ok(Output::value(&LOCKS.get(&who)))
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

	/// Closes proposals whose voting ended and enacts approved ones that are due: the head of
	/// the due queue, at most `MAX_PER_BLOCK`. One that cannot be closed (`balance` gone, say)
	/// leaves the queue and waits for a `close` by hand, rather than block the others.
	fn on_block(block: Block) -> Result<()> {
		let due: Vec<([u8; 12], u32)> = DUE
			.iter()
			.take_while(|(key, _)| due_block(key) <= block.number)
			.take(MAX_PER_BLOCK)
			.collect();
		for (key, id) in due {
			DUE.remove(&key);
			let Some(proposal) = PROPOSALS.get(&id) else { continue };
			let _ = match proposal.status {
				Status::Voting => close(id).map(|_| ()),
				Status::Approved { .. } => enact(id),
				_ => Ok(()),
			};
		}
		Ok(())
	}
}

kernel_sdk::entry_points!(Democracy: init, call, on_block);

/// The due-queue key of proposal `id` at block `at`.
fn due_key(at: u64, id: u32) -> [u8; 12] {
	let mut key = [0u8; 12];
	key[..8].copy_from_slice(&at.to_be_bytes());
	key[8..].copy_from_slice(&id.to_be_bytes());
	key
}

fn due_block(key: &[u8; 12]) -> u64 {
	let mut block = [0u8; 8];
	block.copy_from_slice(&key[..8]);
	u64::from_be_bytes(block)
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
	let bond = PROPOSAL_BOND.get_or_default();
	let mut lock = LOCKS.get_or_default(&proposer);
	if lock.amount < bond {
		return Err(Error::Msg("lock at least the proposal bond to propose"));
	}
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
	DUE.insert(&due_key(ends.saturating_add(1), id), &id);
	if bond > 0 {
		// The bond stays locked until the proposal closes.
		note_open(&mut lock, id)?;
		LOCKS.insert(&proposer, &lock);
	}
	env::emit(&Event::Proposed { proposal: id, governed: args.governed });
	Ok(id)
}

/// Adds `caps`, `balance::Locked` capabilities over `who`'s funds, to `who`'s lock.
fn add_to_lock(who: AccountId, caps: Vec<Cap>) -> Result<()> {
	if caps.is_empty() {
		return Ok(());
	}
	let balance = env::lookup(balance::NAME).ok_or(Error::Msg("balance module not found"))?;
	let mut lock = LOCKS.get_or_default(&who);
	for cap in caps {
		let described: Option<BalanceCap> =
			call_module(balance, balance::function::DESCRIBE, &cap.id(), Vec::new())?.decode()?;
		let amount = match described {
			Some(BalanceCap::Locked { account, amount }) if account == who => amount,
			_ => return Err(Error::Msg("votes take balance::Locked capabilities of the caller")),
		};
		if lock.caps.len() >= MAX_LOCK_CAPS as usize {
			return Err(Error::Msg("too many capabilities in one lock"));
		}
		lock.caps.push(cap.id());
		lock.amount = lock.amount.saturating_add(amount);
	}
	LOCKS.insert(&who, &lock);
	Ok(())
}

/// Records that `lock` counts in proposal `id` (a vote or a bond) until `id` closes, dropping
/// proposals that closed meanwhile.
fn note_open(lock: &mut Lock, id: u32) -> Result<()> {
	lock.proposals.retain(|p| PROPOSALS.get(p).is_some_and(|p| p.status == Status::Voting));
	if !lock.proposals.contains(&id) {
		if lock.proposals.len() >= MAX_OPEN_VOTES as usize {
			return Err(Error::Msg("too many open votes; unlock or wait for some to close"));
		}
		lock.proposals.push(id);
	}
	Ok(())
}

/// `who` votes with everything it has locked; voting again replaces the vote.
fn vote(who: AccountId, args: VoteArgs) -> Result<()> {
	let mut proposal = PROPOSALS.get(&args.proposal).ok_or(Error::Msg("no such proposal"))?;
	if proposal.status != Status::Voting || env::block_number() > proposal.ends {
		return Err(Error::Msg("voting has ended"));
	}
	let mut lock = LOCKS.get_or_default(&who);
	if lock.amount == 0 {
		return Err(Error::Msg("lock tokens (balance::Locked) to vote"));
	}
	let key = (args.proposal, who);
	if let Some(previous) = VOTES.get(&key) {
		count(&mut proposal, previous, false);
	}
	let vote = (args.aye, lock.amount);
	count(&mut proposal, vote, true);
	note_open(&mut lock, args.proposal)?;
	VOTES.insert(&key, &vote);
	LOCKS.insert(&who, &lock);
	PROPOSALS.insert(&args.proposal, &proposal);
	env::emit(&Event::Voted { proposal: args.proposal, who, aye: args.aye, weight: lock.amount });
	Ok(())
}

/// Adds a vote to a proposal's running tally, or takes it out.
fn count(proposal: &mut Proposal, (aye, weight): (bool, u128), add: bool) {
	let side = if aye { &mut proposal.ayes } else { &mut proposal.nays };
	*side = if add { side.saturating_add(weight) } else { side.saturating_sub(weight) };
}

/// Gives `who` its locked tokens back: its votes on proposals still open are withdrawn (those
/// on closed ones were final), and the capabilities are dropped, which unlocks the funds in
/// `balance`. Refused while a proposal `who` made is still open: the bond stays until then.
fn unlock(who: AccountId) -> Result<u128> {
	let lock = LOCKS.get(&who).ok_or(Error::Msg("nothing locked"))?;
	for id in &lock.proposals {
		let Some(mut proposal) = PROPOSALS.get(id) else { continue };
		let open = proposal.status == Status::Voting;
		if open && proposal.proposer == who {
			return Err(Error::Msg("the bond of an open proposal stays locked"));
		}
		if let Some(vote) = VOTES.take(&(*id, who)) {
			if open {
				count(&mut proposal, vote, false);
				PROPOSALS.insert(id, &proposal);
			}
		}
	}
	for cap in &lock.caps {
		Cap::from_id(*cap).drop_capability()?;
	}
	LOCKS.remove(&who);
	env::emit(&Event::Unlocked { who, amount: lock.amount });
	Ok(lock.amount)
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
	let balance = env::lookup(balance::NAME).ok_or(Error::Msg("balance module not found"))?;
	let total_issuance: u128 =
		call_module(balance, balance::function::TOTAL_ISSUANCE, &(), Vec::new())?.decode()?;
	let (ayes, nays) = (proposal.ayes, proposal.nays);
	proposal.total_issuance = total_issuance;
	DUE.remove(&due_key(proposal.ends.saturating_add(1), id));
	proposal.status = if passes(&rule, ayes, nays, total_issuance) {
		let enact_at = now.saturating_add(rule.enactment_delay);
		DUE.insert(&due_key(enact_at, id), &id);
		Status::Approved { enact_at }
	} else {
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
	DUE.remove(&due_key(enact_at, id));
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
