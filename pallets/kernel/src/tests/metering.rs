//! Honest metering: work the node does for a host function is charged before it is done, at
//! the benchmarked rate, however the module shapes its state.

use super::*;
use crate::{assert_fails, weights::WeightInfo, Error};

/// Keys the scanner writes, as in the scenario that stalled a dev node (2,500 keys cleared, then
/// `storage_next_key` in a loop).
const KEYS: u32 = 2_500;

/// A module whose functions are told apart by the first letter of their name:
/// `fill` writes `KEYS` keys (`k` and a 4-byte index) and `z`; `clear` clears the `k` keys;
/// `one` calls `storage_next_key` once from the start; `scan` does so 500 times; `drain` walks
/// the keys from the start and clears each, passing the key just cleared as the next cursor;
/// `xclear_then_one` does `clear` and `one` in one frame.
fn scanner() -> Vec<u8> {
	wat(&format!(
		r#"(module
		(import "kernel" "input" (func $input (param i32 i32) (result i32)))
		(import "kernel" "storage_set" (func $set (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "storage_clear" (func $clear (param i32 i32) (result i32)))
		(import "kernel" "storage_next_key" (func $next (param i32 i32 i32 i32) (result i32)))
		(memory (export "memory") 1)
		(data (i32.const 1000) "z")
		(func (export "init"))
		;; key buffer at 2000: "k" then the index
		(func $key (param $i i32)
			(i32.store8 (i32.const 2000) (i32.const 107))
			(i32.store (i32.const 2001) (local.get $i)))
		(func $fill (local $i i32)
			(loop $l
				(call $key (local.get $i))
				(drop (call $set (i32.const 2000) (i32.const 5) (i32.const 2000) (i32.const 5)))
				(local.set $i (i32.add (local.get $i) (i32.const 1)))
				(br_if $l (i32.lt_u (local.get $i) (i32.const {KEYS}))))
			(drop (call $set (i32.const 1000) (i32.const 1) (i32.const 1000) (i32.const 1))))
		(func $clear_all (local $i i32)
			(loop $l
				(call $key (local.get $i))
				(drop (call $clear (i32.const 2000) (i32.const 5)))
				(local.set $i (i32.add (local.get $i) (i32.const 1)))
				(br_if $l (i32.lt_u (local.get $i) (i32.const {KEYS})))))
		;; next key after the cursor (at 3000, length at 2996) into 4000 (length at 3996)
		(func $next_from (param $cursor_len i32) (result i32)
			(i32.store (i32.const 3996) (i32.const 128))
			(call $next (i32.const 3000) (local.get $cursor_len) (i32.const 4000) (i32.const 3996)))
		(func $scan (param $times i32)
			(loop $l
				(drop (call $next_from (i32.const 0)))
				(local.set $times (i32.sub (local.get $times) (i32.const 1)))
				(br_if $l (i32.gt_s (local.get $times) (i32.const 0)))))
		(func $drain (local $cursor_len i32)
			(block $done
				(loop $l
					(br_if $done (call $next_from (local.get $cursor_len)))
					(br_if $done (i32.eq (i32.load8_u (i32.const 4000)) (i32.const 122)))
					(drop (call $clear (i32.const 4000) (i32.load (i32.const 3996))))
					(i32.store (i32.const 3000) (i32.load (i32.const 4000)))
					(i32.store8 (i32.const 3004) (i32.load8_u (i32.const 4004)))
					(local.set $cursor_len (i32.const 5))
					(br $l))))
		(func (export "call") (local $f i32)
			(i32.store (i32.const 0) (i32.const 512))
			(drop (call $input (i32.const 8) (i32.const 0)))
			(local.set $f (i32.load8_u (i32.const 9)))
			(if (i32.eq (local.get $f) (i32.const 102)) (then (call $fill)))
			(if (i32.eq (local.get $f) (i32.const 99)) (then (call $clear_all)))
			(if (i32.eq (local.get $f) (i32.const 111)) (then (call $scan (i32.const 1))))
			(if (i32.eq (local.get $f) (i32.const 115)) (then (call $scan (i32.const 500))))
			(if (i32.eq (local.get $f) (i32.const 100)) (then (call $drain)))
			(if (i32.eq (local.get $f) (i32.const 120))
				(then (call $clear_all) (call $scan (i32.const 1)))))
		)"#
	))
}

/// A call with a budget of 2 s: the mock runtime's `DbWeight` is zero while its `WeightInfo`
/// counts `RocksDbWeight`, so the clearing writes the benchmark includes are not taken off the
/// deletion rate here as they are in a runtime, and a deletion costs more than a real one.
fn call_generously(module: ModuleId, function: &str) -> DispatchResultWithPostInfo {
	call_with_limit(module, function, Weight::from_parts(2_000_000_000_000, 8 * 1024 * 1024))
}

/// The execution weight a successful call charged, without the dispatchable's base.
fn execution_weight(result: DispatchResultWithPostInfo) -> Weight {
	let info = result.expect("the call succeeds");
	info.actual_weight.expect("actual weight reported").saturating_sub(<() as WeightInfo>::call())
}

/// What the `next_key_deleted` benchmark measured for stepping over `n` deletions, without the
/// fixed part and without the database write of clearing each key in the benchmark (which
/// `storage_clear` pays for).
pub(super) fn measured_deletions(n: u32) -> Weight {
	let clearing =
		polkadot_sdk::frame_support::weights::constants::RocksDbWeight::get().writes(u64::from(n));
	<() as WeightInfo>::next_key_deleted(n)
		.saturating_sub(<() as WeightInfo>::next_key_deleted(0))
		.saturating_sub(clearing)
}

/// A scanner whose `KEYS` keys are in the database (committed), not only in the overlay: each
/// deletion of such a key costs `next_key` a trie seek.
fn scanner_with_committed_keys() -> (sp_io::TestExternalities, ModuleId) {
	let mut ext = new_test_ext();
	let module = ext.execute_with(|| {
		let module = deploy(&scanner(), "scanner", Vec::new());
		call(&ALICE, module, "fill", ()).expect("fills");
		module
	});
	ext.commit_all().expect("commits");
	(ext, module)
}

#[test]
fn next_key_after_deletions_in_earlier_transactions_pays_for_each_one() {
	let (mut ext, scanner) = scanner_with_committed_keys();
	ext.execute_with(|| {
		call(&ALICE, scanner, "clear", ()).expect("clears");
		let info = Modules::<Test>::get(scanner).expect("exists");
		assert_eq!(info.cleared.in_block(&1), KEYS, "the block's deletions are counted");

		let charged = execution_weight(call_generously(scanner, "one"));
		let measured = measured_deletions(KEYS);
		assert!(charged.ref_time() >= measured.ref_time(), "{charged:?} < {measured:?}");

		// The scenario that stalled a node: 500 calls are now far beyond a transaction's budget,
		// and the charge comes before the work, so the frame stops after the first few.
		assert_fails!(call(&ALICE, scanner, "scan", ()), Error::<Test>::OutOfFuel);
	});
}

#[test]
fn next_key_after_deletions_in_the_same_frame_pays_for_each_one() {
	let (mut ext, scanner) = scanner_with_committed_keys();
	ext.execute_with(|| {
		let both = execution_weight(call_generously(scanner, "xclear_then_one"));
		assert!(both.ref_time() >= measured_deletions(KEYS).ref_time(), "{both:?}");
	});
}

#[test]
fn deletions_of_an_earlier_block_cost_nothing() {
	let (mut ext, scanner) = scanner_with_committed_keys();
	ext.execute_with(|| {
		call(&ALICE, scanner, "clear", ()).expect("clears");
	});
	// The block ends: its deletions are written to the database.
	ext.commit_all().expect("commits");
	ext.execute_with(|| {
		System::set_block_number(2);
		let charged = execution_weight(call(&ALICE, scanner, "one", ()));
		assert!(charged.ref_time() < measured_deletions(1).ref_time() * 100, "{charged:?}");
	});
}

#[test]
fn draining_keys_in_order_is_charged_linearly() {
	let (mut ext, scanner) = scanner_with_committed_keys();
	ext.execute_with(|| {
		// Each `next_key` starts after the key just cleared: none of this frame's deletions
		// lie on its way. Charging every deletion of the frame to every call would cost
		// KEYS² / 2 deletions, far past the budget.
		let charged = execution_weight(call(&ALICE, scanner, "drain", ()));
		assert!(charged.ref_time() < measured_deletions(KEYS).ref_time() * 10, "{charged:?}");
		let info = Modules::<Test>::get(scanner).expect("exists");
		assert_eq!(info.storage_items, 1, "only `z` is left");
		assert_eq!(info.cleared.in_block(&1), KEYS);
	});
}

/// A module whose `call` reads the 1-byte value at `a` (written by `init`).
fn getter() -> Vec<u8> {
	wat(r#"(module
		(import "kernel" "storage_get" (func $get (param i32 i32 i32 i32) (result i32)))
		(import "kernel" "storage_set" (func $set (param i32 i32 i32 i32) (result i32)))
		(memory (export "memory") 1)
		(data (i32.const 100) "ab")
		(func (export "init")
			(drop (call $set (i32.const 100) (i32.const 1) (i32.const 101) (i32.const 1))))
		(func (export "call")
			(i32.store (i32.const 196) (i32.const 64))
			(if (i32.ne (call $get (i32.const 100) (i32.const 1) (i32.const 200) (i32.const 196))
					(i32.const 0))
				(then unreachable))))"#)
}

fn call_with_proof_budget(module: ModuleId, proof_size: u64) -> DispatchResultWithPostInfo {
	call_with_limit(module, "get", Weight::from_parts(LIMIT.ref_time(), proof_size))
}

#[test]
fn storage_get_is_charged_for_the_largest_value_before_it_reads_and_refunded_after() {
	new_test_ext().execute_with(|| {
		let getter = deploy(&getter(), "getter", Vec::new());
		// Enough for loading the code and reading one byte, not for a value of `MaxValueLen`:
		// the kernel cannot know the value is small before the node has read it.
		let budget = 8 * 1024;
		assert!(budget < u64::from(MaxValueLen::get()));
		assert_fails!(call_with_proof_budget(getter, budget), Error::<Test>::OutOfProofSize);

		// With room for the largest value, only the one byte read is charged in the end.
		let charged = execution_weight(call_with_proof_budget(getter, LIMIT.proof_size()));
		assert!(charged.proof_size() < budget, "{charged:?}");
	});
}

#[test]
fn overwriting_a_value_is_charged_the_proof_of_the_old_one() {
	new_test_ext().execute_with(|| {
		let tester = deploy_tester("t");
		let large = vec![7u8; 12 * 1024];
		call(&ALICE, tester, tf::SET, (b"big".to_vec(), large.clone())).expect("writes");
		call(&ALICE, tester, tf::SET, (b"new".to_vec(), vec![1u8])).expect("writes");

		let fresh = execution_weight(call(&ALICE, tester, tf::SET, (b"new2".to_vec(), vec![1u8])));
		let over = execution_weight(call(&ALICE, tester, tf::SET, (b"big".to_vec(), vec![1u8])));
		assert!(
			over.proof_size() >= fresh.proof_size() + large.len() as u64,
			"{over:?} vs {fresh:?}"
		);
	});
}

/// Deploys a synthesised benchmark module under `name`.
fn deploy_synth(code: Vec<u8>, name: &str) -> ModuleId {
	deploy(&code, name, Vec::new())
}

fn calling(target: ModuleId, times: u32) -> Vec<u8> {
	crate::wasm::synth::module(
		crate::wasm::synth::CallBody::CallModule { target, times, capacity: MaxOutputLen::get() },
		0,
	)
}

#[test]
fn every_nested_frame_pays_its_fixed_cost() {
	new_test_ext().execute_with(|| {
		let callee = deploy_synth(
			crate::wasm::synth::module(crate::wasm::synth::CallBody::Empty, 0),
			"callee",
		);
		let once = deploy_synth(calling(callee, 1), "once");
		let twice = deploy_synth(calling(callee, 2), "twice");

		let one = execution_weight(call(&ALICE, once, "", ()));
		let two = execution_weight(call(&ALICE, twice, "", ()));
		let callee_code = Modules::<Test>::get(callee).expect("exists").code_len;
		let per_frame = crate::meter::frame::<Test>()
			.saturating_add(crate::meter::code_load_weight::<Test>(callee_code));
		assert!(two.ref_time() - one.ref_time() >= per_frame.ref_time(), "{one:?} {two:?}");
	});
}

/// The execution's cache of parsed modules is seen in its fuel: wasmi translates a function on
/// its first call in the execution, so a callee entered twice pays for translating its code
/// once, and the second frame costs less than the first by about that much (with a module
/// parsed anew for each frame it would pay twice). Every frame still pays its fixed cost and
/// its code load.
#[test]
fn a_module_entered_twice_in_one_execution_is_translated_once() {
	new_test_ext().execute_with(|| {
		use crate::wasm::synth::{module, CallBody};
		let padding = 96 * 1024;
		let callee = deploy_synth(module(CallBody::CallPadding, padding), "callee");
		let none = deploy_synth(calling(callee, 0), "none");
		let once = deploy_synth(calling(callee, 1), "once");
		let twice = deploy_synth(calling(callee, 2), "twice");

		let zero = execution_weight(call(&ALICE, none, "", ())).ref_time();
		let one = execution_weight(call(&ALICE, once, "", ())).ref_time();
		let two = execution_weight(call(&ALICE, twice, "", ())).ref_time();
		let (first, second) = (one - zero, two - one);
		let fuel =
			u64::from(crate::meter::translation_fuel_per_byte::<Test>()) * u64::from(padding);
		let translation = crate::meter::FuelRate::of::<Test>().ref_time_of(fuel);
		assert!(first >= second + translation * 9 / 10, "{first} {second} {translation}");
		let callee_code = Modules::<Test>::get(callee).expect("exists").code_len;
		let per_frame = crate::meter::frame::<Test>()
			.saturating_add(crate::meter::code_load_weight::<Test>(callee_code));
		assert!(second >= per_frame.ref_time(), "{second} {per_frame:?}");
	});
}

#[test]
fn a_request_frame_pays_its_fixed_cost() {
	new_test_ext().execute_with(|| {
		// Grants every request with empty capability data and does nothing else, so a request
		// costs little more than its frame.
		let issuer = deploy(
			&wat(r#"(module
				(memory (export "memory") 1)
				(func (export "init")) (func (export "call")) (func (export "validate_request")))"#),
			"issuer",
			Vec::new(),
		);
		let without = execution_weight(call(&ALICE, issuer, "", ()));
		let with = execution_weight(call_full(
			&ALICE,
			issuer,
			"",
			().encode(),
			Vec::new(),
			vec![(issuer, b"ticket".to_vec())],
		));
		let code_len = Modules::<Test>::get(issuer).expect("exists").code_len;
		let request_frame = crate::meter::frame::<Test>()
			.saturating_add(crate::meter::code_load_weight::<Test>(code_len));
		assert!(
			with.ref_time() - without.ref_time() >= request_frame.ref_time(),
			"{without:?} {with:?}"
		);
	});
}

#[test]
fn initial_memory_is_charged_at_instantiation() {
	new_test_ext().execute_with(|| {
		let pages = MaxMemoryPages::get();
		let small = deploy_synth(crate::wasm::synth::with_memory(1), "small");
		let large = deploy_synth(crate::wasm::synth::with_memory(pages), "large");

		let one_page = execution_weight(call(&ALICE, small, "", ()));
		let all_pages = execution_weight(call(&ALICE, large, "", ()));
		let allocation = crate::meter::memory_pages::<Test>(pages);
		assert!(allocation.ref_time() > 0);
		assert!(
			all_pages.ref_time() - one_page.ref_time() >= allocation.ref_time(),
			"{one_page:?} {all_pages:?}"
		);
	});
}

#[test]
fn tables_are_charged_at_instantiation_like_memory() {
	new_test_ext().execute_with(|| {
		let with_table = |elements: u32| {
			wat(&format!(
				r#"(module
				(memory (export "memory") 1)
				(table 16 funcref) (table {elements} funcref) (table {elements} funcref)
				(func (export "init")) (func (export "call")))"#
			))
		};
		let small = deploy(&with_table(16), "small", Vec::new());
		let large = deploy(&with_table(4096), "large", Vec::new());
		let one = execution_weight(call(&ALICE, small, "", ()));
		let many = execution_weight(call(&ALICE, large, "", ()));
		// 2 × 4096 elements of 16 bytes: two pages' worth.
		let allocation = crate::meter::memory_pages::<Test>(3);
		assert!(many.ref_time() - one.ref_time() >= allocation.ref_time(), "{one:?} {many:?}");
	});
}

#[test]
fn cap_drop_can_limit_the_fuel_of_the_creators_on_drop() {
	new_test_ext().execute_with(|| {
		let creator = deploy_tester("creator");
		let holder = deploy_tester("holder");
		let cap = mint_to(&ALICE, creator, tester_api::SPIN_ON_DROP);
		Kernel::transfer_capability(origin(&ALICE), cap, Holder::Module(holder))
			.expect("transfers");

		// With a limit, the creator's endless `on_drop` burns only that, and the holder goes on,
		// still holding the capability.
		let code: u32 = query(&ALICE, holder, tf::DROP_WITH_FUEL, (cap, 5_000_000u64));
		assert_eq!(code, kernel_primitives::abi::ReturnCode::CalleeOutOfFuel as u32);
		assert!(caps_of(&Holder::Module(holder)).contains(&cap));

		// Without one, it burns everything the transaction had.
		assert_fails!(call(&ALICE, holder, tf::DROP, cap), Error::<Test>::OutOfFuel);
	});
}

#[test]
fn settling_deposits_is_charged_per_module() {
	new_test_ext().execute_with(|| {
		let grown = deploy_tester("grown");
		let touched = deploy_tester("touched");
		let mut ctx = crate::exec::ExecContext::<Test>::new(LIMIT);
		let growth = crate::types::UsageDelta { bytes: 10, items: 1, ..Default::default() };
		ctx.record_usage(grown, growth);
		ctx.record_usage(touched, Default::default());
		let proof_before = ctx.proof_size_left;
		let items_before = Modules::<Test>::get(grown).expect("exists").storage_items;

		ctx.settle_deposits().expect("settles");

		let expected = crate::meter::settle_module::<Test>(true)
			.saturating_add(crate::meter::settle_module::<Test>(false));
		assert_eq!(proof_before - ctx.proof_size_left, expected.proof_size());
		assert_eq!(Modules::<Test>::get(grown).expect("exists").storage_items, items_before + 1);
	});
}

#[test]
fn translating_a_function_is_charged_at_the_benchmarked_rate() {
	new_test_ext().execute_with(|| {
		use crate::wasm::synth::{module, CallBody};
		let padding = 96 * 1024;
		let slope = |weight: fn(u32) -> Weight| weight(1).saturating_sub(weight(0)).ref_time();
		// Each shape is charged at least what its benchmark measured per byte, the adversarial
		// `br_table` included.
		let shapes = [
			(CallBody::CallPadding, slope(<() as WeightInfo>::translate)),
			(CallBody::CallBrTable, slope(<() as WeightInfo>::translate_br_table)),
		];
		for (i, (shape, per_byte)) in shapes.into_iter().enumerate() {
			let small = deploy_synth(module(CallBody::CallPadding, 0), &format!("small{i}"));
			let large = deploy_synth(module(shape, padding), &format!("large{i}"));

			let base = execution_weight(call(&ALICE, small, "", ()));
			let translated = execution_weight(call(&ALICE, large, "", ()));
			let expected = per_byte * u64::from(padding);
			assert!(
				translated.ref_time() - base.ref_time() >= expected * 99 / 100,
				"shape {i}: {base:?} {translated:?} {expected}"
			);
		}
	});
}
