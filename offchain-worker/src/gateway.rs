//! The engine's HTTP gateway: `/modules/{module}/{path}` answered by the module's
//! `on_http_request`, run through the runtime API with the off-chain context.
//!
//! Limits come from `tower` and `tower-http` layers, not hand-written code: at most
//! `max_concurrent` requests at once (`503` past it, at once rather than queued), the whole
//! request within `timeout` (`504`), a body of at most `max_body` bytes (`413`, also when the
//! declared length is larger) that never stalls longer than `body_timeout` (`408`), headers
//! within `header_timeout` (hyper closes the connection), and CORS for the configured origins.
//! Bad requests never reach the runtime: an unknown route is `404`, a body that cannot be read
//! `400`.

use crate::{AbandonOnDrop, EngineContext, EngineError};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, LengthLimitError};
use hyper::body::Incoming;
use hyper::{body::Bytes, server::conn::http1, Request, Response, StatusCode};
use hyper_util::{
	rt::{TokioIo, TokioTimer},
	service::TowerToHyperService,
};
use kernel_primitives::offchain::{HttpDispatchError, HttpRequest, HttpResponse};
use kernel_runtime::{opaque::Block, AccountId, Balance, Runtime};
use pallet_kernel::runtime_api::KernelApi;
use polkadot_sdk::{
	sp_api::{ApiError, ProvideRuntimeApi},
	sp_blockchain::HeaderBackend,
	sp_core::offchain::OffchainStorage,
};
use std::{
	convert::Infallible,
	net::SocketAddr,
	sync::{atomic::AtomicBool, Arc},
	time::Duration,
};
use tokio::net::TcpListener;
use tower::{BoxError, ServiceBuilder};
use tower_http::{
	cors::{AllowOrigin, Any, CorsLayer},
	limit::{RequestBodyLimitLayer, ResponseBody},
	timeout::{RequestBodyTimeoutLayer, TimeoutBody, TimeoutError},
};

/// What the gateway accepts.
#[derive(Debug, Clone)]
pub struct Limits {
	/// Largest request body.
	pub max_body: usize,
	/// How long a request may take, body and module included.
	pub timeout: Duration,
	/// Most requests handled at once.
	pub max_concurrent: usize,
	/// How long a client may take to send the headers.
	pub header_timeout: Duration,
	/// How long the body may stall between two chunks.
	pub body_timeout: Duration,
	/// Origins allowed by CORS (`*` for any); empty for none.
	pub cors: Vec<String>,
}

/// The body of the gateway's responses.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The kernel's runtime API as the node's runtime implements it.
pub trait KernelRuntimeApi:
	KernelApi<Block, AccountId, Balance, pallet_kernel::Event<Runtime>>
{
}

impl<T: KernelApi<Block, AccountId, Balance, pallet_kernel::Event<Runtime>>> KernelRuntimeApi
	for T
{
}

/// The gateway: the engine's context and its limits.
pub struct Gateway<C, S> {
	context: Arc<EngineContext<C, S>>,
	limits: Limits,
}

impl<C, S> Gateway<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: KernelRuntimeApi,
	S: OffchainStorage + Clone + 'static,
{
	/// A gateway answering with the context's best state.
	pub fn new(context: Arc<EngineContext<C, S>>, limits: Limits) -> Self {
		Self { context, limits }
	}

	/// Runs `module`'s `on_http_request` at the best block, with the off-chain extensions, after
	/// any other run of the module on this engine.
	fn dispatch(
		&self,
		module: Vec<u8>,
		request: HttpRequest,
		abandoned: &AtomicBool,
	) -> Result<Result<HttpResponse, HttpDispatchError>, EngineError> {
		let best = self.context.client().info().best_hash;
		let runtime_error = |e: ApiError| EngineError::Runtime(e.to_string());
		let id = self.context.run_api().module_id(best, module.clone()).map_err(runtime_error)?;
		let run = || self.context.run_api().handle_http(best, module, request);
		match id {
			Some(id) => self.context.exclusive(id, abandoned, run).ok_or(EngineError::Abandoned)?,
			// No such module: the runtime says so, and there is nothing to lock.
			None => run(),
		}
		.map_err(runtime_error)
	}

	/// Listens on `addr` and serves until the returned future is dropped.
	pub async fn serve(self: Arc<Self>, addr: SocketAddr) -> Result<(), EngineError> {
		let listener =
			TcpListener::bind(addr).await.map_err(|source| EngineError::Bind { addr, source })?;
		log::info!(target: "kernel::engine", "engine gateway listening on http://{addr}/modules/");
		let gateway = self.clone();
		let answer = tower::service_fn(move |request| {
			let gateway = gateway.clone();
			async move { Ok::<_, Infallible>(gateway.answer(request).await) }
		});
		serve_with_limits(listener, &self.limits, answer).await;
		Ok(())
	}

	/// Answers one request that passed the limits; every failure is an HTTP status.
	async fn answer<B>(self: Arc<Self>, request: Request<B>) -> Response<Full<Bytes>>
	where
		B: hyper::body::Body<Data = Bytes> + Send + 'static,
		B::Error: Into<BoxError>,
	{
		let Some((module, path)) = route(request.uri().path()) else {
			return plain(StatusCode::NOT_FOUND, "routes are /modules/{module}/{path}");
		};
		let method = request.method().as_str().as_bytes().to_vec();
		let query = request.uri().query().unwrap_or_default().as_bytes().to_vec();
		let headers = request
			.headers()
			.iter()
			.map(|(name, value)| (name.as_str().as_bytes().to_vec(), value.as_bytes().to_vec()))
			.collect();
		let body = match read_body(request.into_body()).await {
			Ok(body) => body,
			Err(refusal) => return refusal,
		};
		let call = HttpRequest { method, path, query, headers, body };
		let gateway = self.clone();
		// Dropped with this future when the client goes away or the deadline passes (504).
		let waiting = AbandonOnDrop(Arc::new(AtomicBool::new(false)));
		let abandoned = waiting.0.clone();
		let run = move || gateway.dispatch(module, call, &abandoned);
		match tokio::task::spawn_blocking(run).await {
			Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "the request was aborted"),
			Ok(Err(error)) => {
				log::warn!(target: "kernel::engine", "{error}");
				plain(StatusCode::INTERNAL_SERVER_ERROR, "the runtime could not answer")
			},
			Ok(Ok(Err(error))) => refusal(error),
			Ok(Ok(Ok(response))) => reply(response),
		}
	}
}

/// Reads a request body that the limit layers wrapped: too large is `413`, stalled `408`.
pub async fn read_body<B>(body: B) -> Result<Vec<u8>, Response<Full<Bytes>>>
where
	B: hyper::body::Body<Data = Bytes>,
	B::Error: Into<BoxError>,
{
	match body.collect().await {
		Ok(body) => Ok(body.to_bytes().to_vec()),
		Err(error) => {
			let error: BoxError = error.into();
			Err(if error.is::<LengthLimitError>() {
				plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
			} else if error.is::<TimeoutError>() {
				plain(StatusCode::REQUEST_TIMEOUT, "the request body stalled")
			} else {
				plain(StatusCode::BAD_REQUEST, "cannot read the request body")
			})
		},
	}
}

/// The request body a service behind the limits reads: bounded in size and in stalls.
pub type LimitedBody = TimeoutBody<tower_http::body::Limited<Incoming>>;

/// Serves `inner` on `listener` behind the gateway's limits until the future is dropped. The
/// limits do not depend on what `inner` does, so they are tested with a stand-in.
pub async fn serve_with_limits<I>(listener: TcpListener, limits: &Limits, inner: I)
where
	I: tower::Service<Request<LimitedBody>, Response = Response<Full<Bytes>>, Error = Infallible>
		+ Clone
		+ Send
		+ 'static,
	I::Future: Send + 'static,
{
	let service = limited(inner, limits);
	loop {
		let (stream, peer) = match listener.accept().await {
			Ok(accepted) => accepted,
			Err(error) => {
				log::debug!(target: "kernel::engine", "accept failed: {error}");
				continue;
			},
		};
		let service = TowerToHyperService::new(service.clone());
		let header_timeout = limits.header_timeout;
		tokio::spawn(async move {
			let mut builder = http1::Builder::new();
			builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
			if let Err(error) = builder.serve_connection(TokioIo::new(stream), service).await {
				log::debug!(target: "kernel::engine", "connection from {peer}: {error}");
			}
		});
	}
}

/// `inner` behind the limits, outermost first: CORS (so refusals carry its headers too),
/// refusals as responses, shedding past the concurrency limit, the request deadline, the body
/// size limit and the body stall timeout.
fn limited<I>(
	inner: I,
	limits: &Limits,
) -> impl tower::Service<
	Request<Incoming>,
	Response = Response<Body>,
	Error = BoxError,
	Future: Send + 'static,
> + Clone
       + Send
       + 'static
where
	I: tower::Service<Request<LimitedBody>, Response = Response<Full<Bytes>>, Error = Infallible>
		+ Clone
		+ Send
		+ 'static,
	I::Future: Send + 'static,
{
	ServiceBuilder::new()
		.layer(cors(&limits.cors))
		.map_result(refusal_as_response)
		.load_shed()
		.concurrency_limit(limits.max_concurrent)
		.timeout(limits.timeout)
		.map_response(box_body)
		.layer(RequestBodyLimitLayer::new(limits.max_body))
		.layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
		.service(inner)
}

/// The limit layer's response body, boxed so that refusals and answers have one type.
fn box_body(response: Response<ResponseBody<Full<Bytes>>>) -> Response<Body> {
	response.map(|body| body.map_err(Into::into).boxed_unsync())
}

/// Shedding and the deadline are errors of their layers; they become `503` and `504`, so the
/// service never fails.
fn refusal_as_response(
	result: Result<Response<Body>, BoxError>,
) -> Result<Response<Body>, BoxError> {
	Ok(result.unwrap_or_else(|error| {
		let (status, message) = if error.is::<tower::load_shed::error::Overloaded>() {
			(StatusCode::SERVICE_UNAVAILABLE, "the engine is busy; try again")
		} else if error.is::<tower::timeout::error::Elapsed>() {
			(StatusCode::GATEWAY_TIMEOUT, "the request did not finish in time")
		} else {
			(StatusCode::INTERNAL_SERVER_ERROR, "the request failed")
		};
		plain(status, message).map(|body| body.map_err(Into::into).boxed_unsync())
	}))
}

/// CORS for `origins` (`*`: any); none when empty.
fn cors(origins: &[String]) -> CorsLayer {
	let layer = CorsLayer::new().allow_methods(Any).allow_headers(Any);
	if origins.iter().any(|origin| origin == "*") {
		return layer.allow_origin(Any);
	}
	let origins: Vec<_> = origins.iter().filter_map(|origin| origin.parse().ok()).collect();
	layer.allow_origin(AllowOrigin::list(origins))
}

/// Splits `/modules/{module}/{rest}` into the module name and `/{rest}`.
fn route(path: &str) -> Option<(Vec<u8>, Vec<u8>)> {
	let rest = path.strip_prefix("/modules/")?;
	let (module, tail) = match rest.find('/') {
		Some(slash) => (&rest[..slash], &rest[slash..]),
		None => (rest, "/"),
	};
	if module.is_empty() {
		return None;
	}
	Some((module.as_bytes().to_vec(), tail.as_bytes().to_vec()))
}

fn plain(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
	let mut response = Response::new(Full::new(Bytes::from(message.to_owned())));
	*response.status_mut() = status;
	response
}

fn refusal(error: HttpDispatchError) -> Response<Full<Bytes>> {
	match error {
		HttpDispatchError::ModuleNotFound => plain(StatusCode::NOT_FOUND, "no such module"),
		HttpDispatchError::NotExported => {
			plain(StatusCode::NOT_FOUND, "the module has no HTTP endpoint")
		},
		HttpDispatchError::NotServed => {
			plain(StatusCode::NOT_FOUND, "this engine does not run the module")
		},
		HttpDispatchError::Failed(text) => {
			let message = format!("the module failed: {}", String::from_utf8_lossy(&text));
			plain(StatusCode::INTERNAL_SERVER_ERROR, &message)
		},
	}
}

fn reply(response: HttpResponse) -> Response<Full<Bytes>> {
	let mut builder = Response::builder()
		.status(StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
	for (name, value) in &response.headers {
		builder = builder.header(name.as_slice(), value.as_slice());
	}
	builder.body(Full::new(Bytes::from(response.body))).unwrap_or_else(|_| {
		plain(StatusCode::INTERNAL_SERVER_ERROR, "the module sent a bad header")
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Cases of the fuzz tests: `PROPTEST_CASES`, 32 by default (CI).
	fn cases() -> u32 {
		std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(32)
	}

	proptest::proptest! {
		#![proptest_config(proptest::prelude::ProptestConfig { cases: cases(), ..Default::default() })]

		#[test]
		fn any_path_routes_to_a_named_module_and_a_rooted_path_or_nowhere(path in ".*") {
			if let Some((module, tail)) = route(&path) {
				proptest::prop_assert!(!module.is_empty() && !module.contains(&b'/'));
				proptest::prop_assert_eq!(tail.first(), Some(&b'/'));
			}
		}
	}

	#[test]
	fn routes_split_module_and_path() {
		assert_eq!(route("/modules/kms/shares/1"), Some((b"kms".to_vec(), b"/shares/1".to_vec())));
		assert_eq!(route("/modules/kms"), Some((b"kms".to_vec(), b"/".to_vec())));
		assert_eq!(route("/modules/"), None);
		assert_eq!(route("/elsewhere"), None);
	}

	#[test]
	fn refusals_are_client_or_server_errors_with_a_reason() {
		assert_eq!(refusal(HttpDispatchError::ModuleNotFound).status(), StatusCode::NOT_FOUND);
		assert_eq!(refusal(HttpDispatchError::NotServed).status(), StatusCode::NOT_FOUND);
		let failed = refusal(HttpDispatchError::Failed(b"boom".to_vec()));
		assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
	}

	#[test]
	fn module_responses_pass_through_and_bad_ones_are_contained() {
		let ok = reply(HttpResponse {
			status: 201,
			headers: vec![(b"x-a".to_vec(), b"1".to_vec())],
			body: b"hi".to_vec(),
		});
		assert_eq!(ok.status(), StatusCode::CREATED);
		assert_eq!(ok.headers().get("x-a").unwrap(), "1");
		let bad_status = reply(HttpResponse::new(9999, "?"));
		assert_eq!(bad_status.status(), StatusCode::INTERNAL_SERVER_ERROR);
		let bad_header = reply(HttpResponse {
			status: 200,
			headers: vec![(b"bad header".to_vec(), b"x".to_vec())],
			body: vec![],
		});
		assert_eq!(bad_header.status(), StatusCode::INTERNAL_SERVER_ERROR);
	}

	/// The limits around a stand-in module: `/slow` answers after 400 ms, anything else reads
	/// the body and echoes its length.
	mod limits {
		use super::*;
		use tokio::io::{AsyncReadExt, AsyncWriteExt};

		fn limits() -> Limits {
			Limits {
				max_body: 1024,
				timeout: Duration::from_millis(1_500),
				max_concurrent: 1,
				header_timeout: Duration::from_millis(300),
				body_timeout: Duration::from_millis(300),
				cors: vec!["https://dapp.example".into()],
			}
		}

		async fn stand_in(
			request: Request<LimitedBody>,
		) -> Result<Response<Full<Bytes>>, Infallible> {
			if request.uri().path() == "/slow" {
				tokio::time::sleep(Duration::from_millis(400)).await;
				return Ok(plain(StatusCode::OK, "slow"));
			}
			if request.uri().path() == "/forever" {
				tokio::time::sleep(Duration::from_secs(60)).await;
			}
			Ok(match read_body(request.into_body()).await {
				Ok(body) => plain(StatusCode::OK, &body.len().to_string()),
				Err(refusal) => refusal,
			})
		}

		/// Serves the stand-in behind `limits` on a loopback port, and runs `test` against it.
		fn with_gateway<F: std::future::Future<Output = ()>>(
			limits: Limits,
			test: impl FnOnce(SocketAddr) -> F,
		) {
			let runtime =
				tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
			runtime.block_on(async {
				let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
				let addr = listener.local_addr().unwrap();
				let server = tokio::spawn(async move {
					serve_with_limits(listener, &limits, tower::service_fn(stand_in)).await
				});
				test(addr).await;
				server.abort();
			});
		}

		/// Sends `head` then, after `pause`, `rest`; returns the whole response (empty when
		/// the server closed the connection without one).
		async fn response(addr: SocketAddr, head: &str, pause: Duration, rest: &str) -> String {
			let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
			stream.write_all(head.as_bytes()).await.unwrap();
			tokio::time::sleep(pause).await;
			let _ = stream.write_all(rest.as_bytes()).await;
			let mut response = Vec::new();
			let read =
				tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response));
			let _ = read.await.expect("the gateway answers or closes within its limits");
			String::from_utf8_lossy(&response).into_owned()
		}

		/// The status line of [`response`].
		async fn exchange(addr: SocketAddr, head: &str, pause: Duration, rest: &str) -> String {
			let full = response(addr, head, pause, rest).await;
			full.lines().next().unwrap_or_default().to_owned()
		}

		fn request(path: &str, body: &str) -> String {
			format!(
				"POST {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
				body.len()
			)
		}

		/// The status line of a complete `POST` of `body` to `path`.
		async fn post(addr: SocketAddr, path: &str, body: &str) -> String {
			exchange(addr, &request(path, body), Duration::ZERO, "").await
		}

		/// Sends `bytes` and returns whatever comes back before the server closes.
		async fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
			let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
			let _ = stream.write_all(bytes).await;
			let _ = stream.shutdown().await;
			let mut response = Vec::new();
			let read =
				tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response));
			let _ = read.await.expect("the gateway answers or closes within its limits");
			response
		}

		/// What a client may send: raw bytes, a request line with an arbitrary target, or a
		/// well-formed head with an arbitrary body.
		fn hostile_request() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
			use proptest::prelude::*;
			let bytes = proptest::collection::vec(any::<u8>(), 0..2048);
			prop_oneof![
				bytes.clone(),
				bytes.clone().prop_map(|target| {
					let mut request = b"GET ".to_vec();
					request.extend(target);
					request.extend(b" HTTP/1.1\r\nhost: x\r\n\r\n");
					request
				}),
				bytes.prop_map(|body| {
					let mut request = format!(
						"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
						body.len()
					)
					.into_bytes();
					request.extend(body);
					request
				}),
			]
		}

		proptest::proptest! {
			#![proptest_config(proptest::prelude::ProptestConfig { cases: cases(), ..Default::default() })]

			#[test]
			fn any_bytes_get_an_http_answer_or_a_closed_connection_and_the_gateway_goes_on(
				bytes in hostile_request(),
			) {
				with_gateway(limits(), |addr| async move {
					let answer = raw_exchange(addr, &bytes).await;
					assert!(
						answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
						"{}",
						String::from_utf8_lossy(&answer)
					);
					assert_eq!(post(addr, "/echo", "hello").await, "HTTP/1.1 200 OK");
				});
			}
		}

		#[test]
		fn a_request_within_the_limits_is_answered() {
			with_gateway(limits(), |addr| async move {
				let status = post(addr, "/echo", "hello").await;
				assert_eq!(status, "HTTP/1.1 200 OK");
			});
		}

		#[test]
		fn an_oversized_body_is_413_whether_declared_or_streamed() {
			with_gateway(limits(), |addr| async move {
				let big = "x".repeat(2048);
				let declared = post(addr, "/echo", &big).await;
				assert_eq!(declared, "HTTP/1.1 413 Payload Too Large");
				let chunked = format!(
					"POST /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n800\r\n{big}\r\n0\r\n\r\n"
				);
				let streamed = exchange(addr, &chunked, Duration::ZERO, "").await;
				assert_eq!(streamed, "HTTP/1.1 413 Payload Too Large");
			});
		}

		#[test]
		fn a_stalled_body_is_408() {
			with_gateway(limits(), |addr| async move {
				let head = "POST /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 10\r\n\r\nab";
				let status = exchange(addr, head, Duration::from_millis(800), "cdefghij").await;
				assert_eq!(status, "HTTP/1.1 408 Request Timeout");
			});
		}

		#[test]
		fn headers_that_never_finish_close_the_connection() {
			with_gateway(limits(), |addr| async move {
				let status =
					exchange(addr, "GET /echo HTTP/1.1\r\nhost:", Duration::ZERO, "").await;
				assert!(!status.contains("200"), "no answer to half a request: {status:?}");
			});
		}

		#[test]
		fn past_the_concurrency_limit_requests_get_503_at_once() {
			with_gateway(limits(), |addr| async move {
				let slow = tokio::spawn(async move { post(addr, "/slow", "").await });
				tokio::time::sleep(Duration::from_millis(100)).await;
				let shed = post(addr, "/echo", "x").await;
				assert_eq!(shed, "HTTP/1.1 503 Service Unavailable");
				assert_eq!(slow.await.unwrap(), "HTTP/1.1 200 OK");
				let after = post(addr, "/echo", "x").await;
				assert_eq!(after, "HTTP/1.1 200 OK", "the slot is free again");
			});
		}

		#[test]
		fn a_request_past_its_deadline_is_504() {
			with_gateway(limits(), |addr| async move {
				let status = post(addr, "/forever", "").await;
				assert_eq!(status, "HTTP/1.1 504 Gateway Timeout");
			});
		}

		#[test]
		fn configured_origins_get_cors_headers_and_others_do_not() {
			with_gateway(limits(), |addr| async move {
				let preflight = |origin: &str| {
					format!(
						"OPTIONS /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\norigin: {origin}\r\naccess-control-request-method: PUT\r\n\r\n"
					)
				};
				let allowed = preflight("https://dapp.example");
				let allowed =
					response(addr, &allowed, Duration::ZERO, "").await.to_ascii_lowercase();
				assert!(
					allowed.contains("access-control-allow-origin: https://dapp.example"),
					"{allowed}"
				);
				let refused = preflight("https://evil.example");
				let response = response(addr, &refused, Duration::ZERO, "").await;
				assert!(!response.to_ascii_lowercase().contains("access-control-allow-origin"));
			});
		}
	}
}
