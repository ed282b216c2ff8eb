#!/usr/bin/env bash
# Question: does memory stay bounded when synthesis rows grow far beyond their input
# (docs/synthesis.md §7)? A transform of the first ROWS rows of the real trace with
# --synthesis-prompt-len-multiplier MULT writes ~4 MB per row; the output goes to /dev/null.
# Usage: bash bench/synthesis-growth.sh [ROWS] [MULT] [RUNS] [BIN]
#   (default 200 rows, multiplier 20000, 3 runs, dist/bin.js; BIN may point at another build)
# Prints, per backend and run: wall, CPU (user+sys), peak RSS and output bytes; then medians.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200}
mult=${2:-20000}
runs=${3:-3}
bin=${4:-dist/bin.js}
real=../shared/data/mooncake/conversation_trace.jsonl
input=$(mktemp --suffix=.jsonl)
times=$(mktemp)
trap 'rm -f "$input" "$times"' EXIT
head -n "$rows" "$real" > "$input"
echo "input: $rows rows of $real; --synthesis-prompt-len-multiplier $mult; $bin; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for backend in native wasm; do
  : > "$times"
  for _ in $(seq "$runs"); do
    bytes=$( { /usr/bin/time -f '%e %U %S %M' -a -o "$times" env INFERMARK_BACKEND=$backend \
      node "$bin" synthesize "$input" -o - --no-analysis --synthesis-prompt-len-multiplier "$mult" 2>/dev/null; } | wc -c)
  done
  node -e '
const [file, backend, bytes] = process.argv.slice(1);
const runs = require("fs").readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
const median = (xs) => xs.sort((a, b) => a - b)[(xs.length - 1) >> 1];
const wall = median(runs.map((r) => r[0]));
const cpu = median(runs.map((r) => r[1] + r[2]));
const rss = median(runs.map((r) => r[3])) / 1024;
console.log(`${backend.padEnd(6)} output ${bytes} bytes  wall ${wall.toFixed(2)} s  cpu ${cpu.toFixed(2)} s  peak RSS ${rss.toFixed(0)} MB (medians of ${runs.length})`);
' "$times" "$backend" "$bytes"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
