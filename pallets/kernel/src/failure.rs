//! How a failed execution explains itself: the frames that failed, in the dry run and in the
//! failed transaction's events.
//!
//! FRAME throws away everything a failing dispatchable wrote, its events included, so the
//! kernel cannot emit the reason from inside the dispatchable. It notes the failed frames in
//! memory instead (not in storage, which the rollback would undo), and the [`ReportFailures`]
//! transaction extension, whose `post_dispatch` runs after the rollback, turns the note into an
//! [`Event::ExecutionFailed`](crate::Event::ExecutionFailed).

use crate::{exec::ExecError, exec::FailedFrame, Config, Error, Event, Pallet};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use kernel_primitives::ModuleId;
use polkadot_sdk::{
	frame_support::{dispatch::DispatchInfo, pallet_prelude::*, traits::IsSubType},
	frame_system,
	sp_runtime::{
		traits::{
			DispatchInfoOf, DispatchOriginOf, Dispatchable, PostDispatchInfoOf,
			TransactionExtension,
		},
		transaction_validity::TransactionValidityError,
		DispatchError, DispatchResult,
	},
};
use scale_info::TypeInfo;

/// A frame that failed: which module, the kernel's error for it, and its revert data or panic
/// message (cut to the first 256 bytes; empty for other errors).
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct FrameFailure {
	/// The module whose frame failed.
	pub module: ModuleId,
	/// The kernel's error for it (`ModuleReverted`, `ModulePanicked`, `ModuleUnreachable`...).
	pub error: DispatchError,
	/// Its revert data or panic message, cut to the first 256 bytes; empty for other errors.
	pub data: Vec<u8>,
}

impl FrameFailure {
	/// The report of a failed frame.
	pub(crate) fn of<T: Config>(failed: FailedFrame) -> Self {
		let data = match &failed.error {
			ExecError::Reverted(data) | ExecError::Panicked(data) => data.clone(),
			_ => Vec::new(),
		};
		Self { module: failed.module, error: Error::<T>::from(failed.error).into(), data }
	}
}

/// The note of the transaction being applied. The runtime is single-threaded Wasm; natively
/// (tests, benchmarks) each thread has its own.
mod note {
	use super::FrameFailure;
	use alloc::vec::Vec;
	use core::cell::RefCell;

	#[cfg(feature = "std")]
	std::thread_local! {
		static NOTE: RefCell<Vec<FrameFailure>> = const { RefCell::new(Vec::new()) };
	}

	#[cfg(not(feature = "std"))]
	struct Note(RefCell<Vec<FrameFailure>>);
	// SAFETY: without `std` the pallet runs in the runtime's Wasm instance, which has one thread.
	#[cfg(not(feature = "std"))]
	unsafe impl Sync for Note {}
	#[cfg(not(feature = "std"))]
	static NOTE: Note = Note(RefCell::new(Vec::new()));

	pub(super) fn with<R>(f: impl FnOnce(&mut Vec<FrameFailure>) -> R) -> R {
		#[cfg(feature = "std")]
		return NOTE.with(|note| f(&mut note.borrow_mut()));
		#[cfg(not(feature = "std"))]
		return f(&mut NOTE.0.borrow_mut());
	}
}

/// Notes the failed frames of a transaction's execution that failed, for [`ReportFailures`].
pub(crate) fn note_failure<T: Config>(frames: Vec<FailedFrame>) {
	let frames = frames.into_iter().map(FrameFailure::of::<T>).collect();
	note::with(|note| *note = frames);
}

/// Takes what [`note_failure`] noted, leaving nothing.
pub(crate) fn take_note() -> Vec<FrameFailure> {
	note::with(core::mem::take)
}

/// A transaction extension that reports the failed frames of a failed kernel transaction as
/// [`Event::ExecutionFailed`](crate::Event::ExecutionFailed): which module failed first, with
/// its panic message or revert data. It adds nothing to what is signed.
///
/// Place it before `CheckWeight` and `ChargeTransactionPayment`, so that the weight it does not
/// use is refunded before they account for it.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct ReportFailures<T>(PhantomData<T>);

impl<T> ReportFailures<T> {
	/// The extension.
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> Default for ReportFailures<T> {
	fn default() -> Self {
		Self::new()
	}
}

impl<T> core::fmt::Debug for ReportFailures<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		f.write_str("ReportFailures")
	}
}

type CallOf<T> = <T as frame_system::Config>::RuntimeCall;

/// Whether `call` runs an execution that can fail with frames to report.
fn executes<T: Config>(call: &CallOf<T>) -> bool
where
	CallOf<T>: IsSubType<crate::Call<T>>,
{
	use crate::Call;
	matches!(
		call.is_sub_type(),
		Some(
			Call::deploy { .. }
				| Call::call { .. }
				| Call::invoke { .. }
				| Call::drop_capability { .. }
		)
	)
}

/// What the extension reserves for `call`: one event, of at most `MAX_FAILED_FRAMES` frames of a
/// few hundred bytes (an append to `Events` and the event count), for the calls that execute
/// modules; nothing for the others, which have nothing to report.
fn reserved<T: Config>(executes: bool) -> Weight {
	if executes {
		T::DbWeight::get().reads_writes(1, 2)
	} else {
		Weight::zero()
	}
}

impl<T: Config + Send + Sync> TransactionExtension<CallOf<T>> for ReportFailures<T>
where
	CallOf<T>: Dispatchable<Info = DispatchInfo> + IsSubType<crate::Call<T>>,
{
	const IDENTIFIER: &'static str = "KernelReportFailures";
	type Implicit = ();
	type Val = ();
	/// Whether the call executes modules (and so may have something to report).
	type Pre = bool;

	fn weight(&self, call: &CallOf<T>) -> Weight {
		reserved::<T>(executes::<T>(call))
	}

	fn prepare(
		self,
		_val: (),
		_origin: &DispatchOriginOf<CallOf<T>>,
		call: &CallOf<T>,
		_info: &DispatchInfoOf<CallOf<T>>,
		_len: usize,
	) -> Result<bool, TransactionValidityError> {
		// Nothing from an earlier transaction (one that failed before it was reported).
		take_note();
		Ok(executes::<T>(call))
	}

	fn post_dispatch_details(
		executes: bool,
		_info: &DispatchInfoOf<CallOf<T>>,
		_post_info: &PostDispatchInfoOf<CallOf<T>>,
		_len: usize,
		result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		let failed_frames = take_note();
		if result.is_err() && !failed_frames.is_empty() {
			Pallet::<T>::deposit_event(Event::ExecutionFailed { failed_frames });
			// The reservation was used: nothing is unspent.
			return Ok(Weight::zero());
		}
		// Nothing reported: all that was reserved is unspent.
		Ok(reserved::<T>(executes))
	}

	polkadot_sdk::sp_runtime::impl_tx_ext_default!(CallOf<T>; validate);
}
