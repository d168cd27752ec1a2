//! `tester`: exercises every kernel rule on request (see `module_interfaces::tester`). The
//! kernel's tests and benchmarks drive it; it is not meant for real chains.

#![no_std]

extern crate alloc;

use alloc::format;

use kernel_sdk::{prelude::*, CallError, Encoded, ReturnCode};
use module_interfaces::tester::{
	function as f, CallArgs, InvokeArgs, Outcome, Stats, ENGINE_EVENT, FAIL_MIGRATION, REJECT,
	SPIN_ON_DROP, STATE_CHANGE_BLOCKS, STATE_CHANGE_BLOCKS_KEPT, STATE_CHANGE_COUNT, STICKY,
};

/// The module.
pub struct Tester;

const KEPT: Value<Vec<CapId>> = Value::new(b"kept");
const STATS: Value<Stats> = Value::new(b"stats");
const DATA: Map<Vec<u8>, Vec<u8>> = Map::new(b"data/");

impl Module for Tester {
	fn init(init: Init) -> Result<Output> {
		let mut caps = vec![init.upgradable.id(), init.destroy.id()];
		caps.extend(init.caps.iter().map(Cap::id));
		STATS.mutate(|s| s.init_caps = caps.clone());
		keep(caps);
		Ok(Output::none())
	}

	fn call(mut call: Call) -> Result<Output> {
		match call.function() {
			f::MINT => {
				let data: Vec<u8> = call.args()?;
				let cap = Cap::mint_raw(&data);
				Ok(Output::value(&cap.id()).with_cap(cap))
			},
			f::MINT_LEN => {
				let len: u32 = call.args()?;
				let cap = Cap::mint_raw(&vec![7u8; len as usize]);
				Ok(Output::value(&cap.id()).with_cap(cap))
			},
			f::KEEP => {
				let ids: Vec<CapId> = core::mem::take(&mut call.caps).iter().map(Cap::id).collect();
				keep(ids.clone());
				Ok(Output::value(&ids))
			},
			f::KEPT => Ok(Output::value(&KEPT.get_or_default())),
			f::INVOKE => {
				let args: InvokeArgs = call.args()?;
				let function = core::str::from_utf8(&args.function).map_err(|_| Error::Decode)?;
				let result = Cap::from_id(args.cap)
					.invoke_with_fuel(function, &Encoded(&args.params), held(args.caps), args.fuel)
					.map_err(|failed| failed.error);
				Ok(Output::value(&outcome(result)))
			},
			f::INVOKE_THEN_SET => {
				let (args, key, value): (InvokeArgs, Vec<u8>, Vec<u8>) = call.args()?;
				let function = core::str::from_utf8(&args.function).map_err(|_| Error::Decode)?;
				let result = Cap::from_id(args.cap)
					.invoke_with_fuel(function, &Encoded(&args.params), held(args.caps), args.fuel)
					.map_err(|failed| failed.error);
				DATA.insert(&key, &value);
				Ok(Output::value(&outcome(result)))
			},
			f::CALL => {
				let args: CallArgs = call.args()?;
				let result = call_with(args);
				Ok(Output::value(&outcome(result)))
			},
			f::CALL_EACH => {
				let calls: Vec<CallArgs> = call.args()?;
				let outcomes: Vec<Outcome> =
					calls.into_iter().map(|args| outcome(call_with(args))).collect();
				Ok(Output::value(&outcomes))
			},
			f::REVERT_WITH => {
				let data: Vec<u8> = call.args()?;
				kernel_sdk::entry::revert(&data)
			},
			f::CALL_OR_FAIL => {
				let reply = call_with(call.args()?)?;
				keep(reply.caps.iter().map(Cap::id).collect());
				Ok(Output { data: reply.data, caps: Vec::new() })
			},
			f::DROP => {
				let id: CapId = call.args()?;
				let code = code_of(Cap::from_id(id).drop_capability().map_err(|f| f.error));
				Ok(Output::value(&code))
			},
			f::DROP_WITH_FUEL => {
				let (id, fuel): (CapId, u64) = call.args()?;
				let code = code_of(Cap::from_id(id).drop_with_fuel(fuel).map_err(|f| f.error));
				Ok(Output::value(&code))
			},
			f::GIVE => {
				let (id, to): (CapId, Holder) = call.args()?;
				let code = code_of(Cap::from_id(id).give(&to).map_err(|f| f.error));
				Ok(Output::value(&code))
			},
			f::INSPECT => {
				let id: CapId = call.args()?;
				let (code, info) = match Cap::from_id(id).inspect() {
					Ok(info) => (ReturnCode::Success as u32, Some(info)),
					Err(error) => (error.code as u32, None),
				};
				Ok(Output::value(&(code, info)))
			},
			f::SET => {
				let (key, value): (Vec<u8>, Vec<u8>) = call.args()?;
				DATA.insert(&key, &value);
				Ok(Output::none())
			},
			f::GET => {
				let key: Vec<u8> = call.args()?;
				Ok(Output::value(&DATA.get(&key)))
			},
			f::SET_THEN_FAIL => {
				let (key, value): (Vec<u8>, Vec<u8>) = call.args()?;
				DATA.insert(&key, &value);
				Err(Error::Msg("deliberate failure"))
			},
			f::SET_THEN_TRAP => {
				let (key, value): (Vec<u8>, Vec<u8>) = call.args()?;
				DATA.insert(&key, &value);
				core::arch::wasm32::unreachable()
			},
			f::PANIC => panic!("the tester panicked on purpose"),
			f::SPIN => loop {
				core::hint::spin_loop();
			},
			f::GROW => {
				let pages: u32 = call.args()?;
				let result = core::arch::wasm32::memory_grow(0, pages as usize) as i32;
				let size = core::arch::wasm32::memory_size(0) as u32;
				Ok(Output::value(&(result, size)))
			},
			f::STORE_LEN => {
				let len: u32 = call.args()?;
				storage::set(b"big", &vec![7u8; len as usize]);
				Ok(Output::none())
			},
			f::EMIT => {
				let data: Vec<u8> = call.args()?;
				env::emit(&Encoded(&data));
				Ok(Output::none())
			},
			f::STATS => Ok(Output::value(&STATS.get_or_default())),
			f::BURN => {
				let iterations: u32 = call.args()?;
				let mut acc = 0u64;
				for i in 0..iterations {
					acc = core::hint::black_box(acc.wrapping_mul(31).wrapping_add(i as u64));
				}
				Ok(Output::value(&acc))
			},
			f::TRUST => {
				let engines: Vec<AccountId> = call.args()?;
				env::trust_engines(&engines)?;
				Ok(Output::none())
			},
			f::USE_SECRETS => {
				let code = code_of(offchain::secrets::set(b"probe", b"value"));
				Ok(Output::value(&code))
			},
			f::RELEASE => {
				let ids: Vec<CapId> = call.args()?;
				Ok(ids
					.into_iter()
					.fold(Output::none(), |output, id| output.with_cap(Cap::from_id(id))))
			},
			f::REVOKE => {
				let id: CapId = call.args()?;
				let result = kernel_sdk::revoke(id).map(|caps| ids_of(&caps).encode());
				Ok(Output::value(&data_outcome(result)))
			},
			f::REVOKE_STEP => {
				let id: CapId = call.args()?;
				let result = kernel_sdk::revoke_step(id)
					.map(|step| (ids_of(&step.revoked), step.complete).encode());
				Ok(Output::value(&data_outcome(result)))
			},
			f::REVOKE_THEN_FAIL => {
				let id: CapId = call.args()?;
				kernel_sdk::revoke(id)?;
				Err(Error::Msg("revoked, then failed"))
			},
			_ => Err(Error::UnknownFunction),
		}
	}

	fn invoke(mut invocation: Invocation) -> Result<Output> {
		let data = invocation.data.clone();
		match invocation.call.function() {
			f::ECHO => Ok(Output { data, caps: Vec::new() }),
			f::SPLIT => {
				Ok(Output::none().with_cap(Cap::mint_raw(&data)).with_cap(Cap::mint_raw(&data)))
			},
			f::RENEW => Ok(Output::none().with_cap(Cap::mint_raw(&data))),
			f::FAIL => Err(Error::Msg("deliberate failure")),
			f::CHECK_VERSION => {
				invocation.require_minted_since(env::module_version())?;
				Ok(Output { data, caps: Vec::new() })
			},
			f::KEEP => {
				let ids: Vec<CapId> =
					core::mem::take(&mut invocation.call.caps).iter().map(Cap::id).collect();
				keep(ids.clone());
				Ok(Output::value(&ids))
			},
			_ => Err(Error::UnknownFunction),
		}
	}

	fn validate_request(request: Request) -> Result<Vec<u8>> {
		if request.data == REJECT {
			return Err(Error::Msg("request rejected"));
		}
		STATS.mutate(|s| s.requests += 1);
		Ok(request.data)
	}

	fn on_drop(dropped: Dropped) -> Result<()> {
		if dropped.data == STICKY {
			return Err(Error::Msg("sticky capability"));
		}
		if dropped.data == SPIN_ON_DROP {
			loop {
				core::hint::spin_loop();
			}
		}
		STATS.mutate(|s| s.dropped.push(dropped.cap));
		Ok(())
	}

	fn migrate(migration: Migration) -> Result<()> {
		if migration.params == FAIL_MIGRATION {
			return Err(Error::Msg("migration failed"));
		}
		STATS.mutate(|s| s.migrated_from = Some(migration.from_version));
		Ok(())
	}

	fn on_block(_block: Block) -> Result<()> {
		STATS.mutate(|s| s.ticks += 1);
		Ok(())
	}

	fn on_state_change(change: StateChange) -> Result<()> {
		let count = offchain::secrets::get(STATE_CHANGE_COUNT)?
			.and_then(|bytes| u32::decode(&mut &bytes[..]).ok())
			.unwrap_or(0);
		offchain::secrets::set(STATE_CHANGE_COUNT, &(count + 1).encode())?;
		let mut blocks = offchain::secrets::get(STATE_CHANGE_BLOCKS)?
			.and_then(|bytes| Vec::<u64>::decode(&mut &bytes[..]).ok())
			.unwrap_or_default();
		blocks.push(change.block_number);
		let excess = blocks.len().saturating_sub(STATE_CHANGE_BLOCKS_KEPT);
		blocks.drain(..excess);
		offchain::secrets::set(STATE_CHANGE_BLOCKS, &blocks.encode())?;
		offchain::submit_call(env::module_id(), f::EMIT, &ENGINE_EVENT.to_vec())?;
		Ok(())
	}

	fn on_http_request(request: HttpRequest) -> Result<HttpResponse> {
		let path = core::str::from_utf8(&request.path).map_err(|_| Error::Decode)?;
		let method = request.method.as_slice();
		if let Some(key) = path.strip_prefix("/secret/") {
			return Ok(match method {
				b"PUT" => {
					offchain::secrets::set(key.as_bytes(), &request.body)?;
					HttpResponse::new(200, "stored")
				},
				_ => match offchain::secrets::get(key.as_bytes())? {
					Some(value) => HttpResponse::new(200, value),
					None => HttpResponse::new(404, "no such secret"),
				},
			});
		}
		match path {
			"/echo" => Ok(HttpResponse::new(200, request.body)),
			"/call" => {
				let args = CallArgs::decode(&mut &request.body[..]).map_err(|_| Error::Decode)?;
				Ok(HttpResponse::new(200, outcome(call_with(args)).encode()))
			},
			"/write" => {
				storage::set(b"offchain", b"write");
				Ok(HttpResponse::new(200, "written"))
			},
			"/submit" => {
				offchain::submit_call(env::module_id(), f::EMIT, &request.body)?;
				Ok(HttpResponse::new(202, "submitted"))
			},
			"/submit-any" => {
				let call = offchain::EngineCall::decode(&mut &request.body[..])
					.map_err(|_| Error::Decode)?;
				// The kernel's answer, as the status text, so a client can see a refusal.
				Ok(match offchain::submit(&call) {
					Ok(()) => HttpResponse::new(202, "submitted"),
					Err(error) => HttpResponse::new(403, format!("{:?}", error.code)),
				})
			},
			"/fetch" => {
				let fetched = offchain::fetch(&offchain::HttpFetch {
					method: b"GET".to_vec(),
					url: request.body,
					headers: Vec::new(),
					body: Vec::new(),
					deadline_ms: 5_000,
				});
				Ok(match fetched {
					Ok(fetched) => HttpResponse::new(fetched.status, fetched.body),
					Err(error) => HttpResponse::new(502, format!("{:?}", error.code)),
				})
			},
			"/whoami" => {
				Ok(HttpResponse::new(200, offchain::engine_account().unwrap_or_default().to_vec()))
			},
			"/fail" => Err(Error::Msg("deliberate failure")),
			_ => Ok(HttpResponse::new(404, "not found")),
		}
	}
}

kernel_sdk::entry_points!(
	Tester: init, call, invoke, validate_request, on_drop, migrate, on_block, on_state_change,
	on_http_request
);

fn keep(ids: Vec<CapId>) {
	// Nothing to keep writes nothing, so read-only (off-chain) frames can report outcomes.
	if !ids.is_empty() {
		KEPT.mutate(|kept| kept.extend(ids));
	}
}

fn held(ids: Vec<CapId>) -> Vec<Cap> {
	ids.into_iter().map(Cap::from_id).collect()
}

fn call_with(args: CallArgs) -> core::result::Result<kernel_sdk::Reply, CallError> {
	let function = core::str::from_utf8(&args.function).unwrap_or_default();
	kernel_sdk::call_module_with_fuel(
		args.module,
		function,
		&Encoded(&args.params),
		held(args.caps),
		args.fuel,
	)
}

fn outcome(result: core::result::Result<kernel_sdk::Reply, CallError>) -> Outcome {
	match result {
		Ok(reply) => {
			let caps: Vec<CapId> = reply.caps.iter().map(Cap::id).collect();
			keep(caps.clone());
			Outcome { code: ReturnCode::Success as u32, data: reply.data, caps }
		},
		Err(error) => Outcome { code: error.code as u32, data: error.data, caps: Vec::new() },
	}
}

/// The outcome of a kernel operation that returns data and no capabilities.
fn data_outcome(result: core::result::Result<Vec<u8>, CallError>) -> Outcome {
	match result {
		Ok(data) => Outcome { code: ReturnCode::Success as u32, data, caps: Vec::new() },
		Err(error) => Outcome { code: error.code as u32, data: error.data, caps: Vec::new() },
	}
}

fn ids_of(caps: &[kernel_sdk::RevokedCap]) -> Vec<CapId> {
	caps.iter().map(|cap| cap.id).collect()
}

fn code_of(result: core::result::Result<(), CallError>) -> u32 {
	match result {
		Ok(()) => ReturnCode::Success as u32,
		Err(error) => error.code as u32,
	}
}
