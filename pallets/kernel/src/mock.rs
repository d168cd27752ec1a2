//! A test runtime with System, Balances and the Kernel; 32-byte accounts as modules expect.

use crate as pallet_kernel;
use frame_support::{
	derive_impl, parameter_types,
	weights::{RuntimeDbWeight, Weight},
};
use polkadot_sdk::{
	frame_support, frame_system, pallet_balances,
	sp_runtime::{
		testing::TestXt, traits::IdentityLookup, AccountId32, BuildStorage, MultiSignature,
		MultiSigner,
	},
};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Kernel: pallet_kernel,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId32;
	type Lookup = IdentityLookup<Self::AccountId>;
	type AccountData = pallet_balances::AccountData<u64>;
	type DbWeight = DbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	/// Free by default, so that most tests need not budget for storage; tests of weight-bound
	/// loops set a price.
	pub storage DbWeight: RuntimeDbWeight = RuntimeDbWeight { read: 0, write: 0 };
	pub const DepositPerByte: u64 = 1;
	pub const DepositPerItem: u64 = 10;
	pub const MaxCodeLen: u32 = 256 * 1024;
	pub const MaxMemoryPages: u32 = 32;
	pub const MaxKeyLen: u32 = 128;
	pub const MaxValueLen: u32 = 16 * 1024;
	pub const MaxCapDataLen: u32 = 256;
	pub const MaxParamsLen: u32 = 16 * 1024;
	pub const MaxOutputLen: u32 = 16 * 1024;
	pub const MaxEventLen: u32 = 1024;
	pub const MaxCallDepth: u32 = 8;
	pub const MaxCapsPerCall: u32 = 16;
	pub const MaxRequests: u32 = 4;
	pub const MaxNameLen: u32 = 32;
	pub const MaxFunctionNameLen: u32 = 64;
	pub const MaxTickingModules: u32 = 16;
	pub storage OnBlockWeight: Weight = Weight::from_parts(500_000_000_000, 5 * 1024 * 1024);
	pub OnBlockFrameWeight: Weight = Weight::from_parts(50_000_000_000, 1024 * 1024);
	pub const DeletionBatch: u32 = 16;
	pub const MaxEndpointLen: u32 = 128;
	pub const MaxTrustedEngines: u32 = 16;
	pub const MaxChangedModules: u32 = 64;
	pub OffchainFrameWeight: Weight = Weight::from_parts(1_000_000_000_000, 8 * 1024 * 1024);
	pub EngineTxWeight: Weight = Weight::from_parts(100_000_000_000, 1024 * 1024);
	pub const EngineDepositLimit: u64 = 100_000;
	/// Free by default; tests of the paid round set a fee.
	pub storage TickFee: u64 = 0;
}

/// Transactions the engine code creates in tests.
pub type Extrinsic = TestXt<RuntimeCall, ()>;

impl frame_system::offchain::SigningTypes for Test {
	type Public = MultiSigner;
	type Signature = MultiSignature;
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<LocalCall> frame_system::offchain::CreateSignedTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	fn create_signed_transaction<
		C: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		_public: MultiSigner,
		_account: AccountId32,
		nonce: u32,
	) -> Option<Extrinsic> {
		Some(Extrinsic::new_signed(call, nonce.into(), (), ()))
	}
}

impl pallet_kernel::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = ();
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type MaxCodeLen = MaxCodeLen;
	type MaxMemoryPages = MaxMemoryPages;
	type MaxKeyLen = MaxKeyLen;
	type MaxValueLen = MaxValueLen;
	type MaxCapDataLen = MaxCapDataLen;
	type MaxParamsLen = MaxParamsLen;
	type MaxOutputLen = MaxOutputLen;
	type MaxEventLen = MaxEventLen;
	type MaxCallDepth = MaxCallDepth;
	type MaxCapsPerCall = MaxCapsPerCall;
	type MaxRequests = MaxRequests;
	type MaxNameLen = MaxNameLen;
	type MaxFunctionNameLen = MaxFunctionNameLen;
	type MaxTickingModules = MaxTickingModules;
	type OnBlockWeight = OnBlockWeight;
	type OnBlockFrameWeight = OnBlockFrameWeight;
	type DeletionBatch = DeletionBatch;
	type EngineCrypto = crate::engine::crypto::EngineAuthId;
	type MaxEndpointLen = MaxEndpointLen;
	type MaxTrustedEngines = MaxTrustedEngines;
	type MaxChangedModules = MaxChangedModules;
	type OffchainFrameWeight = OffchainFrameWeight;
	type EngineTxWeight = EngineTxWeight;
	type EngineDepositLimit = EngineDepositLimit;
	type TickFee = TickFee;
}

/// A funded account ([`ENDOWMENT`]).
pub const ALICE: AccountId32 = AccountId32::new([1; 32]);
/// A funded account ([`ENDOWMENT`]).
pub const BOB: AccountId32 = AccountId32::new([2; 32]);
/// A funded account ([`ENDOWMENT`]).
pub const CHARLIE: AccountId32 = AccountId32::new([3; 32]);
/// Has almost nothing: cannot pay deposits.
pub const PAUPER: AccountId32 = AccountId32::new([9; 32]);

/// Initial native balance of the funded accounts.
pub const ENDOWMENT: u64 = 1_000_000_000;

/// A budget comfortably above what the test modules need.
pub const LIMIT: Weight = Weight::from_parts(200_000_000_000, 8 * 1024 * 1024);

/// Genesis: the funded accounts, at block 1 (events are recorded from block 1 on).
pub fn new_test_ext() -> polkadot_sdk::sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, ENDOWMENT), (BOB, ENDOWMENT), (CHARLIE, ENDOWMENT), (PAUPER, 10)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = polkadot_sdk::sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
