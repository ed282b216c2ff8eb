#!/usr/bin/env bash
# Question: can one machine hold 10,000 concurrent long streams (ITL 1 s) without client errors,
# and how accurate are the stamps while it does? Server: bench/profile-truth-server.mjs
# (TTFT 2 s, ITL 1 s, 10 tokens → ~11 s per stream), one process.
# Usage: npm run build:ts && bash bench/profile-10k.sh [CONCURRENCY=10000] [WORKERS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
c=${1:-10000}
w=${2:-2}
. scripts/background-server.sh
out=$(mktemp -d)
trap 'stop_server; rm -rf "$out"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
start_server "$out/srv.log" node bench/profile-truth-server.mjs --ttft 2000 --itl 1000
port=$(await_listening "$out/srv.log" '^listening [0-9]+' | cut -d' ' -f2)
/usr/bin/time -f 'client: wall %e s, user %U s, sys %S s, max RSS %M KiB' node dist/bin.js profile -m m --url "127.0.0.1:$port" --streaming \
  --isl 20 --osl 10 --concurrency "$c" --request-count "$c" --workers "$w" --ui none --no-server-metrics \
  --request-timeout-seconds 120 --artifact-dir "$out/run" 2>"$out/stderr.txt" \
  | grep -E 'Time to First Token|Inter Token Latency|Request Count|Error Request|Success Rate|Client:|Errors:|×' || true
tail -n 3 "$out/stderr.txt"
