//! A kernel for unit tests, natively: the module's entry points run in `cargo test` (what
//! `kernel test` runs) against a test environment that plays the kernel's part, as
//! `#[ink::test]` does for ink! contracts. It keeps the module's storage, the caller, the block
//! number, the events emitted and the capabilities the module holds and mints; calls to other
//! modules, and invocations of their capabilities, are answered by mocks the test registers.
//! A call that returns an error is undone, as the kernel undoes a reverted frame.
//!
//! ```
//! use kernel_sdk::{prelude::*, testing::TestEnv};
//!
//! struct Counter;
//! const COUNT: Value<u64> = Value::new(b"count");
//! impl Module for Counter {
//!     fn init(_: Init) -> Result<Output> { Ok(Output::none()) }
//!     fn call(call: Call) -> Result<Output> {
//!         let by: u64 = call.args()?;
//!         let count = COUNT.get_or_default().checked_add(by).ok_or(Error::Msg("overflow"))?;
//!         COUNT.set(&count);
//!         env::emit(&count);
//!         Ok(Output::value(&count))
//!     }
//! }
//!
//! let env = TestEnv::new();
//! env.set_caller(Some(Holder::Account([7; 32])));
//! assert_eq!(env.call::<Counter>("increment", 5u64, vec![]).unwrap().decode::<u64>(), Ok(5));
//! assert_eq!(env.call::<Counter>("increment", u64::MAX, vec![]), Err(Error::Msg("overflow")));
//! assert_eq!(env.events::<u64>(), vec![5], "the failed call's event is undone with it");
//! assert_eq!(COUNT.get(), Some(5));
//! ```
//!
//! Host functions a unit test has no use for (hashing, signatures, revocation, HTTP, the
//! engine's key and transactions) panic with their name: test the code that needs them on the
//! kernel itself, with `kernel-sandbox` or on a dev chain.

use crate::{
	cap::CapInfo, entry::Output, AccountId, Call, Cap, CapId, Error, Holder, Init, Invocation,
	Module, ModuleId, ReturnCode, Version,
};
use alloc::{
	boxed::Box,
	collections::BTreeMap,
	string::{String, ToString},
	vec::Vec,
};
use codec::{Decode, Encode};
use core::cell::RefCell;
use kernel_primitives::{
	envelope::{CallInput, Output as RawOutput},
	Creator,
};

/// What a mock receives: who called (the module under test), the function, its parameters,
/// the capabilities passed (now held by the mocked module) and, for an invocation, the
/// capability's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mocked {
	/// The function called or invoked.
	pub function: String,
	/// Its raw parameters.
	pub params: Vec<u8>,
	/// Capabilities passed with it.
	pub caps: Vec<CapId>,
	/// The invoked capability's data (`None` for a call).
	pub data: Option<Vec<u8>>,
}

impl Mocked {
	/// The parameters as `T`.
	pub fn args<T: Decode>(&self) -> Result<T, codec::Error> {
		T::decode(&mut &self.params[..])
	}
}

/// A mock's answer: the SCALE output value, or revert data (the callee's reason).
pub type MockReply = core::result::Result<Vec<u8>, Vec<u8>>;

type Handler = Box<dyn Fn(&Mocked) -> MockReply>;

/// The kernel's side of the test: what the host functions read and write.
#[derive(Clone, Default)]
struct State {
	module: ModuleId,
	version: Version,
	caller: Option<Holder>,
	block: u64,
	now_ms: u64,
	storage: BTreeMap<Vec<u8>, Vec<u8>>,
	secrets: BTreeMap<Vec<u8>, Vec<u8>>,
	events: Vec<Vec<u8>>,
	caps: BTreeMap<CapId, CapInfo>,
	next_cap: CapId,
	names: BTreeMap<String, ModuleId>,
	trusted_engines: Vec<u8>,
}

std::thread_local! {
	static STATE: RefCell<State> = RefCell::new(State::default());
	static MOCKS: RefCell<BTreeMap<(ModuleId, String), Handler>> = RefCell::new(BTreeMap::new());
}

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
	STATE.with(|state| f(&mut state.borrow_mut()))
}

/// The test environment of this thread (each test runs on its own thread, so tests do not
/// share one). Creating it resets it.
pub struct TestEnv {
	_not_send: core::marker::PhantomData<*const ()>,
}

impl Default for TestEnv {
	fn default() -> Self {
		Self::new()
	}
}

impl TestEnv {
	/// A fresh environment: the module under test is module 1 at version 1, at block 1, with
	/// no caller, no storage, no capabilities and no mocks.
	pub fn new() -> Self {
		with_state(|state| *state = State { module: 1, version: 1, block: 1, ..State::default() });
		MOCKS.with(|mocks| mocks.borrow_mut().clear());
		TestEnv { _not_send: core::marker::PhantomData }
	}

	/// Who calls next: an account, a module, or nobody (`None`, as in `on_block`).
	pub fn set_caller(&self, caller: Option<Holder>) {
		with_state(|state| state.caller = caller);
	}

	/// The block number `env::block_number` reports.
	pub fn set_block(&self, number: u64) {
		with_state(|state| state.block = number);
	}

	/// The id and code version of the module under test.
	pub fn set_module(&self, id: ModuleId, version: Version) {
		with_state(|state| {
			state.module = id;
			state.version = version;
		});
	}

	/// The engine clock `offchain::now_ms` reports.
	pub fn set_now_ms(&self, now: u64) {
		with_state(|state| state.now_ms = now);
	}

	/// Makes `env::lookup(name)` find `id`.
	pub fn name_module(&self, name: &str, id: ModuleId) {
		with_state(|state| state.names.insert(name.into(), id));
	}

	/// Answers calls of `function` on `module`, and invocations of `module`'s capabilities
	/// with `function`, with `handler`.
	pub fn mock(
		&self,
		module: ModuleId,
		function: &str,
		handler: impl Fn(&Mocked) -> MockReply + 'static,
	) {
		MOCKS.with(|mocks| mocks.borrow_mut().insert((module, function.into()), Box::new(handler)));
	}

	/// A capability that `creator` minted with `data`, held by the module under test: what
	/// another module or a user's request would have passed it.
	pub fn grant(&self, creator: ModuleId, data: &impl Encode) -> Cap {
		with_state(|state| {
			let holder = Holder::Module(state.module);
			Cap::from_id(state.mint(Creator::Module(creator), holder, data.encode()))
		})
	}

	/// Runs `M::init` as the kernel does at deploy: `deployer` signs, the module receives its
	/// `system::upgradable` and `system::destroy` capabilities.
	pub fn init<M: Module>(
		&self,
		deployer: AccountId,
		params: impl Encode,
	) -> crate::Result<Output> {
		let (upgradable, destroy) = with_state(|state| {
			let holder = Holder::Module(state.module);
			(
				state.mint(Creator::System, holder, Vec::new()),
				state.mint(Creator::System, holder, Vec::new()),
			)
		});
		let init = Init {
			deployer,
			params: params.encode(),
			upgradable: Cap::from_id(upgradable),
			destroy: Cap::from_id(destroy),
			caps: Vec::new(),
		};
		frame(Some(Holder::Account(deployer)), || M::init(init))
	}

	/// Calls `function` of the module under test with `args`, passing `caps` (which it then
	/// holds). On success the capabilities in the output go to the caller; on an error every
	/// effect of the call is undone.
	pub fn call<M: Module>(
		&self,
		function: &str,
		args: impl Encode,
		caps: Vec<Cap>,
	) -> crate::Result<Output> {
		let call = Call::new(function.into(), args.encode(), caps);
		frame(self.caller(), || M::call(call))
	}

	/// Invokes `cap`, a capability the module under test minted, with `function` and `args`, by
	/// the current caller: the capability is consumed (and comes back if the invocation fails).
	pub fn invoke<M: Module>(
		&self,
		cap: Cap,
		function: &str,
		args: impl Encode,
	) -> crate::Result<Output> {
		let (info, invoker) =
			with_state(|state| (state.caps.get(&cap.id()).cloned(), state.caller));
		let info = info.ok_or(Error::Msg("testing: no such capability"))?;
		let invocation = Invocation {
			cap: cap.id(),
			invoker: invoker.ok_or(Error::Msg("testing: set a caller to invoke"))?,
			data: info.data,
			creator_version: info.creator_version,
			call: Call::new(function.into(), args.encode(), Vec::new()),
		};
		frame(self.caller(), || {
			with_state(|state| state.caps.remove(&invocation.cap));
			M::invoke(invocation)
		})
	}

	/// Who calls: set with [`TestEnv::set_caller`].
	pub fn caller(&self) -> Option<Holder> {
		with_state(|state| state.caller)
	}

	/// The events emitted so far, decoded as `E`, oldest first.
	pub fn events<E: Decode>(&self) -> Vec<E> {
		with_state(|state| state.events.clone())
			.iter()
			.map(|data| E::decode(&mut &data[..]).expect("testing: an event of another type"))
			.collect()
	}

	/// The module's storage: every key and value, in key order.
	pub fn storage(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
		with_state(|state| state.storage.clone().into_iter().collect())
	}

	/// A capability, as `Cap::inspect` would report it; `None` once consumed or dropped.
	pub fn capability(&self, id: CapId) -> Option<CapInfo> {
		with_state(|state| state.caps.get(&id).cloned())
	}

	/// The capabilities `holder` holds, in id order.
	pub fn held_by(&self, holder: &Holder) -> Vec<(CapId, CapInfo)> {
		with_state(|state| {
			state
				.caps
				.iter()
				.filter(|(_, c)| &c.holder == holder)
				.map(|(id, c)| (*id, c.clone()))
				.collect()
		})
	}
}

/// Runs one frame of the module under test: its effects stay if it succeeds (and the output's
/// capabilities go to `to`, or stay with the module when nobody called), and are undone if it
/// fails.
fn frame(to: Option<Holder>, run: impl FnOnce() -> crate::Result<Output>) -> crate::Result<Output> {
	let before = with_state(|state| state.clone());
	let result = run();
	match &result {
		Ok(output) => with_state(|state| {
			let to = to.unwrap_or(Holder::Module(state.module));
			for cap in &output.caps {
				if let Some(info) = state.caps.get_mut(&cap.id()) {
					info.holder = to;
				}
			}
		}),
		Err(_) => with_state(|state| *state = before),
	}
	result
}

impl State {
	fn mint(&mut self, creator: Creator, holder: Holder, data: Vec<u8>) -> CapId {
		let id = self.next_cap;
		self.next_cap += 1;
		let creator_version =
			if creator == Creator::Module(self.module) { self.version } else { 1 };
		self.caps.insert(id, CapInfo { holder, creator, data, creator_version, parent: None });
		id
	}

	/// Whether the module under test holds capability `id`.
	fn holds(&self, id: CapId) -> Result<&CapInfo, ReturnCode> {
		let info = self.caps.get(&id).ok_or(ReturnCode::CapabilityNotFound)?;
		if info.holder != Holder::Module(self.module) {
			return Err(ReturnCode::NotHolder);
		}
		Ok(info)
	}
}

/// Answers a nested call or invocation with the mock registered for it, moving the passed
/// capabilities to the callee; writes the SCALE `Output` or the revert data.
fn answer(callee: ModuleId, call: &[u8], data: Option<Vec<u8>>) -> (ReturnCode, Vec<u8>) {
	let Ok(call) = CallInput::decode(&mut &call[..]) else {
		return (ReturnCode::DecodeFailed, Vec::new());
	};
	let function = String::from_utf8_lossy(&call.function).to_string();
	for cap in &call.caps {
		if let Err(code) = with_state(|state| state.holds(*cap).map(|_| ())) {
			return (code, Vec::new());
		}
	}
	let mocked = Mocked { function: function.clone(), params: call.params, caps: call.caps, data };
	let reply =
		MOCKS.with(|mocks| mocks.borrow().get(&(callee, function)).map(|handler| handler(&mocked)));
	match reply {
		None => (ReturnCode::ModuleNotFound, Vec::new()),
		Some(Ok(value)) => {
			with_state(|state| {
				for cap in &mocked.caps {
					if let Some(info) = state.caps.get_mut(cap) {
						info.holder = Holder::Module(callee);
					}
				}
			});
			(ReturnCode::Success, RawOutput { data: value, caps: Vec::new() }.encode())
		},
		Some(Err(revert)) => (ReturnCode::CalleeReverted, revert),
	}
}

/// The native host functions: the ABI's, under the same names, with `usize` for its `u32`s.
pub(crate) mod host {
	use super::*;
	use crate::host::Word;

	/// Copies `bytes` to the output buffer at `out` whose capacity is at `out_len` (and
	/// receives the length written), as the kernel does.
	///
	/// # Safety
	/// `out_len` points to a `u32` and `out` to that many writable bytes.
	unsafe fn write_out(out: Word, out_len: Word, bytes: &[u8]) -> u32 {
		let len = out_len as *mut u32;
		// SAFETY: per the contract.
		let capacity = unsafe { *len } as usize;
		// SAFETY: per the contract.
		unsafe { *len = bytes.len() as u32 };
		if bytes.len() > capacity {
			return ReturnCode::OutputTooSmall as u32;
		}
		// SAFETY: `bytes.len()` bytes fit at `out`.
		unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), out as *mut u8, bytes.len()) };
		ReturnCode::Success as u32
	}

	/// The `len` bytes at `ptr`.
	///
	/// # Safety
	/// `ptr` points to `len` readable bytes.
	unsafe fn read<'a>(ptr: Word, len: Word) -> &'a [u8] {
		// SAFETY: per the contract.
		unsafe { core::slice::from_raw_parts(ptr as *const u8, len) }
	}

	fn unsupported(name: &str) -> ! {
		panic!("`{name}` is not in kernel_sdk::testing: test this code on the kernel (kernel-sandbox, or a dev chain)")
	}

	fn code(result: Result<(), ReturnCode>) -> u32 {
		result.err().unwrap_or(ReturnCode::Success) as u32
	}

	pub unsafe fn input(_out: Word, _out_len: Word) -> u32 {
		unsupported("input: entry points run through TestEnv::call/init/invoke")
	}

	pub unsafe fn return_value(_flags: Word, _data: Word, _len: Word) {
		unsupported("return_value: entry points run through TestEnv::call/init/invoke")
	}

	/// The module's storage or its node-local secrets: the two byte maps a module keeps.
	type Store = fn(&mut State) -> &mut BTreeMap<Vec<u8>, Vec<u8>>;

	fn storage(state: &mut State) -> &mut BTreeMap<Vec<u8>, Vec<u8>> {
		&mut state.storage
	}

	fn secrets(state: &mut State) -> &mut BTreeMap<Vec<u8>, Vec<u8>> {
		&mut state.secrets
	}

	/// # Safety
	/// As [`write_out`] and [`read`].
	unsafe fn get_in(store: Store, key: Word, key_len: Word, out: Word, out_len: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let key = unsafe { read(key, key_len) }.to_vec();
		match with_state(|state| store(state).get(&key).cloned()) {
			// SAFETY: as above.
			Some(value) => unsafe { write_out(out, out_len, &value) },
			None => ReturnCode::KeyNotFound as u32,
		}
	}

	/// # Safety
	/// As [`read`].
	unsafe fn set_in(store: Store, key: Word, key_len: Word, value: Word, value_len: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let (key, value) =
			unsafe { (read(key, key_len).to_vec(), read(value, value_len).to_vec()) };
		with_state(|state| store(state).insert(key, value));
		ReturnCode::Success as u32
	}

	/// # Safety
	/// As [`read`].
	unsafe fn clear_in(store: Store, key: Word, key_len: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let key = unsafe { read(key, key_len) };
		let removed = with_state(|state| store(state).remove(key).is_some());
		code(if removed { Ok(()) } else { Err(ReturnCode::KeyNotFound) })
	}

	pub unsafe fn storage_get(key: Word, key_len: Word, out: Word, out_len: Word) -> u32 {
		// SAFETY: the caller's contract.
		unsafe { get_in(storage, key, key_len, out, out_len) }
	}

	pub unsafe fn storage_set(key: Word, key_len: Word, value: Word, value_len: Word) -> u32 {
		// SAFETY: the caller's contract.
		unsafe { set_in(storage, key, key_len, value, value_len) }
	}

	pub unsafe fn storage_clear(key: Word, key_len: Word) -> u32 {
		// SAFETY: the caller's contract.
		unsafe { clear_in(storage, key, key_len) }
	}

	pub unsafe fn storage_next_key(key: Word, key_len: Word, out: Word, out_len: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let key = unsafe { read(key, key_len) }.to_vec();
		let next = with_state(|state| {
			use core::ops::Bound::{Excluded, Unbounded};
			state
				.storage
				.range::<Vec<u8>, _>((Excluded(&key), Unbounded))
				.next()
				.map(|(k, _)| k.clone())
		});
		match next {
			// SAFETY: as above.
			Some(next) => unsafe { write_out(out, out_len, &next) },
			None => ReturnCode::KeyNotFound as u32,
		}
	}

	pub unsafe fn caller(out: Word, out_len: Word) -> u32 {
		let caller = with_state(|state| state.caller).encode();
		// SAFETY: the SDK passes its own buffers.
		unsafe { write_out(out, out_len, &caller) }
	}

	pub unsafe fn module_id() -> u32 {
		with_state(|state| state.module)
	}

	pub unsafe fn module_version() -> u32 {
		with_state(|state| state.version)
	}

	pub unsafe fn block_number() -> u64 {
		with_state(|state| state.block)
	}

	pub unsafe fn fuel_left() -> u64 {
		u64::MAX
	}

	pub unsafe fn deposit_event(data: Word, len: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let data = unsafe { read(data, len) }.to_vec();
		with_state(|state| state.events.push(data));
		ReturnCode::Success as u32
	}

	pub unsafe fn debug_log(msg: Word, len: Word) {
		// SAFETY: the SDK passes its own buffers.
		std::eprintln!("module: {}", String::from_utf8_lossy(unsafe { read(msg, len) }));
	}

	pub unsafe fn hash_blake2_256(_data: Word, _len: Word, _out: Word) {
		unsupported("hash_blake2_256")
	}

	pub unsafe fn sr25519_verify(_sig: Word, _public: Word, _msg: Word, _len: Word) -> u32 {
		unsupported("sr25519_verify")
	}

	pub unsafe fn module_lookup(name: Word, len: Word, out_id: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let name = String::from_utf8_lossy(unsafe { read(name, len) }).to_string();
		match with_state(|state| state.names.get(&name).copied()) {
			Some(id) => {
				// SAFETY: `out_id` has the 4 bytes of an id.
				unsafe {
					core::ptr::copy_nonoverlapping(id.to_le_bytes().as_ptr(), out_id as *mut u8, 4)
				};
				ReturnCode::Success as u32
			},
			None => ReturnCode::ModuleNotFound as u32,
		}
	}

	pub unsafe fn cap_mint(data: Word, len: Word, out_id: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let data = unsafe { read(data, len) }.to_vec();
		let id = with_state(|state| {
			let this = state.module;
			state.mint(Creator::Module(this), Holder::Module(this), data)
		});
		// SAFETY: `out_id` has the 8 bytes of an id.
		unsafe { core::ptr::copy_nonoverlapping(id.to_le_bytes().as_ptr(), out_id as *mut u8, 8) };
		ReturnCode::Success as u32
	}

	pub unsafe fn cap_inspect(cap: u64, out: Word, out_len: Word) -> u32 {
		let info = with_state(|state| {
			let info = state.caps.get(&cap)?;
			let mine = Holder::Module(state.module);
			(info.holder == mine || info.creator == Creator::Module(state.module))
				.then(|| info.encode())
		});
		match info {
			// SAFETY: the SDK passes its own buffers.
			Some(info) => unsafe { write_out(out, out_len, &info) },
			None => ReturnCode::CapabilityNotFound as u32,
		}
	}

	pub unsafe fn cap_invoke(
		cap: u64,
		call: Word,
		call_len: Word,
		_fuel: u64,
		out: Word,
		out_len: Word,
	) -> u32 {
		let held = with_state(|state| state.holds(cap).cloned());
		let info = match held {
			Ok(info) => info,
			Err(code) => return code as u32,
		};
		let Creator::Module(creator) = info.creator else {
			unsupported("cap_invoke of a system capability")
		};
		// The capability is consumed, and handed back if the invocation fails.
		with_state(|state| state.caps.remove(&cap));
		// SAFETY: the SDK passes its own buffers.
		let (result, bytes) =
			answer(creator, unsafe { read(call, call_len) }, Some(info.data.clone()));
		if result != ReturnCode::Success {
			with_state(|state| state.caps.insert(cap, info));
		}
		// SAFETY: as above.
		let written = unsafe { write_out(out, out_len, &bytes) };
		if result == ReturnCode::Success {
			written
		} else {
			result as u32
		}
	}

	pub unsafe fn call_module(
		module: Word,
		call: Word,
		call_len: Word,
		_fuel: u64,
		out: Word,
		out_len: Word,
	) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let (result, bytes) = answer(module as ModuleId, unsafe { read(call, call_len) }, None);
		// SAFETY: as above.
		let written = unsafe { write_out(out, out_len, &bytes) };
		if result == ReturnCode::Success {
			written
		} else {
			result as u32
		}
	}

	pub unsafe fn cap_drop(cap: u64, _fuel: u64) -> u32 {
		code(with_state(|state| {
			state.holds(cap)?;
			state.caps.remove(&cap);
			Ok(())
		}))
	}

	pub unsafe fn cap_transfer(cap: u64, holder: Word, len: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let Ok(to) = Holder::decode(&mut unsafe { read(holder, len) }) else {
			return ReturnCode::DecodeFailed as u32;
		};
		code(with_state(|state| {
			state.holds(cap)?;
			if let Some(info) = state.caps.get_mut(&cap) {
				info.holder = to;
			}
			Ok(())
		}))
	}

	pub unsafe fn cap_revoke(_cap: u64, _out: Word, _out_len: Word) -> u32 {
		unsupported("cap_revoke")
	}

	pub unsafe fn trust_engines(list: Word, len: Word) -> u32 {
		// SAFETY: the SDK passes its own buffers.
		let list = unsafe { read(list, len) }.to_vec();
		with_state(|state| state.trusted_engines = list);
		ReturnCode::Success as u32
	}

	pub unsafe fn engine_info(_account: Word, out: Word, out_len: Word) -> u32 {
		let none: Option<()> = None;
		// SAFETY: the SDK passes its own buffers.
		unsafe { write_out(out, out_len, &none.encode()) }
	}

	pub unsafe fn secret_get(key: Word, key_len: Word, out: Word, out_len: Word) -> u32 {
		// SAFETY: the caller's contract.
		unsafe { get_in(secrets, key, key_len, out, out_len) }
	}

	pub unsafe fn secret_set(key: Word, key_len: Word, value: Word, value_len: Word) -> u32 {
		// SAFETY: the caller's contract.
		unsafe { set_in(secrets, key, key_len, value, value_len) }
	}

	pub unsafe fn secret_clear(key: Word, key_len: Word) -> u32 {
		// SAFETY: the caller's contract.
		unsafe { clear_in(secrets, key, key_len) }
	}

	pub unsafe fn http_fetch(_req: Word, _len: Word, _out: Word, _out_len: Word) -> u32 {
		unsupported("http_fetch")
	}

	pub unsafe fn random_seed(_out: Word) {
		unsupported("random_seed")
	}

	pub unsafe fn now_ms() -> u64 {
		with_state(|state| state.now_ms)
	}

	pub unsafe fn engine_account(_out: Word) -> u32 {
		unsupported("engine_account")
	}

	pub unsafe fn submit_transaction(_call: Word, _len: Word) -> u32 {
		unsupported("submit_transaction")
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{call_module, env, storage, Map};
	use alloc::vec;

	/// A module that exercises the host functions a unit test answers.
	struct Probe;

	const SEEN: Map<u32, u64> = Map::new(b"seen/");

	impl Module for Probe {
		fn init(init: Init) -> crate::Result<Output> {
			init.destroy.drop_capability()?;
			Ok(Output::none().with_cap(init.upgradable))
		}

		fn call(mut call: Call) -> crate::Result<Output> {
			match call.function() {
				"remember" => {
					let key: u32 = call.args()?;
					SEEN.insert(&key, &env::block_number());
					env::emit(&key);
					if key == 0 {
						return Err(Error::Msg("zero is refused"));
					}
					Ok(Output::value(&storage::next_key(b"").map(|k| k.len() as u32)))
				},
				"mint" => Ok(Output::none().with_cap(Cap::mint(&7u8))),
				"ask" => {
					let price = env::lookup("oracle").ok_or(Error::Msg("no oracle"))?;
					let reply = call_module(price, "price", &(), core::mem::take(&mut call.caps))?;
					Ok(Output::value(&reply.decode::<u64>()?))
				},
				"spend" => {
					let [cap] = call.take_caps::<1>()?;
					let reply = cap.invoke("spend", &5u32, Vec::new())?;
					Ok(Output::value(&reply.data))
				},
				_ => Err(Error::UnknownFunction),
			}
		}

		fn invoke(invocation: Invocation) -> crate::Result<Output> {
			match invocation.call.function() {
				"redeem" => Ok(Output::value(&invocation.data::<u8>()?)),
				_ => Err(Error::UnknownFunction),
			}
		}
	}

	#[test]
	fn storage_block_and_events_are_kept_and_a_failed_call_leaves_none() {
		let env = TestEnv::new();
		env.set_block(42);
		let output = env.call::<Probe>("remember", 3u32, Vec::new()).unwrap();
		assert_eq!(output.decode::<Option<u32>>(), Ok(Some(9)), "`seen/` + a u32");
		assert_eq!(SEEN.get(&3), Some(42));
		assert_eq!(
			env.call::<Probe>("remember", 0u32, Vec::new()),
			Err(Error::Msg("zero is refused"))
		);
		assert_eq!(SEEN.get(&0), None, "the failed call's write is undone");
		assert_eq!(env.events::<u32>(), vec![3], "and its event");
		assert_eq!(env.storage().len(), 1);
		assert_eq!(env.call::<Probe>("nope", (), Vec::new()), Err(Error::UnknownFunction));
		// Node-local secrets are kept apart from the state.
		let secrets = || crate::offchain::secrets::get(b"seen/");
		assert_eq!(secrets(), Ok(None));
		crate::offchain::secrets::set(b"seen/", b"sealed").unwrap();
		assert_eq!(secrets(), Ok(Some(b"sealed".to_vec())));
		assert_eq!(env.storage().len(), 1);
		assert_eq!(crate::offchain::secrets::clear(b"seen/"), Ok(true));
		assert_eq!(secrets(), Ok(None));
	}

	#[test]
	fn capabilities_minted_go_to_the_caller_and_init_gets_its_system_ones() {
		let env = TestEnv::new();
		let alice = Holder::Account([1; 32]);
		let deployed = env.init::<Probe>([1; 32], ()).unwrap();
		let upgradable = env.capability(deployed.caps[0].id()).unwrap();
		assert_eq!(
			(upgradable.creator, upgradable.holder),
			(Creator::System, alice),
			"to the deployer"
		);
		assert_eq!(env.held_by(&Holder::Module(1)), Vec::new(), "destroy was dropped");
		env.set_caller(Some(alice));
		let minted = env.call::<Probe>("mint", (), Vec::new()).unwrap();
		let id = minted.caps[0].id();
		let cap = env.capability(id).unwrap();
		assert_eq!((cap.holder, cap.creator, cap.data), (alice, Creator::Module(1), vec![7]));

		// Its holder invokes it: a function the module does not know leaves it in place, one
		// it knows consumes it.
		assert_eq!(env.invoke::<Probe>(Cap::from_id(id), "nope", ()), Err(Error::UnknownFunction));
		assert!(env.capability(id).is_some());
		assert_eq!(
			env.invoke::<Probe>(Cap::from_id(id), "redeem", ()).unwrap().decode::<u8>(),
			Ok(7)
		);
		assert!(env.capability(id).is_none());
	}

	#[test]
	fn other_modules_answer_through_mocks_and_passed_capabilities_move_to_them() {
		let env = TestEnv::new();
		assert_eq!(env.call::<Probe>("ask", (), Vec::new()), Err(Error::Msg("no oracle")));
		env.name_module("oracle", 9);
		let passed = env.grant(4, &"ticket");
		let ticket = passed.id();
		env.mock(9, "price", |call| {
			assert_eq!(call.caps.len(), 1);
			Ok(1_234u64.encode())
		});
		let output = env.call::<Probe>("ask", (), vec![passed]).unwrap();
		assert_eq!(output.decode::<u64>(), Ok(1_234));
		assert_eq!(env.capability(ticket).unwrap().holder, Holder::Module(9));
	}

	#[test]
	fn an_invocation_consumes_the_capability_and_a_refused_one_gives_it_back() {
		let env = TestEnv::new();
		let refused = env.grant(4, &10u32);
		let refused_id = refused.id();
		env.mock(4, "spend", |call| {
			let amount: u32 = call.args().unwrap();
			let limit = u32::decode(&mut &call.data.as_ref().unwrap()[..]).unwrap();
			if amount > limit {
				Err(b"over the limit".to_vec())
			} else {
				Ok(Vec::new())
			}
		});
		let spent = env.call::<Probe>("spend", (), vec![refused]).unwrap();
		assert_eq!(spent.decode::<Vec<u8>>(), Ok(Vec::new()));
		assert!(env.capability(refused_id).is_none(), "invoked, it is gone");

		let small = env.grant(4, &1u32);
		let small_id = small.id();
		let failed = env.call::<Probe>("spend", (), vec![small]).unwrap_err();
		assert_eq!(failed.revert_data(), b"over the limit".to_vec());
		assert_eq!(env.capability(small_id).unwrap().holder, Holder::Module(1), "handed back");
	}
}
