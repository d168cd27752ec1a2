//! The kernel runtime: System, Timestamp, Aura, Grandpa, Balances, TransactionPayment, Sudo,
//! the capability Kernel, and pallet-contracts (the peer it is measured against).
//!
//! Genesis presets (`development`, `local_testnet`) deploy the standard process modules.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and `impl_runtime_apis` generate large types.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

mod apis;
mod configs;
pub mod genesis;
#[cfg(any(test, feature = "runtime-benchmarks"))]
mod peers;
#[cfg(test)]
mod tests;

use alloc::{borrow::Cow, vec::Vec};
use polkadot_sdk::{
	frame_support, frame_system, pallet_aura, pallet_balances, pallet_contracts, pallet_grandpa,
	pallet_insecure_randomness_collective_flip, pallet_sudo, pallet_timestamp,
	pallet_transaction_payment,
	sp_core::H256,
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{BlakeTwo256, IdentifyAccount, Verify},
		MultiAddress, MultiSignature,
	},
	sp_version::RuntimeVersion,
};

pub use apis::RuntimeApi;
pub use pallet_kernel;

/// Block number.
pub type BlockNumber = u32;
/// Transaction signature.
pub type Signature = MultiSignature;
/// Account id: the public key of the signature scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Transaction nonce.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = H256;

/// One token: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a token.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// The least an account must hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Target block time of a network (Aura slots). The dev node seals on demand instead.
pub const MILLISECS_PER_BLOCK: u64 = 6000;
/// Aura slot duration; cannot change once a chain has started.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// Types the node uses without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use polkadot_sdk::sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;

	impl_opaque_keys! {
		/// The session keys of a validator.
		pub struct SessionKeys {
			/// Block authoring.
			pub aura: Aura,
			/// Finality.
			pub grandpa: Grandpa,
		}
	}
}

/// The runtime version.
#[polkadot_sdk::sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("kernel-runtime"),
	impl_name: Cow::Borrowed("kernel-runtime"),
	authoring_version: 1,
	spec_version: 101,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type RandomnessCollectiveFlip = pallet_insecure_randomness_collective_flip;

	#[runtime::pallet_index(8)]
	pub type Kernel = pallet_kernel;

	#[runtime::pallet_index(9)]
	pub type Contracts = pallet_contracts;
}

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The transaction extensions.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	// Before the weight and fee extensions, so that what it does not use is refunded.
	pallet_kernel::ReportFailures<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);
/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// Executive: handles dispatch to the various pallets.
pub type Executive = polkadot_sdk::frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
>;
