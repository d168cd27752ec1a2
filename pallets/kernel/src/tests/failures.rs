//! How a failure explains itself: each kind of trap and a panic with its message, the frames
//! that failed in the dry run, and in a failed transaction's `ExecutionFailed` event (the
//! `ReportFailures` transaction extension, whose event outlives FRAME's rollback of the call).

use super::*;
use crate::{
	assert_fails,
	exec::{FAILED_FRAME_DATA_LEN, MAX_FAILED_FRAMES},
	failure::FrameFailure,
	runtime_api::DryRunCall,
	ReportFailures,
};
use frame_support::{
	dispatch::GetDispatchInfo,
	storage::{with_transaction, TransactionOutcome},
};
use polkadot_sdk::sp_runtime::{traits::DispatchTransaction, DispatchError};

/// Runs `f` and throws its state changes away, as a runtime API call does.
fn discarded<R>(f: impl FnOnce() -> R) -> R {
	with_transaction(|| TransactionOutcome::Rollback(Ok::<_, DispatchError>(f()))).unwrap()
}

fn dry_run_call(module: ModuleId, function: &str, params: Vec<u8>) -> DryRunResultOf {
	discarded(|| {
		Kernel::dry_run(
			ALICE,
			DryRunCall::Call {
				module,
				function: function.into(),
				params,
				caps: Vec::new(),
				requests: Vec::new(),
			},
			Some(LIMIT),
		)
	})
}

type DryRunResultOf = crate::runtime_api::DryRunResult<AccountId32, u64, KernelEvent<Test>>;

fn failure(module: ModuleId, error: crate::Error<Test>, data: &[u8]) -> FrameFailure {
	FrameFailure { module, error: error.into(), data: data.to_vec() }
}

#[test]
fn a_panic_in_an_sdk_module_is_reported_with_its_message_and_module() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let result = dry_run_call(tester, tf::PANIC, Vec::new());
		assert_eq!(result.result, Err(crate::Error::<Test>::ModulePanicked.into()));
		assert_eq!(result.revert_data, None, "a panic is no revert");
		assert_eq!(
			result.failed_frames,
			vec![failure(
				tester,
				crate::Error::ModulePanicked,
				module_interfaces::tester::PANIC_MESSAGE.as_bytes()
			)]
		);
		assert_fails!(call(&ALICE, tester, tf::PANIC, ()), crate::Error::<Test>::ModulePanicked);
	});
}

#[test]
fn the_dry_run_names_the_nested_module_that_failed_first() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let callee = deploy_tester("callee");
		let args = |function: &str| module_interfaces::tester::CallArgs {
			module: callee,
			function: function.into(),
			..Default::default()
		};
		let message = module_interfaces::tester::PANIC_MESSAGE.as_bytes();

		// The caller goes on after the callee panicked: the dry run still says who failed.
		let went_on = dry_run_call(caller, tf::CALL, args(tf::PANIC).encode());
		assert!(went_on.result.is_ok());
		assert_eq!(
			went_on.failed_frames,
			vec![failure(callee, crate::Error::ModulePanicked, message)]
		);

		// The caller fails because the callee did: both, the callee first.
		let both = dry_run_call(caller, tf::CALL_OR_FAIL, args(tf::PANIC).encode());
		assert_eq!(both.result, Err(crate::Error::<Test>::ModuleReverted.into()));
		let failed: Vec<(ModuleId, DispatchError)> =
			both.failed_frames.iter().map(|f| (f.module, f.error)).collect();
		assert_eq!(
			failed,
			vec![
				(callee, crate::Error::<Test>::ModulePanicked.into()),
				(caller, crate::Error::<Test>::ModuleReverted.into()),
			]
		);
		assert_eq!(Some(&both.failed_frames[1].data), both.revert_data.as_ref());
	});
}

#[test]
fn a_dry_run_remembers_only_the_last_failed_frames_and_cuts_their_data() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let callee = deploy_tester("callee");
		let calls = (0..MAX_FAILED_FRAMES + 3)
			.map(|_| module_interfaces::tester::CallArgs {
				module: callee,
				function: tf::REVERT_WITH.into(),
				params: vec![7u8; FAILED_FRAME_DATA_LEN * 2].encode(),
				..Default::default()
			})
			.collect::<Vec<_>>();
		let result = dry_run_call(caller, tf::CALL_EACH, calls.encode());
		assert!(result.result.is_ok());
		assert_eq!(result.failed_frames.len(), MAX_FAILED_FRAMES);
		for frame in &result.failed_frames {
			assert_eq!(frame.data, vec![7u8; FAILED_FRAME_DATA_LEN]);
		}
	});
}

/// `Kernel::call` of `function` on `module` as a signed transaction through the extension.
fn transaction(module: ModuleId, function: &str) -> (DispatchResultWithPostInfo, Weight) {
	let call: RuntimeCall = crate::Call::call {
		module,
		function: bounded(function),
		params: bounded(Vec::new()),
		caps: Default::default(),
		requests: Default::default(),
		weight_limit: LIMIT,
		storage_deposit_limit: None,
	}
	.into();
	let info = call.get_dispatch_info();
	let applied = ReportFailures::<Test>::new()
		.dispatch_transaction(origin(&ALICE), call, &info, 0, 0)
		.expect("valid");
	(applied, info.extension_weight)
}

fn reported() -> Vec<Vec<FrameFailure>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Kernel(KernelEvent::ExecutionFailed { failed_frames }) => {
				Some(failed_frames)
			},
			_ => None,
		})
		.collect()
}

#[test]
fn a_failed_transaction_reports_its_failed_frames_in_an_event() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		System::reset_events();
		let (applied, _) = transaction(tester, tf::PANIC);
		let error = applied.expect_err("the call fails");
		assert_eq!(error.error, crate::Error::<Test>::ModulePanicked.into());
		let message = module_interfaces::tester::PANIC_MESSAGE.as_bytes();
		assert_eq!(reported(), vec![vec![failure(tester, crate::Error::ModulePanicked, message)]]);
	});
}

#[test]
fn a_transaction_that_survives_a_nested_failure_reports_nothing() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let callee = deploy_tester("callee");
		System::reset_events();
		// A nested failure the caller survives is no failure of the transaction.
		let args = module_interfaces::tester::CallArgs {
			module: callee,
			function: tf::PANIC.into(),
			..Default::default()
		};
		let call: RuntimeCall = crate::Call::call {
			module: caller,
			function: bounded(tf::CALL),
			params: bounded(args.encode()),
			caps: Default::default(),
			requests: Default::default(),
			weight_limit: LIMIT,
			storage_deposit_limit: None,
		}
		.into();
		let info = call.get_dispatch_info();
		ReportFailures::<Test>::new()
			.dispatch_transaction(origin(&ALICE), call, &info, 0, 0)
			.expect("valid")
			.expect("succeeds");
		assert_eq!(reported(), Vec::<Vec<FrameFailure>>::new());
		assert_eq!(crate::failure::take_note(), Vec::new(), "nothing is left for the next one");
	});
}

#[test]
fn a_note_left_by_an_unreported_failure_is_not_reported_with_the_next_transaction() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		// A failure outside the extension (as in a test or a tool) leaves a note...
		assert_fails!(call(&ALICE, tester, tf::PANIC, ()), crate::Error::<Test>::ModulePanicked);
		System::reset_events();
		// ...which the next transaction does not report as its own.
		let (applied, _) = transaction(tester, "no_such_function");
		assert!(applied.is_err());
		let frames = reported();
		assert_eq!(frames.len(), 1);
		assert!(frames[0].iter().all(|f| f.error != crate::Error::<Test>::ModulePanicked.into()));
	});
}
