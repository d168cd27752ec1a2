//! The runtime's wiring of the kernel's transaction extension: it reserves the weight of its
//! event for the calls that execute modules, and gives it back when there is nothing to report.
//! (The mock runtime of the pallet's tests has zero database weights, so this is checked here.)

use super::*;
use polkadot_sdk::{
	frame_support::{dispatch::GetDispatchInfo, weights::Weight},
	sp_io,
	sp_runtime::traits::TransactionExtension,
};

fn kernel_call() -> RuntimeCall {
	RuntimeCall::Kernel(pallet_kernel::Call::call {
		module: 0,
		function: Default::default(),
		params: Default::default(),
		caps: Default::default(),
		requests: Default::default(),
		weight_limit: Weight::zero(),
	})
}

#[test]
fn the_failure_report_reserves_its_event_for_kernel_calls_and_refunds_it_when_unused() {
	let report = pallet_kernel::ReportFailures::<Runtime>::new();
	let reserved = report.weight(&kernel_call());
	assert!(reserved.ref_time() > 0, "the event's writes are reserved");
	let remark = RuntimeCall::System(frame_system::Call::remark { remark: Vec::new() });
	assert_eq!(report.weight(&remark), Weight::zero(), "only calls that execute modules");

	let info = kernel_call().get_dispatch_info();
	sp_io::TestExternalities::default().execute_with(|| {
		let unspent = <pallet_kernel::ReportFailures<Runtime> as TransactionExtension<
			RuntimeCall,
		>>::post_dispatch_details(true, &info, &Default::default(), 0, &Ok(()));
		assert_eq!(unspent, Ok(reserved), "nothing to report: all of it comes back");
	});
}
