//! The standard process modules, compiled to Wasm from `modules/` by this crate's build script.
//!
//! `no_std`: the runtime embeds these bytes to deploy the modules at genesis, and the kernel's
//! tests and benchmarks run them.

#![no_std]

/// `balance`: the token ledger with slashable and transferable capabilities.
pub const BALANCE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/balance.wasm"));

/// `tester`: exercises every kernel rule; for tests and benchmarks only.
pub const TESTER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tester.wasm"));
