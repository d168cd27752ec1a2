#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian/Ubuntu machine with rustup:
# protoc (for litep2p), the wasm32 target and rust-src (for the runtime and the process
# modules), and the end-to-end tests' npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi
}

if ! command -v protoc >/dev/null; then
	echo "==> installing protobuf-compiler"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq protobuf-compiler >/dev/null
fi

echo "==> rust toolchain: wasm32-unknown-unknown target and rust-src"
rustup target add wasm32-unknown-unknown >/dev/null
rustup component add rust-src >/dev/null

if [ -f tests/e2e/package-lock.json ]; then
	echo "==> npm packages of the end-to-end tests"
	(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
