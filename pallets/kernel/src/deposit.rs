//! Storage deposits: who pays for the state an execution adds, and where the money is held.
//!
//! A module's deposit (for its code and each byte and item of its state) is held on the
//! module's own account, derived from its id, so that it follows the state and not whoever
//! happened to deploy it. The signer of a transaction pays the net growth its execution causes,
//! up to the transaction's `storage_deposit_limit`, and an execution that shrinks a module's
//! state refunds its signer: whoever frees state gets its deposit, as in pallet-contracts.
//! Executions that nobody signed (`on_block`, the drops of a destroyed module's capabilities)
//! settle with each module's deployer, who chose to export those entry points.
//!
//! The module's account is opened, by whoever pays its first deposit, with the existential
//! deposit, so that holds can be placed on it; a consumer reference keeps it alive while the
//! module exists. When a destroyed module's storage is gone, everything on the account goes to
//! its deployer.

use crate::{exec::ExecError, types::BalanceOf, Config, HoldReason, LOG_TARGET};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use kernel_primitives::ModuleId;
use polkadot_sdk::{
	frame_support::{
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
		},
		PalletId,
	},
	frame_system,
	sp_runtime::{
		traits::{AccountIdConversion, Saturating, Zero},
		DispatchResult,
	},
};
use scale_info::TypeInfo;

/// Module accounts are sub-accounts of this id, one per module id.
const PALLET_ID: PalletId = PalletId(*b"py/kernl");

/// The account a module's deposit is held on.
pub fn module_account<T: Config>(module: ModuleId) -> T::AccountId {
	PALLET_ID.into_sub_account_truncating(module)
}

/// What an execution charged its payer in deposits, or refunded, net.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum StorageDeposit<Balance> {
	/// Paid by the signer: the net growth of the state it caused.
	Charge(Balance),
	/// Returned to the signer: the net shrinkage.
	Refund(Balance),
}

impl<Balance: Zero> Default for StorageDeposit<Balance> {
	fn default() -> Self {
		Self::Charge(Zero::zero())
	}
}

/// Who pays a top-level execution's deposits, and at most how much.
#[derive(Clone, Debug)]
pub(crate) struct Payer<T: Config> {
	pub who: T::AccountId,
	/// The most the execution may charge `who`, net; `None`: no limit.
	pub limit: Option<BalanceOf<T>>,
}

/// One module's deposit going from `held` to `required`.
pub(crate) struct Change<T: Config> {
	pub module: ModuleId,
	/// Pays or is refunded when the execution has no payer.
	pub deployer: T::AccountId,
	pub held: BalanceOf<T>,
	pub required: BalanceOf<T>,
}

/// Moves the money for `changes`: refunds first (so a payer can use what it gets back), then
/// charges. Fails, before moving anything, if the net charge to `payer` exceeds its limit.
pub(crate) fn settle<T: Config>(
	payer: Option<&Payer<T>>,
	changes: Vec<Change<T>>,
) -> Result<StorageDeposit<BalanceOf<T>>, ExecError> {
	let mut charged = BalanceOf::<T>::zero();
	let mut refunded = BalanceOf::<T>::zero();
	let mut opened = Vec::new();
	for change in &changes {
		if change.required <= change.held {
			refunded.saturating_accrue(change.held.saturating_sub(change.required));
			continue;
		}
		charged.saturating_accrue(change.required.saturating_sub(change.held));
		let account = module_account::<T>(change.module);
		if !frame_system::Pallet::<T>::account_exists(&account) {
			charged.saturating_accrue(T::Currency::minimum_balance());
			opened.push(account);
		}
	}
	let net = net_of::<T>(charged, refunded);
	if let (Some(Payer { limit: Some(limit), .. }), StorageDeposit::Charge(amount)) = (payer, net) {
		if amount > *limit {
			return Err(ExecError::StorageDepositLimitExhausted);
		}
	}
	let party = |change: &Change<T>| payer.map_or(change.deployer.clone(), |p| p.who.clone());
	for change in changes.iter().filter(|c| c.required < c.held) {
		refund::<T>(change.module, &party(change), change.held.saturating_sub(change.required));
	}
	for change in changes.iter().filter(|c| c.required > c.held) {
		let account = module_account::<T>(change.module);
		if opened.contains(&account) {
			open_account::<T>(&party(change), &account)?;
		}
		let amount = change.required.saturating_sub(change.held);
		T::Currency::transfer_and_hold(
			&HoldReason::ModuleDeposit.into(),
			&party(change),
			&account,
			amount,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)
		.map_err(|_| ExecError::InsufficientDeposit)?;
	}
	Ok(net)
}

fn net_of<T: Config>(
	charged: BalanceOf<T>,
	refunded: BalanceOf<T>,
) -> StorageDeposit<BalanceOf<T>> {
	if charged >= refunded {
		StorageDeposit::Charge(charged.saturating_sub(refunded))
	} else {
		StorageDeposit::Refund(refunded.saturating_sub(charged))
	}
}

/// Creates a module's account with the existential deposit from `payer`, and a consumer
/// reference so that it cannot be reaped while the module exists.
fn open_account<T: Config>(payer: &T::AccountId, account: &T::AccountId) -> Result<(), ExecError> {
	let ed = T::Currency::minimum_balance();
	T::Currency::transfer(payer, account, ed, Preservation::Preserve)
		.map_err(|_| ExecError::InsufficientDeposit)?;
	frame_system::Pallet::<T>::inc_consumers(account).map_err(|_| ExecError::InsufficientDeposit)
}

/// Returns `amount` of `module`'s deposit to `to`. Best effort: the hold can only be smaller
/// than recorded if something outside the kernel released it, and a refund to an account that
/// cannot receive it stays on the module's account, to go to its deployer in the end.
fn refund<T: Config>(module: ModuleId, to: &T::AccountId, amount: BalanceOf<T>) {
	let result = T::Currency::transfer_on_hold(
		&HoldReason::ModuleDeposit.into(),
		&module_account::<T>(module),
		to,
		amount,
		Precision::BestEffort,
		Restriction::Free,
		Fortitude::Polite,
	);
	if let Err(error) = result {
		log::warn!(target: LOG_TARGET, "refunding module {module}'s deposit failed: {error:?}");
	}
}

/// Everything on a deleted module's account, deposit and existential deposit, goes to its
/// deployer, and the account is closed.
pub(crate) fn close_account<T: Config>(module: ModuleId, deployer: &T::AccountId) {
	let account = module_account::<T>(module);
	if !frame_system::Pallet::<T>::account_exists(&account) {
		return;
	}
	let reason = HoldReason::ModuleDeposit.into();
	let held = T::Currency::balance_on_hold(&reason, &account);
	let result = release_to::<T>(&account, deployer, held);
	if let Err(error) = result {
		log::warn!(target: LOG_TARGET, "closing module {module}'s account failed: {error:?}");
	}
}

fn release_to<T: Config>(
	account: &T::AccountId,
	deployer: &T::AccountId,
	held: BalanceOf<T>,
) -> DispatchResult {
	if !held.is_zero() {
		T::Currency::release(&HoldReason::ModuleDeposit.into(), account, held, Precision::Exact)?;
	}
	// The consumer `open_account` added (an account someone else opened has none of ours).
	if frame_system::Pallet::<T>::consumers(account) > 0 {
		frame_system::Pallet::<T>::dec_consumers(account);
	}
	let all = T::Currency::balance(account);
	T::Currency::transfer(account, deployer, all, Preservation::Expendable)?;
	Ok(())
}
