#!/usr/bin/env bash
# Question: how long does `infermark synthesize` take end to end, next to `analyze-trace` on the
# same file (goal: transform ≤ 2× analyze), native vs WASM (goal ≤ 2.5×), and how fast is
# generate mode (goal: 1,000,000 rows ≤ 5 s native)?
# Usage: bash bench/synthesis-cli.sh [ROWS] [RUNS]   (default 2,000,000 rows, 3 runs; data in bench/data/)
# Reports wall and CPU time (user+sys); on a shared machine CPU time is the stabler figure.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
runs=${2:-3}
data=bench/data/trace-${rows}.jsonl
real=../shared/data/mooncake/conversation_trace.jsonl
[ -f "$data" ] || npx vite-node test/helpers/generate-trace.ts -- --rows "$rows" --seed 1 --out "$data"
out=bench/data/synth-out.jsonl
bytes=$(stat -c %s "$data")
echo "input: $data ($rows rows, $bytes bytes); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
tf="--synthesis-prefix-len-multiplier 1.5 --synthesis-speedup-ratio 2"

# The output is removed before every run: replacing an existing file makes ext4 write the
# new one back at the rename (auto_da_alloc), 0.3–0.7 s that is the file system's, not ours.
hyperfine --warmup 1 --runs "$runs" --prepare "rm -f $out" --export-json "bench/data/synthesis-cli-${rows}.json" \
  -n 'analyze-trace native' "INFERMARK_BACKEND=native node dist/bin.js analyze-trace $data --format json" \
  -n 'transform native' "INFERMARK_BACKEND=native node dist/bin.js synthesize $data -o $out $tf --no-analysis" \
  -n 'transform native + side-by-side analysis' "INFERMARK_BACKEND=native node dist/bin.js synthesize $data -o $out $tf" \
  -n 'analyze-trace wasm' "INFERMARK_BACKEND=wasm node dist/bin.js analyze-trace $data --format json" \
  -n 'transform wasm' "INFERMARK_BACKEND=wasm node dist/bin.js synthesize $data -o $out $tf --no-analysis" \
  -n 'generate 1M native' "INFERMARK_BACKEND=native node dist/bin.js synthesize $real -o $out --mode generate --num-requests 1000000 --no-analysis" \
  -n 'generate 1M wasm' "INFERMARK_BACKEND=wasm node dist/bin.js synthesize $real -o $out --mode generate --num-requests 1000000 --no-analysis" \
  -n 'infermark -V (startup only)' "node dist/bin.js -V" >&2
rm -f "$out"

node -e '
const r = require(process.argv[1]).results;
for (const x of r) {
  console.log(`${x.command.padEnd(42)} wall ${x.mean.toFixed(2)} s ± ${x.stddev.toFixed(2)}  cpu ${(x.user + x.system).toFixed(2)} s`);
}' "$PWD/bench/data/synthesis-cli-${rows}.json"

# Core only (no Node, no file writes): cargo example timing each phase on the same file.
# Threads 1 and 2 show what the two-thread passes (learning pipeline, split emit) buy.
cargo build --release -q -p trace-core --example transform_file
for threads in 1 2; do
  echo -n "core, threads $threads: "
  target/release/examples/transform_file "$data" --prefix-len 1.5 --speedup 2 --chunk 4194304 --threads "$threads" 2>&1 | head -1
done
