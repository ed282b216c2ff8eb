#!/usr/bin/env bash
# Question: what aggregate throughput do 1, 2 and 4 local shards (docs/cli.md §3.8) reach against a
# zero-latency serve-mock on this machine, and what does each configuration cost in CPU?
# Usage: bash bench/shards-throughput.sh [RUNS] [SECONDS] [CONCURRENCY] [SHARD COUNTS]
#   (defaults 3, 10, 64, "1 2 4"). Each run starts N `profile` processes with --shard-index k
#   --shard-count N and the same flags (a closed loop of CONCURRENCY streams in all, for SECONDS),
#   merges them with `infermark merge`, and reads the merged request_throughput.
# Prints, per shard count, the medians over RUNS of the merged throughput, the shards' CPU time
# (user+sys, summed) and the wall time from the first start to the last exit, and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-10}
concurrency=${3:-64}
counts=${4:-1 2 4}
[ -f dist/bin.js ] || npx tsc -p tsconfig.json
. bench/start-mock.sh

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")

for n in $counts; do
  : >"$out/results-$n"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  for r in $(seq "$runs"); do
    run="$out/n$n-r$r"
    start=$(date +%s.%N)
    pids=()
    for k in $(seq 0 $((n - 1))); do
      /usr/bin/time -f '%U %S' -o "$run-time-$k" node dist/bin.js profile -m mock-model --url "$url" \
        --endpoint-type chat --streaming --isl 100 --osl 20 --concurrency "$concurrency" \
        --benchmark-duration "$seconds" --export-level records --ui none --no-server-metrics \
        --shard-index "$k" --shard-count "$n" --shard-rendezvous-port "$port" --shard-rendezvous "127.0.0.1:$port" \
        --artifact-dir "$run-$k" >"$run-log-$k" 2>&1 &
      pids+=($!)
    done
    # The shards only: a bare `wait` would wait for the mock too.
    wait "${pids[@]}"
    end=$(date +%s.%N)
    node dist/bin.js merge "$run"-[0-9]* -o "$run-merged" >/dev/null
    throughput=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$run-merged/profile_export_aiperf.json','utf8')).request_throughput.avg)")
    cpu=$(cat "$run"-time-* | awk '{ s += $1 + $2 } END { print s }')
    echo "$throughput $cpu $(echo "$end - $start" | bc -l)" >>"$out/results-$n"
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  printf '%d shard(s): merged throughput %8.1f req/s  shards CPU %6.2f s  wall %6.2f s  (median of %d; runs: %s; load %s -> %s)\n' \
    "$n" "$(awk '{ print $1 }' "$out/results-$n" | median)" "$(awk '{ print $2 }' "$out/results-$n" | median)" \
    "$(awk '{ print $3 }' "$out/results-$n" | median)" "$runs" "$(awk '{ printf "%.0f ", $1 }' "$out/results-$n")" "$load_before" "$load_after"
done
