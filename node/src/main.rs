//! The capability-kernel node.

#![warn(missing_docs)]
// `sc_cli::Error` is large and not ours; every command returns it.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod check_module;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}
