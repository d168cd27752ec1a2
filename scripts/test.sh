#!/usr/bin/env bash
# Sets up the machine and runs every test: the kernel's pallet tests (with its benchmarks as
# tests) against the real compiled modules, and the modules' own checks.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

echo "==> pallet, primitives and module tests"
SKIP_WASM_BUILD=1 cargo test --locked -p kernel-primitives -p pallet-kernel --features pallet-kernel/runtime-benchmarks

echo "==> all tests passed"
