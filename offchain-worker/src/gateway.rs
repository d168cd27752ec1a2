//! The engine's HTTP gateway: `/modules/{module}/{path}` answered by the module's
//! `on_http_request`, run through the runtime API with the off-chain context.
//!
//! Bad requests never reach the runtime: an unknown route is `404`, an oversized body `413`, a
//! body that cannot be read `400`; a module that does not answer within the limit is `504`.

use crate::{
	externalities::{http_client, GatewayExternalities, HttpClient},
	EngineError,
};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{body::Bytes, server::conn::http1, service::service_fn, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use kernel_primitives::offchain::{HttpDispatchError, HttpRequest, HttpResponse};
use kernel_runtime::{opaque::Block, AccountId, Balance, Runtime};
use pallet_kernel::runtime_api::KernelApi;
use polkadot_sdk::{
	sc_transaction_pool_api::OffchainTransactionPoolFactory,
	sp_api::{ApiExt, ProvideRuntimeApi},
	sp_blockchain::HeaderBackend,
	sp_core::offchain::{storage::OffchainDb, OffchainDbExt, OffchainStorage, OffchainWorkerExt},
	sp_keystore::{KeystoreExt, KeystorePtr},
};
use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;

/// What the gateway accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
	/// Largest request body.
	pub max_body: usize,
	/// How long a module may take to answer.
	pub timeout: Duration,
}

/// Everything a request needs: the client to call the runtime, and the off-chain context.
pub struct Gateway<C, S> {
	client: Arc<C>,
	offchain_storage: S,
	keystore: KeystorePtr,
	pool: OffchainTransactionPoolFactory<Block>,
	http: Arc<HttpClient>,
	runtime: tokio::runtime::Handle,
	limits: Limits,
}

/// The kernel's runtime API as the node's runtime implements it.
pub trait KernelRuntimeApi:
	KernelApi<Block, AccountId, Balance, pallet_kernel::Event<Runtime>>
{
}

impl<T: KernelApi<Block, AccountId, Balance, pallet_kernel::Event<Runtime>>> KernelRuntimeApi
	for T
{
}

impl<C, S> Gateway<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: KernelRuntimeApi,
	S: OffchainStorage + Clone + 'static,
{
	/// A gateway answering with `client`'s best state and this node's off-chain context.
	pub fn new(
		client: Arc<C>,
		offchain_storage: S,
		keystore: KeystorePtr,
		pool: OffchainTransactionPoolFactory<Block>,
		runtime: tokio::runtime::Handle,
		limits: Limits,
	) -> Result<Self, EngineError> {
		let http = Arc::new(http_client().map_err(EngineError::HttpClient)?);
		Ok(Self { client, offchain_storage, keystore, pool, http, runtime, limits })
	}

	/// Runs `module`'s `on_http_request` at the best block, with the off-chain extensions.
	fn dispatch(
		&self,
		module: Vec<u8>,
		request: HttpRequest,
	) -> Result<Result<HttpResponse, HttpDispatchError>, EngineError> {
		let best = self.client.info().best_hash;
		let mut api = self.client.runtime_api();
		api.register_extension(KeystoreExt(self.keystore.clone()));
		api.register_extension(OffchainDbExt::new(OffchainDb::new(self.offchain_storage.clone())));
		api.register_extension(OffchainWorkerExt::new(GatewayExternalities::new(
			self.http.clone(),
			self.runtime.clone(),
		)));
		api.register_extension(self.pool.offchain_transaction_pool(best));
		api.handle_http(best, module, request).map_err(|e| EngineError::Runtime(e.to_string()))
	}

	/// Listens on `addr` and serves until the returned future is dropped.
	pub async fn serve(self: Arc<Self>, addr: SocketAddr) -> Result<(), EngineError> {
		let listener =
			TcpListener::bind(addr).await.map_err(|source| EngineError::Bind { addr, source })?;
		log::info!(target: "kernel::engine", "engine gateway listening on http://{addr}/modules/");
		loop {
			let (stream, peer) = match listener.accept().await {
				Ok(accepted) => accepted,
				Err(error) => {
					log::debug!(target: "kernel::engine", "accept failed: {error}");
					continue;
				},
			};
			let gateway = self.clone();
			tokio::spawn(async move {
				let service = service_fn(move |request| {
					let gateway = gateway.clone();
					async move { Ok::<_, Infallible>(gateway.answer(request).await) }
				});
				if let Err(error) =
					http1::Builder::new().serve_connection(TokioIo::new(stream), service).await
				{
					log::debug!(target: "kernel::engine", "connection from {peer}: {error}");
				}
			});
		}
	}

	/// Answers one request; every failure is an HTTP status, never a crash.
	async fn answer(
		self: Arc<Self>,
		request: Request<hyper::body::Incoming>,
	) -> Response<Full<Bytes>> {
		let Some((module, path)) = route(request.uri().path()) else {
			return plain(StatusCode::NOT_FOUND, "routes are /modules/{module}/{path}");
		};
		let declared = request
			.headers()
			.get(hyper::header::CONTENT_LENGTH)
			.and_then(|value| value.to_str().ok())
			.and_then(|value| value.parse::<usize>().ok());
		if declared.is_some_and(|len| len > self.limits.max_body) {
			return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
		}
		let method = request.method().as_str().as_bytes().to_vec();
		let query = request.uri().query().unwrap_or_default().as_bytes().to_vec();
		let headers = request
			.headers()
			.iter()
			.map(|(name, value)| (name.as_str().as_bytes().to_vec(), value.as_bytes().to_vec()))
			.collect();
		let body = match Limited::new(request.into_body(), self.limits.max_body).collect().await {
			Ok(body) => body.to_bytes().to_vec(),
			Err(error) if error.is::<http_body_util::LengthLimitError>() => {
				return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
			},
			Err(_) => return plain(StatusCode::BAD_REQUEST, "cannot read the request body"),
		};
		let call = HttpRequest { method, path, query, headers, body };

		let gateway = self.clone();
		let job = tokio::task::spawn_blocking(move || gateway.dispatch(module, call));
		match tokio::time::timeout(self.limits.timeout, job).await {
			Err(_) => plain(StatusCode::GATEWAY_TIMEOUT, "the module did not answer in time"),
			Ok(Err(_)) => plain(StatusCode::INTERNAL_SERVER_ERROR, "the request was aborted"),
			Ok(Ok(Err(error))) => {
				log::warn!(target: "kernel::engine", "{error}");
				plain(StatusCode::INTERNAL_SERVER_ERROR, "the runtime could not answer")
			},
			Ok(Ok(Ok(Err(error)))) => refusal(error),
			Ok(Ok(Ok(Ok(response)))) => reply(response),
		}
	}
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
}
