//! # kernel-sandbox
//!
//! Runs process modules' real `.wasm` on the capability kernel in-process, without a node: the
//! integration tests of a module author, as `drink!` is for ink! contracts. The chain is the
//! kernel pallet's own test runtime (`pallet_kernel::mock`: System, Balances and the Kernel,
//! with its limits), its state a `TestExternalities`, and every deploy, call, invoke and drop
//! is dispatched as its transaction would be. So the kernel's rules, metering, rollback,
//! capabilities and deposits apply as on chain; only transaction fees are not charged.
//!
//! ```
//! use kernel_sandbox::{Sandbox, ALICE, BOB};
//! use module_interfaces::{balance, Holder};
//! use codec::Encode;
//!
//! let mut sandbox = Sandbox::new();
//! let init = balance::BalanceInit {
//!     endowments: vec![(Holder::Account(ALICE.into()), 1_000)],
//!     ..Default::default()
//! };
//! let token = sandbox.deploy(&ALICE, kernel_modules::BALANCE, "balance", init).unwrap();
//! let bob = Holder::Account(BOB.into());
//! sandbox.call(&ALICE, token, balance::function::TRANSFER, (bob, 100u128)).unwrap();
//! let account: balance::Account = sandbox.query(&BOB, token, balance::function::ACCOUNT, bob).unwrap();
//! assert_eq!(account.free, 100);
//! ```

use codec::{Decode, Encode};
use kernel_primitives::{CapId, CapRef, Holder, ModuleId, Request};
use pallet_kernel::{
	failure::FrameFailure,
	mock::{new_test_ext, AllPalletsWithSystem, RuntimeCall, RuntimeEvent, RuntimeOrigin, Test},
	runtime_api::{DryRunCall, DryRunResult, PlainCapability},
	Event as KernelEvent,
};
use polkadot_sdk::{
	frame_support::{
		dispatch::{DispatchErrorWithPostInfo, PostDispatchInfo},
		storage::{with_transaction, TransactionOutcome},
		traits::{OnIdle, OnInitialize},
		weights::Weight,
		BoundedVec,
	},
	frame_system::{self, limits::BlockWeights},
	sp_io::TestExternalities,
	sp_runtime::{
		traits::{Dispatchable, Get},
		AccountId32, DispatchError,
	},
};
use std::fmt;

pub use pallet_kernel::mock::{ALICE, BOB, CHARLIE, ENDOWMENT};

/// An account, as the kernel and modules see it.
pub type AccountId = AccountId32;

/// The weight limit every transaction of the sandbox takes: well above what modules need, within
/// what one extrinsic may use.
pub const WEIGHT_LIMIT: Weight = pallet_kernel::mock::LIMIT;

/// What a transaction that succeeded did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
	/// The output value, SCALE-encoded ([`Outcome::decode`] reads it).
	pub output: Vec<u8>,
	/// The capabilities the caller received.
	pub caps: Vec<CapId>,
	/// The events modules emitted (`Kernel::ModuleEvent`), with their module, in order.
	pub events: Vec<(ModuleId, Vec<u8>)>,
	/// The weight it used.
	pub weight: Weight,
}

impl Outcome {
	/// The output value as `R`.
	pub fn decode<R: Decode>(&self) -> Result<R, codec::Error> {
		R::decode(&mut &self.output[..])
	}

	/// The events `module` emitted, decoded as its event type `E`.
	pub fn events_of<E: Decode>(&self, module: ModuleId) -> Result<Vec<E>, codec::Error> {
		self.events
			.iter()
			.filter(|(emitter, _)| *emitter == module)
			.map(|(_, data)| E::decode(&mut &data[..]))
			.collect()
	}
}

/// Why a transaction failed. Nothing it did was kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
	/// The kernel's error: `ModuleReverted`, `NotHolder`, `OutOfFuel`, ...
	pub error: DispatchError,
	/// The module's revert data (its reason; UTF-8 text from SDK modules), if a module reverted.
	pub revert_data: Option<Vec<u8>>,
	/// The frames that failed on the way, a callee before its caller.
	pub frames: Vec<FrameFailure>,
}

impl Failure {
	/// The kernel error's name (`ModuleReverted`), or the whole error for other kinds.
	pub fn error_name(&self) -> String {
		match self.error {
			DispatchError::Module(module) => module.message.unwrap_or("unknown").to_owned(),
			other => format!("{other:?}"),
		}
	}

	/// The revert data as text, when it is text: an SDK module's `Error` reads as its message.
	pub fn reason(&self) -> Option<&str> {
		self.revert_data.as_deref().and_then(|data| std::str::from_utf8(data).ok())
	}

	/// A failure the sandbox itself found, before anything was dispatched.
	fn refused(error: &'static str) -> Self {
		Failure { error: DispatchError::Other(error), revert_data: None, frames: Vec::new() }
	}
}

impl fmt::Display for Failure {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{}", self.error_name())?;
		if let Some(reason) = self.reason() {
			write!(f, ": {reason}")?;
		}
		Ok(())
	}
}

impl std::error::Error for Failure {}

/// A chain of its own: the kernel with funded accounts ([`ALICE`], [`BOB`], [`CHARLIE`], each
/// [`ENDOWMENT`] native tokens), at block 1.
pub struct Sandbox {
	ext: TestExternalities,
}

impl Default for Sandbox {
	fn default() -> Self {
		Self::new()
	}
}

impl Sandbox {
	/// A fresh chain with no modules.
	pub fn new() -> Self {
		Sandbox { ext: new_test_ext() }
	}

	/// Deploys `code` as `name`, `who` paying, with `init` parameters (SCALE-encoded; `()` for
	/// none), and returns the module's id.
	pub fn deploy(
		&mut self,
		who: &AccountId,
		code: &[u8],
		name: &str,
		init: impl Encode,
	) -> Result<ModuleId, Failure> {
		let params = init.encode();
		let dry = DryRunCall::Deploy {
			code: code.to_vec(),
			name: name.into(),
			params: params.clone(),
			caps: Vec::new(),
			requests: Vec::new(),
		};
		let call = pallet_kernel::Call::deploy {
			code: bounded(code.to_vec())?,
			name: bounded(name.as_bytes().to_vec())?,
			params: bounded(params)?,
			caps: BoundedVec::new(),
			requests: BoundedVec::new(),
			weight_limit: WEIGHT_LIMIT,
			storage_deposit_limit: None,
		};
		self.transact(who, call, dry)?;
		self.ext
			.execute_with(|| {
				frame_system::Pallet::<Test>::events().into_iter().find_map(|record| {
					match record.event {
						RuntimeEvent::Kernel(KernelEvent::ModuleDeployed { module, .. }) => {
							Some(module)
						},
						_ => None,
					}
				})
			})
			.ok_or(Failure::refused("deployed, but no ModuleDeployed event"))
	}

	/// Calls `function` of `module` as `who` with `args` (SCALE-encoded).
	pub fn call(
		&mut self,
		who: &AccountId,
		module: ModuleId,
		function: &str,
		args: impl Encode,
	) -> Result<Outcome, Failure> {
		self.call_with(who, module, function, args.encode(), Vec::new(), Vec::new())
	}

	/// Calls with everything explicit: capabilities passed (held ones, or `CapRef::Request(i)`
	/// for the capability the `i`-th request creates) and requests `(module, data)`.
	pub fn call_with(
		&mut self,
		who: &AccountId,
		module: ModuleId,
		function: &str,
		params: Vec<u8>,
		caps: Vec<CapRef>,
		requests: Vec<(ModuleId, Vec<u8>)>,
	) -> Result<Outcome, Failure> {
		let requests: Vec<Request<Vec<u8>>> =
			requests.into_iter().map(|(module, data)| Request { module, data }).collect();
		let dry = DryRunCall::Call {
			module,
			function: function.into(),
			params: params.clone(),
			caps: caps.clone(),
			requests: requests.clone(),
		};
		let call = pallet_kernel::Call::call {
			module,
			function: bounded(function.as_bytes().to_vec())?,
			params: bounded(params)?,
			caps: bounded(caps)?,
			requests: bounded_requests(requests)?,
			weight_limit: WEIGHT_LIMIT,
			storage_deposit_limit: None,
		};
		self.transact(who, call, dry)
	}

	/// Invokes capability `cap`, held by `who`, with `function` and `args`.
	pub fn invoke(
		&mut self,
		who: &AccountId,
		cap: CapId,
		function: &str,
		args: impl Encode,
	) -> Result<Outcome, Failure> {
		let params = args.encode();
		let dry = DryRunCall::Invoke {
			cap,
			function: function.into(),
			params: params.clone(),
			caps: Vec::new(),
			requests: Vec::new(),
		};
		let call = pallet_kernel::Call::invoke {
			cap,
			function: bounded(function.as_bytes().to_vec())?,
			params: bounded(params)?,
			caps: BoundedVec::new(),
			requests: BoundedVec::new(),
			weight_limit: WEIGHT_LIMIT,
			storage_deposit_limit: None,
		};
		self.transact(who, call, dry)
	}

	/// Drops capability `cap`, held by `who` (its creator's `on_drop` runs).
	pub fn drop_capability(&mut self, who: &AccountId, cap: CapId) -> Result<Outcome, Failure> {
		let call = pallet_kernel::Call::drop_capability {
			cap,
			weight_limit: WEIGHT_LIMIT,
			storage_deposit_limit: None,
		};
		self.transact(who, call, DryRunCall::Drop { cap })
	}

	/// Calls `function` of `module` as `who` on a copy of the state, as a dry run does, and
	/// decodes the output as `R`: a read that changes nothing.
	pub fn query<R: Decode>(
		&mut self,
		who: &AccountId,
		module: ModuleId,
		function: &str,
		args: impl Encode,
	) -> Result<R, Failure> {
		let dry = DryRunCall::Call {
			module,
			function: function.into(),
			params: args.encode(),
			caps: Vec::new(),
			requests: Vec::new(),
		};
		let report = self.ext.execute_with(|| dry_run(who, dry));
		match report.result {
			Ok(output) => R::decode(&mut &output.data[..])
				.map_err(|_| Failure::refused("the output does not decode as the type asked for")),
			Err(error) => Err(Failure {
				error,
				revert_data: report.revert_data,
				frames: report.failed_frames,
			}),
		}
	}

	/// The capabilities `holder` holds, with their data, in id order.
	pub fn capabilities(
		&mut self,
		holder: &Holder<AccountId>,
	) -> Vec<(CapId, PlainCapability<AccountId>)> {
		let page = pallet_kernel::runtime_api::MAX_PAGE;
		self.ext.execute_with(|| {
			let mut all = Vec::new();
			loop {
				let after = all.last().map(|(id, _)| *id);
				let next =
					pallet_kernel::Pallet::<Test>::api_capabilities(holder.clone(), after, page);
				let done = (next.len() as u32) < page;
				all.extend(next);
				if done {
					return all;
				}
			}
		})
	}

	/// One capability, if it exists.
	pub fn capability(&mut self, id: CapId) -> Option<PlainCapability<AccountId>> {
		self.ext.execute_with(|| pallet_kernel::Pallet::<Test>::api_capability(id))
	}

	/// Ends the block and starts the next: the kernel's idle work (deleting destroyed modules'
	/// storage) runs, then its per-block round (`on_block` of the modules that export it).
	pub fn next_block(&mut self) {
		self.ext.execute_with(|| {
			let now = frame_system::Pallet::<Test>::block_number();
			let idle = <<Test as frame_system::Config>::BlockWeights as Get<BlockWeights>>::get()
				.max_block;
			<AllPalletsWithSystem as OnIdle<u64>>::on_idle(now, idle);
			frame_system::Pallet::<Test>::set_block_number(now + 1);
			frame_system::Pallet::<Test>::reset_events();
			<AllPalletsWithSystem as OnInitialize<u64>>::on_initialize(now + 1);
		});
	}

	/// The current block number.
	pub fn block_number(&mut self) -> u64 {
		self.ext.execute_with(frame_system::Pallet::<Test>::block_number)
	}

	/// Runs `f` inside the chain's state, for what the methods above do not cover (the
	/// pallet's storage, `pallet_kernel::Pallet::<Test>` functions, native balances).
	pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.ext.execute_with(f)
	}

	/// Dispatches `call` as `who`'s transaction. On failure, `dry` (the same call) runs as a dry
	/// run on the state the failed transaction left unchanged, for the module's reason and the
	/// frames that failed.
	fn transact(
		&mut self,
		who: &AccountId,
		call: pallet_kernel::Call<Test>,
		dry: DryRunCall,
	) -> Result<Outcome, Failure> {
		self.ext.execute_with(|| {
			frame_system::Pallet::<Test>::reset_events();
			match RuntimeCall::Kernel(call).dispatch(RuntimeOrigin::signed(who.clone())) {
				Ok(info) => Ok(outcome(info)),
				Err(DispatchErrorWithPostInfo { error, .. }) => {
					let report = dry_run(who, dry);
					Err(Failure {
						error,
						revert_data: report.revert_data,
						frames: report.failed_frames,
					})
				},
			}
		})
	}
}

/// What the events of a successful transaction say.
fn outcome(info: PostDispatchInfo) -> Outcome {
	let mut outcome = Outcome {
		output: Vec::new(),
		caps: Vec::new(),
		events: Vec::new(),
		weight: info.actual_weight.unwrap_or_default(),
	};
	for record in frame_system::Pallet::<Test>::events() {
		match record.event {
			RuntimeEvent::Kernel(KernelEvent::ModuleEvent { module, data }) => {
				outcome.events.push((module, data.into_inner()))
			},
			RuntimeEvent::Kernel(KernelEvent::Returned { output, caps, .. }) => {
				outcome.output = output.into_inner();
				outcome.caps = caps;
			},
			_ => {},
		}
	}
	outcome
}

/// A dry run of `call` as `who`, its changes discarded (as the runtime API's are).
fn dry_run(who: &AccountId, call: DryRunCall) -> DryRunResult<AccountId, u64, KernelEvent<Test>> {
	with_transaction(|| {
		let report = pallet_kernel::Pallet::<Test>::dry_run(who.clone(), call, Some(WEIGHT_LIMIT));
		TransactionOutcome::Rollback(Ok::<_, DispatchError>(report))
	})
	.expect("a rolled-back transaction returns what it ran")
}

fn bounded<T, S: Get<u32>>(items: Vec<T>) -> Result<BoundedVec<T, S>, Failure> {
	items.try_into().map_err(|_| Failure::refused("over the kernel's limit for this argument"))
}

fn bounded_requests<S: Get<u32>, D: Get<u32>>(
	requests: Vec<Request<Vec<u8>>>,
) -> Result<BoundedVec<Request<BoundedVec<u8, D>>, S>, Failure> {
	let requests = requests
		.into_iter()
		.map(|Request { module, data }| Ok(Request { module, data: bounded::<u8, D>(data)? }))
		.collect::<Result<Vec<_>, Failure>>()?;
	bounded(requests)
}
