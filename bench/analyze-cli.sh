#!/usr/bin/env bash
# Question: how fast is `infermark analyze-trace` end to end from a file, native vs WASM,
# next to `wc -l` and (if installed) AIPerf's `aiperf analyze-trace`, and how much memory?
# Usage: bash bench/analyze-cli.sh [ROWS] [RUNS]   (default 2,000,000 rows, 5 runs; data in bench/data/)
#   AIPERF=/path/to/aiperf also times `aiperf analyze-trace` once (python3 -m venv
#   .tmp/aiperf-venv && .tmp/aiperf-venv/bin/pip install aiperf).
# Reports wall time and CPU time (user+sys): on a shared machine CPU time is the stabler figure.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
runs=${2:-5}
data=bench/data/trace-${rows}.jsonl
[ -f "$data" ] || npx vite-node test/helpers/generate-trace.ts -- --rows "$rows" --seed 1 --out "$data"
bytes=$(stat -c %s "$data")
echo "input: $data ($rows rows, $bytes bytes); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

hyperfine --warmup 1 --runs "$runs" --export-json "bench/data/analyze-cli-${rows}.json" \
  -n 'wc -l' "wc -l $data" \
  -n 'infermark -V (startup only)' "node dist/bin.js -V" \
  -n native "INFERMARK_BACKEND=native node dist/bin.js analyze-trace $data --format json" \
  -n wasm "INFERMARK_BACKEND=wasm node dist/bin.js analyze-trace $data --format json" >&2

node -e '
const r = require(process.argv[1]).results; const rows = +process.argv[2], bytes = +process.argv[3];
for (const x of r) {
  const cpu = x.user + x.system;
  console.log(`${x.command.padEnd(28)} wall ${x.mean.toFixed(3)} s ± ${x.stddev.toFixed(3)} (${(bytes / 1e6 / x.mean).toFixed(1)} MB/s, ${Math.round(rows / x.mean).toLocaleString("en-US")} rows/s)  cpu ${cpu.toFixed(3)} s (${(bytes / 1e6 / cpu).toFixed(1)} MB/s)`);
}' "$PWD/bench/data/analyze-cli-${rows}.json" "$rows" "$bytes"

measure() { # name, command...: one run under /usr/bin/time -v
  local name=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"bench/data/time-$name.txt" || { echo "$name failed"; tail -3 "bench/data/time-$name.txt"; return; }
  awk -v n="$name" -v b="$bytes" -F': ' '
    /User time/ {u=$2} /System time/ {s=$2} /Elapsed/ {e=$2} /Maximum resident set size/ {r=$2}
    END { printf "%-8s wall %s  cpu %.2f s  peak RSS %d MiB (%.2f x file size)\n", n, e, u+s, r/1024, r*1024/b }' "bench/data/time-$name.txt"
}
measure native env INFERMARK_BACKEND=native node dist/bin.js analyze-trace "$data" --format json
measure wasm env INFERMARK_BACKEND=wasm node dist/bin.js analyze-trace "$data" --format json
if [ -n "${AIPERF:-}" ]; then
  out=bench/data/aiperf-${rows}
  mkdir -p "$out"
  measure aiperf "$AIPERF" analyze-trace "$data" --output-file "$out/analysis.json"
  node -e '
    const a = require(process.argv[1]);
    const o = JSON.parse(require("child_process").execFileSync("node", ["dist/bin.js", "analyze-trace", process.argv[2], "--format", "json"], { encoding: "utf8", maxBuffer: 1 << 26 }));
    const diff = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(o[k]));
    console.log(diff.length ? `AIPerf keys that differ: ${diff.join(", ")}` : `all ${Object.keys(a).length} AIPerf keys identical to infermark`);
  ' "$PWD/$out/analysis.json" "$data"
fi
