//! Fuzzed inputs (proptest): arbitrary and mutated code at validation, arbitrary bytes and
//! pointers at every host function that decodes what a module passes, and arbitrary bytes as
//! extrinsics. Nothing may panic; every failure must be one of the kernel's typed errors.
//!
//! `PROPTEST_CASES` sets the number of cases (32 by default, for CI); for example
//! `PROPTEST_CASES=20000 cargo test -p pallet-kernel fuzz` for a longer run.

use super::*;
use crate::{storage::ModuleStorage, wasm};
use codec::Decode;
use proptest::prelude::*;

/// A module that hands fuzz bytes to a host function. The bytes are read from its state key
/// `f` (the test writes them there): `[selector][ptr: u32][len: u32][data…]`. The selector's
/// low four bits pick the host function; with its high bit set the raw `ptr` and `len` are
/// passed (any pointer, any length), otherwise the data's own address and length.
fn harness() -> Vec<u8> {
	wat(r#"(module
		(import "kernel" "storage_get" (func $get (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "call_module" (func $call_module (param i32 i32 i32 i64 i32 i32) (result i32)))
		(import "kernel" "cap_invoke" (func $cap_invoke (param i64 i32 i32 i64 i32 i32) (result i32)))
		(import "kernel" "cap_transfer" (func $cap_transfer (param i64 i32 i32) (result i32)))
		(import "kernel" "return_value" (func $return (param i32 i32 i32)))
		(import "kernel" "deposit_event" (func $event (param i32 i32) (result i32)))
		(import "kernel" "trust_engines" (func $trust (param i32 i32) (result i32)))
		(import "kernel" "cap_mint" (func $mint (param i32 i32 i32) (result i32)))
		(import "kernel" "module_lookup" (func $lookup (param i32 i32 i32) (result i32)))
		(import "kernel" "hash_blake2_256" (func $hash (param i32 i32 i32)))
		(import "kernel" "sr25519_verify" (func $verify (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "storage_set" (func $set (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "input" (func $input (param i32 i32) (result i32)))
		(import "kernel" "storage_next_key" (func $next (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "caller" (func $caller (param i32 i32) (result i32)))
		(import "kernel" "cap_inspect" (func $inspect (param i64 i32 i32) (result i32)))
		(memory (export "memory") 1)
		(data (i32.const 100) "f")
		(func (export "init"))
		(func (export "call") (local $sel i32) (local $ptr i32) (local $len i32)
			(i32.store (i32.const 1020) (i32.const 60000))
			(if (call $get (i32.const 100) (i32.const 1) (i32.const 1024) (i32.const 1020))
				(then return))
			(local.set $sel (i32.load8_u (i32.const 1024)))
			(local.set $ptr (i32.const 1033))
			(local.set $len (i32.sub (i32.load (i32.const 1020)) (i32.const 9)))
			(if (i32.and (local.get $sel) (i32.const 128))
				(then
					(local.set $ptr (i32.load (i32.const 1025)))
					(local.set $len (i32.load (i32.const 1029)))))
			;; output buffers: capacity at 500, output at 512
			(i32.store (i32.const 500) (i32.const 16384))
			(block $done
				(block $15 (block $14 (block $13 (block $12 (block $11 (block $10 (block $9 (block $8
				(block $7 (block $6 (block $5 (block $4 (block $3 (block $2 (block $1 (block $0
					(br_table $0 $1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11 $12 $13 $14 $15
						(i32.and (local.get $sel) (i32.const 15))))
				(drop (call $call_module (i32.const 0) (local.get $ptr) (local.get $len) (i64.const 1000000000) (i32.const 512) (i32.const 500)))
				(br $done))
				(drop (call $cap_invoke (i64.const 0) (local.get $ptr) (local.get $len) (i64.const 1000000000) (i32.const 512) (i32.const 500)))
				(br $done))
				(drop (call $cap_transfer (i64.const 0) (local.get $ptr) (local.get $len)))
				(br $done))
				(call $return (i32.const 0) (local.get $ptr) (local.get $len)))
				(call $return (i32.const 1) (local.get $ptr) (local.get $len)))
				(drop (call $event (local.get $ptr) (local.get $len)))
				(br $done))
				(drop (call $trust (local.get $ptr) (local.get $len)))
				(br $done))
				(drop (call $mint (local.get $ptr) (local.get $len) (i32.const 39000)))
				(br $done))
				(drop (call $lookup (local.get $ptr) (local.get $len) (i32.const 39000)))
				(br $done))
				(call $hash (local.get $ptr) (local.get $len) (i32.const 39000))
				(br $done))
				(drop (call $verify (local.get $ptr) (local.get $ptr) (local.get $ptr) (local.get $len)))
				(br $done))
				(drop (call $set (local.get $ptr) (local.get $len) (local.get $ptr) (local.get $len)))
				(br $done))
				(drop (call $input (local.get $ptr) (local.get $len)))
				(br $done))
				(drop (call $next (local.get $ptr) (local.get $len) (i32.const 512) (i32.const 500)))
				(br $done))
				(drop (call $caller (local.get $ptr) (local.get $len)))
				(br $done))
				(drop (call $inspect (i64.load (i32.const 1033)) (local.get $ptr) (local.get $len)))))
		)"#)
}

/// Whether `error` is one of the kernel pallet's own errors.
fn is_kernel_error(error: polkadot_sdk::sp_runtime::DispatchError) -> bool {
	let kernel = <crate::Pallet<Test> as frame_support::traits::PalletInfoAccess>::index() as u8;
	matches!(error, polkadot_sdk::sp_runtime::DispatchError::Module(e) if e.index == kernel)
}

/// Fuzz bytes for the harness: a selector, a raw pointer and length, and data.
fn host_input() -> impl Strategy<Value = Vec<u8>> {
	(
		any::<u8>(),
		prop_oneof![any::<u32>(), 0..70_000u32],
		prop_oneof![any::<u32>(), 0..20_000u32],
		proptest::collection::vec(any::<u8>(), 0..512),
	)
		.prop_map(|(selector, ptr, len, data)| {
			let mut bytes = vec![selector];
			bytes.extend(ptr.to_le_bytes());
			bytes.extend(len.to_le_bytes());
			bytes.extend(data);
			bytes
		})
}

/// A valid module with a few bytes changed.
fn mutated_code() -> impl Strategy<Value = Vec<u8>> {
	let code = harness();
	let len = code.len();
	proptest::collection::vec((0..len, any::<u8>()), 1..8).prop_map(move |changes| {
		let mut mutated = code.clone();
		for (at, byte) in changes {
			mutated[at] = byte;
		}
		mutated
	})
}

proptest! {
	#![proptest_config(ProptestConfig { cases: proptest_cases(), ..ProptestConfig::default() })]

	#[test]
	fn arbitrary_bytes_are_refused_as_code_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
		let mut code = b"\0asm\x01\0\0\0".to_vec();
		code.extend(bytes);
		new_test_ext().execute_with(|| {
			prop_assert!(wasm::validate::<Test>(&code).is_err());
			Ok(())
		})?;
	}

	#[test]
	fn mutated_code_is_refused_or_runs_with_typed_errors(code in mutated_code()) {
		new_test_ext().execute_with(|| {
			if wasm::validate::<Test>(&code).is_err() {
				return Ok(());
			}
			match deploy_as(&ALICE, &code, "mutant", Vec::new()) {
				Err(error) => prop_assert!(is_kernel_error(error.error), "{error:?}"),
				Ok(_) => {
					let module = crate::ModuleNames::<Test>::get(bounded::<MaxNameLen>("mutant")).expect("deployed");
					if let Err(error) = call(&ALICE, module, "", ()) {
						prop_assert!(is_kernel_error(error.error), "{error:?}");
					}
				},
			}
			Ok(())
		})?;
	}

	#[test]
	fn host_functions_take_arbitrary_bytes_and_pointers_with_typed_errors(input in host_input()) {
		new_test_ext().execute_with(|| {
			// A module to call and capabilities (its system capabilities, ids 0 and 1) to name.
			deploy_tester("target");
			let harness = deploy(&harness(), "harness", Vec::new());
			ModuleStorage::new(harness).set(b"f", &input);
			if let Err(error) = call(&ALICE, harness, "", ()) {
				prop_assert!(is_kernel_error(error.error), "{error:?}");
			}
			Ok(())
		})?;
	}

	#[test]
	fn arbitrary_extrinsic_bytes_decode_to_nothing_or_dispatch_with_typed_errors(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
		let mut encoded = vec![<crate::Pallet<Test> as frame_support::traits::PalletInfoAccess>::index() as u8];
		encoded.extend(bytes);
		new_test_ext().execute_with(|| {
			let Ok(call) = RuntimeCall::decode(&mut &encoded[..]) else { return Ok(()) };
			use polkadot_sdk::sp_runtime::traits::Dispatchable;
			if let Err(error) = call.dispatch(origin(&ALICE)) {
				prop_assert!(
					is_kernel_error(error.error)
						|| matches!(error.error, polkadot_sdk::sp_runtime::DispatchError::BadOrigin),
					"{error:?}"
				);
			}
			Ok(())
		})?;
	}
}

#[test]
fn the_harness_reaches_every_host_function_it_names() {
	new_test_ext().execute_with(|| {
		deploy_tester("target");
		let harness = deploy(&harness(), "harness", Vec::new());
		// Selector 9: hash 3 bytes of data; it must succeed (the harness does not trap itself).
		ModuleStorage::new(harness).set(b"f", &[9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
		call(&ALICE, harness, "", ()).expect("hashing runs");
		// Selector 5 with a raw pointer past memory: the kernel traps the frame.
		let mut raw = vec![0x80 | 5];
		raw.extend(70_000u32.to_le_bytes());
		raw.extend(4u32.to_le_bytes());
		ModuleStorage::new(harness).set(b"f", &raw);
		let error = call(&ALICE, harness, "", ()).unwrap_err();
		assert_eq!(error.error, crate::Error::<Test>::MemoryAccessOutOfBounds.into());
	});
}
