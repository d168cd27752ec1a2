//! The off-chain externalities of engine runs: time, randomness and outbound HTTP, as the
//! runtime's `sp_io::offchain` functions expect them.
//!
//! Every off-chain run of a module (an `on_state_change` or an `on_http_request`) gets its own
//! [`EngineExternalities`], so the operator's per-run limits ([`HttpPolicy`]) are counted per
//! run. HTTP requests are made when the runtime waits for them, one after the other, each
//! within its deadline and the run's remaining time; response bodies are bounded. Destinations
//! are checked by [`crate::policy`]: refused requests fail at once, and the node logs why.

use crate::policy::{HttpPolicy, Refusal, Route, RunUsage};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{
	connect::{dns::Name, HttpConnector},
	Client,
};
use polkadot_sdk::sp_core::{
	offchain::{
		Externalities, HttpError, HttpRequestId, HttpRequestStatus, OpaqueNetworkState, Timestamp,
	},
	OpaquePeerId,
};
use rand::RngCore;
use std::{
	collections::HashMap,
	future::Future,
	net::SocketAddr,
	pin::Pin,
	sync::Arc,
	task::{Context, Poll},
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

type HttpClient<R> = Client<HttpsConnector<HttpConnector<R>>, Full<Bytes>>;

/// A DNS resolver that hands the connector only the addresses the policy allows, so a name is
/// connected to exactly the addresses that were checked.
#[derive(Clone)]
pub struct CheckedResolver {
	policy: Arc<HttpPolicy>,
}

type Resolved = std::vec::IntoIter<SocketAddr>;

impl tower_service::Service<Name> for CheckedResolver {
	type Response = Resolved;
	type Error = std::io::Error;
	type Future = Pin<Box<dyn Future<Output = Result<Resolved, std::io::Error>> + Send>>;

	fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), std::io::Error>> {
		Poll::Ready(Ok(()))
	}

	fn call(&mut self, name: Name) -> Self::Future {
		let policy = self.policy.clone();
		Box::pin(async move {
			let resolved = tokio::net::lookup_host((name.as_str(), 0)).await.inspect_err(|error| {
				log::warn!(target: "kernel::engine", "outbound HTTP to {name}: cannot resolve it: {error}")
			})?;
			let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
				resolved.partition(|addr| policy.address_allowed(addr.ip()));
			if allowed.is_empty() {
				let refused: Vec<_> = refused.iter().map(|addr| addr.ip()).collect();
				log::warn!(
					target: "kernel::engine",
					"outbound HTTP to {name} refused: it resolves to {refused:?}, not public and not allow-listed"
				);
				return Err(std::io::Error::new(
					std::io::ErrorKind::PermissionDenied,
					"destination not allowed",
				));
			}
			Ok(allowed.into_iter())
		})
	}
}

/// The outbound side shared by all runs: the operator's policy and two clients, one for hosts
/// the operator allow-listed and one whose resolver checks every address.
pub struct Outbound {
	policy: Arc<HttpPolicy>,
	allowed: HttpClient<hyper_util::client::legacy::connect::dns::GaiResolver>,
	checked: HttpClient<CheckedResolver>,
}

impl Outbound {
	/// The clients (HTTP and HTTPS with the system's roots) under `policy`.
	pub fn new(policy: HttpPolicy) -> Result<Self, std::io::Error> {
		let policy = Arc::new(policy);
		let allowed = client(HttpConnector::new())?;
		let checked =
			client(HttpConnector::new_with_resolver(CheckedResolver { policy: policy.clone() }))?;
		Ok(Self { policy, allowed, checked })
	}

	/// The policy.
	pub fn policy(&self) -> &HttpPolicy {
		&self.policy
	}
}

fn client<R>(mut http: HttpConnector<R>) -> Result<HttpClient<R>, std::io::Error>
where
	R: tower_service::Service<Name> + Clone + Send + Sync + 'static,
	R::Response: Iterator<Item = SocketAddr>,
	R::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
	R::Future: Send,
{
	http.enforce_http(false);
	let connector = hyper_rustls::HttpsConnectorBuilder::new()
		.with_native_roots()?
		.https_or_http()
		.enable_http1()
		.wrap_connector(http);
	Ok(Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
}

/// Largest response body a module may receive.
const MAX_RESPONSE_BODY: usize = 1024 * 1024;

/// A request as the runtime builds it.
struct Outgoing {
	method: String,
	uri: String,
	route: Route,
	headers: Vec<(String, String)>,
	body: Vec<u8>,
}

enum Request {
	/// Being built by the runtime.
	Building(Outgoing),
	/// Complete, waiting to be sent.
	Ready(Outgoing),
	/// Answered.
	Done { status: u16, headers: Vec<(Vec<u8>, Vec<u8>)>, body: Vec<u8>, read: usize },
	/// Failed or timed out.
	Failed,
}

/// Off-chain externalities for one engine run.
pub struct EngineExternalities {
	outbound: Arc<Outbound>,
	runtime: tokio::runtime::Handle,
	requests: HashMap<u16, Request>,
	next_id: u16,
	usage: RunUsage,
}

impl EngineExternalities {
	/// Externalities for one run, making HTTP requests with `outbound` on `runtime`.
	pub fn new(outbound: Arc<Outbound>, runtime: tokio::runtime::Handle) -> Self {
		Self { outbound, runtime, requests: HashMap::new(), next_id: 0, usage: RunUsage::default() }
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

	fn refuse(&self, uri: &str, refusal: Refusal) {
		log::warn!(target: "kernel::engine", "outbound HTTP to {uri} refused: {refusal}");
	}

	/// Sends a complete request and reads the response, within `deadline` and what is left of
	/// the run's time and bytes.
	fn perform(&mut self, request: Outgoing, deadline: Option<Timestamp>) -> Request {
		let policy = self.outbound.policy().clone();
		let timeout = match self.usage.wait_left(&policy) {
			Ok(left) => left.min(Self::remaining(deadline)),
			Err(refusal) => {
				self.refuse(&request.uri, refusal);
				return Request::Failed;
			},
		};
		if timeout.is_zero() {
			return Request::Failed;
		}
		if let Err(refusal) = self.usage.spend_bytes(&policy, request.body.len() as u64) {
			self.refuse(&request.uri, refusal);
			return Request::Failed;
		}
		let body_limit = (self.usage.bytes_left(&policy) as usize).min(MAX_RESPONSE_BODY);
		let mut builder =
			hyper::Request::builder().method(request.method.as_str()).uri(&request.uri);
		for (name, value) in &request.headers {
			builder = builder.header(name, value);
		}
		let Ok(outgoing) = builder.body(Full::new(Bytes::from(request.body))) else {
			return Request::Failed;
		};
		let outbound = self.outbound.clone();
		let route = request.route;
		let exchange = async move {
			let response = match route {
				Route::Allowed => outbound.allowed.request(outgoing).await,
				Route::Checked => outbound.checked.request(outgoing).await,
			}
			.map_err(
				|error| log::debug!(target: "kernel::engine", "outbound HTTP failed: {error:?}"),
			)
			.ok()?;
			let status = response.status().as_u16();
			let headers = response
				.headers()
				.iter()
				.map(|(name, value)| (name.as_str().as_bytes().to_vec(), value.as_bytes().to_vec()))
				.collect();
			let body = Limited::new(response.into_body(), body_limit).collect().await.ok()?;
			Some((status, headers, body.to_bytes().to_vec()))
		};
		let started = Instant::now();
		let answer = self
			.runtime
			.block_on(async { tokio::time::timeout(timeout, exchange).await })
			.ok()
			.flatten();
		self.usage.spend_wait(started.elapsed());
		let Some((status, headers, body)) = answer else { return Request::Failed };
		if let Err(refusal) = self.usage.spend_bytes(&policy, body.len() as u64) {
			self.refuse(&request.uri, refusal);
			return Request::Failed;
		}
		Request::Done { status, headers, body, read: 0 }
	}
}

impl Externalities for EngineExternalities {
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
		let policy = self.outbound.policy().clone();
		let checked = self.usage.start_request(&policy).and_then(|()| policy.route(uri));
		let route = checked.map_err(|refusal| self.refuse(uri, refusal))?;
		let id = self.next_id;
		self.next_id = self.next_id.checked_add(1).ok_or(())?;
		let request = Request::Building(Outgoing {
			method: method.to_owned(),
			uri: uri.to_owned(),
			route,
			headers: Vec::new(),
			body: Vec::new(),
		});
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
			Some(Request::Building(request)) => {
				request.headers.push((name.to_owned(), value.to_owned()));
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
		// An empty chunk ends the body; the runtime's `Request::send` also writes one after
		// the body's own chunks, which may be empty themselves.
		let next = match request {
			Request::Building(request) if chunk.is_empty() => Request::Ready(request),
			Request::Building(mut request) => {
				request.body.extend_from_slice(chunk);
				Request::Building(request)
			},
			Request::Ready(request) if chunk.is_empty() => Request::Ready(request),
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
					Some(Request::Building(request)) | Some(Request::Ready(request)) => {
						self.perform(request, deadline)
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

#[cfg(test)]
mod tests {
	use super::*;
	use std::str::FromStr;
	use tower_service::Service;

	fn resolve(policy: HttpPolicy, name: &str) -> Result<Vec<SocketAddr>, std::io::Error> {
		let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
		let mut resolver = CheckedResolver { policy: Arc::new(policy) };
		let name = Name::from_str(name).expect("a name");
		runtime.block_on(resolver.call(name)).map(|addrs| addrs.collect())
	}

	#[test]
	fn a_name_that_resolves_to_loopback_is_refused_unless_its_network_is_allowed() {
		let refused = resolve(HttpPolicy::default(), "localhost").unwrap_err();
		assert_eq!(refused.kind(), std::io::ErrorKind::PermissionDenied);

		let allow = vec!["127.0.0.0/8".parse().unwrap()];
		let allowed = resolve(HttpPolicy { allow, ..Default::default() }, "localhost").unwrap();
		assert!(!allowed.is_empty());
		assert!(
			allowed.iter().all(|addr| addr.ip().is_loopback() && addr.is_ipv4()),
			"{allowed:?}"
		);
	}

	#[test]
	fn a_request_to_a_refused_destination_fails_before_anything_is_sent_and_counts() {
		let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
		let policy = HttpPolicy { max_requests: 2, ..Default::default() };
		let outbound = Arc::new(Outbound::new(policy).unwrap());
		let mut ext = EngineExternalities::new(outbound, runtime.handle().clone());
		assert!(ext.http_request_start("GET", "http://127.0.0.1:9944/", &[]).is_err());
		assert!(ext.requests.is_empty(), "refused before anything was built");
		let id = ext.http_request_start("GET", "http://localhost:1/", &[]).expect("checked later");
		assert!(
			ext.http_request_start("GET", "http://localhost:1/", &[]).is_err(),
			"refusals count: the run's two requests are used"
		);
		// The runtime ends a body-less request with two empty chunks.
		assert!(ext.http_request_write_body(id, &[], None).is_ok());
		assert!(ext.http_request_write_body(id, &[], None).is_ok());
		assert!(ext.http_request_write_body(id, b"late", None).is_err());
		// The name is refused when resolved, so nothing is sent.
		let status = ext.http_response_wait(&[id], None);
		assert_eq!(status, vec![HttpRequestStatus::IoError]);
	}
}
