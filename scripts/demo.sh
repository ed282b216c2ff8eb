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

# The server is started by its own command line, not through the function above: `$!` must be
# the server itself for the exit trap to stop it (scripts/background-server.sh).
. scripts/background-server.sh
start_server .tmp-mock.log node dist/bin.js serve-mock --port 0 --model mock-model --latency-model engine
trap 'stop_server; rm -f .tmp-mock.log' EXIT
address=$(await_listening .tmp-mock.log '127\.0\.0\.1:[0-9]+')

echo "== infermark profile against the bundled mock server ($address)"
infermark profile -m mock-model --url "$address" --endpoint-type chat --streaming \
  --concurrency 32 --request-count 640 --isl 1000 --osl 128 --extra-inputs ignore_eos:true \
  --warmup-request-count 32 --artifact-dir artifacts/demo-profile

echo
echo "== infermark analyze-trace on the real Mooncake conversation trace"
infermark analyze-trace "$trace" --output-file artifacts/demo-analysis/analysis.json
