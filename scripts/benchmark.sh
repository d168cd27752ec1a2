#!/usr/bin/env bash
# Regenerates `pallets/kernel/src/weights.rs` from the pallet's benchmarks.
#
#   ./scripts/benchmark.sh                  # release node (what a production chain should use)
#   PROFILE=debug ./scripts/benchmark.sh    # reuse a debug build (hot crates are optimised)
#
# Run it on the chain's reference hardware with nothing else loaded: the numbers are
# wall-clock measurements.
set -euo pipefail
cd "$(dirname "$0")/.."

# `frame-benchmarking-cli` depends on a test runtime for `benchmark storage` whose wasm build
# cannot find itself outside the polkadot-sdk workspace; `benchmark pallet` does not need it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1

profile="${PROFILE:-release}"
steps="${STEPS:-50}"
repeat="${REPEAT:-20}"

if [ "$profile" = release ]; then
	cargo build --locked --release -p kernel-node --features runtime-benchmarks
else
	cargo build --locked -p kernel-node --features runtime-benchmarks
fi

"target/$profile/kernel-node" benchmark pallet \
	--chain dev \
	--pallet pallet_kernel \
	--extrinsic '*' \
	--steps "$steps" \
	--repeat "$repeat" \
	--wasm-execution compiled \
	--heap-pages 4096 \
	--template scripts/weight-template.hbs \
	--output pallets/kernel/src/weights.rs
