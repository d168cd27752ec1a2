//! Compiles the process modules (the `modules/` workspace) to `wasm32-unknown-unknown`, shrinks
//! them with `wasm-opt -Oz`, writes the standard modules' metadata next to them (recording its
//! hash in the code) and puts the Wasm in `OUT_DIR`, for `src/lib.rs` to embed. A copy of each
//! `.wasm` and `.json` goes to `<workspace>/target/modules/dist`, for clients and deploys.
//!
//! Runs a nested `cargo build` with a clean environment (the outer build's flags, target and
//! target dir are for the host or for the runtime's Wasm, not for modules) into
//! `<workspace>/target/modules`, shared by every build of this crate so it compiles once.

use kernel_metadata::Metadata;
use module_interfaces as interfaces;
use std::{
	env, fs,
	path::{Path, PathBuf},
	process::Command,
};

/// A module's metadata, from its interface in `module-interfaces`.
type Describe = fn() -> Result<Metadata, kernel_metadata::Error>;

/// The module crates, the file name their Wasm gets and their metadata (the test module has
/// none: it is no interface anyone should build on).
const MODULES: &[(&str, &str, Option<Describe>)] = &[
	("module_balance", "balance.wasm", Some(interfaces::balance::metadata)),
	("module_balance_v2", "balance_v2.wasm", Some(interfaces::balance::metadata)),
	("module_democracy", "democracy.wasm", Some(interfaces::democracy::metadata)),
	("module_staking", "staking.wasm", Some(interfaces::staking::metadata)),
	("module_secret_sharing", "secret_sharing.wasm", Some(interfaces::secret_sharing::metadata)),
	("module_tester", "tester.wasm", None),
];

/// Environment variables of the outer build that must not leak into the modules' build.
const SCRUBBED: &[&str] = &[
	"RUSTFLAGS",
	"CARGO_ENCODED_RUSTFLAGS",
	"CARGO_BUILD_RUSTFLAGS",
	"CARGO_TARGET_DIR",
	"CARGO_BUILD_TARGET",
	"CARGO_BUILD_TARGET_DIR",
	"RUSTC_WRAPPER",
	"RUSTC_WORKSPACE_WRAPPER",
	"CARGO_PROFILE_RELEASE_PANIC",
	"CARGO_PROFILE_RELEASE_LTO",
];

fn main() {
	let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
	let modules_dir = manifest_dir.parent().expect("bundle lives in modules/").to_path_buf();
	let workspace_root = modules_dir.parent().expect("modules/ lives in the workspace");
	let target_dir = workspace_root.join("target").join("modules");
	let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));

	println!("cargo:rerun-if-changed=build.rs");
	watch(&modules_dir);
	watch(&workspace_root.join("primitives"));

	let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
	let mut command = Command::new(cargo);
	command
		.current_dir(&modules_dir)
		.args(["build", "--release", "--locked", "--target", "wasm32-unknown-unknown"])
		.arg("--target-dir")
		.arg(&target_dir);
	for var in SCRUBBED {
		command.env_remove(var);
	}
	for (key, _) in env::vars() {
		if key.starts_with("CARGO_UNSTABLE_") || key.starts_with("CARGO_PROFILE_") {
			command.env_remove(key);
		}
	}
	let status = command.status().expect("cannot run cargo to build the process modules");
	if !status.success() {
		panic!(
			"building the process modules failed; is the `wasm32-unknown-unknown` target \
			 installed? (`rustup target add wasm32-unknown-unknown`)"
		);
	}

	compile_fixtures(&manifest_dir.join("fixtures"), &out_dir);

	let flags = wasm_opt_flags(&modules_dir);
	let built = target_dir.join("wasm32-unknown-unknown").join("release");
	let dist = target_dir.join("dist");
	fs::create_dir_all(&dist).unwrap_or_else(|e| panic!("cannot create {}: {e}", dist.display()));
	for (crate_name, file, describe) in MODULES {
		let from = built.join(format!("{crate_name}.wasm"));
		if !from.exists() {
			panic!("missing {}", from.display());
		}
		let wasm = out_dir.join(file);
		optimize(&from, &wasm, &flags);
		let mut outputs = vec![wasm.clone()];
		if let Some(describe) = describe {
			let metadata = describe().unwrap_or_else(|e| panic!("{file}: bad metadata: {e}"));
			let json = metadata
				.write_beside(&wasm)
				.unwrap_or_else(|e| panic!("cannot write the metadata of {file}: {e}"));
			outputs.push(json);
		}
		for output in outputs {
			let name = output.file_name().expect("a file");
			fs::copy(&output, dist.join(name)).unwrap_or_else(|e| {
				panic!("cannot copy {} to {}: {e}", output.display(), dist.display())
			});
		}
	}
}

/// The flags `wasm-opt` runs with, from `modules/wasm-opt.flags`, which `kernel build` reads
/// too: one flag per line, `#` comments.
fn wasm_opt_flags(modules_dir: &Path) -> Vec<String> {
	let path = modules_dir.join("wasm-opt.flags");
	println!("cargo:rerun-if-changed={}", path.display());
	let text =
		fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
	text.lines()
		.map(|line| line.split('#').next().unwrap_or_default().trim())
		.filter(|flag| !flag.is_empty())
		.map(str::to_owned)
		.collect()
}

/// Shrinks a module with binaryen's `wasm-opt` (see `modules/wasm-opt.flags` for why).
fn optimize(from: &Path, to: &Path, flags: &[String]) {
	let wasm_opt = env::var("WASM_OPT").unwrap_or_else(|_| "wasm-opt".into());
	println!("cargo:rerun-if-env-changed=WASM_OPT");
	let status = Command::new(&wasm_opt).args(flags).arg(from).arg("-o").arg(to).status();
	let status = status.unwrap_or_else(|e| {
		panic!(
			"cannot run `{wasm_opt}` ({e}): the process modules are optimised with binaryen's \
			 wasm-opt (`apt-get install binaryen`, which `.ci/setup` does, or set WASM_OPT)"
		)
	});
	if !status.success() {
		panic!("`{wasm_opt}` failed on {}", from.display());
	}
}

/// Reruns the build script when anything under `dir` (but build output) changes.
fn watch(dir: &Path) {
	let Ok(entries) = fs::read_dir(dir) else {
		return;
	};
	for entry in entries.flatten() {
		let path = entry.path();
		let name = entry.file_name();
		if name == "target" || name == "bundle" {
			continue;
		}
		if path.is_dir() {
			watch(&path);
		} else {
			println!("cargo:rerun-if-changed={}", path.display());
		}
	}
}

/// The WAT fixtures: the token written once as a kernel module and once as a pallet-contracts
/// contract, which the benchmarks run side by side.
const FIXTURES: &[&str] = &["kernel_token", "contracts_token"];

/// Compiles each fixture's `.wat` to `.wasm` in `OUT_DIR`.
fn compile_fixtures(dir: &Path, out_dir: &Path) {
	for name in FIXTURES {
		let source = dir.join(format!("{name}.wat"));
		println!("cargo:rerun-if-changed={}", source.display());
		let wasm = wat::parse_file(&source)
			.unwrap_or_else(|e| panic!("{} is not valid WAT: {e}", source.display()));
		fs::write(out_dir.join(format!("{name}.wasm")), wasm)
			.unwrap_or_else(|e| panic!("cannot write {name}.wasm: {e}"));
	}
}
