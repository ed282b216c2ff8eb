#!/usr/bin/env bash
# One command for the real-engine comparison (docs/BENCHMARKS.md, "A real engine: llama-server,
# next to AIPerf 0.13"): builds the real server if needed (../shared/real-server/setup.sh, once
# per machine), installs AIPerf 0.13.0 into its own venv if needed, builds the CLI, then runs
# bench/real-engine.bench.ts with any arguments given here, e.g.
#   bash bench/real-engine.sh                       # upstream llama-server, C = 1 and 8, 3 runs
#   bash bench/real-engine.sh --binary patched      # the keep-alive-patched build
set -euo pipefail
cd "$(dirname "$0")/.."
bash ../shared/real-server/setup.sh >/dev/null
bash bench/install-aiperf.sh >/dev/null
npm run --silent build:ts
exec npx vite-node bench/real-engine.bench.ts -- "$@"
