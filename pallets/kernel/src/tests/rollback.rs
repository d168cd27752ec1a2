//! Every way a frame can fail, each with its typed error, and the kernel's own rollback: a nested
//! frame that fails while its caller goes on leaves nothing behind, and the capabilities passed
//! into it are back with the caller.
//!
//! `assert_fails!` around a dispatchable cannot tell the kernel's rollback from FRAME's (FRAME
//! rolls back every failing dispatchable), so the rollback tests here fail a *nested* frame and
//! look at the state after the transaction succeeded.

use super::*;
use crate::{assert_fails, storage::ModuleStorage, Error};
use frame_support::traits::Hooks;
use kernel_primitives::abi::ReturnCode;
use module_interfaces::tester::{CallArgs, Outcome};

/// How the misbehaving module fails, by the first letter of the function called. Each first
/// writes `w` (so that a rollback can be seen) and holds whatever capabilities it was passed.
fn failures() -> Vec<(&'static str, Error<Test>, ReturnCode)> {
	vec![
		("key_empty", Error::InvalidKey, ReturnCode::CalleeTrapped),
		("input_too_large", Error::InputTooLarge, ReturnCode::CalleeTrapped),
		("output_too_large", Error::OutputTooLarge, ReturnCode::CalleeTrapped),
		("garbage_output", Error::InvalidOutput, ReturnCode::CalleeTrapped),
		("memory_out_of_bounds", Error::MemoryAccessOutOfBounds, ReturnCode::CalleeTrapped),
		("caps_too_many", Error::TooManyCapabilities, ReturnCode::TooManyCapabilities),
		("unreachable", Error::ModuleUnreachable, ReturnCode::CalleeTrapped),
		("load_out_of_bounds", Error::ModuleMemoryOutOfBounds, ReturnCode::CalleeTrapped),
		("division_by_zero", Error::ModuleDivisionByZero, ReturnCode::CalleeTrapped),
		("Overflowing_division", Error::ModuleIntegerOverflow, ReturnCode::CalleeTrapped),
		("Stack_overflow", Error::ModuleStackOverflow, ReturnCode::CalleeTrapped),
		("table_call_to_null", Error::ModuleTrapped, ReturnCode::CalleeTrapped),
		("panic", Error::ModulePanicked, ReturnCode::CalleeTrapped),
		("revert", Error::ModuleReverted, ReturnCode::CalleeReverted),
		("spin", Error::OutOfFuel, ReturnCode::CalleeOutOfFuel),
	]
}

fn misbehaver() -> Vec<u8> {
	let params_limit = MaxParamsLen::get() + 1;
	let output_limit = MaxOutputLen::get() + 1;
	wat(&format!(
		r#"(module
		(import "kernel" "input" (func $input (param i32 i32) (result i32)))
		(import "kernel" "return_value" (func $return (param i32 i32 i32)))
		(import "kernel" "storage_get" (func $get (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "storage_set" (func $set (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "hash_blake2_256" (func $hash (param i32 i32 i32)))
		(type $unit (func))
		(memory (export "memory") 1)
		(table 1 funcref)
		(data (i32.const 2000) "w1")
		(data (i32.const 2500) "out of cheese")
		(data (i32.const 2100) "\ff\ff\ff")
		;; Output {{ data: [], caps: 17 ids }}: compact(17) = 0x44, then 17 × 8 zero bytes.
		(data (i32.const 2200) "\00\44")
		;; Output {{ data: [], caps: [0] }}.
		(data (i32.const 2400) "\00\04")
		(func (export "init"))
		(func $recurse (call $recurse))
		(func (export "on_block")
			(call $return (i32.const 0) (i32.const 2400) (i32.const 10)))
		(func (export "call") (local $f i32)
			(i32.store (i32.const 0) (i32.const 1024))
			(drop (call $input (i32.const 8) (i32.const 0)))
			(local.set $f (i32.load8_u (i32.const 9)))
			(drop (call $set (i32.const 2000) (i32.const 1) (i32.const 2001) (i32.const 1)))
			(i32.store (i32.const 1996) (i32.const 64))
			;; k: an empty key
			(if (i32.eq (local.get $f) (i32.const 107))
				(then (drop (call $get (i32.const 2000) (i32.const 0) (i32.const 3000) (i32.const 1996)))))
			;; i: hashing more than MaxParamsLen
			(if (i32.eq (local.get $f) (i32.const 105))
				(then (call $hash (i32.const 0) (i32.const {params_limit}) (i32.const 3000))))
			;; o: returning more than MaxOutputLen
			(if (i32.eq (local.get $f) (i32.const 111))
				(then (call $return (i32.const 0) (i32.const 0) (i32.const {output_limit}))))
			;; g: an output that does not decode
			(if (i32.eq (local.get $f) (i32.const 103))
				(then (call $return (i32.const 0) (i32.const 2100) (i32.const 3))))
			;; m: a key outside memory
			(if (i32.eq (local.get $f) (i32.const 109))
				(then (drop (call $get (i32.const 70000) (i32.const 1) (i32.const 3000) (i32.const 1996)))))
			;; c: returning more capabilities than MaxCapsPerCall
			(if (i32.eq (local.get $f) (i32.const 99))
				(then (call $return (i32.const 0) (i32.const 2200) (i32.const 138))))
			;; u: unreachable
			(if (i32.eq (local.get $f) (i32.const 117)) (then unreachable))
			;; l: a load outside the module's memory
			(if (i32.eq (local.get $f) (i32.const 108))
				(then (drop (i32.load (i32.const 0x7ffffff0)))))
			;; d: 1 / (f - 100), a division by zero
			(if (i32.eq (local.get $f) (i32.const 100))
				(then (drop (i32.div_u (i32.const 1) (i32.sub (local.get $f) (i32.const 100))))))
			;; O: i32::MIN / -1
			(if (i32.eq (local.get $f) (i32.const 79))
				(then (drop (i32.div_s (i32.const 0x80000000) (i32.sub (i32.const 78) (local.get $f))))))
			;; S: unbounded recursion
			(if (i32.eq (local.get $f) (i32.const 83)) (then (call $recurse)))
			;; t: an indirect call through an empty table slot
			(if (i32.eq (local.get $f) (i32.const 116))
				(then (call_indirect (type $unit) (i32.const 0))))
			;; p: a panic with a message (what the SDK's panic handler does)
			(if (i32.eq (local.get $f) (i32.const 112))
				(then (call $return (i32.const 3) (i32.const 2500) (i32.const 13))))
			;; r: revert with "no"
			(if (i32.eq (local.get $f) (i32.const 114))
				(then (call $return (i32.const 1) (i32.const 2000) (i32.const 2))))
			;; s: spin
			(if (i32.eq (local.get $f) (i32.const 115)) (then (loop $l (br $l)))))
		)"#
	))
}

fn written(module: ModuleId) -> Option<Vec<u8>> {
	ModuleStorage::new(module).get(b"w")
}

#[test]
fn every_failure_of_a_frame_has_its_own_error_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		let module = deploy(&misbehaver(), "misbehaver", Vec::new());
		for (function, error, _) in failures() {
			assert_fails!(
				call_full(&ALICE, module, function, Vec::new(), Vec::new(), Vec::new()),
				error
			);
			assert_eq!(written(module), None, "{function}");
		}
	});
}

#[test]
fn a_nested_frame_that_fails_gives_back_what_it_was_passed_and_keeps_none_of_its_writes() {
	new_test_ext().execute_with(|| {
		let creator = deploy_tester("creator");
		let caller = deploy_tester("caller");
		let module = deploy(&misbehaver(), "misbehaver", Vec::new());
		let cap = mint_to(&ALICE, creator, b"passed along");
		Kernel::transfer_capability(origin(&ALICE), cap, Holder::Module(caller))
			.expect("transfers");

		let held_before = caps_of(&Holder::Module(module));
		for (function, _, code) in failures() {
			let args = CallArgs {
				module,
				function: function.as_bytes().to_vec(),
				caps: vec![cap],
				// The spinning callee gets a slice of the caller's fuel, so the caller goes on.
				fuel: 1_000_000,
				..Default::default()
			};
			let outcome: Outcome = query(&ALICE, caller, tf::CALL, args);
			assert_eq!(outcome.code, code as u32, "{function}");
			assert_eq!(written(module), None, "{function}: the callee's write was undone");
			let record = crate::Capabilities::<Test>::get(cap).expect("still exists");
			assert_eq!(
				record.holder,
				Holder::Module(caller),
				"{function}: the capability came back"
			);
			assert_eq!(caps_of(&Holder::Module(module)), held_before, "{function}");
		}

		// A call that succeeds keeps the write and the capability, so the checks above could fail.
		let args = CallArgs {
			module,
			function: b"all_good".to_vec(),
			caps: vec![cap],
			..Default::default()
		};
		let outcome: Outcome = query(&ALICE, caller, tf::CALL, args);
		assert_eq!(outcome.code, ReturnCode::Success as u32);
		assert_eq!(written(module), Some(b"1".to_vec()));
		assert_eq!(
			crate::Capabilities::<Test>::get(cap).expect("exists").holder,
			Holder::Module(module)
		);
	});
}

#[test]
fn a_frame_without_a_receiver_cannot_return_capabilities() {
	new_test_ext().execute_with(|| {
		let module = deploy(&misbehaver(), "misbehaver", Vec::new());
		System::reset_events();
		Kernel::on_initialize(2);
		let failed = frame_system::Pallet::<Test>::events().into_iter().find_map(|record| {
			match record.event {
				RuntimeEvent::Kernel(KernelEvent::OnBlockFailed { module: m, error })
					if m == module =>
				{
					Some(error)
				},
				_ => None,
			}
		});
		assert_eq!(failed, Some(Error::<Test>::NoReceiver.into()));
	});
}
