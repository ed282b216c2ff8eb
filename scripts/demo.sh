#!/usr/bin/env bash
# The main job, from a fresh machine: install and build everything, then
#  1. start the bundled mock inference server (realistic engine model: prefix KV cache and
#     continuous batching) on a free loopback port,
#  2. benchmark it with `infermark profile` (streaming chat) and write the artifacts,
#  3. analyse the real Mooncake conversation trace with `infermark analyze-trace`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

infermark() { node dist/bin.js "$@"; }
trace=../shared/data/mooncake/conversation_trace.jsonl

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
infermark serve-mock --port "$port" --model mock-model --latency-model engine >.tmp-mock.log 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true; rm -f .tmp-mock.log' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 $mock 2>/dev/null || { cat .tmp-mock.log >&2; exit 1; }
  sleep 0.1
done

echo "== infermark profile against the bundled mock server (127.0.0.1:$port)"
infermark profile -m mock-model --url "127.0.0.1:$port" --endpoint-type chat --streaming \
  --concurrency 32 --request-count 640 --isl 1000 --osl 128 --extra-inputs ignore_eos:true \
  --warmup-request-count 32 --artifact-dir artifacts/demo-profile

echo
echo "== infermark analyze-trace on the real Mooncake conversation trace"
infermark analyze-trace "$trace" --output-file artifacts/demo-analysis/analysis.json
