#!/usr/bin/env bash
# Sets up the machine, builds the node and runs a development chain: one validator (Alice),
# blocks sealed as soon as a transaction arrives (and every 6 s), the standard process modules
# deployed at genesis, RPC on ws://127.0.0.1:9944. Extra arguments go to the node.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/setup
cargo build --locked --workspace --features pallet-kernel/runtime-benchmarks
exec ./target/debug/kernel-node --dev --tmp --rpc-cors all "$@"
