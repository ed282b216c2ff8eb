#!/usr/bin/env bash
# Installs, builds and runs every test: the Rust core's tests, then the vitest suite
# (which runs the binding-facing tests once per backend, native and WASM, plus parity), then the
# real-engine suite against llama.cpp's llama-server from the shared folder next to this
# checkout (../shared/real-server).
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { echo "== [+${SECONDS}s] $*"; }

real_server=../shared/real-server
if [ ! -f "$real_server/setup.sh" ]; then
  echo "error: $real_server/setup.sh is missing: the real-engine tests need the shared folder next to this checkout" >&2
  echo "       (../shared/real-server: builds llama.cpp's llama-server and a tiny Qwen3 model)" >&2
  exit 1
fi

# The real-server build (once per machine, ~18 CPU-minutes; about a second once done) runs in
# the background while everything else builds and is checked; its apt packages come first so
# that it never runs apt-get next to install.sh. If this script stops early, the build goes on
# to its end and the next run reuses it.
bash scripts/install.sh --system-packages
mkdir -p .tmp
setup_log=.tmp/real-server-setup.log
stage "real-server setup in the background (log: $setup_log)"
bash "$real_server/setup.sh" >"$setup_log" 2>&1 &
setup_pid=$!

bash scripts/install.sh

# After the builds: the generated declarations of both bindings must satisfy the one binding
# contract (ts/src/trace-core/backend.ts), or type-checking fails here.
stage "binding contract (tsc -p tsconfig.bindings.json)"
npx tsc -p tsconfig.bindings.json

# Rust hygiene before any test: formatting, and clippy over the whole workspace (core and both
# bindings) for the host, then the core and the wasm binding for wasm32.
stage "cargo fmt --check, cargo clippy (workspace, host; core and wasm binding, wasm32)"
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
bash scripts/build-wasm.sh --clippy

stage "TypeScript: biome (format and lint), type-check of ts/src, test and bench, and of the browser app"
npx biome ci --colors=off
npx tsc -p tsconfig.check.json
npx tsc -p tsconfig.web.json

stage "cargo test (trace-core)"
cargo test --profile release-test --quiet

# The single-file executable (docs/single-executable.md), which test/e2e/single-executable.test.ts
# runs as on a machine without Node: a build (~25 s), so before the timed tests.
stage "single-file executable (npm run build:sea)"
node scripts/build-sea.mjs

# Tests from here on measure time or run a real server: the compiler must not share the two
# cores with them, so the real-server build has to be done first.
stage "waiting for the real-server setup"
setup_status=0
wait "$setup_pid" || setup_status=$?

stage "vitest (both backends, e2e)"
npx vitest run --exclude 'test/**/*.timing.test.ts'

# Tests that compare measured latencies with injected ones (ms tolerances) run on their own,
# one file at a time, so that the rest of the suite does not steal their CPU. The machine is
# shared: another tenant's burst can shift one run's median by several ms, so a failed timing test
# runs again (up to twice); a real regression in the client's timing fails all three runs.
stage "vitest (timing accuracy, alone)"
npx vitest run --no-file-parallelism --retry=2 timing.test

if [ "$setup_status" != 0 ]; then
  echo "error: $real_server/setup.sh failed (exit $setup_status); the end of $setup_log:" >&2
  tail -n 30 "$setup_log" >&2
  exit 1
fi
# infermark against llama.cpp's llama-server as users run it (the upstream binary), one test
# file at a time, each with a server of its own (vitest.real-engine.config.ts).
stage "vitest (real engine: upstream llama-server)"
npx vitest run --config vitest.real-engine.config.ts
stage "done"
