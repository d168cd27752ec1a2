//! `kernel-node check-module <file.wasm>`: the kernel's code rules, offline.
//!
//! `kernel build` runs it after building a module, so that code the chain would refuse (floats,
//! an import that is not a host function, a missing entry point, too large) is refused with the
//! kernel's own error before anyone pays for a deploy. It runs the very check `deploy` runs,
//! with the limits of the runtime this node was built with; a chain that has since upgraded its
//! runtime may have other limits, which the deploy's dry run applies.

use kernel_runtime::Runtime;
use pallet_kernel::{Error, Pallet as Kernel};
use scale_info::{TypeDef, TypeInfo};
use std::path::PathBuf;

/// Checks a module's code against the kernel's rules without a chain.
#[derive(Debug, clap::Parser)]
pub struct CheckModuleCmd {
	/// The module's `.wasm` file.
	pub wasm: PathBuf,
}

impl CheckModuleCmd {
	/// Prints what the code exports, or returns the kernel's error and what it means.
	pub fn run(&self) -> Result<(), String> {
		let file = self.wasm.display();
		let code = std::fs::read(&self.wasm).map_err(|e| format!("cannot read {file}: {e}"))?;
		match Kernel::<Runtime>::check_code(&code) {
			Ok(exports) => {
				let entries: Vec<_> = exports.entries().map(|e| e.export_name()).collect();
				println!(
					"{file}: {} bytes, within the kernel's rules; entry points: {}",
					code.len(),
					entries.join(", ")
				);
				Ok(())
			},
			Err(error) => {
				let name: &'static str = error.into();
				Err(format!("{file}: the kernel refuses this code: {name}: {}", meaning(name)))
			},
		}
	}
}

/// The doc comment of the kernel's error `name`, as the chain's metadata carries it.
fn meaning(name: &str) -> String {
	let TypeDef::Variant(errors) = Error::<Runtime>::type_info().type_def else {
		return String::new();
	};
	errors
		.variants
		.iter()
		.find(|variant| variant.name == name)
		.map(|variant| variant.docs.join(" "))
		.unwrap_or_default()
}
