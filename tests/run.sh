#!/usr/bin/env bash
# Sets up the machine and runs every test:
#   1. primitives and kernel pallet tests (the real compiled modules on a mock runtime, the
#      benchmarks as tests),
#   2. the node build (runtime Wasm included),
#   3. end-to-end tests against real nodes with @polkadot/api: a dev node, bad input through
#      the RPC, a two-validator network.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/setup

step() { echo; echo "==> $*"; }

step "unit and pallet tests"
SKIP_WASM_BUILD=1 cargo test --locked -p kernel-primitives -p pallet-kernel \
	--features pallet-kernel/runtime-benchmarks

step "building the node"
cargo build --locked -p kernel-node

step "end-to-end tests"
(cd tests/e2e && npm test)

step "all tests passed"
