//! The runtime API: dry runs, listings, module summaries.

use super::*;
use crate::runtime_api::DryRunCall;
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
fn a_summary_reports_the_metadata_hash_the_code_records() {
	new_test_ext().execute_with(|| {
		let balance = deploy(kernel_modules::BALANCE, "balance", Vec::new());
		let tester = deploy_tester("t");
		let expected = sp_io::hashing::blake2_256(kernel_modules::metadata::BALANCE.as_bytes());
		assert_eq!(Kernel::api_module(balance).unwrap().metadata_hash, Some(expected));
		assert_eq!(Kernel::api_module(tester).unwrap().metadata_hash, None, "no metadata");
		// The hash is the code's: deployed elsewhere with another hash, the code reports that.
		let other =
			kernel_primitives::metadata::with_hash(kernel_modules::BALANCE, &[9; 32]).unwrap();
		let copy = deploy(&other, "balance-copy", Vec::new());
		assert_eq!(Kernel::api_module(copy).unwrap().metadata_hash, Some([9; 32]));
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
