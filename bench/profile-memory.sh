#!/usr/bin/env bash
# Question: does `profile`'s memory stay flat on a long run? A closed loop of N streamed requests
# (OSL 256) against `serve-mock --latency-model none` (zero latency: the client is the only
# bottleneck, so the backlog of records waiting to be processed is as large as it can get).
#
# Peak RSS is the client process's VmHWM (the kernel's high-water mark of its resident set; the
# engine, token-counting and every other thread share the one process, and `profile` starts no
# child process), read from /proc just before it exits, cross-checked by /usr/bin/time's max RSS.
# The resident set is also sampled every 0.5 s (`rss_samples.txt` in the kept directory: seconds,
# KiB). The mock server is a separate process and is not counted. Wall and CPU (user + sys) come
# from /usr/bin/time; the load average is /proc/loadavg before and after.
#
# Usage: npm run build:ts && bash bench/profile-memory.sh [REQUESTS=1000000] [CONCURRENCY=32] [DIST=dist] [KEEP_DIR]
#   DIST: the build whose client is measured (e.g. another checkout's dist for a side-by-side run);
#   the mock server always runs from this checkout's dist. KEEP_DIR keeps the artifacts and samples.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
c=${2:-32}
dist=${3:-dist}
keep=${4:-}
. bench/start-mock.sh
run=${keep:-$out/run}
mkdir -p "$run"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "client: $dist/bin.js profile, $n requests, concurrency $c, OSL 256, streaming"
/usr/bin/time -f 'time: wall %e s, user %U s, sys %S s, max RSS %M KiB' -o "$run/time.txt" \
  node "$dist/bin.js" profile -m mock-model --url "$url" --streaming --isl 64 --osl 256 \
  --concurrency "$c" --request-count "$n" --ui none --no-server-metrics \
  --artifact-dir "$run/artifacts" >"$run/stdout.txt" 2>"$run/stderr.txt" &
timer=$!
# /usr/bin/time's child is the node process.
client=
for _ in $(seq 100); do
  client=$(pgrep -P "$timer" -x node || true)
  [ -n "$client" ] && break
  sleep 0.05
done
: >"$run/rss_samples.txt"
start=$(date +%s.%N)
peak_sampled=0
hwm=0
while kill -0 "$client" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$client/status" 2>/dev/null || true)
  h=$(awk '/^VmHWM:/ {print $2}' "/proc/$client/status" 2>/dev/null || true)
  if [ -n "$rss" ]; then
    awk -v s="$start" -v t="$(date +%s.%N)" -v r="$rss" 'BEGIN { printf "%.1f %s\n", t - s, r }' >>"$run/rss_samples.txt"
    [ "$rss" -gt "$peak_sampled" ] && peak_sampled=$rss
  fi
  [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
  sleep 0.5
done
wait "$timer" || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$run/time.txt"
echo "peak RSS (VmHWM): $((hwm / 1024)) MiB; largest 0.5 s sample: $((peak_sampled / 1024)) MiB"
grep -E 'Request Count|Error Request|Output Sequence Length|Inter Token Latency' "$run/stdout.txt" || true
tail -n 3 "$run/stderr.txt"
