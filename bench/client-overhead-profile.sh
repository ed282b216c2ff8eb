#!/usr/bin/env bash
# Where does infermark's client time go while it streams? Runs `infermark profile` under
# `node --cpu-prof` (and optionally --trace-gc) against the ground-truth server
# (bench/profile-truth-server.mjs) and prints self time by category for every thread's profile
# (bench/cpu-profile-summary.mjs). Prints the load average before and after.
# Usage: npm run build:ts && bash bench/client-overhead-profile.sh [CONCURRENCY=500] [REQUESTS=2000] [extra profile args…]
#   TRACE_GC=1 also counts GC pauses (scavenges / mark-sweeps and their total time).
set -euo pipefail
cd "$(dirname "$0")/.."
c=${1:-500}
n=${2:-2000}
shift $(( $# > 2 ? 2 : $# )) || true
out=$(mktemp -d "${TMPDIR:-/tmp}/infermark-cpuprof.XXXXXX")
. scripts/background-server.sh
start_server "$out/server.log" node bench/profile-truth-server.mjs --ttft 100 --itl 20 --osl 32
trap stop_server EXIT
port=$(await_listening "$out/server.log" '^listening [0-9]+' | cut -d' ' -f2)
echo "# $(uptime)"
gc=()
[ "${TRACE_GC:-0}" = 1 ] && gc=(--trace-gc)
/usr/bin/time -f 'wall %e s, user %U s, sys %S s' node --cpu-prof --cpu-prof-dir="$out/prof" "${gc[@]}" dist/bin.js profile \
  -m m --url "http://127.0.0.1:$port" --endpoint-type chat --streaming --concurrency "$c" --request-count "$n" \
  --warmup-request-count "$c" --isl 100 --osl 32 --ui none --artifact-dir "$out/run" "$@" >"$out/console.txt" 2>"$out/stderr.txt" || { cat "$out/stderr.txt"; exit 1; }
tail -1 "$out/stderr.txt"
echo "# $(uptime)"
grep -E '^Client:' "$out/console.txt" || true
if [ "${TRACE_GC:-0}" = 1 ]; then
  # --trace-gc lines: "… ms: Scavenge 10.2 (12.3) -> 9.8 (13.3) MB, 1.23 / 0.00 ms …" (pause first).
  for kind in Scavenge Mark-Compact; do
    grep -E "ms: $kind" "$out/console.txt" | grep -oE 'MB, [0-9.]+ /' | awk -v k="$kind" '{n++; t+=$2} END {printf "%s: %d pauses, %.1f ms in total\n", k, n, t}'
  done
fi
for p in "$out"/prof/*.cpuprofile; do node bench/cpu-profile-summary.mjs "$p" --top 25 --from-fn onResponseData; done
echo "(files in $out)"
