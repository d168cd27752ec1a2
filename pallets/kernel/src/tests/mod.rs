//! Tests on the mock runtime, running the real compiled modules (`balance`, `tester`) and small
//! hand-written Wasm modules.

mod balance;
mod capabilities;
mod deletion;
mod deposits;
mod engine;
mod execution;
mod failures;
mod fuzz;
mod governance;
mod lifecycle;
mod metering;
mod properties;
mod revocation;
mod rollback;
mod runtime_api;
mod ticks;
mod validation;

use crate::{mock::*, Event as KernelEvent, HeldBy, Modules};
use codec::{Decode, Encode};
use frame_support::{
	dispatch::DispatchResultWithPostInfo, pallet_prelude::Weight, traits::fungible::InspectHold,
};
use kernel_primitives::{CapId, CapRef, Holder, ModuleId, Request};
use polkadot_sdk::{frame_support, frame_system, sp_core::H256, sp_io, sp_runtime::AccountId32};

pub use module_interfaces::tester::{self as tester_api, function as tf};

/// Asserts that `$call` fails with `$error` and leaves every bit of state (child tries
/// included) as it was.
#[macro_export]
macro_rules! assert_fails {
	($call:expr, $error:expr $(,)?) => {{
		let root_before = $crate::tests::state_root();
		match $call {
			Ok(_) => panic!("expected {:?}, but the call succeeded", $error),
			Err(e) => assert_eq!(
				$crate::tests::TestError::dispatch_error(e),
				$error.into(),
				"wrong error"
			),
		}
		assert_eq!(root_before, $crate::tests::state_root(), "a failed call changed state");
	}};
}

/// The error of a failed dispatch, with or without post-dispatch info.
pub trait TestError {
	fn dispatch_error(self) -> polkadot_sdk::sp_runtime::DispatchError;
}

impl TestError for polkadot_sdk::sp_runtime::DispatchError {
	fn dispatch_error(self) -> polkadot_sdk::sp_runtime::DispatchError {
		self
	}
}

impl TestError for frame_support::dispatch::DispatchErrorWithPostInfo {
	fn dispatch_error(self) -> polkadot_sdk::sp_runtime::DispatchError {
		self.error
	}
}

/// The root of all state, child tries included.
pub fn state_root() -> H256 {
	H256::from_slice(&sp_io::storage::root(polkadot_sdk::sp_runtime::StateVersion::V1))
}

/// The number of proptest cases: `PROPTEST_CASES`, 32 by default (CI).
pub fn proptest_cases() -> u32 {
	std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(32)
}

/// Calls `function` of `module` as ALICE with no parameters and a budget of `limit`.
pub fn call_with_limit(
	module: ModuleId,
	function: &str,
	limit: Weight,
) -> DispatchResultWithPostInfo {
	Kernel::call(
		origin(&ALICE),
		module,
		bounded(function),
		bounded(Vec::new()),
		Default::default(),
		Default::default(),
		limit,
		None,
	)
}

/// Compiles WebAssembly text.
pub fn wat(source: &str) -> Vec<u8> {
	wat::parse_str(source).expect("valid WAT")
}

pub fn origin(who: &AccountId32) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.clone())
}

pub fn bounded<S: Get<u32>>(bytes: impl Into<Vec<u8>>) -> frame_support::BoundedVec<u8, S> {
	bytes.into().try_into().expect("within bounds")
}

use frame_support::traits::Get;

/// Deploys `code` as `name` from ALICE.
pub fn deploy_as(
	who: &AccountId32,
	code: &[u8],
	name: &str,
	params: Vec<u8>,
) -> DispatchResultWithPostInfo {
	Kernel::deploy(
		origin(who),
		bounded(code),
		bounded(name),
		bounded(params),
		Default::default(),
		Default::default(),
		LIMIT,
		None,
	)
}

/// Deploys and returns the new module's id.
pub fn deploy(code: &[u8], name: &str, params: Vec<u8>) -> ModuleId {
	deploy_as(&ALICE, code, name, params).expect("deploys");
	crate::ModuleNames::<Test>::get(bounded::<MaxNameLen>(name)).expect("registered")
}

/// Deploys a `tester` module.
pub fn deploy_tester(name: &str) -> ModuleId {
	deploy(kernel_modules::TESTER, name, Vec::new())
}

/// Calls a module with everything explicit.
pub fn call_full(
	who: &AccountId32,
	module: ModuleId,
	function: &str,
	params: Vec<u8>,
	caps: Vec<CapRef>,
	requests: Vec<(ModuleId, Vec<u8>)>,
) -> DispatchResultWithPostInfo {
	let requests: Vec<_> = requests
		.into_iter()
		.map(|(module, data)| Request { module, data: bounded(data) })
		.collect();
	Kernel::call(
		origin(who),
		module,
		bounded(function),
		bounded(params),
		caps.try_into().expect("few caps"),
		requests.try_into().expect("few requests"),
		LIMIT,
		None,
	)
}

/// Calls `function` of `module` as `who` with SCALE `params`.
pub fn call(
	who: &AccountId32,
	module: ModuleId,
	function: &str,
	params: impl Encode,
) -> DispatchResultWithPostInfo {
	call_full(who, module, function, params.encode(), Vec::new(), Vec::new())
}

/// Calls and decodes the output.
pub fn query<R: Decode>(
	who: &AccountId32,
	module: ModuleId,
	function: &str,
	params: impl Encode,
) -> R {
	call(who, module, function, params).expect("call succeeds");
	decode_output()
}

/// Invokes `cap` as `who`.
pub fn invoke(
	who: &AccountId32,
	cap: CapId,
	function: &str,
	params: Vec<u8>,
	caps: Vec<CapRef>,
) -> DispatchResultWithPostInfo {
	Kernel::invoke(
		origin(who),
		cap,
		bounded(function),
		bounded(params),
		caps.try_into().expect("few caps"),
		Default::default(),
		LIMIT,
		None,
	)
}

/// Output data and capabilities of the last successful transaction.
pub fn last_output() -> (Vec<u8>, Vec<CapId>) {
	frame_system::Pallet::<Test>::events()
		.into_iter()
		.rev()
		.find_map(|record| match record.event {
			RuntimeEvent::Kernel(KernelEvent::Returned { output, caps, .. }) => {
				Some((output.into_inner(), caps))
			},
			_ => None,
		})
		.expect("a Returned event")
}

pub fn decode_output<R: Decode>() -> R {
	R::decode(&mut &last_output().0[..]).expect("output decodes")
}

/// Ids of the capabilities `holder` holds.
pub fn caps_of(holder: &Holder<AccountId32>) -> Vec<CapId> {
	let mut ids: Vec<CapId> = HeldBy::<Test>::iter_key_prefix(holder).collect();
	ids.sort();
	ids
}

pub fn account(who: &AccountId32) -> Holder<AccountId32> {
	Holder::Account(who.clone())
}

/// Mints a `tester` capability with `data`, held by `who`.
pub fn mint_to(who: &AccountId32, tester: ModuleId, data: &[u8]) -> CapId {
	call(who, tester, tf::MINT, data.to_vec()).expect("mint");
	let (_, caps) = last_output();
	caps[0]
}

/// Events emitted by modules (`ModuleEvent`), with their module.
pub fn module_events() -> Vec<(ModuleId, Vec<u8>)> {
	frame_system::Pallet::<Test>::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Kernel(KernelEvent::ModuleEvent { module, data }) => {
				Some((module, data.into_inner()))
			},
			_ => None,
		})
		.collect()
}

pub fn kernel_events() -> Vec<KernelEvent<Test>> {
	frame_system::Pallet::<Test>::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Kernel(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// What is held on `module`'s account as its deposit.
pub fn module_deposit(module: ModuleId) -> u64 {
	let account = crate::deposit::module_account::<Test>(module);
	Balances::balance_on_hold(&crate::HoldReason::ModuleDeposit.into(), &account)
}

/// What the kernel holds from `who` as module deposits (nothing: deposits are held on the
/// modules' accounts).
pub fn held_deposit(who: &AccountId32) -> u64 {
	Balances::balance_on_hold(&crate::HoldReason::ModuleDeposit.into(), who)
}

pub fn stats(tester: ModuleId) -> tester_api::Stats {
	query(&ALICE, tester, tf::STATS, ())
}

pub fn module_version(module: ModuleId) -> u32 {
	Modules::<Test>::get(module).expect("module exists").version
}

/// A small weight limit, for out-of-fuel tests.
pub fn small_limit() -> Weight {
	Weight::from_parts(5_000_000_000, 1024 * 1024)
}

/// `tester`'s own `system::upgradable` and `system::destroy`, which it keeps from `init`.
pub fn system_caps(tester: ModuleId) -> (CapId, CapId) {
	let caps = stats(tester).init_caps;
	(caps[0], caps[1])
}

/// Has `tester` hand one of its capabilities to `who`.
pub fn hand_over(tester: ModuleId, cap: CapId, who: &AccountId32) {
	let code: u32 = query(&ALICE, tester, tf::GIVE, (cap, account(who)));
	assert_eq!(code, kernel_primitives::abi::ReturnCode::Success as u32);
}
