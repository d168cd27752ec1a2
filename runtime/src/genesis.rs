//! Genesis presets: `development` (one validator, Alice), `local_testnet` (Alice and Bob) and
//! `local_three` (Alice, Bob and Charlie).
//! All deploy the standard process modules (`democracy`, `balance`, `staking`,
//! `secret-sharing`), deployed by Alice, with `balance` and `staking` governed by `democracy`.

use crate::{
	AccountId, AuraConfig, BalancesConfig, GrandpaConfig, KernelConfig, RuntimeGenesisConfig,
	SudoConfig, UNIT,
};
use alloc::{string::ToString, vec, vec::Vec};
use codec::Encode;
use module_interfaces::{
	balance::{self, Balance as TokenBalance, BalanceGovernance, BalanceInit},
	democracy::{self, DemocracyInit, Rule},
	secret_sharing,
	staking::{self, StakingGovernance, StakingInit},
	Holder,
};
use pallet_kernel::GenesisModule;
use polkadot_sdk::{
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};

/// Native tokens of each endowed dev account.
const ENDOWMENT: u128 = 1_000_000 * UNIT;
/// `balance` module tokens of each endowed dev account.
const MODULE_ENDOWMENT: TokenBalance = 1_000_000;
/// The `balance` tokens a proposer must lock in `democracy`: a tenth of a percent of a dev
/// account's endowment.
const PROPOSAL_BOND: TokenBalance = 1_000;
/// What the deployer pays into each genesis module's account for its `on_block` runs.
const GENESIS_TICK_FUNDS: u128 = 10_000 * UNIT;

/// How hard it is to change what governance holds. Periods are in blocks and short, for
/// development networks; a production chain would count in days.
pub mod rules {
	use super::Rule;

	/// The constitution (upgrading `balance` or `democracy` itself): 90 % of the votes cast,
	/// with half of all tokens voting.
	pub const CONSTITUTION: Rule = Rule {
		approval_percent: 90,
		min_turnout_percent: 50,
		voting_period: 10,
		enactment_delay: 2,
	};
	/// Ordinary decisions (parameters, slashing, upgrading `staking`): a simple majority with a
	/// tenth of all tokens voting.
	pub const MAJORITY: Rule = Rule {
		approval_percent: 50,
		min_turnout_percent: 10,
		voting_period: 5,
		enactment_delay: 1,
	};
}

/// Blocks between `staking::unbond` and `withdraw`.
const UNBONDING_DELAY: u64 = 20;

/// The standard process modules, in deploy order, so their ids are `democracy` 0, `balance` 1,
/// `staking` 2, `secret-sharing` 3. `balance` and `staking` hand their capabilities to
/// `democracy` at init.
pub fn standard_modules(
	deployer: &AccountId,
	endowed: &[AccountId],
) -> Vec<GenesisModule<AccountId>> {
	let endowments: Vec<(Holder, TokenBalance)> =
		endowed.iter().map(|who| (Holder::Account(who.clone().into()), MODULE_ENDOWMENT)).collect();
	let module = |name: &str, code: &[u8], params: Vec<u8>| GenesisModule {
		name: name.to_string(),
		code: code.to_vec(),
		params,
		deployer: deployer.clone(),
	};
	vec![
		module(
			democracy::NAME,
			kernel_modules::DEMOCRACY,
			DemocracyInit { self_upgrade: Some(rules::CONSTITUTION), proposal_bond: PROPOSAL_BOND }
				.encode(),
		),
		module(
			balance::NAME,
			kernel_modules::BALANCE,
			BalanceInit {
				endowments,
				governance: Some(BalanceGovernance {
					democracy: democracy::NAME.into(),
					upgrade: rules::CONSTITUTION,
					parameters: rules::MAJORITY,
				}),
				// No transfer fee and no minimum balance until a vote sets them: the dev
				// chain's scripts move single tokens to fresh accounts.
				parameters: Default::default(),
			}
			.encode(),
		),
		module(
			staking::NAME,
			kernel_modules::STAKING,
			StakingInit {
				unbonding_delay: UNBONDING_DELAY,
				governance: Some(StakingGovernance {
					democracy: democracy::NAME.into(),
					upgrade: rules::MAJORITY,
					slash: rules::MAJORITY,
				}),
			}
			.encode(),
		),
		module(secret_sharing::NAME, kernel_modules::SECRET_SHARING, Vec::new()),
	]
}

fn genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
) -> serde_json::Value {
	let config = RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|who| (who, ENDOWMENT)).collect(),
			..Default::default()
		},
		aura: AuraConfig {
			authorities: authorities.iter().map(|(aura, _)| aura.clone()).collect(),
		},
		grandpa: GrandpaConfig {
			authorities: authorities.iter().map(|(_, grandpa)| (grandpa.clone(), 1)).collect(),
			..Default::default()
		},
		sudo: SudoConfig { key: Some(root.clone()) },
		kernel: KernelConfig {
			modules: standard_modules(&root, &endowed),
			// A million `on_block` runs for each genesis module that exports it.
			tick_funds: GENESIS_TICK_FUNDS,
		},
		..Default::default()
	};
	serde_json::to_value(config).expect("the genesis config serializes; qed")
}

fn authority(keys: (Sr25519Keyring, Ed25519Keyring)) -> (AuraId, GrandpaId) {
	(keys.0.public().into(), keys.1.public().into())
}

/// One validator (Alice); the well-known dev accounts endowed; Alice is root.
pub fn development() -> serde_json::Value {
	genesis(
		vec![authority((Sr25519Keyring::Alice, Ed25519Keyring::Alice))],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// Two validators (Alice, Bob); the well-known dev accounts endowed; Alice is root.
pub fn local_testnet() -> serde_json::Value {
	genesis(
		vec![
			authority((Sr25519Keyring::Alice, Ed25519Keyring::Alice)),
			authority((Sr25519Keyring::Bob, Ed25519Keyring::Bob)),
		],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// Name of the three-validator preset, used by the execution-engine tests (`--chain local3`).
pub const LOCAL_THREE_PRESET: &str = "local_three";

/// Three validators (Alice, Bob, Charlie), each able to run an execution engine.
pub fn local_three() -> serde_json::Value {
	genesis(
		vec![
			authority((Sr25519Keyring::Alice, Ed25519Keyring::Alice)),
			authority((Sr25519Keyring::Bob, Ed25519Keyring::Bob)),
			authority((Sr25519Keyring::Charlie, Ed25519Keyring::Charlie)),
		],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The preset `id` as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		LOCAL_THREE_PRESET => local_three(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to a json string works; qed")
			.into_bytes(),
	)
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(LOCAL_THREE_PRESET),
	]
}
