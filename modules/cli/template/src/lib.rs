//! A counter: the process module `kernel new` scaffolds, to grow into your own.
//!
//! `increment(by: u64)` adds to the count and returns it, emitting `Incremented`; `get`
//! returns it. Anyone may call both. The module gives up its upgrade and destroy capabilities
//! at deploy, so it stays as deployed (see `docs/governance.md` for the other choices).

#![no_std]

extern crate alloc;

use kernel_sdk::prelude::*;

/// The count so far.
const COUNT: Value<u64> = Value::new(b"count");

/// What the module reports, as the data of `Kernel::ModuleEvent`.
#[derive(Encode, Decode, Debug, PartialEq)]
pub enum Event {
	/// The count went up by `by`, to `count`.
	Incremented { by: u64, count: u64 },
}

/// The module's functions, by name.
pub mod function {
	/// `increment(by: u64) -> u64`.
	pub const INCREMENT: &str = "increment";
	/// `get() -> u64`.
	pub const GET: &str = "get";
}

struct Counter;

impl Module for Counter {
	fn init(init: Init) -> Result<Output> {
		// Nothing to govern: the module stays as deployed.
		init.upgradable.drop_capability()?;
		init.destroy.drop_capability()?;
		Ok(Output::none())
	}

	fn call(call: Call) -> Result<Output> {
		match call.function() {
			function::INCREMENT => {
				let by: u64 = call.args()?;
				let count = COUNT
					.get_or_default()
					.checked_add(by)
					.ok_or(Error::Msg("the count would overflow"))?;
				COUNT.set(&count);
				env::emit(&Event::Incremented { by, count });
				Ok(Output::value(&count))
			},
			function::GET => Ok(Output::value(&COUNT.get_or_default())),
			_ => Err(Error::UnknownFunction),
		}
	}
}

kernel_sdk::entry_points!(Counter: init, call);
