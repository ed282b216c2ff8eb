#!/usr/bin/env bash
# Question: how big is the single-file executable, and how long does it take to start
# (`--version`), next to the npm CLI (`node dist/bin.js --version`)? And what does its first
# command that needs an embedded file cost (writing it out once) against later ones?
# Usage: bash bench/sea-startup.sh [RUNS]   (default 20; builds dist/sea/infermark if missing)
# Prints medians of RUNS runs of wall and CPU time (user+sys), and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
[ -f dist/bin.js ] || npx tsc -p tsconfig.json
[ -f dist/sea/infermark ] || node scripts/build-sea.mjs

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp dist/sea/infermark "$scratch/infermark"

# measure LABEL RUNS COMMAND...: median wall and CPU of RUNS runs, in ms.
measure() {
  local label=$1 n=$2
  shift 2
  : >"$scratch/times"
  for _ in $(seq "$n"); do
    /usr/bin/time -f '%e %U %S' -o "$scratch/time" "$@" >/dev/null 2>&1
    cat "$scratch/time" >>"$scratch/times"
  done
  printf '%-44s wall %7.1f ms  cpu %7.1f ms  (median of %d)\n' "$label" \
    "$(awk '{ print $1 * 1000 }' "$scratch/times" | median)" "$(awk '{ print ($2 + $3) * 1000 }' "$scratch/times" | median)" "$n"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'dist/sea/infermark: %s bytes (%.1f MiB)\n' "$(stat -c %s dist/sea/infermark)" "$(echo "$(stat -c %s dist/sea/infermark) / 1048576" | bc -l)"
# As on a machine without Node: an empty environment but for PATH and a HOME of its own.
sea=(env -i PATH=/usr/bin:/bin HOME="$scratch/home" "$scratch/infermark")
measure 'single executable: --version' "$runs" "${sea[@]}" --version
measure 'npm CLI: node dist/bin.js --version' "$runs" node dist/bin.js --version
trace=../shared/data/mooncake/conversation_trace.jsonl
# The first analyze-trace writes the WASM core out; every later one finds it.
rm -rf "$scratch/home"
measure 'single executable: analyze-trace, first run' 1 "${sea[@]}" analyze-trace "$trace" --output-file "$scratch/a.json"
measure 'single executable: analyze-trace, later runs' 5 "${sea[@]}" analyze-trace "$trace" --output-file "$scratch/a.json"
measure 'npm CLI (native core): analyze-trace' 5 node dist/bin.js analyze-trace "$trace" --output-file "$scratch/a.json"
echo "load average: $load_before -> $(cut -d' ' -f1-3 /proc/loadavg)"
