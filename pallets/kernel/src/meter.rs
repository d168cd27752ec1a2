//! Fuel and weight.
//!
//! wasmi meters Wasm execution in *fuel* (about one unit per instruction). The kernel keeps one
//! fuel meter per execution and charges host functions into it too, converting their weight at
//! the benchmarked rate: the ref time of one unit of fuel is derived from the `instr` benchmark,
//! whose loop burns [`INSTR_FUEL_PER_ITERATION`] fuel per iteration. Proof size is metered
//! separately, in the execution context.

use crate::{weights::WeightInfo, Config};
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Fuel one iteration of the `instr` benchmark loop burns (checked by a test).
pub const INSTR_FUEL_PER_ITERATION: u64 = 9;

/// Proof size charged for reading one trie entry, on top of its key and value: the trie nodes
/// on its path.
pub const TRIE_PATH_PROOF_SIZE: u64 = 512;

/// Converts between fuel and ref time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FuelRate {
	ref_time_per_fuel: u64,
}

impl Default for FuelRate {
	fn default() -> Self {
		Self { ref_time_per_fuel: 1 }
	}
}

impl FuelRate {
	/// The rate from `T`'s benchmarked weights.
	pub fn of<T: Config>() -> Self {
		let per_iteration =
			T::WeightInfo::instr(1).ref_time().saturating_sub(T::WeightInfo::instr(0).ref_time());
		Self { ref_time_per_fuel: (per_iteration / INSTR_FUEL_PER_ITERATION).max(1) }
	}

	/// The fuel a budget of `weight` buys (rounded down).
	pub fn fuel_for(&self, weight: Weight) -> u64 {
		weight.ref_time() / self.ref_time_per_fuel
	}

	/// The fuel that pays for `weight` (rounded up).
	pub fn fuel_cost(&self, weight: Weight) -> u64 {
		weight.ref_time().div_ceil(self.ref_time_per_fuel)
	}

	/// The ref time of `fuel`.
	pub fn ref_time_of(&self, fuel: u64) -> u64 {
		fuel.saturating_mul(self.ref_time_per_fuel)
	}
}

/// What one call of any host function costs, before its own work.
pub fn host_call<T: Config>() -> Weight {
	T::WeightInfo::host_fn(1).saturating_sub(T::WeightInfo::host_fn(0))
}

/// The least ref time charged per byte copied between a module's memory and the kernel
/// (0.2 ns, a bounds-checked copy). Copying the largest input takes microseconds against a
/// call's base of hundreds, so the `host_input` slope can be lost in the noise of a benchmark
/// run and come out as zero; copying must never become free because of that.
pub const MIN_REF_TIME_PER_BYTE: u64 = 200;

/// What copying `len` bytes between a module's memory and the kernel costs.
pub fn bytes<T: Config>(len: u32) -> Weight {
	let measured = T::WeightInfo::host_input(1).saturating_sub(T::WeightInfo::host_input(0));
	let per_byte = Weight::from_parts(measured.ref_time().max(MIN_REF_TIME_PER_BYTE), 0);
	per_byte.saturating_mul(u64::from(len))
}

/// Reading a trie entry with a key and value of these lengths.
pub fn storage_read<T: Config>(key_len: u32, value_len: u32) -> Weight {
	let proof = TRIE_PATH_PROOF_SIZE + u64::from(key_len) + u64::from(value_len);
	T::DbWeight::get()
		.reads(1)
		.saturating_add(Weight::from_parts(0, proof))
		.saturating_add(bytes::<T>(key_len.saturating_add(value_len)))
}

/// Writing (or clearing) a trie entry: the old length is read first.
pub fn storage_write<T: Config>(key_len: u32, value_len: u32) -> Weight {
	T::DbWeight::get().writes(1).saturating_add(storage_read::<T>(key_len, value_len))
}

/// Reading and writing capability-table entries.
pub fn cap_table<T: Config>(reads: u64, writes: u64) -> Weight {
	T::DbWeight::get()
		.reads_writes(reads, writes)
		.saturating_add(Weight::from_parts(0, reads.saturating_mul(TRIE_PATH_PROOF_SIZE)))
}

/// Loading and compiling a module's code before a frame runs: its storage read plus the
/// per-byte validation cost measured by the `deploy` benchmark.
pub fn code_load_weight<T: Config>(code_len: u32) -> Weight {
	let per_byte = T::WeightInfo::deploy(1).saturating_sub(T::WeightInfo::deploy(0));
	storage_read::<T>(crate::storage::CODE_KEY.len() as u32, code_len)
		.saturating_add(per_byte.saturating_mul(u64::from(code_len)))
}

/// Verifying one sr25519 signature (as measured for `pallet-contracts`' `sr25519_verify`).
pub fn sr25519_verify<T: Config>(msg_len: u32) -> Weight {
	Weight::from_parts(45_000_000, 0).saturating_add(bytes::<T>(msg_len))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::Test;

	#[test]
	fn copying_bytes_costs_at_least_the_floor_and_grows_with_the_length() {
		let one_kib = bytes::<Test>(1024).ref_time();
		assert!(one_kib >= 1024 * MIN_REF_TIME_PER_BYTE);
		assert_eq!(bytes::<Test>(2048).ref_time(), 2 * one_kib);
		let nothing = bytes::<Test>(0);
		assert_eq!((nothing.ref_time(), nothing.proof_size()), (0, 0));
	}

	#[test]
	fn the_fuel_rate_comes_from_the_instr_benchmark() {
		let rate = FuelRate::of::<Test>();
		let per_iteration = <Test as Config>::WeightInfo::instr(1)
			.saturating_sub(<Test as Config>::WeightInfo::instr(0))
			.ref_time();
		assert_eq!(
			rate.ref_time_of(INSTR_FUEL_PER_ITERATION),
			per_iteration / INSTR_FUEL_PER_ITERATION * INSTR_FUEL_PER_ITERATION
		);
		assert!(rate.ref_time_of(1) > 1, "a unit of fuel has a measured cost");
	}
}
