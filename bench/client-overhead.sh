#!/usr/bin/env bash
# One command for the client-overhead benchmark (docs/BENCHMARKS.md, "Client overhead on TTFT,
# next to AIPerf 0.13"): installs AIPerf 0.13.0 into its own venv if needed, builds the CLI, then
# runs bench/client-overhead.bench.ts with any arguments given here, e.g.
#   bash bench/client-overhead.sh --concurrency 1,8,64,256,500 --runs 3
#   bash bench/client-overhead.sh --clients infermark --concurrency 500 --infermark-args '--workers 1'
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/install-aiperf.sh >/dev/null
npm run --silent build:ts
exec npx vite-node bench/client-overhead.bench.ts -- "$@"
