#!/usr/bin/env bash
# Question: how many SSE events per second per core does `serve-mock --latency-model none`
# sustain at 64–512 concurrent streaming connections (docs/serve-mock.md §10: ≥ 20,000)?
# wrk drives streaming chat completions (64 tokens each; bench/mock-sse.lua); the server's
# own CPU time is read from /proc so the figure is per core the server actually used.
# Usage: npm run build:ts && bash bench/mock-sse.sh [SECONDS=10] [CONCURRENCIES="64 256 512"]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
concurrencies=${2:-"64 256 512"}
. bench/start-mock.sh
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$mock/stat"; }
# Each response: role event + 64 token events + finish event + usage event + [DONE].
events_per_response=68
tokens_per_response=64
# Warm-up so JIT compilation is not measured.
wrk -t1 -c64 -d2s -s bench/mock-sse.lua "$url/v1/chat/completions" >/dev/null
printf '%-12s %12s %14s %14s %10s %16s\n' connections 'responses/s' 'SSE events/s' 'token events/s' 'cores' 'events/s/core'
for c in $concurrencies; do
  before=$(cpu)
  wrk -t1 -c"$c" -d"${secs}s" -s bench/mock-sse.lua "$url/v1/chat/completions" >"$out/wrk.txt"
  after=$(cpu)
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
  awk -v c="$c" -v rps="$rps" -v e="$events_per_response" -v t="$tokens_per_response" -v cpu=$((after - before)) -v tick="$tick" -v secs="$secs" \
    'BEGIN { cores = cpu / tick / secs; printf "%-12s %12.0f %14.0f %14.0f %10.2f %16.0f\n", c, rps, rps * e, rps * t, cores, (cores > 0 ? rps * e / cores : 0) }'
  grep -E 'Non-2xx|Socket errors' "$out/wrk.txt" || true
done
