#!/usr/bin/env bash
# Sets up the machine and runs every test:
#   1. the workspace build (node, runtime Wasm, process modules),
#   2. unit and pallet tests (the real compiled modules on a mock runtime, the benchmarks as
#      tests), and the module interfaces' and metadata's own tests,
#   3. end-to-end tests against real nodes with @polkadot/api: a dev node, bad input through
#      the RPC, governance, a two-validator network, the execution engines.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/setup

step() { echo; echo "==> $*"; }

# One feature set for the whole workspace, so every dependency compiles once for both steps.
features="pallet-kernel/runtime-benchmarks"

step "building the workspace (node, runtime Wasm, process modules)"
cargo build --locked --workspace --features "$features"

step "unit, pallet and benchmark tests (the real compiled modules on a mock runtime)"
cargo test --locked --workspace --features "$features"

step "the process modules' own unit tests (the SDK's test kernel, module-interfaces with its metadata, kernel-metadata, natively)"
(cd modules && cargo test --locked -p kernel-sdk -p module-interfaces -p kernel-metadata \
  --features module-interfaces/std,module-interfaces/sealed,module-interfaces/metadata \
  --target "$(rustc -vV | sed -n 's/^host: //p')" --target-dir ../target/modules-host)

step "end-to-end tests"
(cd tests/e2e && npm test)

step "all tests passed"
