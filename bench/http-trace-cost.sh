#!/usr/bin/env bash
# Question: what do `--export-http-trace` and `--network-latency-automatic` (docs/cli.md §3.13)
# cost the client? The same run without either, with the HTTP trace, and with the RTT probes,
# alternated ROUNDS times: wall time and CPU (user + system of the profile process, all threads),
# the event-loop lag max of the engine loops (the summary JSON's client_event_loop_lag_max), and the
# bytes per line of profile_export.jsonl. The mock runs in its own process
# (`serve-mock --latency-model none`); streaming chat, ISL 1,000, OSL 100 (`ignore_eos`), the
# engine's default threads, the probes every 0.1 s (ten times AIPerf's default rate).
# Usage: npm run build:ts && bash bench/http-trace-cost.sh [REQUESTS=2000] [CONCURRENCY=32] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
c=${2:-32}
rounds=${3:-3}
. bench/start-mock.sh
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # $1 = label, $2.. = extra flags; prints "label wall cpu lag_max_ms bytes_per_record"
  local label=$1
  shift
  local dir="$out/run-$label-$RANDOM"
  /usr/bin/time -f '%e %U %S' -o "$out/time" node dist/bin.js profile -m mock-model --url "$url" --streaming \
    --isl 1000 --osl 100 --extra-inputs ignore_eos:true --concurrency "$c" --request-count "$n" \
    --no-server-metrics --ui none --artifact-dir "$dir" "$@" >/dev/null 2>"$out/stderr"
  read -r wall user sys <"$out/time"
  node -e '
    const fs = require("fs");
    const s = JSON.parse(fs.readFileSync(process.argv[1] + "/profile_export_aiperf.json", "utf8"));
    const lines = fs.readFileSync(process.argv[1] + "/profile_export.jsonl", "utf8").trim().split("\n");
    const bytes = lines.reduce((a, l) => a + l.length + 1, 0) / lines.length;
    console.log([process.argv[2], process.argv[3], (+process.argv[4] + +process.argv[5]).toFixed(2),
      s.client_event_loop_lag_max.avg.toFixed(1), bytes.toFixed(0)].join(" "));
  ' "$dir" "$label" "$wall" "$user" "$sys"
  rm -rf "$dir"
}
{
  for _ in $(seq "$rounds"); do
    run off
    run trace --export-http-trace
    run probes --network-latency-automatic --network-latency-ping-interval 0.1
  done
} | tee "$out/results"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$n" '
  { wall[$1] = wall[$1] " " $2; cpu[$1] = cpu[$1] " " $3; lag[$1] = lag[$1] " " $4; bytes[$1] = $5 }
  function median(list,   a, k, i, j, t) {
    k = split(list, a, " ");
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2;
  }
  END {
    printf "%-7s %10s %10s %28s %16s %18s\n", "run", "wall (s)", "CPU (s)", "CPU per 1,000 req (s)", "loop lag max (ms)", "bytes per record";
    for (m in wall) printf "%-7s %10.2f %10.2f %28.3f %16.1f %18d\n", m, median(wall[m]), median(cpu[m]), median(cpu[m]) * 1000 / n, median(lag[m]), bytes[m];
  }' "$out/results"
