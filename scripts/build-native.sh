#!/usr/bin/env bash
# Builds the Node-API addon (bindings/napi, release) with @napi-rs/cli: writes
# bindings/napi/trace-core-napi.<platform>.node plus the generated index.js / index.d.ts.
# Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

command -v cargo >/dev/null 2>&1 || { [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"; }
cd bindings/napi
"$root/node_modules/.bin/napi" build --platform --release "$@"
echo "[build-native] built $(ls "$root"/bindings/napi/*.node)" >&2
