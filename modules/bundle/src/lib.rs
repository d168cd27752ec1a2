//! The standard process modules, compiled to Wasm from `modules/` by this crate's build script,
//! and the WAT fixtures of the benchmarks that compare the kernel with pallet-contracts.
//!
//! `no_std`: the runtime embeds these bytes to deploy the modules at genesis, and the kernel's
//! tests and benchmarks run them.

#![no_std]

/// `balance`: the token ledger with slashable and transferable capabilities.
pub const BALANCE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/balance.wasm"));

/// Revision 2 of `balance` (same source, `v2` feature): the upgrade target of the governance
/// tests and walkthrough.
pub const BALANCE_V2: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/balance_v2.wasm"));

/// `democracy`: governs capabilities, each under its own rule.
pub const DEMOCRACY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/democracy.wasm"));

/// `staking`: bonds `balance::slashable` capabilities; slashes decided by governance.
pub const STAKING: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/staking.wasm"));

/// `secret-sharing`: the key-management service run by execution engines.
pub const SECRET_SHARING: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/secret_sharing.wasm"));

/// `tester`: exercises every kernel rule; for tests and benchmarks only.
pub const TESTER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tester.wasm"));

/// The standard modules' metadata documents (see `kernel-metadata`): the JSON the build wrote
/// next to each `.wasm`, whose BLAKE2b-256 the code records.
pub mod metadata {
	/// `balance`'s (and `balance_v2`'s: the interface is the same).
	pub const BALANCE: &str = include_str!(concat!(env!("OUT_DIR"), "/balance.json"));
	/// `democracy`'s.
	pub const DEMOCRACY: &str = include_str!(concat!(env!("OUT_DIR"), "/democracy.json"));
	/// `staking`'s.
	pub const STAKING: &str = include_str!(concat!(env!("OUT_DIR"), "/staking.json"));
	/// `secret-sharing`'s.
	pub const SECRET_SHARING: &str = include_str!(concat!(env!("OUT_DIR"), "/secret_sharing.json"));
}

/// The benchmarks' token, written once for each executor (`fixtures/*.wat`): an account →
/// balance map, `transfer(to, amount)`, one event. `scripts/compare.sh` sets the two side by side.
pub mod fixtures {
	/// The token as a kernel process module (`Kernel::call(token, "transfer", (to, amount))`).
	pub const KERNEL_TOKEN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kernel_token.wasm"));

	/// The token as a pallet-contracts contract (`Contracts::call(token, (to, amount))`).
	pub const CONTRACTS_TOKEN: &[u8] =
		include_bytes!(concat!(env!("OUT_DIR"), "/contracts_token.wasm"));
}
