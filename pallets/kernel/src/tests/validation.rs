//! Code validation at deploy: bad code is refused with a clear error and nothing is stored.

use super::*;
use crate::{assert_fails, storage::ModuleStorage, wasm, Error, NextModuleId};
use kernel_primitives::{
	abi::{Entry, ValueType, HOST_FUNCTIONS},
	Exports,
};
use polkadot_sdk::sp_runtime::DispatchError;

/// The smallest valid module: memory, `init` and `call`, doing nothing.
pub fn minimal_module() -> Vec<u8> {
	wat(r#"(module
		(memory (export "memory") 1)
		(func (export "init"))
		(func (export "call")))"#)
}

/// Deploying `code` fails with `error`, taking no module id, and `check_code` (what
/// `kernel build` asks before a deploy) gives the same answer without a transaction.
fn refused(code: Vec<u8>, error: Error<Test>) {
	let error = DispatchError::from(error);
	let checked = Kernel::check_code(&code).map_err(DispatchError::from);
	assert_eq!(checked, Err(error), "check_code agrees with deploy");
	assert_fails!(deploy_as(&ALICE, &code, "bad", Vec::new()), error);
	assert_eq!(NextModuleId::<Test>::get(), 0, "no module id was taken");
}

#[test]
fn a_minimal_module_deploys_with_its_code_in_its_child_trie() {
	new_test_ext().execute_with(|| {
		let code = minimal_module();
		let module = deploy(&code, "minimal", Vec::new());

		let info = Modules::<Test>::get(module).unwrap();
		assert_eq!(info.version, 1);
		assert_eq!(info.code_len as usize, code.len());
		assert_eq!(info.deployer, ALICE);
		let mut expected = Exports::default();
		expected.insert(Entry::Init);
		expected.insert(Entry::Call);
		assert_eq!(info.exports, expected);
		assert_eq!(Kernel::check_code(&code).map_err(DispatchError::from), Ok(expected));
		assert_eq!(ModuleStorage::new(module).code(), Some(code));
		// The code is out of reach of the module's own key space.
		assert_eq!(ModuleStorage::new(module).next_key(&[]), None);
	});
}

#[test]
fn invalid_wasm_is_refused() {
	new_test_ext().execute_with(|| {
		refused(b"definitely not wasm".to_vec(), Error::InvalidCode);
		let mut truncated = minimal_module();
		truncated.truncate(truncated.len() - 3);
		refused(truncated, Error::InvalidCode);
	});
}

#[test]
fn oversized_code_is_refused() {
	new_test_ext().execute_with(|| {
		let oversized = vec![0u8; MaxCodeLen::get() as usize + 1];
		assert_eq!(wasm::validate::<Test>(&oversized), Err(wasm::CodeError::TooLarge));
		// `check_code` (`kernel-node check-module`, which reads a file of any size) says why.
		let checked = Kernel::check_code(&oversized).map_err(DispatchError::from);
		assert_eq!(checked, Err(Error::<Test>::CodeTooLarge.into()));
		// The transaction itself cannot even carry it.
		assert!(crate::CodeOf::<Test>::try_from(oversized).is_err());
	});
}

#[test]
fn imports_other_than_kernel_host_functions_are_refused() {
	new_test_ext().execute_with(|| {
		for import in [
			r#"(import "env" "abort" (func))"#,
			r#"(import "kernel" "no_such_function" (func))"#,
			r#"(import "kernel" "module_id" (func (param i32) (result i32)))"#,
			r#"(import "kernel" "counter" (global i32))"#,
		] {
			let code = wat(&format!(
				r#"(module {import}
					(memory (export "memory") 1)
					(func (export "init"))
					(func (export "call")))"#
			));
			refused(code, Error::ImportNotAllowed);
		}
		// A memory imported from the kernel instead of defined by the module.
		refused(
			wat(r#"(module
				(import "kernel" "memory" (memory 1))
				(export "memory" (memory 0))
				(func (export "init"))
				(func (export "call")))"#),
			Error::ImportNotAllowed,
		);
	});
}

#[test]
fn floating_point_is_refused() {
	new_test_ext().execute_with(|| {
		refused(
			wat(r#"(module
				(memory (export "memory") 1)
				(func (export "init"))
				(func (export "call") f32.const 1.5 drop))"#),
			Error::FloatsNotAllowed,
		);
		refused(
			wat(r#"(module
				(memory (export "memory") 1)
				(func $half (param f64) (result f64) local.get 0)
				(func (export "init"))
				(func (export "call")))"#),
			Error::FloatsNotAllowed,
		);
	});
}

#[test]
fn missing_required_exports_are_refused() {
	new_test_ext().execute_with(|| {
		refused(
			wat(r#"(module (func (export "init")) (func (export "call")))"#),
			Error::MissingRequiredExport,
		);
		refused(
			wat(r#"(module (memory (export "memory") 1) (func (export "init")))"#),
			Error::MissingRequiredExport,
		);
		refused(
			wat(r#"(module (memory (export "memory") 1) (func (export "call")))"#),
			Error::MissingRequiredExport,
		);
	});
}

#[test]
fn entry_points_must_take_and_return_nothing() {
	new_test_ext().execute_with(|| {
		refused(
			wat(r#"(module
				(memory (export "memory") 1)
				(func (export "init"))
				(func (export "call") (param i32)))"#),
			Error::InvalidEntrySignature,
		);
		refused(
			wat(r#"(module
				(memory (export "memory") 1)
				(func (export "init"))
				(func (export "call"))
				(global (export "on_block") i32 (i32.const 0)))"#),
			Error::InvalidEntrySignature,
		);
	});
}

#[test]
fn memory_larger_than_the_limit_is_refused() {
	new_test_ext().execute_with(|| {
		let pages = MaxMemoryPages::get() + 1;
		refused(
			wat(&format!(
				r#"(module
					(memory (export "memory") {pages})
					(func (export "init"))
					(func (export "call")))"#
			)),
			Error::MemoryTooLarge,
		);
	});
}

#[test]
fn start_functions_are_refused() {
	new_test_ext().execute_with(|| {
		refused(
			wat(r#"(module
				(memory (export "memory") 1)
				(func $start)
				(start $start)
				(func (export "init"))
				(func (export "call")))"#),
			Error::InvalidCode,
		);
	});
}

#[test]
fn every_host_function_of_the_abi_can_be_imported_and_linked() {
	new_test_ext().execute_with(|| {
		let ty = |types: &[ValueType]| {
			types
				.iter()
				.map(|t| match t {
					ValueType::I32 => "i32",
					ValueType::I64 => "i64",
				})
				.collect::<Vec<_>>()
				.join(" ")
		};
		let imports: String = HOST_FUNCTIONS
			.iter()
			.map(|f| {
				format!(
					r#"(import "kernel" "{}" (func (param {}) (result {})))"#,
					f.name,
					ty(f.params),
					ty(f.results)
				)
			})
			.collect::<Vec<_>>()
			.join("\n");
		let code = wat(&format!(
			r#"(module {imports}
				(memory (export "memory") 1)
				(func (export "init"))
				(func (export "call")))"#
		));
		let module = deploy(&code, "everything", Vec::new());
		// Instantiation links every import; a missing host function would fail the call.
		call(&ALICE, module, "anything", ()).expect("links and runs");
	});
}

#[test]
fn a_taken_name_is_refused() {
	new_test_ext().execute_with(|| {
		deploy(&minimal_module(), "same", Vec::new());
		assert_fails!(
			deploy_as(&BOB, &minimal_module(), "same", Vec::new()),
			Error::<Test>::ModuleNameTaken
		);
	});
}

#[test]
fn a_deployer_who_cannot_pay_the_deposit_is_refused() {
	new_test_ext().execute_with(|| {
		assert_fails!(
			deploy_as(&PAUPER, &minimal_module(), "poor", Vec::new()),
			Error::<Test>::InsufficientDeposit
		);
	});
}

#[test]
fn the_standard_modules_pass_validation() {
	new_test_ext().execute_with(|| {
		for code in [kernel_modules::BALANCE, kernel_modules::TESTER] {
			let valid = wasm::validate::<Test>(code).expect("valid");
			assert!(valid.exports.has(Entry::Init) && valid.exports.has(Entry::Call));
		}
	});
}

#[test]
fn module_names_are_checked() {
	new_test_ext().execute_with(|| {
		for bad in ["", "has space", "semi;colon", "ünïcode"] {
			assert_fails!(
				deploy_as(&ALICE, &minimal_module(), bad, Vec::new()),
				Error::<Test>::InvalidModuleName
			);
		}
		deploy(&minimal_module(), "Good_name-1.0", Vec::new());
	});
}

/// Marks `module`'s code as validated under an older validator version, as after a runtime
/// upgrade that changed the rules.
fn validated_under_an_older_version(module: ModuleId) {
	Modules::<Test>::mutate(module, |info| {
		info.as_mut().expect("exists").validator = wasm::VALIDATOR_VERSION - 1
	});
}

#[test]
fn code_is_validated_once_and_again_once_after_the_rules_change() {
	new_test_ext().execute_with(|| {
		let module = deploy_tester("t");
		let info = Modules::<Test>::get(module).expect("exists");
		assert_eq!(info.validator, wasm::VALIDATOR_VERSION, "validated at deploy");

		let weight = |result: DispatchResultWithPostInfo| {
			result.expect("runs").actual_weight.expect("reported").ref_time()
		};
		let normal = weight(call(&ALICE, module, tf::STATS, ()));
		validated_under_an_older_version(module);
		let revalidating = weight(call(&ALICE, module, tf::STATS, ()));
		assert_eq!(
			Modules::<Test>::get(module).expect("exists").validator,
			wasm::VALIDATOR_VERSION
		);
		let again = weight(call(&ALICE, module, tf::STATS, ()));

		let validation = crate::meter::validation::<Test>(info.code_len).ref_time();
		// (fuel rounds the charge by less than a percent)
		assert!(revalidating >= normal + validation * 99 / 100, "the revalidation is charged");
		assert_eq!(again, normal, "and happens once");
	});
}

#[test]
fn code_the_current_rules_refuse_does_not_run() {
	new_test_ext().execute_with(|| {
		let module = deploy(&minimal_module(), "m", Vec::new());
		// Code that was never valid under the current rules, as if accepted by older ones.
		let floats = wat(r#"(module
			(memory (export "memory") 1)
			(func (export "init"))
			(func (export "call") (drop (f32.add (f32.const 1) (f32.const 2)))))"#);
		ModuleStorage::new(module).set_code(&floats);
		validated_under_an_older_version(module);

		assert_fails!(call(&ALICE, module, "", ()), Error::<Test>::FloatsNotAllowed);
	});
}
