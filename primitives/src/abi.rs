//! The host ABI: what a process module may import from the kernel and what it exports.
//!
//! A module is a Wasm program that imports only functions of the [`IMPORT_MODULE`] namespace
//! listed by [`host_functions!`](crate::host_functions) and exports its linear memory
//! ([`MEMORY_EXPORT`]) plus the [`Entry`] points it implements. Every entry point has the Wasm
//! type `() -> ()`: it reads its SCALE-encoded input with `input` and ends with `return_value`
//! (or by returning, which means "success, no output").
//!
//! # Passing bytes
//!
//! Pointers and lengths are `u32` offsets into the module's own memory. A host function that
//! produces bytes takes `out_ptr` and `out_len_ptr`: on entry the `u32` (little endian) at
//! `out_len_ptr` holds the capacity of the buffer at `out_ptr`; on return it holds the length of
//! the produced bytes. When the buffer is too small nothing is written to it, the length is
//! still reported and [`ReturnCode::OutputTooSmall`] is returned, so the caller can retry with a
//! larger buffer. Functions whose work cannot be repeated safely — `call_module`, `cap_invoke`
//! and `http_fetch` — check the buffer *before* doing anything: it must hold the kernel's
//! `MaxOutputLen` (at most [`MAX_OUTPUT_BUFFER`]), and the reported length is that limit.
//!
//! # Errors
//!
//! Outcomes a correct module must expect (a missing key, a capability someone else holds, a
//! callee that reverted) are reported as a [`ReturnCode`]. Misuse that only a broken module
//! commits (a pointer outside its memory, a key over the size limit) traps the module's frame.

/// The Wasm import namespace of every host function.
pub const IMPORT_MODULE: &str = "kernel";

/// The name under which a module must export its linear memory.
pub const MEMORY_EXPORT: &str = "memory";

/// An export whose presence (any function) lets the module be re-entered while already on the
/// call stack. Without it the kernel refuses re-entry with [`ReturnCode::ReentryDenied`].
pub const ALLOW_REENTRY_EXPORT: &str = "allow_reentry";

/// The `flags` bit of `return_value` that reverts the frame: all its effects are undone and
/// the data is reported to the caller as an error.
pub const RETURN_FLAG_REVERT: u32 = 1;

/// The `flags` bit of `return_value` that marks a revert as a panic: `data` is the panic
/// message (UTF-8), and the frame counts as trapped (`CalleeTrapped` to its caller,
/// `ModulePanicked` to a user). Set together with [`RETURN_FLAG_REVERT`], so that a kernel
/// that does not know this bit still undoes the frame.
pub const RETURN_FLAG_PANIC: u32 = 2;

/// The largest output of any entry point a kernel may allow: the SDK's buffers for nested call
/// results have this size, and the kernel's `MaxOutputLen` must not exceed it.
pub const MAX_OUTPUT_BUFFER: u32 = 64 * 1024;

/// A `fuel_limit` of zero given to `call_module` or `cap_invoke` means "all remaining fuel".
pub const FUEL_LIMIT_ALL: u64 = 0;

/// The entry points a module may export.
#[derive(Clone, Copy, PartialEq, Eq, Debug, codec::Encode, codec::Decode, scale_info::TypeInfo)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Entry {
	/// Runs once at deploy with [`crate::envelope::InitInput`]. Required.
	Init,
	/// Public functions with [`crate::envelope::CallInput`]; consumes no capability. Required.
	Call,
	/// Handles an invocation of a capability the module created, with
	/// [`crate::envelope::InvokeInput`].
	Invoke,
	/// Accepts or rejects a user request, with [`crate::envelope::RequestInput`]; the output data
	/// becomes the new capability's data.
	ValidateRequest,
	/// Told that a capability it created was dropped, with [`crate::envelope::DropInput`].
	OnDrop,
	/// Runs after an upgrade with [`crate::envelope::MigrateInput`].
	Migrate,
	/// Runs once per block with [`crate::envelope::BlockInput`], within the block's budget.
	OnBlock,
	/// Off-chain: run by execution engines after a block that changed the module's state.
	OnStateChange,
	/// Off-chain: answers HTTP requests to `/modules/{module}/{path}` on an execution engine.
	OnHttpRequest,
}

impl Entry {
	/// Every entry, in a fixed order.
	pub const ALL: [Entry; 9] = [
		Entry::Init,
		Entry::Call,
		Entry::Invoke,
		Entry::ValidateRequest,
		Entry::OnDrop,
		Entry::Migrate,
		Entry::OnBlock,
		Entry::OnStateChange,
		Entry::OnHttpRequest,
	];

	/// Entries every module must export.
	pub const REQUIRED: [Entry; 2] = [Entry::Init, Entry::Call];

	/// The Wasm export name.
	pub const fn export_name(self) -> &'static str {
		match self {
			Entry::Init => "init",
			Entry::Call => "call",
			Entry::Invoke => "invoke",
			Entry::ValidateRequest => "validate_request",
			Entry::OnDrop => "on_drop",
			Entry::Migrate => "migrate",
			Entry::OnBlock => "on_block",
			Entry::OnStateChange => "on_state_change",
			Entry::OnHttpRequest => "on_http_request",
		}
	}

	/// The entry exported under `name`, if any.
	pub fn from_export_name(name: &str) -> Option<Entry> {
		Entry::ALL.iter().copied().find(|e| e.export_name() == name)
	}

	/// The entry's bit in [`crate::Exports`].
	pub const fn bit(self) -> u32 {
		1 << (self as u32)
	}

	/// Whether the entry runs off-chain only, on execution engines.
	pub const fn is_offchain(self) -> bool {
		matches!(self, Entry::OnStateChange | Entry::OnHttpRequest)
	}
}

/// The result of a host function, as the `u32` it returns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum ReturnCode {
	/// It worked.
	Success = 0,
	/// The storage key (or, for `storage_next_key`, any further key) does not exist.
	KeyNotFound = 1,
	/// The output buffer is too small; the needed length was written to `out_len_ptr`.
	OutputTooSmall = 2,
	/// No capability has this id: never minted, or already invoked, dropped or consumed.
	CapabilityNotFound = 3,
	/// The capability exists but the calling module does not hold it.
	NotHolder = 4,
	/// The capability's creator module was destroyed: it can only be dropped.
	CreatorDestroyed = 5,
	/// No module has this id or name.
	ModuleNotFound = 6,
	/// The callee does not export the entry point the operation needs.
	EntryNotExported = 7,
	/// The callee reverted; the output buffer holds its revert data. Its effects were undone.
	CalleeReverted = 8,
	/// The callee trapped (a Wasm trap or a kernel limit). Its effects were undone.
	CalleeTrapped = 9,
	/// The callee ran out of fuel (the limit given to the call, or all of it). Its effects were
	/// undone.
	CalleeOutOfFuel = 10,
	/// The callee is already on the call stack and does not allow re-entry.
	ReentryDenied = 11,
	/// The call would exceed the kernel's maximum call depth.
	CallDepthExceeded = 12,
	/// The bytes given could not be decoded as the expected envelope.
	DecodeFailed = 13,
	/// More capabilities were passed or returned than the kernel allows in one call.
	TooManyCapabilities = 14,
	/// The signature does not verify.
	InvalidSignature = 15,
	/// The kernel refused the operation: an unknown function or bad parameters for a system
	/// capability, code it cannot accept, a limit of the registry.
	NotAllowed = 16,
	/// An engine service failed: an HTTP error or missed deadline, no engine key on this node,
	/// a transaction the pool refused.
	Unavailable = 17,
	/// The capability (or one derived from it) was not minted by the calling module: only its
	/// creator may revoke it.
	NotCreator = 18,
}

impl ReturnCode {
	/// The code for a raw `u32`, if it is one.
	pub fn from_u32(code: u32) -> Option<ReturnCode> {
		use ReturnCode::*;
		const CODES: [ReturnCode; 19] = [
			Success,
			KeyNotFound,
			OutputTooSmall,
			CapabilityNotFound,
			NotHolder,
			CreatorDestroyed,
			ModuleNotFound,
			EntryNotExported,
			CalleeReverted,
			CalleeTrapped,
			CalleeOutOfFuel,
			ReentryDenied,
			CallDepthExceeded,
			DecodeFailed,
			TooManyCapabilities,
			InvalidSignature,
			NotAllowed,
			Unavailable,
			NotCreator,
		];
		CODES.get(code as usize).copied()
	}
}

impl From<ReturnCode> for u32 {
	fn from(code: ReturnCode) -> u32 {
		code as u32
	}
}

/// Calls `$callback!` with the list of host functions: the one definition of the import
/// surface. The SDK expands it into `extern` declarations; this crate into [`HOST_FUNCTIONS`],
/// the table the kernel validates imports against; the kernel into its linker, each function
/// behind the rule of its mode.
///
/// Each function is prefixed by its [`HostMode`]: `both`, `onchain` (it changes state, so it
/// traps with `ReadOnly` in an off-chain frame) or `offchain` (engine services: it traps with
/// `OffchainOnly` on chain). Types are `u32` (Wasm `i32`) and `u64` (Wasm `i64`).
#[macro_export]
macro_rules! host_functions {
	($callback:ident) => {
		$callback! {
			module = "kernel";

			// ---- input and output ----

			/// Copies the entry point's SCALE-encoded input into `out_ptr`.
			both fn input(out_ptr: u32, out_len_ptr: u32) -> u32;
			/// Ends the entry point with `data`. With `RETURN_FLAG_REVERT` in `flags` every
			/// effect of the frame is undone and `data` is the error reported to the caller;
			/// otherwise `data` is a SCALE `Output`. Never returns.
			both fn return_value(flags: u32, data_ptr: u32, data_len: u32);

			// ---- the module's own storage (its child trie) ----

			/// Reads the value at `key` into `out_ptr`; `KeyNotFound` if there is none.
			both fn storage_get(key_ptr: u32, key_len: u32, out_ptr: u32, out_len_ptr: u32) -> u32;
			/// Writes `value` at `key`.
			onchain fn storage_set(key_ptr: u32, key_len: u32, value_ptr: u32, value_len: u32) -> u32;
			/// Removes `key`; `KeyNotFound` if there was nothing to remove.
			onchain fn storage_clear(key_ptr: u32, key_len: u32) -> u32;
			/// Writes the first key after `key` (in byte order) into `out_ptr`; `KeyNotFound`
			/// at the end. An empty `key` starts at the beginning.
			both fn storage_next_key(key_ptr: u32, key_len: u32, out_ptr: u32, out_len_ptr: u32) -> u32;

			// ---- context ----

			/// Writes the SCALE `Option<Holder>` of who called this frame (`None` when the
			/// kernel itself runs an entry, such as `on_block`).
			both fn caller(out_ptr: u32, out_len_ptr: u32) -> u32;
			/// The id of the running module.
			both fn module_id() -> u32;
			/// The code version of the running module.
			both fn module_version() -> u32;
			/// The current block number.
			both fn block_number() -> u64;
			/// The fuel this frame has left.
			both fn fuel_left() -> u64;
			/// Emits `data` as a `ModuleEvent` of this module.
			onchain fn deposit_event(data_ptr: u32, data_len: u32) -> u32;
			/// Writes a debug message to the node's log (target `kernel::module`).
			both fn debug_log(msg_ptr: u32, msg_len: u32);
			/// Writes the 32-byte BLAKE2b-256 hash of the input to `out_ptr`.
			both fn hash_blake2_256(in_ptr: u32, in_len: u32, out_ptr: u32);
			/// Verifies a 64-byte sr25519 signature by a 32-byte public key over `msg`;
			/// `Success` or `InvalidSignature`.
			both fn sr25519_verify(sig_ptr: u32, pubkey_ptr: u32, msg_ptr: u32, msg_len: u32) -> u32;
			/// Writes the `u32` id of the module named `name` to `out_id_ptr`.
			both fn module_lookup(name_ptr: u32, name_len: u32, out_id_ptr: u32) -> u32;

			// ---- capabilities ----

			/// Mints a capability created and held by this module, with `data`; writes its
			/// `u64` id to `out_id_ptr`.
			onchain fn cap_mint(data_ptr: u32, data_len: u32, out_id_ptr: u32) -> u32;
			/// Writes the SCALE `Capability` of a capability this module
			/// holds or created.
			both fn cap_inspect(cap: u64, out_ptr: u32, out_len_ptr: u32) -> u32;
			/// Invokes (and so consumes) a capability this module holds, with a SCALE
			/// `CallInput`. The output is a SCALE
			/// `Output`, or the revert data on `CalleeReverted`.
			onchain fn cap_invoke(cap: u64, call_ptr: u32, call_len: u32, fuel_limit: u64, out_ptr: u32, out_len_ptr: u32) -> u32;
			/// Calls a public function of a module, with a SCALE
			/// `CallInput`; output as for `cap_invoke`.
			both fn call_module(module: u32, call_ptr: u32, call_len: u32, fuel_limit: u64, out_ptr: u32, out_len_ptr: u32) -> u32;
			/// Drops a capability this module holds; its creator's `on_drop` runs with at most
			/// `fuel_limit` fuel (`0`: all remaining).
			onchain fn cap_drop(cap: u64, fuel_limit: u64) -> u32;
			/// Gives a capability this module holds to the SCALE `Holder`.
			onchain fn cap_transfer(cap: u64, holder_ptr: u32, holder_len: u32) -> u32;
			/// Revokes capability `cap`, which this module created, and the capabilities
			/// derived from it, wherever they are held, without running `on_drop`: a bounded
			/// step, written as a SCALE `Revocation` (`complete: false`: call again). The buffer
			/// must hold `MaxOutputLen`. `CapabilityNotFound` when nothing is left to revoke.
			onchain fn cap_revoke(cap: u64, out_ptr: u32, out_len_ptr: u32) -> u32;

			// ---- execution engines ----

			/// Names the engines (SCALE `Vec<AccountId>`) this module trusts to run its
			/// off-chain entry points. On-chain only.
			onchain fn trust_engines(list_ptr: u32, list_len: u32) -> u32;
			/// Writes the SCALE `Option<EngineInfo>` of the engine with the 32-byte account at
			/// `account_ptr`.
			both fn engine_info(account_ptr: u32, out_ptr: u32, out_len_ptr: u32) -> u32;

			// ---- off-chain only: `on_state_change`, `on_http_request` ----

			/// Reads this module's node-local secret at `key`; `KeyNotFound` if none.
			offchain fn secret_get(key_ptr: u32, key_len: u32, out_ptr: u32, out_len_ptr: u32) -> u32;
			/// Stores a node-local secret, sealed with the engine's key.
			offchain fn secret_set(key_ptr: u32, key_len: u32, value_ptr: u32, value_len: u32) -> u32;
			/// Removes a node-local secret; `KeyNotFound` if there was none.
			offchain fn secret_clear(key_ptr: u32, key_len: u32) -> u32;
			/// Performs the SCALE `HttpFetch`; writes the SCALE `HttpResponse`.
			offchain fn http_fetch(req_ptr: u32, req_len: u32, out_ptr: u32, out_len_ptr: u32) -> u32;
			/// Writes 32 random bytes (not consensus-safe) to `out_ptr`.
			offchain fn random_seed(out_ptr: u32);
			/// The engine's wall-clock time in milliseconds since the Unix epoch.
			offchain fn now_ms() -> u64;
			/// Writes the engine's 32-byte account to `out_ptr`.
			offchain fn engine_account(out_ptr: u32) -> u32;
			/// Submits the SCALE `EngineCall` as a transaction signed by the engine's key.
			offchain fn submit_transaction(call_ptr: u32, call_len: u32) -> u32;
		}
	};
}

/// A host function's Wasm value type, as the kernel checks imports against it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ValueType {
	/// `u32`, Wasm `i32`.
	I32,
	/// `u64`, Wasm `i64`.
	I64,
}

/// Where a host function may be called (see [`host_functions!`](crate::host_functions)).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HostMode {
	/// On chain and off chain.
	Both,
	/// On chain only: it changes state, which off-chain frames may not.
	OnChain,
	/// Off chain only: an execution engine's service.
	OffChain,
}

/// A host function's name, Wasm signature and mode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HostFunction {
	/// The import name.
	pub name: &'static str,
	/// Where it may be called.
	pub mode: HostMode,
	/// Parameter names, as the documentation shows them.
	pub args: &'static [&'static str],
	/// Parameter types.
	pub params: &'static [ValueType],
	/// Result types (empty or one).
	pub results: &'static [ValueType],
}

#[doc(hidden)]
#[macro_export]
macro_rules! __abi_value_type {
	(u32) => {
		$crate::abi::ValueType::I32
	};
	(u64) => {
		$crate::abi::ValueType::I64
	};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __abi_host_mode {
	(both) => {
		$crate::abi::HostMode::Both
	};
	(onchain) => {
		$crate::abi::HostMode::OnChain
	};
	(offchain) => {
		$crate::abi::HostMode::OffChain
	};
}

macro_rules! signature_table {
	(
		module = $module:literal;
		$( $(#[$meta:meta])* $mode:ident fn $name:ident( $( $arg:ident : $ty:tt ),* ) $( -> $ret:tt )?; )*
	) => {
		/// Every host function with its Wasm signature and mode, in declaration order.
		pub const HOST_FUNCTIONS: &[HostFunction] = &[
			$( HostFunction {
				name: stringify!($name),
				mode: $crate::__abi_host_mode!($mode),
				args: &[ $( stringify!($arg) ),* ],
				params: &[ $( $crate::__abi_value_type!($ty) ),* ],
				results: &[ $( $crate::__abi_value_type!($ret) )? ],
			}, )*
		];

		const _: () = assert!(matches!($module.as_bytes(), b"kernel"));
	};
}

crate::host_functions!(signature_table);

/// The host function named `name`, if there is one.
pub fn host_function(name: &str) -> Option<&'static HostFunction> {
	HOST_FUNCTIONS.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::{format, string::String, vec::Vec};

	#[test]
	fn return_codes_round_trip() {
		for raw in 0..32u32 {
			if let Some(code) = ReturnCode::from_u32(raw) {
				assert_eq!(u32::from(code), raw);
			}
		}
		assert_eq!(ReturnCode::from_u32(17), Some(ReturnCode::Unavailable));
		assert_eq!(ReturnCode::from_u32(18), Some(ReturnCode::NotCreator));
		assert_eq!(ReturnCode::from_u32(19), None);
	}

	#[test]
	fn host_function_names_are_unique() {
		for (i, f) in HOST_FUNCTIONS.iter().enumerate() {
			assert!(HOST_FUNCTIONS[i + 1..].iter().all(|g| g.name != f.name), "{}", f.name);
		}
		let invoke = host_function("cap_invoke").expect("declared");
		assert_eq!(invoke.params.len(), 6);
		assert_eq!(invoke.params[0], ValueType::I64);
		assert_eq!(invoke.results, &[ValueType::I32]);
		assert!(host_function("return_value").expect("declared").results.is_empty());
	}

	/// The summary table of `docs/host-abi.md`, row by row, as the ABI defines it.
	fn documented_row(f: &HostFunction) -> String {
		let args: Vec<String> = f
			.args
			.iter()
			.zip(f.params)
			.map(|(name, ty)| match ty {
				ValueType::I32 => name.to_string(),
				ValueType::I64 => format!("{name}: u64"),
			})
			.collect();
		let result = match f.results {
			[ValueType::I32] => " → u32",
			[ValueType::I64] => " → u64",
			_ => "",
		};
		let mode = match f.mode {
			HostMode::Both => "B",
			HostMode::OnChain => "C",
			HostMode::OffChain => "O",
		};
		format!("`{}` | `({}){result}` | {mode}", f.name, args.join(", "))
	}

	#[test]
	fn the_documented_host_functions_are_the_defined_ones() {
		let doc = include_str!("../../docs/host-abi.md");
		// Rows of the summary table: `| `name` | `(signature)` | returns | mode |`.
		let documented: Vec<String> = doc
			.lines()
			.filter(|line| line.starts_with("| `") && line.contains("` | `("))
			.map(|line| {
				let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
				format!("{} | {} | {}", cells[0], cells[1], cells[cells.len() - 1])
			})
			.collect();
		let defined: Vec<String> = HOST_FUNCTIONS.iter().map(documented_row).collect();
		assert_eq!(documented, defined, "docs/host-abi.md's summary table is out of date");
	}

	#[test]
	fn entries_have_distinct_bits_and_names() {
		for (i, e) in Entry::ALL.iter().enumerate() {
			assert_eq!(Entry::from_export_name(e.export_name()), Some(*e));
			assert_eq!(e.bit(), 1 << i);
		}
		assert_eq!(Entry::from_export_name("memory"), None);
	}
}
