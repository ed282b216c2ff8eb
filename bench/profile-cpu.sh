#!/usr/bin/env bash
# Question: how much client CPU does `infermark profile` spend per 1,000 streamed requests
# (ISL 1,000, OSL 100) against a zero-latency mock, start-up excluded?
# CPU = user + system of the profile process (all its threads: engine, record processor).
# Start-up (tokenizer load, corpus tokenization, dataset) is measured by a 1-request run and
# subtracted. The mock runs in its own process (`serve-mock --latency-model none`).
# Usage: npm run build:ts && bash bench/profile-cpu.sh [REQUESTS=2000] [CONCURRENCY=32] [WORKERS=1]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
c=${2:-32}
w=${3:-1}
. bench/start-mock.sh
run() { # $1 = request count; prints "wall user sys"
  /usr/bin/time -f '%e %U %S' -o "$out/time" node dist/bin.js profile -m mock-model --url "$url" --streaming \
    --isl 1000 --osl 100 --extra-inputs ignore_eos:true --concurrency "$c" --request-count "$1" --workers "$w" \
    --ui none --artifact-dir "$out/run-$1" >"$out/console-$1.txt" 2>"$out/stderr-$1.txt"
  cat "$out/time"
}
read -r w1 u1 s1 < <(run 1)
read -r wn un sn < <(run "$n")
grep -E 'Request Throughput|Output Token Throughput \(|Client:' "$out/console-$n.txt" || true
awk -v n="$n" -v c="$c" -v w="$w" -v w1="$w1" -v u1="$u1" -v s1="$s1" -v wn="$wn" -v un="$un" -v sn="$sn" 'BEGIN {
  printf "requests %d concurrency %d workers %d\n", n, c, w;
  printf "start-up run (1 request): wall %.2f s, cpu %.2f s\n", w1, u1 + s1;
  printf "full run: wall %.2f s, cpu %.2f s (user %.2f, sys %.2f)\n", wn, un + sn, un, sn;
  printf "client CPU per 1,000 streamed requests (start-up excluded): %.2f s\n", ((un + sn) - (u1 + s1)) * 1000 / (n - 1);
}'
