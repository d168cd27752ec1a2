//! Weights for `pallet_kernel`.
//!
//! Produced by the pallet's benchmarks (`benchmarking.rs`); regenerate with
//! `scripts/benchmark.sh` (see `docs/benchmarks.md`).

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_kernel`.
pub trait WeightInfo {
	fn deploy(c: u32) -> Weight;
	fn call() -> Weight;
	fn invoke() -> Weight;
	fn drop_capability() -> Weight;
	fn transfer_capability() -> Weight;
	fn upload_code(c: u32) -> Weight;
	fn remove_code() -> Weight;
	fn instr(r: u32) -> Weight;
	fn host_fn(r: u32) -> Weight;
	fn host_input(n: u32) -> Weight;
	fn register_engine() -> Weight;
	fn unregister_engine() -> Weight;
}

/// Weights for `pallet_kernel` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn deploy(c: u32) -> Weight {
		Weight::from_parts(185_000_000, 4_000)
			.saturating_add(Weight::from_parts(61_000, 1).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(9_u64))
	}
	fn call() -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn invoke() -> Weight {
		Weight::from_parts(105_000_000, 3_900)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn drop_capability() -> Weight {
		Weight::from_parts(90_000_000, 3_900)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn transfer_capability() -> Weight {
		Weight::from_parts(28_000_000, 3_700)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn upload_code(c: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_800)
			.saturating_add(Weight::from_parts(61_000, 1).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	fn remove_code() -> Weight {
		Weight::from_parts(40_000_000, 3_800)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	fn instr(r: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(Weight::from_parts(40_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
	fn host_fn(r: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(Weight::from_parts(220_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
	fn host_input(n: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(Weight::from_parts(600, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
	fn register_engine() -> Weight {
		Weight::from_parts(25_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn unregister_engine() -> Weight {
		Weight::from_parts(22_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn deploy(c: u32) -> Weight {
		Weight::from_parts(185_000_000, 4_000)
			.saturating_add(Weight::from_parts(61_000, 1).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(RocksDbWeight::get().writes(9_u64))
	}
	fn call() -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn invoke() -> Weight {
		Weight::from_parts(105_000_000, 3_900)
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn drop_capability() -> Weight {
		Weight::from_parts(90_000_000, 3_900)
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn transfer_capability() -> Weight {
		Weight::from_parts(28_000_000, 3_700)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(4_u64))
	}
	fn upload_code(c: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_800)
			.saturating_add(Weight::from_parts(61_000, 1).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(2_u64))
	}
	fn remove_code() -> Weight {
		Weight::from_parts(40_000_000, 3_800)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(2_u64))
	}
	fn instr(r: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(Weight::from_parts(40_000, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64))
	}
	fn host_fn(r: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(Weight::from_parts(220_000, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64))
	}
	fn host_input(n: u32) -> Weight {
		Weight::from_parts(95_000_000, 3_600)
			.saturating_add(Weight::from_parts(600, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64))
	}
	fn register_engine() -> Weight {
		Weight::from_parts(25_000_000, 3_600)
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn unregister_engine() -> Weight {
		Weight::from_parts(22_000_000, 3_600)
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
}
