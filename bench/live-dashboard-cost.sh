#!/usr/bin/env bash
# Question: what does `profile --ui dashboard` (docs/cli.md §3.5) cost the client? The same run
# with the live dashboard off and on, alternated ROUNDS times: wall time and CPU (user + system of
# the profile process, all threads), and the client-health figures the run records itself
# (event-loop lag max and CPU of the engine loops, from the summary JSON). The mock runs in its
# own process (`serve-mock --latency-model none`); streaming chat, ISL 1,000, OSL 100
# (`ignore_eos`), the engine's default threads. The dashboard computes and publishes its
# snapshot every second whether or not a page is open.
# Usage: npm run build:ts && bash bench/live-dashboard-cost.sh [REQUESTS=2000] [CONCURRENCY=32] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
c=${2:-32}
rounds=${3:-3}
. bench/start-mock.sh
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # $1 = label, $2.. = extra flags; prints "label wall cpu lag_max_ms engine_cpu_pct"
  local label=$1
  shift
  local dir="$out/run-$label-$RANDOM"
  /usr/bin/time -f '%e %U %S' -o "$out/time" node dist/bin.js profile -m mock-model --url "$url" --streaming \
    --isl 1000 --osl 100 --extra-inputs ignore_eos:true --concurrency "$c" --request-count "$n" \
    --artifact-dir "$dir" "$@" >/dev/null 2>"$out/stderr"
  read -r wall user sys <"$out/time"
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const v = (t) => (s[t] ? s[t].avg : NaN);
    console.log([process.argv[2], process.argv[3], (+process.argv[4] + +process.argv[5]).toFixed(2),
      v("client_event_loop_lag_max").toFixed(1), v("client_cpu_percent_avg").toFixed(0), v("request_throughput").toFixed(0)].join(" "));
  ' "$dir/profile_export_aiperf.json" "$label" "$wall" "$user" "$sys"
}
{
  for _ in $(seq "$rounds"); do
    run off --ui none
    run on --ui dashboard --dashboard-port 0
  done
} | tee "$out/results"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$n" '
  { wall[$1] = wall[$1] " " $2; cpu[$1] = cpu[$1] " " $3; lag[$1] = lag[$1] " " $4 }
  function median(list,   a, k, i, j, t) {
    k = split(list, a, " ");
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2;
  }
  END {
    printf "%-4s %10s %10s %36s %16s\n", "ui", "wall (s)", "CPU (s)", "CPU per 1,000 req, start-up incl. (s)", "loop lag max (ms)";
    for (m in wall) printf "%-4s %10.2f %10.2f %36.3f %16.1f\n", m, median(wall[m]), median(cpu[m]), median(cpu[m]) * 1000 / n, median(lag[m]);
  }' "$out/results"
