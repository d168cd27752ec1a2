//! The off-chain externalities of gateway requests: time, randomness and outbound HTTP, as the
//! runtime's `sp_io::offchain` functions expect them.
//!
//! The offchain worker gets these from `sc-offchain`; a runtime API call made for an HTTP
//! request does not, so the gateway provides its own. HTTP requests are made when the runtime
//! waits for them, one after the other, each within its deadline; response bodies are bounded.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use polkadot_sdk::sp_core::{
	offchain::{
		Externalities, HttpError, HttpRequestId, HttpRequestStatus, OpaqueNetworkState, Timestamp,
	},
	OpaquePeerId,
};
use rand::RngCore;
use std::{
	collections::HashMap,
	sync::Arc,
	time::{Duration, SystemTime, UNIX_EPOCH},
};

/// The outbound HTTP client, shared by all requests.
pub type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Builds the outbound client (HTTP and HTTPS with the system's roots).
pub fn http_client() -> Result<HttpClient, std::io::Error> {
	let connector = hyper_rustls::HttpsConnectorBuilder::new()
		.with_native_roots()?
		.https_or_http()
		.enable_http1()
		.build();
	Ok(Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
}

/// Largest response body a module may receive.
const MAX_RESPONSE_BODY: usize = 1024 * 1024;

enum Request {
	/// Being built by the runtime.
	Building { method: String, uri: String, headers: Vec<(String, String)>, body: Vec<u8> },
	/// Complete, waiting to be sent.
	Ready { method: String, uri: String, headers: Vec<(String, String)>, body: Vec<u8> },
	/// Answered.
	Done { status: u16, headers: Vec<(Vec<u8>, Vec<u8>)>, body: Vec<u8>, read: usize },
	/// Failed or timed out.
	Failed,
}

/// Off-chain externalities for one gateway request.
pub struct GatewayExternalities {
	client: Arc<HttpClient>,
	runtime: tokio::runtime::Handle,
	requests: HashMap<u16, Request>,
	next_id: u16,
}

impl GatewayExternalities {
	/// Externalities making HTTP requests with `client` on `runtime`.
	pub fn new(client: Arc<HttpClient>, runtime: tokio::runtime::Handle) -> Self {
		Self { client, runtime, requests: HashMap::new(), next_id: 0 }
	}

	fn now() -> Duration {
		SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
	}

	fn remaining(deadline: Option<Timestamp>) -> Duration {
		let limit = Duration::from_secs(30);
		match deadline {
			None => limit,
			Some(deadline) => {
				Duration::from_millis(deadline.unix_millis()).saturating_sub(Self::now()).min(limit)
			},
		}
	}

	/// Sends a complete request and reads the response, within `timeout`.
	fn perform(
		&self,
		method: &str,
		uri: &str,
		headers: &[(String, String)],
		body: Vec<u8>,
		timeout: Duration,
	) -> Request {
		let mut builder = hyper::Request::builder().method(method).uri(uri);
		for (name, value) in headers {
			builder = builder.header(name, value);
		}
		let Ok(request) = builder.body(Full::new(Bytes::from(body))) else {
			return Request::Failed;
		};
		let client = self.client.clone();
		let exchange = async move {
			let response = client.request(request).await.ok()?;
			let status = response.status().as_u16();
			let headers = response
				.headers()
				.iter()
				.map(|(name, value)| (name.as_str().as_bytes().to_vec(), value.as_bytes().to_vec()))
				.collect();
			let body =
				Limited::new(response.into_body(), MAX_RESPONSE_BODY).collect().await.ok()?;
			Some(Request::Done { status, headers, body: body.to_bytes().to_vec(), read: 0 })
		};
		self.runtime
			.block_on(async { tokio::time::timeout(timeout, exchange).await })
			.ok()
			.flatten()
			.unwrap_or(Request::Failed)
	}
}

impl Externalities for GatewayExternalities {
	fn is_validator(&self) -> bool {
		true
	}

	fn network_state(&self) -> Result<OpaqueNetworkState, ()> {
		Err(())
	}

	fn timestamp(&mut self) -> Timestamp {
		Timestamp::from_unix_millis(Self::now().as_millis() as u64)
	}

	fn sleep_until(&mut self, deadline: Timestamp) {
		std::thread::sleep(Self::remaining(Some(deadline)));
	}

	fn random_seed(&mut self) -> [u8; 32] {
		let mut seed = [0u8; 32];
		rand::thread_rng().fill_bytes(&mut seed);
		seed
	}

	fn http_request_start(
		&mut self,
		method: &str,
		uri: &str,
		_meta: &[u8],
	) -> Result<HttpRequestId, ()> {
		let id = self.next_id;
		self.next_id = self.next_id.checked_add(1).ok_or(())?;
		let request = Request::Building {
			method: method.to_owned(),
			uri: uri.to_owned(),
			headers: Vec::new(),
			body: Vec::new(),
		};
		self.requests.insert(id, request);
		Ok(HttpRequestId(id))
	}

	fn http_request_add_header(
		&mut self,
		id: HttpRequestId,
		name: &str,
		value: &str,
	) -> Result<(), ()> {
		match self.requests.get_mut(&id.0) {
			Some(Request::Building { headers, .. }) => {
				headers.push((name.to_owned(), value.to_owned()));
				Ok(())
			},
			_ => Err(()),
		}
	}

	fn http_request_write_body(
		&mut self,
		id: HttpRequestId,
		chunk: &[u8],
		_deadline: Option<Timestamp>,
	) -> Result<(), HttpError> {
		let Some(request) = self.requests.remove(&id.0) else { return Err(HttpError::Invalid) };
		let next = match request {
			Request::Building { method, uri, headers, mut body } if chunk.is_empty() => {
				Request::Ready { method, uri, headers, body: std::mem::take(&mut body) }
			},
			Request::Building { method, uri, headers, mut body } => {
				body.extend_from_slice(chunk);
				Request::Building { method, uri, headers, body }
			},
			other => {
				self.requests.insert(id.0, other);
				return Err(HttpError::Invalid);
			},
		};
		self.requests.insert(id.0, next);
		Ok(())
	}

	fn http_response_wait(
		&mut self,
		ids: &[HttpRequestId],
		deadline: Option<Timestamp>,
	) -> Vec<HttpRequestStatus> {
		ids.iter()
			.map(|id| {
				let request = match self.requests.remove(&id.0) {
					// The runtime waits without finishing the body: send what there is.
					Some(Request::Building { method, uri, headers, body })
					| Some(Request::Ready { method, uri, headers, body }) => {
						let timeout = Self::remaining(deadline);
						if timeout.is_zero() {
							Request::Failed
						} else {
							self.perform(&method, &uri, &headers, body, timeout)
						}
					},
					Some(other) => other,
					None => return HttpRequestStatus::Invalid,
				};
				let status = match &request {
					Request::Done { status, .. } => HttpRequestStatus::Finished(*status),
					_ => HttpRequestStatus::IoError,
				};
				self.requests.insert(id.0, request);
				status
			})
			.collect()
	}

	fn http_response_headers(&mut self, id: HttpRequestId) -> Vec<(Vec<u8>, Vec<u8>)> {
		match self.requests.get(&id.0) {
			Some(Request::Done { headers, .. }) => headers.clone(),
			_ => Vec::new(),
		}
	}

	fn http_response_read_body(
		&mut self,
		id: HttpRequestId,
		buffer: &mut [u8],
		_deadline: Option<Timestamp>,
	) -> Result<usize, HttpError> {
		match self.requests.get_mut(&id.0) {
			Some(Request::Done { body, read, .. }) => {
				let n = buffer.len().min(body.len() - *read);
				buffer[..n].copy_from_slice(&body[*read..*read + n]);
				*read += n;
				Ok(n)
			},
			Some(Request::Failed) => Err(HttpError::IoError),
			_ => Err(HttpError::Invalid),
		}
	}

	fn set_authorized_nodes(&mut self, _nodes: Vec<OpaquePeerId>, _authorized_only: bool) {}
}
