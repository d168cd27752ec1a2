//! Entry points: the [`Module`] trait and what each entry receives.
//!
//! The kernel runs an entry point with a SCALE-encoded input; the `run_*` functions (called by
//! the exports [`entry_points!`](crate::entry_points) generates) decode it, call the trait
//! method and end the frame with its output, or revert with its error.

use crate::{
	cap::Cap,
	env,
	host::{self, Word},
	AccountId, CapId, Error, Holder, Result, Version,
};
use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use kernel_primitives::{
	abi::{RETURN_FLAG_PANIC, RETURN_FLAG_REVERT},
	envelope as raw,
	offchain::{HttpRequest, HttpResponse},
};

/// A process module. Implement the entries you need and list them in
/// [`entry_points!`](crate::entry_points); `init` and `call` are required.
pub trait Module {
	/// Runs once at deploy.
	fn init(init: Init) -> Result<Output>;

	/// A public function call. Consumes no capability.
	fn call(call: Call) -> Result<Output>;

	/// An invocation of a capability this module created. The capability is already consumed;
	/// return its successors in the output to make it repeatable.
	fn invoke(invocation: Invocation) -> Result<Output> {
		let _ = invocation;
		Err(Error::UnknownFunction)
	}

	/// A user request for a capability. Return the capability's data to grant it (usually the
	/// request unchanged); an error rejects it and fails the whole transaction.
	fn validate_request(request: Request) -> Result<Vec<u8>> {
		let _ = request;
		Err(Error::Msg("requests not supported"))
	}

	/// A capability this module created was dropped by its holder. An error keeps it.
	fn on_drop(dropped: Dropped) -> Result<()> {
		let _ = dropped;
		Ok(())
	}

	/// Runs right after an upgrade. An error reverts the whole upgrade.
	fn migrate(migration: Migration) -> Result<()> {
		let _ = migration;
		Ok(())
	}

	/// Runs once per block, within the kernel's per-module budget.
	fn on_block(block: Block) -> Result<()> {
		let _ = block;
		Ok(())
	}

	/// Off-chain: runs on each execution engine that runs this module, once per block in which
	/// the module's state changed. State is read-only; see [`crate::offchain`].
	fn on_state_change(change: StateChange) -> Result<()> {
		let _ = change;
		Ok(())
	}

	/// Off-chain: answers an HTTP request to `/modules/{module}/{path}` on an execution engine.
	/// State is read-only; see [`crate::offchain`]. An error becomes a `500` response.
	fn on_http_request(request: HttpRequest) -> Result<HttpResponse> {
		let _ = request;
		Ok(HttpResponse::new(404, "not found"))
	}
}

/// What `init` receives.
#[derive(Debug)]
pub struct Init {
	/// Who deployed the module.
	pub deployer: AccountId,
	/// The deploy parameters.
	pub params: Vec<u8>,
	/// `system::upgradable(self)`: keep it, give it to governance, or drop it to become
	/// immutable.
	pub upgradable: Cap,
	/// `system::destroy(self)`.
	pub destroy: Cap,
	/// Further capabilities passed to `deploy`.
	pub caps: Vec<Cap>,
}

impl Init {
	/// Decodes the deploy parameters.
	pub fn args<T: Decode>(&self) -> Result<T> {
		Ok(T::decode(&mut &self.params[..])?)
	}
}

/// A function call: what `call` receives, and the call part of an [`Invocation`].
#[derive(Debug)]
pub struct Call {
	function: String,
	/// The raw parameters.
	pub params: Vec<u8>,
	/// Capabilities passed with the call; this module now holds them.
	pub caps: Vec<Cap>,
}

impl Call {
	/// A call of `function` with raw `params`, passing `caps`: what [`crate::testing`] runs.
	#[cfg(not(target_arch = "wasm32"))]
	pub(crate) fn new(function: String, params: Vec<u8>, caps: Vec<Cap>) -> Self {
		Call { function, params, caps }
	}

	fn from_raw(call: raw::CallInput) -> Self {
		Call {
			function: String::from_utf8(call.function).unwrap_or_default(),
			params: call.params,
			caps: call.caps.into_iter().map(Cap::from_id).collect(),
		}
	}

	/// The function name (empty if it was not UTF-8).
	pub fn function(&self) -> &str {
		&self.function
	}

	/// Decodes the parameters.
	pub fn args<T: Decode>(&self) -> Result<T> {
		Ok(T::decode(&mut &self.params[..])?)
	}

	/// Takes the passed capabilities, requiring exactly `N`.
	pub fn take_caps<const N: usize>(&mut self) -> Result<[Cap; N]> {
		let caps = core::mem::take(&mut self.caps);
		caps.try_into().map_err(|_| Error::Msg("wrong number of capabilities"))
	}
}

/// What `invoke` receives.
#[derive(Debug)]
pub struct Invocation {
	/// The id the invoked capability had.
	pub cap: CapId,
	/// Who invoked it.
	pub invoker: Holder,
	/// The capability's data.
	pub data: Vec<u8>,
	/// This module's version when the capability was minted.
	pub creator_version: Version,
	/// The function, parameters and passed capabilities.
	pub call: Call,
}

impl Invocation {
	/// Decodes the capability's data.
	pub fn data<T: Decode>(&self) -> Result<T> {
		Ok(T::decode(&mut &self.data[..])?)
	}

	/// Whether the capability was minted by an older version of this module.
	pub fn is_stale(&self) -> bool {
		self.creator_version != env::module_version()
	}

	/// Refuses capabilities minted before `version` (the one-line check after an upgrade that
	/// changes what a capability means).
	pub fn require_minted_since(&self, version: Version) -> Result<()> {
		if self.creator_version < version {
			return Err(Error::StaleCapability);
		}
		Ok(())
	}
}

/// What `validate_request` receives.
#[derive(Debug)]
pub struct Request {
	/// The signer, who will hold the capability.
	pub signer: AccountId,
	/// What was asked for.
	pub data: Vec<u8>,
}

impl Request {
	/// Decodes the request.
	pub fn data<T: Decode>(&self) -> Result<T> {
		Ok(T::decode(&mut &self.data[..])?)
	}
}

/// What `on_drop` receives.
#[derive(Debug)]
pub struct Dropped {
	/// The id the capability had.
	pub cap: CapId,
	/// Who held and dropped it.
	pub holder: Holder,
	/// The capability's data.
	pub data: Vec<u8>,
	/// This module's version when it was minted.
	pub creator_version: Version,
}

impl Dropped {
	/// Decodes the capability's data.
	pub fn data<T: Decode>(&self) -> Result<T> {
		Ok(T::decode(&mut &self.data[..])?)
	}
}

/// What `migrate` receives.
#[derive(Debug)]
pub struct Migration {
	/// The version before the upgrade.
	pub from_version: Version,
	/// The version now running.
	pub to_version: Version,
	/// Parameters given with the upgrade.
	pub params: Vec<u8>,
}

/// What `on_block` receives.
#[derive(Debug)]
pub struct Block {
	/// The block being built.
	pub number: u64,
}

/// What an entry point returns: data and capabilities for the caller.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Output {
	/// Return data.
	pub data: Vec<u8>,
	/// Capabilities handed to the caller.
	pub caps: Vec<Cap>,
}

impl Output {
	/// Nothing to return.
	pub fn none() -> Self {
		Self::default()
	}

	/// Returns the SCALE encoding of `value`.
	pub fn value(value: &impl Encode) -> Self {
		Self { data: value.encode(), caps: Vec::new() }
	}

	/// Also hands `cap` to the caller.
	pub fn with_cap(mut self, cap: Cap) -> Self {
		self.caps.push(cap);
		self
	}

	/// Also hands `caps` to the caller.
	pub fn with_caps(mut self, caps: impl IntoIterator<Item = Cap>) -> Self {
		self.caps.extend(caps);
		self
	}

	/// The data as `T`, as a caller decodes it (in tests, see [`crate::testing`]).
	pub fn decode<T: Decode>(&self) -> Result<T> {
		Ok(T::decode(&mut &self.data[..])?)
	}
}

/// What `on_state_change` receives.
pub type StateChange = kernel_primitives::offchain::StateChangeInput;

/// Ends the frame successfully with `output`.
pub fn finish(output: Output) -> ! {
	let raw =
		raw::Output { data: output.data, caps: output.caps.into_iter().map(|c| c.id()).collect() }
			.encode();
	// SAFETY: the pointer and length describe `raw`; the host does not return.
	unsafe { host::return_value(0, raw.as_ptr() as Word, raw.len() as Word) };
	unreachable_after_return()
}

/// Ends the frame with an error: every effect is undone and the caller receives `data`.
pub fn revert(data: &[u8]) -> ! {
	// SAFETY: the pointer and length describe `data`; the host does not return.
	unsafe {
		host::return_value(RETURN_FLAG_REVERT as Word, data.as_ptr() as Word, data.len() as Word)
	};
	unreachable_after_return()
}

/// Ends the frame as panicked with `message`: as [`revert`], but the kernel reports a trap.
/// Only the Wasm panic handler (`rt`) calls it, so a native build (a module's `kernel test`)
/// leaves it unused.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn panic(message: &[u8]) -> ! {
	let flags = RETURN_FLAG_REVERT | RETURN_FLAG_PANIC;
	// SAFETY: the pointer and length describe `message`; the host does not return.
	unsafe { host::return_value(flags as Word, message.as_ptr() as Word, message.len() as Word) };
	unreachable_after_return()
}

fn unreachable_after_return() -> ! {
	#[cfg(target_arch = "wasm32")]
	core::arch::wasm32::unreachable();
	#[cfg(not(target_arch = "wasm32"))]
	unreachable!("return_value does not return");
}

fn decode_input<T: Decode>() -> T {
	let bytes = env::input();
	match T::decode(&mut &bytes[..]) {
		Ok(input) => input,
		Err(_) => revert(b"cannot decode entry input"),
	}
}

fn conclude(result: Result<Output>) -> ! {
	match result {
		Ok(output) => finish(output),
		Err(error) => revert(&error.revert_data()),
	}
}

/// Runs `M::init`.
pub fn run_init<M: Module>() {
	let input: raw::InitInput<AccountId> = decode_input();
	conclude(M::init(Init {
		deployer: input.deployer,
		params: input.params,
		upgradable: Cap::from_id(input.upgradable),
		destroy: Cap::from_id(input.destroy),
		caps: input.caps.into_iter().map(Cap::from_id).collect(),
	}))
}

/// Runs `M::call`.
pub fn run_call<M: Module>() {
	let input: raw::CallInput = decode_input();
	conclude(M::call(Call::from_raw(input)))
}

/// Runs `M::invoke`.
pub fn run_invoke<M: Module>() {
	let input: raw::InvokeInput<AccountId> = decode_input();
	conclude(M::invoke(Invocation {
		cap: input.cap,
		invoker: input.invoker,
		data: input.data,
		creator_version: input.creator_version,
		call: Call::from_raw(input.call),
	}))
}

/// Runs `M::validate_request`.
pub fn run_validate_request<M: Module>() {
	let input: raw::RequestInput<AccountId> = decode_input();
	let result = M::validate_request(Request { signer: input.signer, data: input.data });
	conclude(result.map(|data| Output { data, caps: Vec::new() }))
}

/// Runs `M::on_drop`.
pub fn run_on_drop<M: Module>() {
	let input: raw::DropInput<AccountId> = decode_input();
	let result = M::on_drop(Dropped {
		cap: input.cap,
		holder: input.holder,
		data: input.data,
		creator_version: input.creator_version,
	});
	conclude(result.map(|()| Output::none()))
}

/// Runs `M::migrate`.
pub fn run_migrate<M: Module>() {
	let input: raw::MigrateInput = decode_input();
	let result = M::migrate(Migration {
		from_version: input.from_version,
		to_version: input.to_version,
		params: input.params,
	});
	conclude(result.map(|()| Output::none()))
}

/// Runs `M::on_block`.
pub fn run_on_block<M: Module>() {
	let input: raw::BlockInput = decode_input();
	conclude(M::on_block(Block { number: input.block_number }).map(|()| Output::none()))
}

/// Runs `M::on_state_change`.
pub fn run_on_state_change<M: Module>() {
	let input: StateChange = decode_input();
	conclude(M::on_state_change(input).map(|()| Output::none()))
}

/// Runs `M::on_http_request`.
pub fn run_on_http_request<M: Module>() {
	let input: HttpRequest = decode_input();
	conclude(M::on_http_request(input).map(|response| Output::value(&response)))
}
