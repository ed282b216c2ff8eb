#!/usr/bin/env bash
# Question: how fast is `infermark analyze-trace` end to end from a file, native vs WASM,
# next to `wc -l` and (if installable) AIPerf's `aiperf analyze-trace`, and how much memory?
# Usage: bash bench/analyze-cli.sh [ROWS]   (default 2,000,000; data in bench/data/)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
data=bench/data/trace-${rows}.jsonl
[ -f "$data" ] || npx vite-node test/helpers/generate-trace.ts -- --rows "$rows" --seed 1 --out "$data"
bytes=$(stat -c %s "$data")
echo "input: $data ($rows rows, $bytes bytes)"

hyperfine --warmup 1 --runs 5 --export-json "bench/data/analyze-cli-${rows}.json" \
  -n 'wc -l' "wc -l $data" \
  -n native "INFERMARK_BACKEND=native node dist/bin.js analyze-trace $data --format json --output-file /dev/null" \
  -n wasm "INFERMARK_BACKEND=wasm node dist/bin.js analyze-trace $data --format json --output-file /dev/null"

for backend in native wasm; do
  /usr/bin/time -v env INFERMARK_BACKEND=$backend node dist/bin.js analyze-trace "$data" --format json >/dev/null 2>bench/data/time-$backend.txt || true
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' bench/data/time-$backend.txt)
  echo "$backend peak RSS: ${rss} KiB ($(awk -v r="$rss" -v b="$bytes" 'BEGIN { printf "%.2f", r * 1024 / b }') x file size)"
done

node -e '
const r = require(process.argv[1]).results; const rows = +process.argv[2], bytes = +process.argv[3];
for (const x of r) console.log(`${x.command.padEnd(8)} mean ${x.mean.toFixed(3)} s ± ${x.stddev.toFixed(3)}  ${(bytes / 1e6 / x.mean).toFixed(1)} MB/s  ${Math.round(rows / x.mean).toLocaleString("en-US")} rows/s`);
' "$PWD/bench/data/analyze-cli-${rows}.json" "$rows" "$bytes"
