//! Execution: metering, memory, nesting, isolation and limits.

use super::*;
use crate::{assert_fails, weights::WeightInfo, Capabilities, Error};
use kernel_primitives::{abi::ReturnCode, envelope::CallInput};
use module_interfaces::tester::{CallArgs, Outcome};

fn call_args(module: ModuleId, function: &str, params: impl Encode) -> CallArgs {
	CallArgs { module, function: function.into(), params: params.encode(), ..Default::default() }
}

#[test]
fn an_infinite_loop_runs_out_of_fuel_and_pays_for_it() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let limit = small_limit();
		assert_fails!(call_with_limit(tester, tf::SPIN, limit), Error::<Test>::OutOfFuel);

		let error = call_with_limit(tester, tf::SPIN, limit).unwrap_err();
		let charged = error.post_info.actual_weight.expect("actual weight reported");
		let base = <() as WeightInfo>::call();
		assert!(charged.ref_time() >= base.ref_time() + limit.ref_time() * 99 / 100);
		assert!(charged.ref_time() <= base.ref_time() + limit.ref_time());
	});
}

#[test]
fn unused_weight_is_refunded() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let info = call(&ALICE, tester, tf::STATS, ()).expect("call");
		let actual = info.actual_weight.expect("actual weight reported");
		let declared = <() as WeightInfo>::call().saturating_add(LIMIT);
		assert!(actual.ref_time() < declared.ref_time() / 10, "{actual:?} vs {declared:?}");
		assert!(actual.ref_time() > <() as WeightInfo>::call().ref_time(), "execution is charged");
	});
}

#[test]
fn memory_cannot_grow_past_the_limit() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let (result, pages): (i32, u32) = query(&ALICE, tester, tf::GROW, 1_000u32);
		assert_eq!(result, -1, "memory.grow fails");
		assert!(pages <= MaxMemoryPages::get());

		let (result, _): (i32, u32) = query(&ALICE, tester, tf::GROW, 1u32);
		assert!(result > 0, "growing within the limit works");
	});
}

#[test]
fn a_memory_bomb_traps_without_effect() {
	new_test_ext().execute_with(|| {
		let bomb = deploy(
			&wat(r#"(module
				(memory (export "memory") 1)
				(func (export "init"))
				(func (export "call")
					(loop $grow
						(br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
					unreachable))"#),
			"bomb",
			Vec::new(),
		);
		assert_fails!(call(&ALICE, bomb, "boom", ()), Error::<Test>::ModuleUnreachable);
	});
}

#[test]
fn a_failing_nested_call_reverts_only_itself() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let callee = deploy_tester("callee");

		let outcome: Outcome = query(
			&ALICE,
			caller,
			tf::CALL,
			call_args(callee, tf::SET_THEN_FAIL, (b"k".to_vec(), b"v".to_vec())),
		);
		assert_eq!(outcome.code, ReturnCode::CalleeReverted as u32);
		assert_eq!(outcome.data, b"deliberate failure".to_vec());
		let value: Option<Vec<u8>> = query(&ALICE, callee, tf::GET, b"k".to_vec());
		assert_eq!(value, None, "the callee's write was undone");

		let outcome: Outcome = query(
			&ALICE,
			caller,
			tf::CALL,
			call_args(callee, tf::SET_THEN_TRAP, (b"k".to_vec(), b"v".to_vec())),
		);
		assert_eq!(outcome.code, ReturnCode::CalleeTrapped as u32);
		let value: Option<Vec<u8>> = query(&ALICE, callee, tf::GET, b"k".to_vec());
		assert_eq!(value, None);

		// The caller itself went on: a successful nested call after the failures is kept.
		let outcome: Outcome =
			query(&ALICE, caller, tf::CALL, call_args(callee, tf::MINT, b"after".to_vec()));
		assert_eq!(outcome.code, ReturnCode::Success as u32);
		let kept: Vec<CapId> = query(&ALICE, caller, tf::KEPT, ());
		assert!(kept.contains(&outcome.caps[0]));
	});
}

#[test]
fn a_nested_failure_the_caller_does_not_handle_fails_the_transaction_without_effect() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let callee = deploy_tester("callee");
		assert_fails!(
			call(
				&ALICE,
				caller,
				tf::CALL_OR_FAIL,
				call_args(callee, tf::SET_THEN_FAIL, (b"k".to_vec(), b"v".to_vec())),
			),
			Error::<Test>::ModuleReverted
		);
	});
}

#[test]
fn a_nested_call_can_be_given_less_fuel_and_the_caller_survives_its_exhaustion() {
	new_test_ext().execute_with(|| {
		let caller = deploy_tester("caller");
		let spinner = deploy_tester("spinner");
		let args = CallArgs { fuel: 100_000, ..call_args(spinner, tf::SPIN, ()) };
		let outcome: Outcome = query(&ALICE, caller, tf::CALL, args);
		assert_eq!(outcome.code, ReturnCode::CalleeOutOfFuel as u32);
	});
}

#[test]
fn re_entering_a_module_on_the_stack_is_denied() {
	new_test_ext().execute_with(|| {
		let a = deploy_tester("a");
		let b = deploy_tester("b");
		// a -> b -> a
		let inner = call_args(a, tf::STATS, ());
		let outcome: Outcome = query(&ALICE, a, tf::CALL, call_args(b, tf::CALL, inner));
		assert_eq!(outcome.code, ReturnCode::Success as u32, "a reached b");
		let from_b = Outcome::decode(&mut &outcome.data[..]).unwrap();
		assert_eq!(from_b.code, ReturnCode::ReentryDenied as u32, "b could not call back into a");
	});
}

#[test]
fn a_module_that_allows_re_entry_can_be_re_entered() {
	new_test_ext().execute_with(|| {
		// Calls itself once through the kernel; the inner call returns at once.
		let reentrant = deploy(
			&wat(r#"(module
				(import "kernel" "input" (func $input (param i32 i32) (result i32)))
				(import "kernel" "module_id" (func $module_id (result i32)))
				(import "kernel" "call_module"
					(func $call_module (param i32 i32 i32 i64 i32 i32) (result i32)))
				(import "kernel" "return_value" (func $return (param i32 i32 i32)))
				(memory (export "memory") 1)
				(func (export "init"))
				(func (export "allow_reentry"))
				(func (export "call")
					(i32.store (i32.const 0) (i32.const 128))
					(drop (call $input (i32.const 16) (i32.const 0)))
					;; An empty function name marks the inner call: return Output { [1], [] }.
					(if (i32.eqz (i32.load8_u (i32.const 16)))
						(then
							(i32.store8 (i32.const 300) (i32.const 4))
							(i32.store8 (i32.const 301) (i32.const 1))
							(i32.store8 (i32.const 302) (i32.const 0))
							(call $return (i32.const 0) (i32.const 300) (i32.const 3))))
					;; Call ourselves with an empty CallInput (three zero bytes at 256).
					;; Nested calls need a buffer that takes any output (MaxOutputLen).
					(i32.store (i32.const 4) (i32.const 16384))
					(i32.store (i32.const 400)
						(call $call_module (call $module_id) (i32.const 256) (i32.const 3)
							(i64.const 0) (i32.const 2048) (i32.const 4)))
					;; Output { data: SCALE u32 return code, caps: [] }
					(i32.store8 (i32.const 500) (i32.const 16))
					(i32.store (i32.const 501) (i32.load (i32.const 400)))
					(i32.store8 (i32.const 505) (i32.const 0))
					(call $return (i32.const 0) (i32.const 500) (i32.const 6))))"#),
			"reentrant",
			Vec::new(),
		);
		assert!(Modules::<Test>::get(reentrant).unwrap().reentrant);
		let code: u32 = query(&ALICE, reentrant, "again", ());
		assert_eq!(code, ReturnCode::Success as u32);
	});
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_to_the_deepest_caller() {
	new_test_ext().execute_with(|| {
		let depth = MaxCallDepth::get() as usize;
		let modules: Vec<ModuleId> = (0..=depth).map(|i| deploy_tester(&format!("m{i}"))).collect();
		// m0 calls m1 calls ... m[depth], which would be frame depth + 1.
		let mut args = call_args(modules[depth], tf::STATS, ());
		for module in modules[1..depth].iter().rev() {
			args = call_args(*module, tf::CALL, args);
		}
		let mut outcome: Outcome = query(&ALICE, modules[0], tf::CALL, args);
		let mut level = 1;
		while outcome.code == ReturnCode::Success as u32 {
			outcome = Outcome::decode(&mut &outcome.data[..]).expect("nested outcome");
			level += 1;
		}
		assert_eq!(outcome.code, ReturnCode::CallDepthExceeded as u32);
		assert_eq!(level, depth, "the frame at the maximum depth was refused its call");
	});
}

#[test]
fn modules_see_only_their_own_storage() {
	new_test_ext().execute_with(|| {
		let a = deploy_tester("a");
		let b = deploy_tester("b");
		call(&ALICE, a, tf::SET, (b"k".to_vec(), b"from a".to_vec())).unwrap();
		call(&ALICE, b, tf::SET, (b"k".to_vec(), b"from b".to_vec())).unwrap();
		let value: Option<Vec<u8>> = query(&ALICE, a, tf::GET, b"k".to_vec());
		assert_eq!(value, Some(b"from a".to_vec()));
		let value: Option<Vec<u8>> = query(&ALICE, b, tf::GET, b"k".to_vec());
		assert_eq!(value, Some(b"from b".to_vec()));
	});
}

#[test]
fn oversized_storage_values_are_refused_without_effect() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		call(&ALICE, tester, tf::STORE_LEN, MaxValueLen::get()).expect("at the limit");
		assert_fails!(
			call(&ALICE, tester, tf::STORE_LEN, MaxValueLen::get() + 1),
			Error::<Test>::ValueTooLarge
		);
	});
}

#[test]
fn oversized_capability_data_is_refused_without_effect() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		call(&ALICE, tester, tf::MINT_LEN, MaxCapDataLen::get()).expect("at the limit");
		assert_fails!(
			call(&ALICE, tester, tf::MINT_LEN, MaxCapDataLen::get() + 1),
			Error::<Test>::CapDataTooLarge
		);
	});
}

#[test]
fn oversized_events_are_refused_without_effect() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		call(&ALICE, tester, tf::EMIT, vec![1u8; 16]).expect("small event");
		assert_eq!(module_events().last(), Some(&(tester, vec![1u8; 16])));
		assert_fails!(
			call(&ALICE, tester, tf::EMIT, vec![1u8; MaxEventLen::get() as usize + 1]),
			Error::<Test>::EventTooLarge
		);
	});
}

#[test]
fn oversized_call_parameters_cannot_be_submitted() {
	let too_long = vec![0u8; MaxParamsLen::get() as usize + 1];
	assert!(crate::Params::<Test>::try_from(too_long).is_err());
}

#[test]
fn calling_a_missing_module_fails_without_effect() {
	new_test_ext().execute_with(|| {
		deploy_tester("t");
		assert_fails!(call(&ALICE, 42, tf::STATS, ()), Error::<Test>::ModuleNotFound);
	});
}

#[test]
fn a_module_can_find_another_by_name() {
	new_test_ext().execute_with(|| {
		let probe = deploy(
			&wat(r#"(module
				(import "kernel" "module_lookup" (func $lookup (param i32 i32 i32) (result i32)))
				(import "kernel" "return_value" (func $return (param i32 i32 i32)))
				(memory (export "memory") 1)
				(data (i32.const 0) "target")
				(func (export "init"))
				(func (export "call")
					;; Output { data: SCALE (u32 code, u32 id), caps: [] }
					(i32.store8 (i32.const 100) (i32.const 32))
					(i32.store (i32.const 101) (call $lookup (i32.const 0) (i32.const 6) (i32.const 105)))
					(i32.store8 (i32.const 109) (i32.const 0))
					(call $return (i32.const 0) (i32.const 100) (i32.const 10))))"#),
			"probe",
			Vec::new(),
		);
		let (code, _): (u32, u32) = query(&ALICE, probe, "find", ());
		assert_eq!(code, ReturnCode::ModuleNotFound as u32);
		let target = deploy_tester("target");
		let (code, id): (u32, u32) = query(&ALICE, probe, "find", ());
		assert_eq!((code, id), (ReturnCode::Success as u32, target));
	});
}

#[test]
fn the_instr_benchmark_loop_burns_the_calibrated_fuel_per_iteration() {
	use crate::{
		exec::run_top_level,
		meter::INSTR_FUEL_PER_ITERATION,
		wasm::synth::{module, CallBody},
	};
	new_test_ext().execute_with(|| {
		let fuel_for = |iterations: u32| {
			let module = deploy(
				&module(CallBody::Loop(iterations), 0),
				&format!("loop{iterations}"),
				Vec::new(),
			);
			let (result, usage) = run_top_level::<Test, _>(LIMIT, |ctx, sandbox| {
				let input = kernel_primitives::envelope::CallInput::default();
				ctx.call(sandbox, account(&ALICE), module, input)
			});
			result.expect("the loop runs");
			usage.fuel
		};
		let per_iteration = (fuel_for(1_000) - fuel_for(0)) / 1_000;
		assert_eq!(per_iteration, INSTR_FUEL_PER_ITERATION);
	});
}

#[test]
fn synthesised_benchmark_modules_are_valid() {
	use crate::wasm::{
		synth::{module, CallBody},
		validate,
	};
	for body in [CallBody::Empty, CallBody::Loop(5), CallBody::HostCalls(5), CallBody::ReadInput] {
		let code = module(body, 3_000);
		assert!(code.len() > 3_000);
		validate::<Test>(&code).expect("valid");
	}
}

#[test]
fn a_nested_call_with_a_buffer_smaller_than_the_output_limit_is_refused_before_it_runs() {
	new_test_ext().execute_with(|| {
		let target = deploy_tester("target");
		let inner = CallInput {
			function: tf::SET.as_bytes().to_vec(),
			params: (b"k".to_vec(), b"v".to_vec()).encode(),
			caps: Vec::new(),
		}
		.encode();
		let escaped: String = inner.iter().map(|b| format!("\\{b:02x}")).collect();
		// Calls `target.set("k", "v")` with a 64-byte output buffer and returns
		// `(return code, reported length)`.
		let caller = deploy(
			&wat(&format!(
				r#"(module
				(import "kernel" "call_module"
					(func $call_module (param i32 i32 i32 i64 i32 i32) (result i32)))
				(import "kernel" "return_value" (func $return (param i32 i32 i32)))
				(memory (export "memory") 1)
				(data (i32.const 256) "{escaped}")
				(func (export "init"))
				(func (export "call")
					(i32.store (i32.const 4) (i32.const 64))
					(i32.store (i32.const 501)
						(call $call_module (i32.const {target}) (i32.const 256) (i32.const {len})
							(i64.const 0) (i32.const 2048) (i32.const 4)))
					;; Output {{ data: (u32, u32), caps: [] }}
					(i32.store8 (i32.const 500) (i32.const 32))
					(i32.store (i32.const 505) (i32.load (i32.const 4)))
					(i32.store8 (i32.const 509) (i32.const 0))
					(call $return (i32.const 0) (i32.const 500) (i32.const 10))))"#,
				len = inner.len(),
			)),
			"small-buffer",
			Vec::new(),
		);
		let (code, reported): (u32, u32) = query(&ALICE, caller, "go", ());
		assert_eq!(code, ReturnCode::OutputTooSmall as u32);
		assert_eq!(reported, MaxOutputLen::get(), "the kernel names the size it needs");
		let value: Option<Vec<u8>> = query(&ALICE, target, tf::GET, b"k".to_vec());
		assert_eq!(value, None, "the callee never ran");
	});
}

#[test]
fn a_callee_can_return_capabilities_it_holds_to_its_caller() {
	new_test_ext().execute_with(|| {
		let giver = deploy_tester("giver");
		let taker = deploy_tester("taker");
		let held: Vec<CapId> = query(&ALICE, giver, tf::KEPT, ());
		let outcome: Outcome =
			query(&ALICE, taker, tf::CALL, call_args(giver, tf::RELEASE, vec![held[0]]));
		assert_eq!(
			(outcome.code, outcome.caps.clone()),
			(ReturnCode::Success as u32, vec![held[0]])
		);
		assert_eq!(Capabilities::<Test>::get(held[0]).unwrap().holder, Holder::Module(taker));
	});
}

/// The balance the WAT token of the benchmarks (`kernel_modules::fixtures::KERNEL_TOKEN`) keeps
/// for `who`.
fn token_balance(token: ModuleId, who: &AccountId32) -> Option<u128> {
	let value = crate::storage::ModuleStorage::new(token).get(who.as_ref())?;
	Some(u128::decode(&mut &value[..]).expect("a u128"))
}

#[test]
fn the_benchmarks_wat_token_transfers_and_emits_its_event() {
	new_test_ext().execute_with(|| {
		let token = deploy(kernel_modules::fixtures::KERNEL_TOKEN, "token", Vec::new());
		assert_eq!(token_balance(token, &ALICE), Some(1_000_000_000_000), "init endows ALICE");

		let bob: [u8; 32] = BOB.into();
		call(&ALICE, token, "transfer", (bob, 5u128)).expect("transfers");
		assert_eq!(token_balance(token, &ALICE), Some(999_999_999_995));
		assert_eq!(token_balance(token, &BOB), Some(5));
		let alice: [u8; 32] = ALICE.into();
		let event = (alice, bob, 5u128).encode();
		assert_eq!(module_events().last(), Some(&(token, event)));

		// Overspending, an amount above 64 bits and another function all trap and change nothing.
		assert_fails!(
			call(&BOB, token, "transfer", (alice, 6u128)),
			Error::<Test>::ModuleUnreachable
		);
		assert_fails!(
			call(&ALICE, token, "transfer", (bob, 1u128 << 64)),
			Error::<Test>::ModuleUnreachable
		);
		assert_fails!(
			call(&ALICE, token, "transfers", (bob, 1u128)),
			Error::<Test>::ModuleUnreachable
		);
		assert_eq!(token_balance(token, &BOB), Some(5));
	});
}

#[test]
fn capability_ids_run_out_instead_of_wrapping_around() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		crate::NextCapId::<Test>::put(u64::MAX - 1);
		let last = mint_to(&ALICE, tester, b"last");
		assert_eq!(last, u64::MAX - 1);
		assert_eq!(crate::NextCapId::<Test>::get(), u64::MAX);

		assert_fails!(
			call(&ALICE, tester, tf::MINT, b"one more".to_vec()),
			Error::<Test>::IdsExhausted
		);
		assert_eq!(crate::NextCapId::<Test>::get(), u64::MAX);
		assert_eq!(caps_of(&account(&ALICE)), vec![last], "capability 0 was not handed out again");
	});
}

#[test]
fn module_ids_run_out_instead_of_wrapping_around() {
	new_test_ext().execute_with(|| {
		let first = deploy_tester("first");
		crate::NextModuleId::<Test>::put(ModuleId::MAX);
		assert_fails!(
			deploy_as(&ALICE, kernel_modules::TESTER, "second", Vec::new()),
			Error::<Test>::IdsExhausted
		);
		assert_eq!(crate::NextModuleId::<Test>::get(), ModuleId::MAX);
		assert!(crate::ModuleNames::<Test>::get(bounded::<MaxNameLen>("second")).is_none());
		assert_eq!(crate::Modules::<Test>::iter_keys().collect::<Vec<_>>(), vec![first]);
	});
}
