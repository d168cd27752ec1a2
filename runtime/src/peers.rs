//! Benchmarks of the kernel's peers on the kernel's own benchmark program: pallet-contracts
//! running the WAT token of `kernel_modules::fixtures`, whose twin the kernel's
//! `wat_token_transfer` benchmark runs. `scripts/compare.sh` sets the two side by side.
//!
//! Benchmark-only: a `Pallet` with no storage and no calls, as `frame_system_benchmarking`.

use super::*;
use polkadot_sdk::frame_support::weights::Weight;

/// Instantiates the contracts token as `caller` (who gets its whole supply) and returns its
/// address.
pub(crate) fn instantiate_token(caller: &AccountId) -> Result<AccountId, &'static str> {
	let code = kernel_modules::fixtures::CONTRACTS_TOKEN.to_vec();
	let result = Contracts::bare_instantiate(
		caller.clone(),
		0,
		Weight::MAX,
		None,
		pallet_contracts::Code::Upload(code),
		Vec::new(),
		Vec::new(),
		pallet_contracts::DebugInfo::Skip,
		pallet_contracts::CollectEvents::Skip,
	);
	let instantiated = result.result.map_err(|_| "the token does not deploy")?;
	if instantiated.result.did_revert() {
		return Err("the token's deploy reverted");
	}
	Ok(instantiated.account_id)
}

/// The benchmarks' pallet.
#[cfg(feature = "runtime-benchmarks")]
pub struct Pallet<T: Config>(core::marker::PhantomData<T>);

/// Implemented by the runtime only: the benchmarks run on its own pallets.
#[cfg(feature = "runtime-benchmarks")]
pub trait Config: frame_system::Config {}

#[cfg(feature = "runtime-benchmarks")]
impl Config for Runtime {}

#[cfg(feature = "runtime-benchmarks")]
#[polkadot_sdk::frame_benchmarking::v2::benchmarks]
mod benchmarks {
	use super::*;
	use codec::Encode;
	use polkadot_sdk::{
		frame_benchmarking::{v2::*, BenchmarkError},
		frame_support::traits::fungible::Mutate,
		sp_runtime::traits::StaticLookup,
	};

	/// `Contracts::call(token, (to, 1))` of the contracts WAT token: the twin of
	/// `pallet_kernel`'s `wat_token_transfer`.
	#[benchmark]
	fn contracts_token_transfer() -> Result<(), BenchmarkError> {
		let caller: AccountId = whitelisted_caller();
		Balances::set_balance(&caller, 1_000_000 * UNIT);
		let token = instantiate_token(&caller).map_err(BenchmarkError::Stop)?;
		let to: [u8; 32] = account::<AccountId>("receiver", 0, 0).into();
		let data = (to, 1u128).encode();

		#[block]
		{
			Contracts::call(
				RuntimeOrigin::signed(caller),
				<Runtime as frame_system::Config>::Lookup::unlookup(token),
				0,
				Weight::MAX,
				None,
				data,
			)
			.map_err(|_| BenchmarkError::Stop("the transfer succeeds"))?;
		}
		Ok(())
	}
}
