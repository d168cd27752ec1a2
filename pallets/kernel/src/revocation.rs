//! Revocation: a creator takes back a capability it minted and everything derived from it.
//!
//! A capability's descendants are found through the lineage index ([`crate::Descendants`],
//! kept by [`crate::capability`]), wherever they are held, also when the capability itself was
//! consumed long ago. Revoked capabilities leave the table without their creator's `on_drop`:
//! the creator is the one revoking, and it learns each capability's holder and data from the
//! [`Revocation`] it gets back, to settle what they stood for. One step removes at most
//! `MaxCapsPerCall` capabilities, so its cost is bounded; a larger tree takes more steps, each
//! paid by whoever runs it.

use crate::{
	capability,
	exec::{ExecContext, ExecError, Trap},
	meter, Config, Event, Pallet,
};
use alloc::vec::Vec;
use codec::Encode;
use kernel_primitives::{CapId, Creator, ModuleId, Revocation, RevokedCap};
use polkadot_sdk::frame_support::{traits::Get, BoundedVec};

impl<T: Config> ExecContext<T> {
	/// One step of `module` revoking `ancestor` and what is derived from it: at most
	/// `MaxCapsPerCall` capabilities, no more than fit in `capacity` bytes of encoded output.
	/// Nothing is removed unless `module` created every capability the step finds.
	pub(crate) fn revoke(
		&mut self,
		module: ModuleId,
		ancestor: CapId,
		capacity: u32,
	) -> Result<Revocation<T::AccountId>, ExecError> {
		self.charge(meter::revoke_start::<T>(capability::removals_in_block::<T>()))?;
		let max = T::MaxCapsPerCall::get() as usize;
		// One more than a step takes, to learn whether any are left.
		let mut found = capability::revocable::<T>(ancestor, max.saturating_add(1));
		if found.is_empty() {
			return Err(ExecError::CapabilityNotFound);
		}
		self.charge(meter::cap_table::<T>(found.len() as u64, 0))?;
		if found.iter().any(|(_, cap)| cap.creator != Creator::Module(module)) {
			return Err(ExecError::NotCreator);
		}
		let mut revocation = Revocation { revoked: Vec::new(), complete: found.len() <= max };
		found.truncate(max);
		let mut size = revocation.encoded_size();
		for (id, cap) in found {
			let entry = RevokedCap { id, holder: cap.holder, data: cap.data.into_inner() };
			size = size.saturating_add(entry.encoded_size());
			if size > capacity as usize {
				revocation.complete = false;
				break;
			}
			self.charge(meter::revoke_one::<T>())?;
			self.take_capability(id, &entry.holder)?;
			revocation.revoked.push(entry);
		}
		if revocation.revoked.is_empty() && !revocation.complete {
			// Unreachable with `integrity_test`'s limits (one entry always fits `MaxOutputLen`),
			// but a step that makes no progress must not look like one that does.
			return Err(ExecError::Trapped(Trap::OutputTooLarge));
		}
		let ids = revocation.revoked.iter().map(|cap| cap.id).collect();
		Pallet::<T>::deposit_event(Event::CapabilitiesRevoked {
			ancestor,
			by: module,
			ids: BoundedVec::truncate_from(ids),
			complete: revocation.complete,
		});
		Ok(revocation)
	}
}
