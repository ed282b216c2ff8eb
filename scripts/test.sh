#!/usr/bin/env bash
# Installs, builds and runs every test: the Rust core's tests, then the vitest suite
# (which runs the binding-facing tests once per backend, native and WASM, plus parity).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

echo "== type-check (ts/src, test, bench)"
npx tsc -p tsconfig.check.json

echo "== cargo test (trace-core)"
cargo test --release --quiet

echo "== vitest (both backends, e2e)"
npx vitest run --exclude 'test/**/*.timing.test.ts'

# Tests that compare measured latencies with injected ones (ms tolerances) run on their own,
# one file at a time, so that the rest of the suite does not steal their CPU.
echo "== vitest (timing accuracy, alone)"
npx vitest run --no-file-parallelism timing.test
