//! Module lifecycle: deploy, the `system::*` capabilities (upgrade, duplicate, destroy) and
//! staged code. Destroyed modules are deleted by [`crate::deletion`].

use crate::{
	capability::Parent,
	exec::{ExecContext, ExecError},
	storage::ModuleStorage,
	tick,
	types::{CodeHash, HolderOf, ModuleInfoOf, ModuleName, Tombstone, UsageDelta},
	wasm::{self, CodeError, Sandbox, ValidCode},
	CodeOf, CodeStore, CodeUploads, Config, DeletionQueue, Error, Event, HoldReason, ModuleNames,
	Modules, NextModuleId, Pallet, StagedCode, Tickers,
};
use alloc::{vec, vec::Vec};
use codec::DecodeAll;
use kernel_primitives::{
	abi::Entry,
	envelope::{CallInput, Output},
	system::{self as sys, CodeSource, SystemCap, UpgradeParams},
	ModuleId,
};
use polkadot_sdk::{
	frame_support::{
		ensure,
		traits::{fungible::MutateHold, tokens::Precision},
	},
	frame_system,
	sp_core::H256,
	sp_io::hashing::blake2_256,
	sp_runtime::{traits::Zero, DispatchResult},
};

/// Registers validated `code` as a new module of `deployer`. Its deposit is charged when the
/// execution settles.
pub(crate) fn create_module<T: Config>(
	ctx: &mut ExecContext<T>,
	deployer: T::AccountId,
	name: ModuleName<T>,
	code: &[u8],
	valid: ValidCode,
) -> Result<ModuleId, ExecError> {
	if !crate::types::is_valid_name(&name) {
		return Err(ExecError::InvalidName);
	}
	if ModuleNames::<T>::contains_key(&name) {
		return Err(ExecError::NameTaken);
	}
	let module = NextModuleId::<T>::try_mutate(|next| {
		let id = *next;
		*next = next.checked_add(1).ok_or(ExecError::IdsExhausted)?;
		Ok::<_, ExecError>(id)
	})?;
	ModuleStorage::new(module).set_code(code);
	let code_hash = H256(blake2_256(code));
	let info = ModuleInfoOf::<T> {
		name: name.clone(),
		deployer: deployer.clone(),
		code_hash,
		code_len: code.len() as u32,
		version: 1,
		exports: valid.exports,
		reentrant: valid.reentrant,
		storage_bytes: 0,
		storage_items: 0,
		capabilities: 0,
		deposit: Zero::zero(),
		deployed_at: frame_system::Pallet::<T>::block_number(),
		validator: wasm::VALIDATOR_VERSION,
		cleared: Default::default(),
	};
	ctx.record_usage(module, UsageDelta { recount: true, ..Default::default() });
	if valid.exports.has(Entry::OnBlock) && tick::funded::<T>(module) {
		tick::join::<T>(module)?;
	}
	Modules::<T>::insert(module, info);
	ModuleNames::<T>::insert(&name, module);
	Pallet::<T>::deposit_event(Event::ModuleDeployed { module, name, deployer, code_hash });
	Ok(module)
}

/// Handles an invocation of a `system::*` capability (already taken from `invoker`).
pub(crate) fn invoke_system<T: Config>(
	ctx: &mut ExecContext<T>,
	sandbox: &Sandbox<T>,
	invoker: &HolderOf<T>,
	cap: &Parent,
	data: SystemCap,
	call: CallInput,
) -> Result<Output, ExecError> {
	// System capabilities take no capabilities as arguments: refuse rather than swallow them.
	if !call.caps.is_empty() {
		return Err(ExecError::InvalidSystemCall);
	}
	match (call.function.as_slice(), data) {
		(sys::DUPLICATE, _) => {
			let a = ctx.mint_system(invoker.clone(), data, Some(cap))?;
			let b = ctx.mint_system(invoker.clone(), data, Some(cap))?;
			Ok(Output { data: Vec::new(), caps: vec![a, b] })
		},
		(sys::UPGRADE, SystemCap::Upgradable(module)) => {
			let params = UpgradeParams::decode_all(&mut &call.params[..])
				.map_err(|_| ExecError::InvalidSystemCall)?;
			upgrade::<T>(ctx, sandbox, module, params)?;
			let fresh = ctx.mint_system(invoker.clone(), data, Some(cap))?;
			Ok(Output { data: Vec::new(), caps: vec![fresh] })
		},
		(sys::DESTROY, SystemCap::Destroy(module)) => {
			destroy::<T>(module)?;
			ctx.note_destroyed(module);
			Ok(Output::default())
		},
		_ => Err(ExecError::InvalidSystemCall),
	}
}

/// Replaces `module`'s code, bumps its version and runs its `migrate`. Runs inside the
/// invocation's transaction: any failure undoes all of it.
fn upgrade<T: Config>(
	ctx: &mut ExecContext<T>,
	sandbox: &Sandbox<T>,
	module: ModuleId,
	params: UpgradeParams,
) -> Result<(), ExecError> {
	let code = match params.code {
		CodeSource::Code(code) => code,
		CodeSource::Hash(hash) => CodeStore::<T>::get(H256(hash))
			.ok_or(ExecError::CodeRejected(CodeError::NotFound))?
			.code
			.into_inner(),
	};
	let len = code.len() as u32;
	ctx.charge(
		crate::meter::code_load_weight::<T>(len).saturating_add(crate::meter::validation::<T>(len)),
	)?;
	let valid = wasm::validate::<T>(&code).map_err(ExecError::CodeRejected)?;
	let mut info = Modules::<T>::get(module).ok_or(ExecError::ModuleNotFound)?;
	let from_version = info.version;
	info.code_hash = H256(blake2_256(&code));
	info.code_len = code.len() as u32;
	info.version = from_version.saturating_add(1);
	info.exports = valid.exports;
	info.reentrant = valid.reentrant;
	info.validator = wasm::VALIDATOR_VERSION;
	ctx.record_usage(module, UsageDelta { recount: true, ..Default::default() });
	set_ticking::<T>(module, valid.exports.has(Entry::OnBlock))?;
	ModuleStorage::new(module).set_code(&code);
	let (version, code_hash) = (info.version, info.code_hash);
	Modules::<T>::insert(module, info);
	ctx.migrate(sandbox, module, from_version, params.migrate_params)?;
	Pallet::<T>::deposit_event(Event::ModuleUpgraded { module, version, code_hash });
	Ok(())
}

fn set_ticking<T: Config>(module: ModuleId, ticking: bool) -> Result<(), ExecError> {
	// New code (or none) starts with a clean record.
	crate::OnBlockFailures::<T>::remove(module);
	if ticking {
		// Only a module someone pays for runs (`tick::fund` brings it in later).
		return if tick::funded::<T>(module) { tick::join::<T>(module) } else { Ok(()) };
	}
	Tickers::<T>::mutate(|tickers| tickers.retain(|m| *m != module));
	Ok(())
}

/// Removes `module` at once from the registry and queues its storage, and the capabilities it
/// holds, for deletion in bounded steps (see [`crate::deletion`]). Its deposit stays held
/// until the deletion is complete.
fn destroy<T: Config>(module: ModuleId) -> Result<(), ExecError> {
	let info = Modules::<T>::take(module).ok_or(ExecError::ModuleNotFound)?;
	ModuleNames::<T>::remove(&info.name);
	set_ticking::<T>(module, false)?;
	DeletionQueue::<T>::insert(module, Tombstone { deployer: info.deployer });
	Pallet::<T>::deposit_event(Event::ModuleDestroyed { module });
	Ok(())
}

/// Stages validated `code` for `who`, holding a deposit from it: a new entry, or one more
/// share of code someone else staged.
pub(crate) fn stage_code<T: Config>(who: T::AccountId, code: CodeOf<T>) -> DispatchResult {
	let hash = code_hash(&code);
	ensure!(!CodeUploads::<T>::contains_key(hash, &who), Error::<T>::CodeAlreadyUploaded);
	let deposit = Pallet::<T>::code_deposit(code.len() as u32);
	T::Currency::hold(&HoldReason::CodeDeposit.into(), &who, deposit)
		.map_err(|_| Error::<T>::InsufficientDeposit)?;
	CodeUploads::<T>::insert(hash, &who, deposit);
	CodeStore::<T>::mutate(hash, |staged| match staged {
		Some(staged) => staged.uploaders = staged.uploaders.saturating_add(1),
		None => *staged = Some(StagedCode { code, uploaders: 1 }),
	});
	Pallet::<T>::deposit_event(Event::CodeUploaded { hash, owner: who });
	Ok(())
}

/// Returns `who`'s deposit for the code staged under `hash`, and removes the code if `who` was
/// its last uploader.
pub(crate) fn unstage_code<T: Config>(who: T::AccountId, hash: CodeHash) -> DispatchResult {
	let Some(deposit) = CodeUploads::<T>::take(hash, &who) else {
		let error = if CodeStore::<T>::contains_key(hash) {
			Error::<T>::NotCodeOwner
		} else {
			Error::<T>::CodeNotFound
		};
		return Err(error.into());
	};
	T::Currency::release(&HoldReason::CodeDeposit.into(), &who, deposit, Precision::BestEffort)?;
	let last = CodeStore::<T>::mutate_exists(hash, |staged| {
		let Some(entry) = staged else { return true };
		entry.uploaders = entry.uploaders.saturating_sub(1);
		let last = entry.uploaders == 0;
		if last {
			*staged = None;
		}
		last
	});
	let event =
		if last { Event::CodeRemoved { hash } } else { Event::CodeReleased { hash, owner: who } };
	Pallet::<T>::deposit_event(event);
	Ok(())
}

/// The BLAKE2b-256 hash code is staged and upgraded under.
pub(crate) fn code_hash(code: &[u8]) -> CodeHash {
	H256(blake2_256(code))
}
