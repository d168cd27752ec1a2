//! Types of the execution engine: modules' off-chain entry points (`on_state_change`,
//! `on_http_request`), the off-chain host functions, and the engine registry.

use crate::{CapId, ModuleId};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The key type of an execution engine's key in the node's keystore: an ed25519 key whose
/// account signs the engine's transactions and whose signatures derive its sealing keys.
pub const ENGINE_KEY_TYPE: [u8; 4] = *b"kern";

/// Persistent off-chain storage key under which a node configured as an engine records its
/// [`EngineNodeConfig`]. Absent: the node runs no module's off-chain code.
pub const ENGINE_CONFIG_KEY: &[u8] = b"kernel::engine::config";

/// What the node operator chose this engine to run.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct EngineNodeConfig {
	/// Names of the modules to run; `None`: every module that trusts this engine.
	pub modules: Option<Vec<Vec<u8>>>,
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
