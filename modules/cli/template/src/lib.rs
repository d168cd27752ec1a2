//! A counter: the process module `kernel new` scaffolds, to grow into your own.
//!
//! `increment(by: u64)` adds to the count and returns it, emitting `Incremented`; `get`
//! returns it. Anyone may call both. The module gives up its upgrade and destroy capabilities
//! at deploy, so it stays as deployed (see `docs/governance.md` for the other choices). Its
//! unit tests, which `kernel test` runs natively, check the logic (a plain function) and the
//! entry point on the SDK's test kernel (`kernel_sdk::testing`).

// No `std` in Wasm (the SDK brings the allocator and panic handler); natively, for `kernel test`
// and `cargo clippy`, `std` brings them.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use kernel_sdk::prelude::*;

/// The count so far.
const COUNT: Value<u64> = Value::new(b"count");

/// What the module reports, as the data of `Kernel::ModuleEvent`.
#[derive(Encode, Decode, Debug, PartialEq)]
#[cfg_attr(feature = "metadata", derive(kernel_sdk::metadata::TypeInfo))]
#[cfg_attr(feature = "metadata", scale_info(crate = kernel_sdk::metadata::scale_info))]
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
				let count = increased(COUNT.get_or_default(), by)?;
				COUNT.set(&count);
				env::emit(&Event::Incremented { by, count });
				Ok(Output::value(&count))
			},
			function::GET => Ok(Output::value(&COUNT.get_or_default())),
			_ => Err(Error::UnknownFunction),
		}
	}
}

/// The count after adding `by`: the module's logic, apart from storage and the kernel, so
/// that plain unit tests check it natively (`kernel test`).
fn increased(count: u64, by: u64) -> Result<u64> {
	count.checked_add(by).ok_or(Error::Msg("the count would overflow"))
}

kernel_sdk::entry_points!(Counter: init, call);

/// What the module offers its callers, with types: `kernel build` writes this document next to
/// the `.wasm` (and its hash into the code), and clients (`kernel call`, polkadot.js) encode
/// calls and decode outputs and events from it. Keep it in step with `call` above.
#[cfg(feature = "metadata")]
pub fn metadata() -> core::result::Result<kernel_sdk::metadata::Metadata, kernel_sdk::metadata::Error>
{
	kernel_sdk::metadata::Builder::new(env!("CARGO_PKG_NAME"))
		.docs(&["A counter anyone may increase."])
		.call::<u64, u64>(function::INCREMENT, &["Adds `by` to the count; returns the new count."])
		.query::<(), u64>(function::GET, &["The count."])
		.event::<Event>()
		.build()
}

#[cfg(test)]
mod tests {
	use super::*;
	use kernel_sdk::testing::TestEnv;

	#[test]
	fn increment_counts_emits_and_is_undone_when_it_fails() {
		// The module's entry points on the SDK's test kernel: storage, caller, events.
		let env = TestEnv::new();
		env.set_caller(Some(Holder::Account([7; 32])));
		let output = env.call::<Counter>(function::INCREMENT, 5u64, vec![]).unwrap();
		assert_eq!(output.decode::<u64>(), Ok(5));
		assert_eq!(env.events::<Event>(), vec![Event::Incremented { by: 5, count: 5 }]);
		let overflow = env.call::<Counter>(function::INCREMENT, u64::MAX, vec![]);
		assert_eq!(overflow, Err(Error::Msg("the count would overflow")));
		assert_eq!(env.events::<Event>().len(), 1, "the failed call left no event");
		assert_eq!(COUNT.get(), Some(5), "nor any write");
	}

	#[test]
	fn increasing_adds_and_refuses_to_overflow() {
		assert_eq!(increased(5, 2), Ok(7));
		assert_eq!(increased(u64::MAX, 1), Err(Error::Msg("the count would overflow")));
	}

	#[test]
	fn the_event_encodes_as_clients_decode_it() {
		// Variant 0, then `by` and `count` as little-endian u64s: `(u8, u64, u64)` to a client.
		let encoded = Event::Incremented { by: 2, count: 7 }.encode();
		assert_eq!(encoded, [&[0u8][..], &2u64.to_le_bytes(), &7u64.to_le_bytes()].concat());
	}
}
