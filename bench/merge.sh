#!/usr/bin/env bash
# Question: how long does `infermark merge` take, in wall and CPU time, and how much memory does it
# hold, for 1,000,000 records across 8 shards (docs/cli.md §9: records are streamed, memory is what
# the statistics keep)?
# Usage: bash bench/merge.sh [RUNS] [RECORDS] [SHARDS]   (defaults 3, 1000000, 8; the shards are
# generated once into bench/data/ by bench/merge-shards-generator.ts, seed 1)
# Prints the median of RUNS runs of wall time, CPU time (user+sys) and peak RSS, and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
records=${2:-1000000}
shards=${3:-8}
[ -f dist/bin.js ] || npx tsc -p tsconfig.json
mkdir -p bench/data

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

dir=bench/data/merge-$records-$shards
[ -f "$dir/shard-$((shards - 1))/profile_export_aiperf.json" ] ||
  npx vite-node bench/merge-shards-generator.ts -- --records "$records" --shards "$shards" --seed 1 --out "$dir" >&2
bytes=$(cat "$dir"/shard-*/profile_export.jsonl | wc -c)
: >"$dir.times"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$runs"); do
  rm -rf "$dir/merged"
  /usr/bin/time -f '%e %U %S %M' -o "$dir.time" node dist/bin.js merge "$dir"/shard-* -o "$dir/merged" >/dev/null
  cat "$dir.time" >>"$dir.times"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
wall=$(awk '{ print $1 }' "$dir.times" | median)
cpu=$(awk '{ print $2 + $3 }' "$dir.times" | median)
rss=$(awk '{ print $4 / 1024 }' "$dir.times" | median)
count=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$dir/merged/profile_export_aiperf.json','utf8')).completed_request_count.avg)")
printf '%9d records in %d shards (%5.0f MB): wall %6.2f s  cpu %6.2f s  peak RSS %4.0f MiB  (median of %d; %s merged; load %s -> %s)\n' \
  "$records" "$shards" "$(echo "$bytes / 1000000" | bc -l)" "$wall" "$cpu" "$rss" "$runs" "$count" "$load_before" "$load_after"
