//! Genesis presets: `development` (one validator, Alice) and `local_testnet` (Alice and Bob).
//! Both deploy the standard process modules, deployed by Alice.

use crate::{
	AccountId, AuraConfig, BalancesConfig, GrandpaConfig, KernelConfig, RuntimeGenesisConfig,
	SudoConfig, UNIT,
};
use alloc::{string::ToString, vec, vec::Vec};
use codec::Encode;
use module_interfaces::{balance::Balance as TokenBalance, Holder};
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

/// The standard process modules, in deploy order (so their ids are 0, 1, ...).
pub fn standard_modules(
	deployer: &AccountId,
	endowed: &[AccountId],
) -> Vec<GenesisModule<AccountId>> {
	let endowments: Vec<(Holder, TokenBalance)> =
		endowed.iter().map(|who| (Holder::Account(who.clone().into()), MODULE_ENDOWMENT)).collect();
	vec![GenesisModule {
		name: module_interfaces::balance::NAME.to_string(),
		code: kernel_modules::BALANCE.to_vec(),
		params: endowments.encode(),
		deployer: deployer.clone(),
	}]
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
		kernel: KernelConfig { modules: standard_modules(&root, &endowed) },
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

/// The preset `id` as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
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
	]
}
