//! The runtime API: dry runs, listings, module summaries.

use super::*;
use crate::{
	assert_fails,
	exec::{FAILED_FRAME_DATA_LEN, MAX_FAILED_FRAMES},
	runtime_api::{DryRunCall, FrameFailure},
};
use frame_support::storage::{with_transaction, TransactionOutcome};
use kernel_primitives::abi::Entry;
use polkadot_sdk::sp_runtime::DispatchError;

/// Runs `f` and throws its state changes away, as a runtime API call does.
fn discarded<R>(f: impl FnOnce() -> R) -> R {
	with_transaction(|| TransactionOutcome::Rollback(Ok::<_, DispatchError>(f()))).unwrap()
}

#[test]
fn a_dry_run_reports_output_weight_events_and_capability_flow() {
	new_test_ext().execute_with(|| {
		let issuer = deploy_tester("issuer");
		let keeper = deploy_tester("keeper");
		let root = state_root();
		let result = discarded(|| {
			Kernel::dry_run(
				ALICE,
				DryRunCall::Call {
					module: keeper,
					function: tf::KEEP.into(),
					params: Vec::new(),
					caps: vec![CapRef::Request(0)],
					requests: vec![Request { module: issuer, data: b"voucher".to_vec() }],
				},
				None,
			)
		});
		assert_eq!(state_root(), root, "nothing was kept");
		let output = result.result.expect("succeeds");
		let kept: Vec<CapId> = Decode::decode(&mut &output.data[..]).unwrap();
		assert_eq!(kept.len(), 1);
		assert!(result.fuel_used > 0);
		assert!(result.weight_required.ref_time() > <() as crate::WeightInfo>::call().ref_time());
		assert_eq!(result.capability_flow.minted, vec![(kept[0], Some(issuer), account(&ALICE))]);
		assert_eq!(
			result.capability_flow.moved,
			vec![(kept[0], account(&ALICE), Holder::Module(keeper))]
		);
		assert!(result.events.iter().any(|e| matches!(e, KernelEvent::CapabilityMinted { .. })));
	});
}

#[test]
fn a_failing_dry_run_reports_the_error_and_revert_data() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let result = discarded(|| {
			Kernel::dry_run(
				ALICE,
				DryRunCall::Call {
					module: tester,
					function: tf::SET_THEN_FAIL.into(),
					params: (b"k".to_vec(), b"v".to_vec()).encode(),
					caps: Vec::new(),
					requests: Vec::new(),
				},
				Some(LIMIT),
			)
		});
		assert_eq!(result.result, Err(crate::Error::<Test>::ModuleReverted.into()));
		assert_eq!(result.revert_data, Some(b"deliberate failure".to_vec()));
		assert!(result.events.is_empty());
	});
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

type DryRunResultOf = crate::runtime_api::DryRunResult<AccountId32, KernelEvent<Test>>;

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

#[test]
fn listings_page_through_capabilities_and_modules() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let minted: Vec<CapId> = (0..5u8).map(|i| mint_to(&ALICE, tester, &[i])).collect();

		let mut seen = Vec::new();
		let mut after = None;
		loop {
			let page = Kernel::api_capabilities(account(&ALICE), after, 2);
			seen.extend(page.iter().map(|(id, _)| *id));
			if page.len() < 2 {
				break;
			}
			after = page.last().map(|(id, _)| *id);
		}
		seen.sort();
		assert_eq!(seen, minted, "paging visits every capability once");
		assert_eq!(Kernel::api_capability(minted[0]).unwrap().data, vec![0u8]);

		let other = deploy_tester("u");
		let summaries = Kernel::api_modules(None, 10);
		assert_eq!(summaries.iter().map(|m| m.id).collect::<Vec<_>>(), vec![tester, other]);
		assert_eq!(Kernel::api_modules(Some(tester), 10)[0].id, other);
		let summary = Kernel::api_module(tester).unwrap();
		assert_eq!(summary.name, b"t".to_vec());
		assert!(summary.exports.contains(&Entry::OnBlock));
		assert_eq!(Kernel::api_module_id(b"u".to_vec()), Some(other));
		assert_eq!(Kernel::api_module_id(b"nope".to_vec()), None);
	});
}

#[test]
fn a_dry_run_cannot_buy_more_work_than_an_extrinsic_may_do() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("spinner");
		let max = crate::runtime_api::max_extrinsic_weight::<Test>();
		let spin = DryRunCall::Call {
			module: tester,
			function: tf::SPIN.into(),
			params: Vec::new(),
			caps: Vec::new(),
			requests: Vec::new(),
		};
		let asked_for_more =
			discarded(|| Kernel::dry_run(ALICE, spin, Some(max.saturating_mul(100))));
		assert_eq!(asked_for_more.result.unwrap_err(), crate::Error::<Test>::OutOfFuel.into());
		let base = <() as crate::WeightInfo>::call();
		assert!(
			asked_for_more.weight_required.all_lte(max.saturating_add(base)),
			"{:?} is more than an extrinsic's {max:?}",
			asked_for_more.weight_required,
		);
	});
}

#[test]
fn a_listing_returns_at_most_a_page_whatever_the_limit_asks() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let page = crate::runtime_api::MAX_PAGE;
		for i in 0..=page {
			mint_to(&ALICE, tester, &i.to_le_bytes());
		}
		assert_eq!(Kernel::api_capabilities(account(&ALICE), None, u32::MAX).len(), page as usize);
		assert_eq!(Kernel::api_capabilities(account(&ALICE), None, 3).len(), 3);
		assert_eq!(Kernel::api_modules(None, u32::MAX).len(), 1);
	});
}
