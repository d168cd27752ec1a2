//! Types of the execution engine: modules' off-chain entry points (`on_state_change`,
//! `on_http_request`), the off-chain host functions, and the engine registry.

use crate::{CapId, ModuleId};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The key type of an execution engine's key in the node's keystore: an ed25519 key whose
/// account signs the engine's transactions.
pub const ENGINE_KEY_TYPE: [u8; 4] = *b"kern";

/// The key type of an engine's sealing key: an ed25519 key the runtime generates in the node's
/// keystore on first use and that signs nothing but the sealing-key derivation, so no signature
/// the engine hands out (its transactions) can reveal a sealing key.
pub const SEALING_KEY_TYPE: [u8; 4] = *b"ksea";

/// Persistent off-chain storage key under which a node configured as an engine records its
/// [`EngineNodeConfig`]. Absent: the node runs no module's off-chain code.
pub const ENGINE_CONFIG_KEY: &[u8] = b"kernel::engine::config";

/// Which modules' off-chain code an engine's operator agreed to run. A module must also trust
/// the engine; its trust alone never makes an engine run its code.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum ModuleSelection {
	/// The modules with these names; none by default.
	Named(Vec<Vec<u8>>),
	/// Every module that trusts the engine: an explicit opt-in, unsafe on a validator, since any
	/// account can deploy a module that trusts it.
	All,
}

/// What the operator chose this engine to run, and its limits.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct EngineNodeConfig {
	/// The modules it runs.
	pub modules: ModuleSelection,
	/// The engine key to use when the keystore holds several (its ed25519 public key); `None`:
	/// the smallest one, so the choice never depends on the keystore's order.
	pub engine_key: Option<[u8; 32]>,
	/// Most transactions one module may have this engine sign per block.
	pub max_submissions_per_block: u32,
}

impl Default for EngineNodeConfig {
	fn default() -> Self {
		Self {
			modules: ModuleSelection::Named(Vec::new()),
			engine_key: None,
			max_submissions_per_block: DEFAULT_MAX_SUBMISSIONS_PER_BLOCK,
		}
	}
}

/// Default of [`EngineNodeConfig::max_submissions_per_block`].
pub const DEFAULT_MAX_SUBMISSIONS_PER_BLOCK: u32 = 8;

/// What happened when an engine ran one module's `on_state_change` for one block.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum StateChangeOutcome {
	/// It ran and returned.
	Ran,
	/// It ran and failed (trap, revert, out of fuel); the text says why. Not retried.
	Failed(Vec<u8>),
	/// It had already run for this block on this engine.
	AlreadyRan,
	/// This engine does not run the module (not selected, not trusted, no `on_state_change`,
	/// no engine key).
	NotServed,
	/// The block given is not the block whose state the call runs on.
	WrongBlock,
}

/// Input of `on_state_change`: the block in which the module's state changed.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct StateChangeInput {
	/// Its number.
	pub block_number: u64,
	/// Its hash.
	pub block_hash: [u8; 32],
}

/// An HTTP request to `/modules/{module}/{path}` on an engine: the input of
/// `on_http_request`.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct HttpRequest {
	/// `GET`, `PUT`, ...
	pub method: Vec<u8>,
	/// The path after `/modules/{module}`, starting with `/`.
	pub path: Vec<u8>,
	/// The query string, without `?`.
	pub query: Vec<u8>,
	/// Header names (lower case) and values.
	pub headers: Vec<(Vec<u8>, Vec<u8>)>,
	/// The body.
	pub body: Vec<u8>,
}

impl HttpRequest {
	/// The value of header `name` (lower case), if present.
	pub fn header(&self, name: &[u8]) -> Option<&[u8]> {
		self.headers.iter().find(|(n, _)| n.as_slice() == name).map(|(_, v)| v.as_slice())
	}
}

/// An HTTP response: what `on_http_request` returns, and what `http_fetch` receives.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct HttpResponse {
	/// Status code.
	pub status: u16,
	/// Header names and values.
	pub headers: Vec<(Vec<u8>, Vec<u8>)>,
	/// The body.
	pub body: Vec<u8>,
}

impl HttpResponse {
	/// A response with `status` and `body`.
	pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
		Self { status, headers: Vec::new(), body: body.into() }
	}
}

/// An outbound HTTP request made with `http_fetch`.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct HttpFetch {
	/// `GET`, `POST`, ...
	pub method: Vec<u8>,
	/// The full URL.
	pub url: Vec<u8>,
	/// Header names and values.
	pub headers: Vec<(Vec<u8>, Vec<u8>)>,
	/// The body.
	pub body: Vec<u8>,
	/// How long to wait for the whole response, in milliseconds.
	pub deadline_ms: u64,
}

/// A kernel transaction an engine submits, signed with its own key.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum EngineCall {
	/// `Kernel::call(module, function, params)`.
	Call {
		/// The module.
		module: ModuleId,
		/// Its function.
		function: Vec<u8>,
		/// Parameters.
		params: Vec<u8>,
	},
	/// `Kernel::invoke(cap, function, params)` of a capability the engine's account holds.
	Invoke {
		/// The capability.
		cap: CapId,
		/// The function.
		function: Vec<u8>,
		/// Parameters.
		params: Vec<u8>,
	},
}

/// A registered execution engine.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct EngineInfo<Endpoint> {
	/// Where its HTTP gateway listens, e.g. `http://10.0.0.1:8080`.
	pub endpoint: Endpoint,
	/// Its ed25519 engine key (its account is this key as `AccountId32`).
	pub public_key: [u8; 32],
}

/// Why the gateway could not run a module's `on_http_request`.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum HttpDispatchError {
	/// No module has this name.
	ModuleNotFound,
	/// The module has no `on_http_request`.
	NotExported,
	/// This engine does not run the module (the module does not trust it, or the operator did
	/// not select it).
	NotServed,
	/// The module trapped, reverted or ran out of fuel; the text says which.
	Failed(Vec<u8>),
}
