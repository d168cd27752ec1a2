#!/usr/bin/env bash
# Measures the kernel against what a chain builder would pick instead, in one run of one
# release node, and writes the table in `docs/performance.md` (between its `compare.sh` markers).
#
#   ./scripts/compare.sh                 # builds the release node with `runtime-benchmarks`
#   NO_BUILD=1 ./scripts/compare.sh      # reuses target/release/kernel-node
#   STEPS=10 REPEAT=10 ./scripts/compare.sh
#
# Every figure is the median of the benchmark's repeats (the benchmarks have no components),
# so the ratios compare like with like: the same binary, machine and moment.
set -euo pipefail
cd "$(dirname "$0")/.."

export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
steps="${STEPS:-50}"
repeat="${REPEAT:-20}"
node=target/release/kernel-node

if [ -z "${NO_BUILD:-}" ]; then
	cargo build --locked --release -p kernel-node --features runtime-benchmarks
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

bench() {
	local pallet="$1" extrinsics="$2"
	"$node" benchmark pallet \
		--chain dev \
		--pallet "$pallet" \
		--extrinsic "$extrinsics" \
		--steps "$steps" \
		--repeat "$repeat" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--json-file "$out/$pallet.json" >"$out/$pallet.log" 2>&1 ||
		{ cat "$out/$pallet.log" >&2; exit 1; }
}

bench pallet_balances transfer_keep_alive
bench pallet_contracts call
bench peers contracts_token_transfer
bench pallet_kernel call,invoke,wat_token_transfer,balance_transfer,balance_slash

python3 scripts/performance_table.py "$out" docs/performance.md
echo "docs/performance.md updated"
