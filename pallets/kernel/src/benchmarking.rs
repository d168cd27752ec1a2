//! Benchmarks of every dispatchable, and of the execution costs the fuel meter is calibrated
//! with (`instr`, `host_fn`, `host_input`).

use crate::wasm::synth::{self as code, CallBody};
use crate::{
	capability, exec::ExecContext, lifecycle, storage::ModuleStorage, wasm, Call, CapRefs, CodeOf,
	Config, FunctionName, ModuleName, Pallet, Params, Requests,
};
use alloc::{vec, vec::Vec};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		Get,
	},
	weights::Weight,
};
use frame_system::RawOrigin;
use kernel_primitives::{Creator, Holder, ModuleId};
use module_interfaces::balance;
use polkadot_sdk::{
	frame_benchmarking, frame_support, frame_system, sp_core::sr25519, sp_io,
	sp_runtime::traits::Bounded,
};

/// A funded signer.
fn funded_caller<T: Config>() -> T::AccountId {
	let caller: T::AccountId = whitelisted_caller();
	let amount = crate::BalanceOf::<T>::max_value() / 4u32.into();
	T::Currency::set_balance(&caller, amount);
	caller
}

/// Stores `code` as a module of `deployer` without running it (the setup of most benchmarks).
fn install<T: Config>(deployer: &T::AccountId, code: &[u8]) -> ModuleId {
	install_as::<T>(deployer, code, "bench")
}

/// A funded caller and a synthetic module of `body` with `padding` bytes of padding, stored
/// (the setup of the execution-cost benchmarks).
fn caller_and_module<T: Config>(body: CallBody, padding: u32) -> (T::AccountId, ModuleId) {
	let caller = funded_caller::<T>();
	let module = install::<T>(&caller, &code::module(body, padding));
	(caller, module)
}

/// [`install`] under another name, for a second module.
fn install_as<T: Config>(deployer: &T::AccountId, code: &[u8], name: &str) -> ModuleId {
	let valid = wasm::validate::<T>(code).expect("benchmark code is valid");
	let name: ModuleName<T> = name.as_bytes().to_vec().try_into().expect("short name");
	let (result, _) = crate::exec::run_top_level::<T, _>(Weight::MAX, |ctx, _| {
		ctx.charge_deposits_to(deployer.clone(), None);
		lifecycle::create_module::<T>(ctx, deployer.clone(), name, code, valid)
	});
	result.expect("module created")
}

fn function<T: Config>(name: &str) -> FunctionName<T> {
	name.as_bytes().to_vec().try_into().expect("short name")
}

fn code_of<T: Config>(code: alloc::vec::Vec<u8>) -> CodeOf<T> {
	code.try_into().expect("within MaxCodeLen")
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Validating, storing and initialising `c` bytes of code.
	#[benchmark]
	fn deploy(c: Linear<0, { T::MaxCodeLen::get() - 1024 }>) {
		let caller = funded_caller::<T>();
		let code = code_of::<T>(code::module(CallBody::Empty, c));
		let name: ModuleName<T> = b"bench".to_vec().try_into().expect("short name");
		// A chain's genesis may already hold modules (the dev chain deploys four).
		let next = crate::NextModuleId::<T>::get();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			code,
			name,
			Params::<T>::default(),
			CapRefs::<T>::default(),
			Requests::<T>::default(),
			Weight::MAX,
			None,
		);

		assert_eq!(crate::NextModuleId::<T>::get(), next + 1);
	}

	/// A public call of a module that does nothing.
	#[benchmark]
	fn call() {
		let (caller, module) = caller_and_module::<T>(CallBody::Empty, 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			module,
			function::<T>("noop"),
			Params::<T>::default(),
			CapRefs::<T>::default(),
			Requests::<T>::default(),
			Weight::MAX,
			None,
		);
	}

	/// Invoking a capability whose creator's handler does nothing.
	#[benchmark]
	fn invoke() {
		let (caller, module) = caller_and_module::<T>(CallBody::Empty, 0);
		let cap = capability::mint::<T>(
			Holder::Account(caller.clone()),
			Creator::Module(module),
			Default::default(),
			1,
			None,
		)
		.expect("ids left");

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			cap,
			function::<T>("noop"),
			Params::<T>::default(),
			CapRefs::<T>::default(),
			Requests::<T>::default(),
			Weight::MAX,
			None,
		);

		assert!(crate::Capabilities::<T>::get(cap).is_none());
	}

	/// Dropping a capability whose creator's `on_drop` does nothing.
	#[benchmark]
	fn drop_capability() {
		let (caller, module) = caller_and_module::<T>(CallBody::Empty, 0);
		let cap = capability::mint::<T>(
			Holder::Account(caller.clone()),
			Creator::Module(module),
			Default::default(),
			1,
			None,
		)
		.expect("ids left");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), cap, Weight::MAX, None);

		assert!(crate::Capabilities::<T>::get(cap).is_none());
	}

	/// Funding a module's `on_block` runs, worst case: it joins a round one short of full.
	#[benchmark]
	fn fund_ticks() {
		let caller = funded_caller::<T>();
		let ticker = deploy_module::<T>(&caller, b"bench-ticker", kernel_modules::TESTER, vec![]);
		let others = (0..T::MaxTickingModules::get().saturating_sub(1)).map(|i| ticker + 1 + i);
		crate::Tickers::<T>::put(frame_support::BoundedVec::truncate_from(others.collect()));
		let ed = <T::Currency as Inspect<T::AccountId>>::minimum_balance();
		let amount = T::TickFee::get().max(ed) * 1000u32.into();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), ticker, amount);

		assert!(crate::Tickers::<T>::get().contains(&ticker));
	}

	/// Handing a capability to another account.
	#[benchmark]
	fn transfer_capability() {
		let caller = funded_caller::<T>();
		let receiver: T::AccountId = account("receiver", 0, 0);
		let cap = capability::mint::<T>(
			Holder::Account(caller.clone()),
			Creator::System,
			Default::default(),
			0,
			None,
		)
		.expect("ids left");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), cap, Holder::Account(receiver.clone()));

		assert_eq!(
			crate::Capabilities::<T>::get(cap).map(|c| c.holder),
			Some(Holder::Account(receiver))
		);
	}

	/// Staging `c` bytes of code.
	#[benchmark]
	fn upload_code(c: Linear<0, { T::MaxCodeLen::get() - 1024 }>) {
		let caller = funded_caller::<T>();
		let code = code_of::<T>(code::module(CallBody::Empty, c));
		let hash = lifecycle::code_hash(&code);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), code);

		assert!(crate::CodeStore::<T>::contains_key(hash));
	}

	/// Removing staged code.
	#[benchmark]
	fn remove_code() {
		let caller = funded_caller::<T>();
		let code = code_of::<T>(code::module(CallBody::Empty, 0));
		let hash = lifecycle::code_hash(&code);
		Pallet::<T>::upload_code(RawOrigin::Signed(caller.clone()).into(), code)
			.expect("upload works");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), hash);

		assert!(!crate::CodeStore::<T>::contains_key(hash));
	}

	/// `r` iterations of a loop burning [`crate::meter::INSTR_FUEL_PER_ITERATION`] fuel each:
	/// calibrates the weight of one unit of fuel.
	#[benchmark]
	fn instr(r: Linear<0, 10_000>) {
		let (caller, module) = caller_and_module::<T>(CallBody::Loop(r), 0);

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the loop runs");
		}
	}

	/// `r` calls of a host function that does nothing but return a value.
	#[benchmark]
	fn host_fn(r: Linear<0, 10_000>) {
		let (caller, module) = caller_and_module::<T>(CallBody::HostCalls(r), 0);

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the calls run");
		}
	}

	/// Copying `n` bytes of input into a module's memory.
	#[benchmark]
	fn host_input(n: Linear<0, { T::MaxParamsLen::get() - 64 }>) {
		let (caller, module) = caller_and_module::<T>(CallBody::ReadInput, 0);
		let params = vec![7u8; n as usize];

		#[block]
		{
			run_call::<T>(&caller, module, params).expect("the input is read");
		}
	}

	/// A call of a module of `c` bytes of code that does nothing: loading and parsing code
	/// validated at deploy (the part of each frame that grows with the code).
	#[benchmark]
	fn code_load(c: Linear<0, { T::MaxCodeLen::get() - 1024 }>) {
		let (caller, module) = caller_and_module::<T>(CallBody::Empty, c);

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the call runs");
		}
	}

	/// A call of a function of `c` bytes that returns at once: wasmi translates it when it is
	/// first called. Its slope less `code_load`'s is the translation cost per byte, which sets
	/// the fuel wasmi charges for it (`meter::translation_fuel_per_byte`).
	#[benchmark]
	fn translate(c: Linear<0, { T::MaxCodeLen::get() - 1024 }>) {
		let (caller, module) = caller_and_module::<T>(CallBody::CallPadding, c);

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the call runs");
		}
	}

	/// [`translate`](Self::translate) with live code: a function of `c` bytes of
	/// `i32.const 0; drop`, all executed. Its slope is translation plus execution.
	#[benchmark]
	fn translate_live(c: Linear<0, { T::MaxCodeLen::get() - 1024 }>) {
		let (caller, module) = caller_and_module::<T>(CallBody::CallLivePadding, c);

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the call runs");
		}
	}

	/// [`translate`](Self::translate) of the adversarial shape: a function of `c` bytes that is
	/// one `br_table` with a target per byte, translated in full and executed in one step.
	#[benchmark]
	fn translate_br_table(c: Linear<0, { T::MaxCodeLen::get() - 1024 }>) {
		let (caller, module) = caller_and_module::<T>(CallBody::CallBrTable, c);

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the call runs");
		}
	}

	/// `r` calls of another module that does nothing: each is one frame, whose fixed cost
	/// (store, host functions, instantiation) every frame after a transaction's first pays.
	#[benchmark]
	fn nested_call(r: Linear<0, 100>) {
		let caller = funded_caller::<T>();
		let callee = install_as::<T>(&caller, &code::module(CallBody::Empty, 0), "callee");
		let body =
			CallBody::CallModule { target: callee, times: r, capacity: T::MaxOutputLen::get() };
		let module = install::<T>(&caller, &code::module(body, 0));

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the calls run");
		}
	}

	/// A call of a module whose memory starts with `p` pages: allocating and zeroing them at
	/// instantiation.
	#[benchmark]
	fn memory_pages(p: Linear<1, { T::MaxMemoryPages::get() }>) {
		let caller = funded_caller::<T>();
		let module = install::<T>(&caller, &code::with_memory(p));

		#[block]
		{
			run_call::<T>(&caller, module, vec![]).expect("the call runs");
		}
	}

	/// Hashing `n` bytes with BLAKE2b-256, the work of `hash_blake2_256`.
	#[benchmark]
	fn hash_blake2_256(n: Linear<0, { T::MaxParamsLen::get() }>) {
		let data = vec![7u8; n as usize];
		let hash;

		#[block]
		{
			hash = sp_io::hashing::blake2_256(&data);
		}

		assert_ne!(hash, [0u8; 32]);
	}

	/// Verifying an sr25519 signature over `n` bytes, the work of `sr25519_verify`. The
	/// signature is well-formed but wrong: verification does all its work before it says so.
	#[benchmark]
	fn sr25519_verify(n: Linear<0, { T::MaxParamsLen::get() }>) {
		let message = vec![7u8; n as usize];
		let public = sr25519::Public::from_raw(VALID_POINT);
		let mut signature = [0u8; 64];
		signature[..32].copy_from_slice(&VALID_POINT);
		// The scalar 1, with the marker bit schnorrkel requires of a signature.
		signature[32] = 1;
		signature[63] = 0x80;
		let signature = sr25519::Signature::from_raw(signature);
		let valid;

		#[block]
		{
			valid = sp_io::crypto::sr25519_verify(&signature, &message, &public);
		}

		assert!(!valid);
	}

	/// `next_key` stepping over `n` keys cleared earlier in the block: each is a deletion in the
	/// block's overlay over a key still in the database, so the node seeks the trie once more
	/// per key. The slope prices the deletions `storage_next_key` is charged for (it includes
	/// the clearing itself, which only overcharges).
	// `skip_meta`: the storage comments would list every one of the `n` keys.
	#[benchmark(skip_meta)]
	fn next_key_deleted(n: Linear<0, 2_000>) {
		let (_caller, module) = caller_and_module::<T>(CallBody::Empty, 0);
		let storage = ModuleStorage::new(module);
		let keys: Vec<[u8; 5]> = (0..n).map(deleted_key).collect();
		for key in &keys {
			storage.set(key, &[7u8; 32]);
		}
		storage.set(b"z", b"the key after every deleted one");

		#[block]
		{
			for key in &keys {
				storage.clear(key);
			}
			assert_eq!(storage.next_key(&[]), Some(b"z".to_vec()));
		}
	}

	/// `Kernel::call(balance, "transfer")` with the real, SDK-built `balance` module: the
	/// figure `scripts/compare.sh` sets against `pallet_balances::transfer_keep_alive`.
	#[benchmark]
	fn balance_transfer() {
		let caller = funded_caller::<T>();
		let module = install_balance::<T>(&caller);
		let to = Holder::Account(raw_account::<T>(&account("receiver", 0, 0)));
		let params = bounded_params::<T>((to, 1u128).encode());

		#[extrinsic_call]
		call(
			RawOrigin::Signed(caller),
			module,
			function::<T>(balance::function::TRANSFER),
			params,
			CapRefs::<T>::default(),
			Requests::<T>::default(),
			Weight::MAX,
			None,
		);
	}

	/// `Kernel::call(token, "transfer")` of the WAT token (`kernel_modules::fixtures`), the twin
	/// of the contract `scripts/compare.sh` runs through `Contracts::call`: the two executors on
	/// the same program.
	#[benchmark]
	fn wat_token_transfer() {
		let caller = funded_caller::<T>();
		let token = kernel_modules::fixtures::KERNEL_TOKEN;
		let module = deploy_module::<T>(&caller, b"bench-token", token, vec![]);
		let to = raw_account::<T>(&account("receiver", 0, 0));
		let params = bounded_params::<T>((to, 1u128).encode());

		#[extrinsic_call]
		call(
			RawOrigin::Signed(caller),
			module,
			function::<T>("transfer"),
			params,
			CapRefs::<T>::default(),
			Requests::<T>::default(),
			Weight::MAX,
			None,
		);
	}

	/// `Kernel::invoke` of a `balance` `Slashable` capability (`slash`), the kernel's own kind of
	/// call: a capability minted on the caller's request, consumed by the invocation.
	#[benchmark]
	fn balance_slash() {
		let caller = funded_caller::<T>();
		let module = install_balance::<T>(&caller);
		let slashable =
			balance::BalanceCap::Slashable { account: raw_account::<T>(&caller), amount: 10 };
		let request = kernel_primitives::Request {
			module,
			data: slashable.encode().try_into().expect("fits MaxCapDataLen"),
		};
		let requests: Requests<T> = vec![request].try_into().expect("one request");
		Pallet::<T>::call(
			RawOrigin::Signed(caller.clone()).into(),
			module,
			function::<T>(balance::function::TOTAL_ISSUANCE),
			Params::<T>::default(),
			CapRefs::<T>::default(),
			requests,
			Weight::MAX,
			None,
		)
		.expect("the request is granted");
		let cap = crate::HeldBy::<T>::iter_key_prefix(Holder::Account(caller.clone()))
			.find(|cap| {
				crate::Capabilities::<T>::get(cap)
					.is_some_and(|c| c.creator == Creator::Module(module))
			})
			.expect("the caller holds the slashable capability");
		let args = balance::SlashArgs { amount: 1, beneficiary: None };

		#[extrinsic_call]
		invoke(
			RawOrigin::Signed(caller),
			cap,
			function::<T>(balance::function::SLASH),
			bounded_params::<T>(args.encode()),
			CapRefs::<T>::default(),
			Requests::<T>::default(),
			Weight::MAX,
			None,
		);

		assert!(crate::Capabilities::<T>::get(cap).is_none(), "consumed");
	}

	/// Registering an execution engine.
	#[benchmark]
	fn register_engine() {
		let caller = funded_caller::<T>();
		let endpoint: frame_support::BoundedVec<u8, T::MaxEndpointLen> =
			vec![b'x'; T::MaxEndpointLen::get() as usize].try_into().expect("within bounds");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), endpoint);

		assert!(crate::Engines::<T>::contains_key(&caller));
	}

	/// Unregistering an execution engine.
	#[benchmark]
	fn unregister_engine() {
		let caller = funded_caller::<T>();
		Pallet::<T>::register_engine(RawOrigin::Signed(caller.clone()).into(), Default::default())
			.expect("registers");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(!crate::Engines::<T>::contains_key(&caller));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

/// Deploys the real `balance` module with `caller` holding a million tokens (under its own name:
/// a chain's genesis may already have a `balance`).
fn install_balance<T: Config>(caller: &T::AccountId) -> ModuleId {
	let init = balance::BalanceInit {
		endowments: vec![(Holder::Account(raw_account::<T>(caller)), 1_000_000)],
		governance: None,
		parameters: Default::default(),
	};
	deploy_module::<T>(caller, b"bench-balance", kernel_modules::BALANCE, init.encode())
}

/// Deploys `code` as `caller` would (stored, then its `init` run with `params`).
fn deploy_module<T: Config>(
	caller: &T::AccountId,
	name: &[u8],
	code: &[u8],
	params: Vec<u8>,
) -> ModuleId {
	let (result, _) = crate::exec::run_top_level::<T, _>(Weight::MAX, |ctx, sandbox| {
		let valid = wasm::validate::<T>(code).expect("benchmark code is valid");
		let name: ModuleName<T> = name.to_vec().try_into().expect("short name");
		ctx.charge_deposits_to(caller.clone(), None);
		let id = lifecycle::create_module::<T>(ctx, caller.clone(), name, code, valid)?;
		ctx.init(sandbox, id, caller.clone(), params, vec![])?;
		Ok(id)
	});
	result.expect("the module deploys")
}

/// `who` as the 32 bytes modules see (the runtime's accounts encode as 32 bytes).
fn raw_account<T: Config>(who: &T::AccountId) -> [u8; 32] {
	let mut raw = [0u8; 32];
	let encoded = who.encode();
	raw.copy_from_slice(&encoded[..32]);
	raw
}

fn bounded_params<T: Config>(params: Vec<u8>) -> Params<T> {
	params.try_into().expect("within MaxParamsLen")
}

/// A valid compressed Ristretto point (the public key of the well-known dev account Alice),
/// used as both the key and the signature's `R` of the `sr25519_verify` benchmark.
const VALID_POINT: [u8; 32] = [
	0xd4, 0x35, 0x93, 0xc7, 0x15, 0xfd, 0xd3, 0x1c, 0x61, 0x14, 0x1a, 0xbd, 0x04, 0xa9, 0x9f, 0xd6,
	0x82, 0x2c, 0x85, 0x58, 0x85, 0x4c, 0xcd, 0xe3, 0x9a, 0x56, 0x84, 0xe7, 0xa5, 0x6d, 0xa2, 0x7d,
];

/// The `i`th key of the `next_key_deleted` benchmark: all sort before `z`.
fn deleted_key(i: u32) -> [u8; 5] {
	let [a, b, c, d] = i.to_be_bytes();
	[b'k', a, b, c, d]
}

/// One top-level execution of [`call_module`], as the `#[block]` of the execution benchmarks.
fn run_call<T: Config>(
	caller: &T::AccountId,
	module: ModuleId,
	params: Vec<u8>,
) -> Result<kernel_primitives::envelope::Output, crate::exec::ExecError> {
	let (result, _) = crate::exec::run_top_level::<T, _>(Weight::MAX, |ctx, sandbox| {
		call_module::<T>(ctx, sandbox, caller, module, params)
	});
	result
}

/// Calls `module`'s `call` entry with `params`, as a transaction would.
fn call_module<T: Config>(
	ctx: &mut ExecContext<T>,
	sandbox: &wasm::Sandbox<T>,
	caller: &T::AccountId,
	module: ModuleId,
	params: alloc::vec::Vec<u8>,
) -> Result<kernel_primitives::envelope::Output, crate::exec::ExecError> {
	let input = kernel_primitives::envelope::CallInput { function: vec![], params, caps: vec![] };
	ctx.call(sandbox, Holder::Account(caller.clone()), module, input)
}
