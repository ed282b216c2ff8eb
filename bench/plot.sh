#!/usr/bin/env bash
# Question: how long does `infermark plot` take, in wall and CPU time, and how much memory does it
# hold, for a run of 10,000 and of 1,000,000 records (docs/cli.md §7: a million records in
# seconds, memory bounded)?
# Usage: bash bench/plot.sh [RUNS]   (default 5 runs per size; the runs are generated once into bench/data/)
# Each size: the seeded run of bench/plot-run-generator.ts (64 streams, OSL ~96, 1 % failures,
# records with their inter_chunk_latency lists, ~2.3 kB a line), plotted to PNG and SVG. Prints
# the median of RUNS runs of wall time, CPU time (user+sys) and peak RSS, and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
[ -f dist/bin.js ] || npx tsc -p tsconfig.json
mkdir -p bench/data

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for records in 10000 1000000; do
  dir=bench/data/plot-run-$records
  [ -f "$dir/profile_export.jsonl" ] || npx vite-node bench/plot-run-generator.ts -- --records "$records" --seed 1 --out "$dir" >&2
  bytes=$(stat -c %s "$dir/profile_export.jsonl")
  : >"bench/data/plot-$records.times"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  for _ in $(seq "$runs"); do
    rm -rf "$dir/plots"
    /usr/bin/time -f '%e %U %S %M' -o bench/data/plot-time.txt node dist/bin.js plot "$dir" --format png,svg >/dev/null
    cat bench/data/plot-time.txt >>"bench/data/plot-$records.times"
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  wall=$(awk '{ print $1 }' "bench/data/plot-$records.times" | median)
  cpu=$(awk '{ print $2 + $3 }' "bench/data/plot-$records.times" | median)
  rss=$(awk '{ print $4 / 1024 }' "bench/data/plot-$records.times" | median)
  charts=$(find "$dir/plots" -name '*.png' | wc -l)
  printf '%9d records (%5.0f MB): wall %6.2f s  cpu %6.2f s  peak RSS %4.0f MiB  (median of %d; %d charts as PNG+SVG; load %s -> %s)\n' \
    "$records" "$(echo "$bytes / 1000000" | bc -l)" "$wall" "$cpu" "$rss" "$runs" "$charts" "$load_before" "$load_after"
done
