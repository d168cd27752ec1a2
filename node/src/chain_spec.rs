//! Chain specifications, built from the runtime's genesis presets.

use kernel_runtime::WASM_BINARY;
use polkadot_sdk::{
	sc_service::{self, ChainType},
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
};

/// The chain specification of this node.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY
		.ok_or_else(|| "the runtime's Wasm is not available; build without SKIP_WASM_BUILD".into())
}

/// `--dev`: one validator (Alice), instant seal, the standard modules deployed.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("Kernel Development")
		.with_id("kernel_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: Aura + GRANDPA validators Alice and Bob.
pub fn local_testnet() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("Kernel Local Testnet")
		.with_id("kernel_local_testnet")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local3`: Aura + GRANDPA validators Alice, Bob and Charlie (the engine tests).
pub fn local_three() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("Kernel Local Testnet (three validators)")
		.with_id("kernel_local_three")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(kernel_runtime::genesis::LOCAL_THREE_PRESET)
		.with_properties(properties())
		.build())
}

fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), "KRN".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}
