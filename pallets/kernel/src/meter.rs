//! Fuel and weight.
//!
//! wasmi meters Wasm execution in *fuel* (about one unit per instruction). The kernel keeps one
//! fuel meter per execution and charges host functions into it too, converting their weight at
//! the benchmarked rate: the ref time of one unit of fuel is derived from the `instr` benchmark,
//! whose loop burns [`INSTR_FUEL_PER_ITERATION`] fuel per iteration. Proof size is metered
//! separately, in the execution context.

use crate::{weights::WeightInfo, Config};
use codec::MaxEncodedLen;
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

/// What a value of `len` bytes read from the trie adds to the read: its proof size and its copy.
pub fn read_result<T: Config>(len: u32) -> Weight {
	Weight::from_parts(0, u64::from(len)).saturating_add(bytes::<T>(len))
}

/// The least ref time charged for each deletion `next_key` steps over (1 µs, a cached trie
/// seek), for the same reason as [`MIN_REF_TIME_PER_BYTE`].
pub const MIN_REF_TIME_PER_DELETION: u64 = 1_000_000;

/// `storage_next_key` after a key of `key_len` bytes, when up to `deletions` keys cleared in this
/// block may lie on the way: the node steps over each with one more trie seek (a database read),
/// at the rate the `next_key_deleted` benchmark measures. The key found is charged after, with
/// [`read_result`].
pub fn storage_next_key<T: Config>(key_len: u32, deletions: u32) -> Weight {
	storage_read::<T>(key_len, 0)
		.saturating_add(deletion_seek::<T>().saturating_mul(u64::from(deletions)))
}

/// Stepping over one key deleted earlier in the block while seeking the next key of a trie:
/// one more trie seek (a database read), at the rate the `next_key_deleted` benchmark measures.
pub fn deletion_seek<T: Config>() -> Weight {
	// The benchmark clears each key in its measured block; whoever cleared it paid that write.
	let measured = T::WeightInfo::next_key_deleted(1)
		.saturating_sub(T::WeightInfo::next_key_deleted(0))
		.saturating_sub(T::DbWeight::get().writes(1));
	Weight::from_parts(measured.ref_time().max(MIN_REF_TIME_PER_DELETION), measured.proof_size())
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

/// Writing a derived capability's lineage of `len` ancestors: its [`crate::Lineages`] entry and
/// one [`crate::Descendants`] entry per ancestor.
pub fn lineage_write<T: Config>(len: usize) -> Weight {
	cap_table::<T>(0, (len as u64).saturating_add(1))
}

/// Removing a capability's lineage when it leaves the table: reading its [`crate::Lineages`]
/// entry and, if it has `len > 0` ancestors, removing it, their index entries and counting
/// the removals in [`crate::LineageRemovals`].
pub fn lineage_removal<T: Config>(len: usize) -> Weight {
	if len == 0 {
		return cap_table::<T>(1, 0);
	}
	cap_table::<T>(2, (len as u64).saturating_add(2))
}

/// Revoking one capability the lineage index found: taking it out of the table (its record
/// read again, the record and its holder's index entry removed). Removing its lineage is
/// charged by the take, [`lineage_removal`].
pub fn revoke_one<T: Config>() -> Weight {
	cap_table::<T>(1, 2)
}

/// Starting a revocation step: the block's lineage removals, the ancestor's record, the trie
/// seek to its first descendant and the event. Each capability found is charged one more read.
///
/// The seek may step over up to `removed` index entries removed earlier in the block, each a
/// trie seek priced as [`storage_next_key`] prices a deleted key (the same overlay walk, in the
/// main trie rather than a child trie), and at least a read of a trie path.
pub fn revoke_start<T: Config>(removed: u32) -> Weight {
	let seek = deletion_seek::<T>();
	let per_removal = Weight::from_parts(
		seek.ref_time().max(T::DbWeight::get().reads(1).ref_time()),
		seek.proof_size().max(TRIE_PATH_PROOF_SIZE),
	);
	cap_table::<T>(3, 1).saturating_add(per_removal.saturating_mul(u64::from(removed)))
}

/// Settling one module an execution touched: noting it in the block's changed modules, and,
/// if its state grew or shrank, updating its info and moving its deposit between the payer and
/// the module's account (`deposit::settle`: both accounts and the module's holds, read and
/// written; opening the account touches the same entries).
pub fn settle_module<T: Config>(resized: bool) -> Weight {
	let changed = cap_table::<T>(1, 1);
	if !resized {
		return changed;
	}
	let info = crate::types::ModuleInfoOf::<T>::max_encoded_len() as u64;
	let entries = info
		.saturating_add(HOLD_ENTRY_PROOF_SIZE)
		.saturating_add(ACCOUNT_ENTRY_PROOF_SIZE.saturating_mul(2));
	changed.saturating_add(cap_table::<T>(4, 4)).saturating_add(Weight::from_parts(0, entries))
}

/// Proof size of a balance hold entry, on top of its path (`pallet_balances`' `Holds` entry
/// with a few holds).
const HOLD_ENTRY_PROOF_SIZE: u64 = 128;

/// Proof size of an account entry, on top of its path (`frame_system`'s `Account`: nonce,
/// reference counts and `pallet_balances`' account data).
const ACCOUNT_ENTRY_PROOF_SIZE: u64 = 128;

/// Loading a module's code before a frame runs: its storage read plus the per-byte cost of
/// parsing it without validation, as the `code_load` benchmark measures it.
pub fn code_load_weight<T: Config>(code_len: u32) -> Weight {
	let per_byte = T::WeightInfo::code_load(1).saturating_sub(T::WeightInfo::code_load(0));
	storage_read::<T>(crate::storage::CODE_KEY.len() as u32, code_len)
		.saturating_add(per_byte.saturating_mul(u64::from(code_len)))
}

/// The fuel wasmi charges per byte of a function it translates (lazily, on the function's
/// first call in a frame): the costliest translation per byte the benchmarks found, less
/// `code_load`'s slope, at the fuel rate, rounded up; at least wasmi's default of 7. The shapes
/// are dead code (`translate`), live code (`translate_live`, whose execution it also counts,
/// erring on the expensive side) and one huge `br_table` (`translate_br_table`).
pub fn translation_fuel_per_byte<T: Config>() -> u32 {
	let slope = |weight: fn(u32) -> Weight| weight(1).saturating_sub(weight(0));
	let translate = slope(T::WeightInfo::translate)
		.max(slope(T::WeightInfo::translate_live))
		.max(slope(T::WeightInfo::translate_br_table));
	let load = T::WeightInfo::code_load(1).saturating_sub(T::WeightInfo::code_load(0));
	let fuel = FuelRate::of::<T>().fuel_cost(translate.saturating_sub(load));
	u32::try_from(fuel).unwrap_or(u32::MAX).max(WASMI_TRANSLATION_FUEL_PER_BYTE)
}

/// wasmi's own fuel per translated byte.
pub const WASMI_TRANSLATION_FUEL_PER_BYTE: u32 = 7;

/// Validating `code_len` bytes of code: the per-byte cost of the `deploy` benchmark, which
/// validates, stores and initialises.
pub fn validation<T: Config>(code_len: u32) -> Weight {
	let per_byte = T::WeightInfo::deploy(1).saturating_sub(T::WeightInfo::deploy(0));
	per_byte.saturating_mul(u64::from(code_len))
}

/// Verifying one sr25519 signature over `msg_len` bytes, as the `sr25519_verify` benchmark
/// measures it (never less than copying the message).
pub fn sr25519_verify<T: Config>(msg_len: u32) -> Weight {
	T::WeightInfo::sr25519_verify(msg_len).max(bytes::<T>(msg_len))
}

/// Hashing `len` bytes with BLAKE2b-256, as the `hash_blake2_256` benchmark measures it (never
/// less than copying them).
pub fn hash_blake2_256<T: Config>(len: u32) -> Weight {
	T::WeightInfo::hash_blake2_256(len).max(bytes::<T>(len))
}

/// The fixed cost of a frame: a store, the host functions, instantiation and the capability
/// moves of an empty output, as the `nested_call` benchmark measures it per call. A
/// transaction's (or an `on_block` tick's) first frame is part of its dispatchable's benchmark
/// and does not pay it again.
pub fn frame<T: Config>() -> Weight {
	T::WeightInfo::nested_call(1).saturating_sub(T::WeightInfo::nested_call(0))
}

/// Allocating and zeroing `pages` pages of memory (or tables of that size) at instantiation,
/// at the rate the `memory_pages` benchmark measures. The first page is part of every frame's
/// measured cost.
pub fn memory_pages<T: Config>(pages: u32) -> Weight {
	let per_page = T::WeightInfo::memory_pages(2).saturating_sub(T::WeightInfo::memory_pages(1));
	per_page.saturating_mul(u64::from(pages.saturating_sub(1)))
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
