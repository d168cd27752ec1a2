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

use crate::{
	exec::ExecError, CapData, Capabilities, CapabilityOf, Config, Event, HeldBy, HolderOf, Modules,
	NextCapId, Pallet,
};
use codec::{DecodeAll, MaxEncodedLen};
use kernel_primitives::{system::SystemCap, CapId, Creator, Holder, ModuleId, Version};
use polkadot_sdk::frame_support::traits::Get;

/// The module whose account holds the deposit of a capability: its creator, or, for a
/// `system::*` capability, the module it governs. `None` for a capability that governs nothing.
pub fn deposit_module(creator: Creator, data: &[u8]) -> Option<ModuleId> {
	match creator {
		Creator::Module(module) => Some(module),
		Creator::System => SystemCap::decode_all(&mut &data[..]).ok().map(|cap| cap.module()),
	}
}

/// The most bytes one capability takes in storage: its entry in [`Capabilities`] and its
/// holder's entry in [`HeldBy`], keys (with their hashes) and values.
pub fn entry_bytes<T: Config>() -> u32 {
	let id = CapId::max_encoded_len();
	let capability = 8 + id + CapabilityOf::<T>::max_encoded_len();
	let index = 16 + HolderOf::<T>::max_encoded_len() + 8 + id;
	u32::try_from(capability + index).unwrap_or(u32::MAX)
}

/// Mints a new capability and returns its id.
pub fn mint<T: Config>(
	holder: HolderOf<T>,
	creator: Creator,
	data: CapData<T>,
	creator_version: Version,
	parent: Option<CapId>,
) -> Result<CapId, ExecError> {
	let id = NextCapId::<T>::try_mutate(|next| {
		let id = *next;
		*next = next.checked_add(1).ok_or(ExecError::IdsExhausted)?;
		Ok::<_, ExecError>(id)
	})?;
	HeldBy::<T>::insert(&holder, id, ());
	Capabilities::<T>::insert(
		id,
		CapabilityOf::<T> { holder: holder.clone(), creator, data, creator_version, parent },
	);
	Pallet::<T>::deposit_event(Event::CapabilityMinted { id, creator, holder, parent });
	Ok(id)
}

/// The capability `id` if `holder` holds it.
pub fn held_by<T: Config>(id: CapId, holder: &HolderOf<T>) -> Result<CapabilityOf<T>, ExecError> {
	let cap = Capabilities::<T>::get(id).ok_or(ExecError::CapabilityNotFound)?;
	if &cap.holder != holder {
		return Err(ExecError::NotHolder);
	}
	Ok(cap)
}

/// Removes the capability `id` held by `holder` from the table and returns it: the first step of
/// invoking or dropping it.
pub fn take<T: Config>(id: CapId, holder: &HolderOf<T>) -> Result<CapabilityOf<T>, ExecError> {
	let cap = held_by::<T>(id, holder)?;
	Capabilities::<T>::remove(id);
	HeldBy::<T>::remove(holder, id);
	Ok(cap)
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
