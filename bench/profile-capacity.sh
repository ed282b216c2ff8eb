#!/usr/bin/env bash
# Question: how many requests/s can infermark drive through one endpoint, next to wrk on the
# very same endpoint (serve-mock --latency-model none, non-streaming chat, same body)?
# wrk is the ceiling of "HTTP client + this server"; the gap is infermark's per-request cost.
# Usage: npm run build:ts && bash bench/profile-capacity.sh [CONCURRENCY=64] [SECONDS=10] [WORKERS=1|N|auto]
#   auto: no --workers (the engine chooses its threads)
set -euo pipefail
cd "$(dirname "$0")/.."
c=${1:-64}
secs=${2:-10}
w=${3:-1}
workers=(--workers "$w")
[ "$w" = auto ] && workers=()
. bench/start-mock.sh
echo "# $(uptime)"
body='{"model":"mock-model","messages":[{"role":"user","content":"hello there, how are you today? tell me something."}],"stream":false,"max_completion_tokens":10}'
cat >"$out/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
echo "== wrk -t2 -c$c -d${secs}s"
wrk -t2 -c"$c" -d"${secs}s" -s "$out/post.lua" "$url/v1/chat/completions" | grep -E 'Requests/sec|Latency|Non-2xx' || true
echo "== infermark profile --concurrency $c --benchmark-duration $secs --workers $w (non-streaming, ISL 12, OSL 10)"
node dist/bin.js profile -m mock-model --url "$url" --isl 12 --osl 10 --extra-inputs ignore_eos:true \
  --concurrency "$c" --benchmark-duration "$secs" "${workers[@]}" --ui none --artifact-dir "$out/run" 2>"$out/stderr.txt" \
  | grep -E 'Request Throughput|Request Latency|Request Count|Error Request|Client:|Load engine:' || cat "$out/stderr.txt"
