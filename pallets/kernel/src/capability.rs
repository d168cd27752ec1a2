//! The capability table: minting, moving and consuming capabilities.
//!
//! These functions are the only code that writes [`Capabilities`] and [`HeldBy`]; every
//! rule the kernel promises about capabilities (ids never reused, every use checks the holder,
//! data never changes, no copies) is enforced here. They run inside the caller's storage
//! transaction, so a failed frame undoes them with everything else.
//!
//! A capability is state like any other and holds a deposit while it is in the table, on the
//! account of the module it belongs to ([`deposit_module`]): paid by whoever pays for the
//! execution that mints it, refunded to whoever pays for the one that consumes, drops or
//! forgets it. The execution context keeps that account (`ExecContext::mint_capability`,
//! `ExecContext::take_capability`); the functions here only keep the table.
//!
//! A capability minted while its creator handles an invocation or drop of another is *derived*
//! from it, and remembers its [`Lineage`]: the root of its derivation tree and its nearest
//! ancestors, each indexed in [`Descendants`], so that the creator can revoke an ancestor and
//! everything derived from it ([`revocable`]) — also an ancestor that is itself long consumed,
//! such as the `Slashable` a partial slash replaced by its residual.

use crate::{
	exec::ExecError, CapData, Capabilities, CapabilityOf, Config, Descendants, Event, HeldBy,
	HolderOf, Lineage, LineageRemovals, Lineages, Modules, NextCapId, Pallet, MAX_LINEAGE,
};
use alloc::vec::Vec;
use codec::{DecodeAll, MaxEncodedLen};
use kernel_primitives::{system::SystemCap, CapId, Creator, Holder, ModuleId, Version};
use polkadot_sdk::{frame_support::traits::Get, frame_system};

/// A capability just taken out of the table, as the parent of what its creator mints while
/// handling it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Parent {
	/// Its id.
	pub id: CapId,
	/// Its own lineage.
	pub lineage: Lineage,
}

impl Parent {
	/// The lineage of a capability derived from this one: this one's, then this one. Past
	/// [`MAX_LINEAGE`] the oldest ancestor after the root is forgotten: the root is what a
	/// creator hands out and later revokes, the nearest ancestors are the parts it splits.
	pub fn child_lineage(&self) -> Lineage {
		let mut ids: Vec<CapId> = self.lineage.to_vec();
		ids.push(self.id);
		if ids.len() > MAX_LINEAGE as usize {
			ids.remove(1);
		}
		Lineage::truncate_from(ids)
	}
}

/// The module whose account holds the deposit of a capability: its creator, or, for a
/// `system::*` capability, the module it governs. `None` for a capability that governs nothing.
pub fn deposit_module(creator: Creator, data: &[u8]) -> Option<ModuleId> {
	match creator {
		Creator::Module(module) => Some(module),
		Creator::System => SystemCap::decode_all(&mut &data[..]).ok().map(|cap| cap.module()),
	}
}

/// The most storage entries one capability takes: its entry in [`Capabilities`], its holder's
/// in [`HeldBy`], its [`Lineages`] entry and one [`Descendants`] entry per ancestor.
pub const ENTRIES: u32 = 3 + MAX_LINEAGE;

/// The most bytes those [`ENTRIES`] take, keys (with their hashes) and values.
pub fn entry_bytes<T: Config>() -> u32 {
	let id = CapId::max_encoded_len();
	let capability = 8 + id + CapabilityOf::<T>::max_encoded_len();
	let index = 16 + HolderOf::<T>::max_encoded_len() + 8 + id;
	let lineage = 8 + id + Lineage::max_encoded_len();
	let descendants = (8 + id) * 2 * MAX_LINEAGE as usize;
	u32::try_from(capability + index + lineage + descendants).unwrap_or(u32::MAX)
}

/// Mints a new capability, derived from `parent` if given, and returns its id.
pub(crate) fn mint<T: Config>(
	holder: HolderOf<T>,
	creator: Creator,
	data: CapData<T>,
	creator_version: Version,
	parent: Option<&Parent>,
) -> Result<CapId, ExecError> {
	let id = NextCapId::<T>::try_mutate(|next| {
		let id = *next;
		*next = next.checked_add(1).ok_or(ExecError::IdsExhausted)?;
		Ok::<_, ExecError>(id)
	})?;
	if let Some(parent) = parent {
		link::<T>(id, parent.child_lineage());
	}
	let parent = parent.map(|p| p.id);
	HeldBy::<T>::insert(&holder, id, ());
	Capabilities::<T>::insert(
		id,
		CapabilityOf::<T> { holder: holder.clone(), creator, data, creator_version, parent },
	);
	Pallet::<T>::deposit_event(Event::CapabilityMinted { id, creator, holder, parent });
	Ok(id)
}

/// Records `lineage` for capability `id` and indexes it under each ancestor.
fn link<T: Config>(id: CapId, lineage: Lineage) {
	for ancestor in &lineage {
		Descendants::<T>::insert(ancestor, id, ());
	}
	Lineages::<T>::insert(id, lineage);
}

/// Removes capability `id`'s lineage and its index entries, and returns the lineage.
fn unlink<T: Config>(id: CapId) -> Lineage {
	let lineage = Lineages::<T>::take(id).unwrap_or_default();
	if lineage.is_empty() {
		return lineage;
	}
	for ancestor in &lineage {
		Descendants::<T>::remove(ancestor, id);
	}
	let now = frame_system::Pallet::<T>::block_number();
	LineageRemovals::<T>::mutate(|(block, count)| {
		if *block != now {
			*block = now;
			*count = 0;
		}
		*count = count.saturating_add(lineage.len() as u32);
	});
	lineage
}

/// How many [`Descendants`] entries were removed earlier in this block.
pub(crate) fn removals_in_block<T: Config>() -> u32 {
	let (block, count) = LineageRemovals::<T>::get();
	if block == frame_system::Pallet::<T>::block_number() {
		count
	} else {
		0
	}
}

/// The next capabilities revoking `ancestor` removes, at most `max`: `ancestor` itself if it is
/// still in the table, then capabilities derived from it, each with its record.
pub(crate) fn revocable<T: Config>(ancestor: CapId, max: usize) -> Vec<(CapId, CapabilityOf<T>)> {
	let this = Capabilities::<T>::get(ancestor).map(|cap| (ancestor, cap));
	let derived = Descendants::<T>::iter_key_prefix(ancestor)
		.filter_map(|id| Capabilities::<T>::get(id).map(|cap| (id, cap)));
	this.into_iter().chain(derived).take(max).collect()
}

/// The capability `id` if `holder` holds it.
pub fn held_by<T: Config>(id: CapId, holder: &HolderOf<T>) -> Result<CapabilityOf<T>, ExecError> {
	let cap = Capabilities::<T>::get(id).ok_or(ExecError::CapabilityNotFound)?;
	if &cap.holder != holder {
		return Err(ExecError::NotHolder);
	}
	Ok(cap)
}

/// Removes the capability `id` held by `holder` from the table and returns it, with what a
/// capability derived from it inherits: the first step of invoking, dropping or revoking it.
pub(crate) fn take<T: Config>(
	id: CapId,
	holder: &HolderOf<T>,
) -> Result<(CapabilityOf<T>, Parent), ExecError> {
	let cap = held_by::<T>(id, holder)?;
	Capabilities::<T>::remove(id);
	HeldBy::<T>::remove(holder, id);
	let lineage = unlink::<T>(id);
	Ok((cap, Parent { id, lineage }))
}

/// Moves the capability `id` from `from` to `to`. Moving to the current holder is a no-op. A
/// module that does not exist (or was destroyed) cannot receive one: `ModuleNotFound`, on
/// every path that moves capabilities.
pub fn transfer<T: Config>(
	id: CapId,
	from: &HolderOf<T>,
	to: &HolderOf<T>,
) -> Result<(), ExecError> {
	ensure_receiver::<T>(to)?;
	move_to::<T>(id, from, to)
}

/// Refuses a receiver that is not a live module.
fn ensure_receiver<T: Config>(to: &HolderOf<T>) -> Result<(), ExecError> {
	match to {
		Holder::Module(module) if !Modules::<T>::contains_key(module) => {
			Err(ExecError::ModuleNotFound)
		},
		_ => Ok(()),
	}
}

/// [`transfer`] once the receiver is known to exist.
fn move_to<T: Config>(id: CapId, from: &HolderOf<T>, to: &HolderOf<T>) -> Result<(), ExecError> {
	let mut cap = held_by::<T>(id, from)?;
	if from == to {
		return Ok(());
	}
	HeldBy::<T>::remove(from, id);
	HeldBy::<T>::insert(to, id, ());
	cap.holder = to.clone();
	Capabilities::<T>::insert(id, cap);
	Pallet::<T>::deposit_event(Event::CapabilityMoved { id, from: from.clone(), to: to.clone() });
	Ok(())
}

/// Moves every capability in `ids` from `from` to `to`, refusing duplicates (passing the same
/// capability twice would otherwise look like a copy to the receiver).
pub fn transfer_all<T: Config>(
	ids: &[CapId],
	from: &HolderOf<T>,
	to: &HolderOf<T>,
) -> Result<(), ExecError> {
	if ids.len() > T::MaxCapsPerCall::get() as usize {
		return Err(ExecError::TooManyCapabilities);
	}
	if ids.is_empty() {
		return Ok(());
	}
	ensure_receiver::<T>(to)?;
	for (i, id) in ids.iter().enumerate() {
		if ids[..i].contains(id) {
			return Err(ExecError::DuplicateCapability);
		}
		move_to::<T>(*id, from, to)?;
	}
	Ok(())
}
