#!/usr/bin/env bash
# Installs, builds and runs every test: the Rust core's tests, then the vitest suite
# (which runs the binding-facing tests once per backend, native and WASM, plus parity).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

# After the builds: the generated declarations of both bindings must satisfy the one binding
# contract (ts/src/trace-core/backend.ts), or type-checking fails here.
echo "== binding contract (tsc -p tsconfig.bindings.json)"
npx tsc -p tsconfig.bindings.json

# Rust hygiene before any test: formatting, and clippy over the whole workspace (core and both
# bindings) for the host, then the core and the wasm binding for wasm32.
echo "== cargo fmt --check, cargo clippy (workspace, host; core and wasm binding, wasm32)"
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
bash scripts/build-wasm.sh --clippy

echo "== TypeScript: biome (format and lint), type-check of ts/src, test and bench"
npx biome ci --colors=off
npx tsc -p tsconfig.check.json

echo "== cargo test (trace-core)"
cargo test --release --quiet

echo "== vitest (both backends, e2e)"
npx vitest run --exclude 'test/**/*.timing.test.ts'

# Tests that compare measured latencies with injected ones (ms tolerances) run on their own,
# one file at a time, so that the rest of the suite does not steal their CPU. The machine is
# shared: another tenant's burst can shift one run's median by several ms, so a failed timing test
# runs again (up to twice); a real regression in the client's timing fails all three runs.
echo "== vitest (timing accuracy, alone)"
npx vitest run --no-file-parallelism --retry=2 timing.test
