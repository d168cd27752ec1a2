//! Pallet configurations.

use super::*;
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, Nothing, VariantCountOf},
	weights::{
		constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::{limits, EnsureSigned};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use polkadot_sdk::{
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_runtime::{
		traits::{One, Verify},
		Perbill,
	},
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute per block.
	pub RuntimeBlockWeights: limits::BlockWeights = limits::BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: limits::BlockLength = limits::BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(
			frame_support::dispatch::DispatchClass::Normal,
			|max| *max = NORMAL_DISPATCH_RATIO * *max,
		)
		.build();
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = RocksDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = polkadot_sdk::sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_insecure_randomness_collective_flip::Config for Runtime {}

parameter_types! {
	/// Budget of all `on_block` entries of a block: a tenth of the block.
	pub KernelOnBlockWeight: Weight = RuntimeBlockWeights::get().max_block / 10;
	/// Budget of one module's `on_block`.
	pub KernelOnBlockFrameWeight: Weight = RuntimeBlockWeights::get().max_block / 40;
	/// Budget of one off-chain entry point on an engine.
	pub KernelOffchainFrameWeight: Weight = RuntimeBlockWeights::get().max_block / 2;
	/// Weight limit of the transactions engines submit.
	pub KernelEngineTxWeight: Weight = RuntimeBlockWeights::get().max_block / 20;
}

impl pallet_kernel::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = pallet_kernel::weights::SubstrateWeight<Runtime>;
	type DepositPerByte = ConstU128<{ MILLI_UNIT / 10 }>;
	type DepositPerItem = ConstU128<{ 10 * MILLI_UNIT }>;
	type MaxCodeLen = ConstU32<{ 256 * 1024 }>;
	type MaxMemoryPages = ConstU32<32>;
	type MaxKeyLen = ConstU32<128>;
	type MaxValueLen = ConstU32<{ 16 * 1024 }>;
	type MaxCapDataLen = ConstU32<256>;
	type MaxParamsLen = ConstU32<{ 16 * 1024 }>;
	type MaxOutputLen = ConstU32<{ 16 * 1024 }>;
	type MaxEventLen = ConstU32<1024>;
	type MaxCallDepth = ConstU32<8>;
	type MaxCapsPerCall = ConstU32<16>;
	type MaxRequests = ConstU32<4>;
	type MaxNameLen = ConstU32<32>;
	type MaxFunctionNameLen = ConstU32<64>;
	type MaxTickingModules = ConstU32<64>;
	type OnBlockWeight = KernelOnBlockWeight;
	type OnBlockFrameWeight = KernelOnBlockFrameWeight;
	type DeletionBatch = ConstU32<128>;
	type EngineCrypto = pallet_kernel::engine::crypto::EngineAuthId;
	type MaxEndpointLen = ConstU32<256>;
	type MaxTrustedEngines = ConstU32<64>;
	type MaxChangedModules = ConstU32<64>;
	type OffchainFrameWeight = KernelOffchainFrameWeight;
	type EngineTxWeight = KernelEngineTxWeight;
	type EngineDepositLimit = ConstU128<UNIT>;
	// Filling all 64 slots of the per-block round costs about 0.6 UNIT a block.
	type TickFee = ConstU128<{ 10 * MILLI_UNIT }>;
}

impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as Verify>::Signer;
	type Signature = Signature;
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// Signs the transactions execution engines submit, with the chain's transaction extensions.
impl<LocalCall> frame_system::offchain::CreateSignedTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_signed_transaction<
		C: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: <Signature as Verify>::Signer,
		account: AccountId,
		nonce: Nonce,
	) -> Option<UncheckedExtrinsic> {
		use polkadot_sdk::sp_runtime::{
			generic::{Era, SignedPayload},
			traits::StaticLookup,
			SaturatedConversion,
		};
		// The longest mortality possible.
		let period = BlockHashCount::get().checked_next_power_of_two().map_or(2, |c| c / 2) as u64;
		let current_block = System::block_number().saturated_into::<u64>().saturating_sub(1);
		let extension: TxExtension = (
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(Era::mortal(period, current_block)),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			pallet_kernel::ReportFailures::<Runtime>::new(),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		);
		let payload = SignedPayload::new(call, extension)
			.map_err(|error| log::warn!("cannot build an engine transaction: {error:?}"))
			.ok()?;
		let signature = payload.using_encoded(|bytes| C::sign(bytes, public))?;
		let (call, extension, _) = payload.deconstruct();
		let address = <Runtime as frame_system::Config>::Lookup::unlookup(account);
		Some(UncheckedExtrinsic::new_signed(call, address, signature, extension))
	}
}

const fn deposit(items: u32, bytes: u32) -> Balance {
	items as Balance * 15 * MILLI_UNIT + (bytes as Balance) * MILLI_UNIT / 10
}

parameter_types! {
	pub const ContractsDepositPerItem: Balance = deposit(1, 0);
	pub const ContractsDepositPerByte: Balance = deposit(0, 1);
	pub const ContractsDefaultDepositLimit: Balance = deposit(1024, 1024 * 1024);
	pub ContractsSchedule: pallet_contracts::Schedule<Runtime> = Default::default();
	pub CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
}

impl pallet_contracts::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Time = Timestamp;
	type Randomness = RandomnessCollectiveFlip;
	type Currency = Balances;
	type RuntimeCall = RuntimeCall;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CallFilter = Nothing;
	type WeightPrice = TransactionPayment;
	type WeightInfo = pallet_contracts::weights::SubstrateWeight<Self>;
	type ChainExtension = ();
	type Schedule = ContractsSchedule;
	type CallStack = [pallet_contracts::Frame<Self>; 5];
	type DepositPerByte = ContractsDepositPerByte;
	type DefaultDepositLimit = ContractsDefaultDepositLimit;
	type DepositPerItem = ContractsDepositPerItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressGenerator = pallet_contracts::DefaultAddressGenerator;
	type MaxCodeLen = ConstU32<{ 123 * 1024 }>;
	type MaxStorageKeyLen = ConstU32<128>;
	type MaxTransientStorageSize = ConstU32<{ 1024 * 1024 }>;
	type MaxDelegateDependencies = ConstU32<32>;
	type UnsafeUnstableInterface = ConstBool<false>;
	type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
	type UploadOrigin = EnsureSigned<AccountId>;
	type InstantiateOrigin = EnsureSigned<AccountId>;
	type Migrations = ();
	type Debug = ();
	type Environment = ();
	type ApiVersion = ();
	type Xcm = ();
}
