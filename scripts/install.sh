#!/usr/bin/env bash
# Installs everything infermark needs to build and test on a fresh machine of this kind
# (Debian bookworm, rustup stable, Node 20): system packages, npm dependencies, and then
# builds the native addon, the WASM module, the TypeScript CLI and the browser app (dist/web).
# Idempotent: anything already present is reused, so a second run is quick.
# `--system-packages`: only the apt packages, then stop (scripts/test.sh starts the real-server
# build once they are in).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[install] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root for: $*"; return 1; fi
}

# --- system packages -------------------------------------------------------------------
# The WASM build: when rustup has no wasm32 target (it cannot add one here), Debian's
# rustc-web toolchain builds std for wasm32 itself (-Zbuild-std) and lld-19 links it.
need_apt=()
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  # rust-web-clippy: clippy for that toolchain (scripts/test.sh lints the wasm32 build).
  for p in rustc-web cargo-web rust-web-src rust-web-clippy lld-19; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$p")
  done
fi
# The real-engine suite's server: ../shared/real-server/setup.sh compiles llama-server and
# writes its model with a Python venv, and installs these itself when missing (the same checks
# as there). Installed here instead, because scripts/test.sh runs setup.sh in the background
# while this script runs, and two apt-gets at once fail on dpkg's lock.
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
command -v g++ >/dev/null 2>&1 || need_apt+=(build-essential)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
# The browser tests (DEVELOPERS.md): headless Debian chromium, driven by npm's playwright-core
# (`npx playwright install` downloads from a CDN this machine cannot reach).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  as_root apt-get update -qq
  # rustc-web lives in bookworm-security; lld-19 in bookworm proper.
  web=(); other=()
  for p in "${need_apt[@]}"; do case $p in rustc-web|cargo-web|rust-web-src|rust-web-clippy) web+=("$p");; *) other+=("$p");; esac; done
  [ ${#web[@]} -gt 0 ] && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-security "${web[@]}" >/dev/null
  [ ${#other[@]} -gt 0 ] && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${other[@]}" >/dev/null
fi

[ "${1:-}" = --system-packages ] && exit 0

command -v cargo >/dev/null 2>&1 || { [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"; }
command -v cargo >/dev/null 2>&1 || { log "error: cargo (rustup stable) not found"; exit 1; }
command -v node >/dev/null 2>&1 || { log "error: node (>= 20.18.1) not found"; exit 1; }

# --- npm -------------------------------------------------------------------------------
# `npm install` against the committed lock, not `npm ci`: the registry reachable here serves
# only this platform's builds of @napi-rs/cli's optional native packages, so the lock cannot
# list the others and `npm ci` would reject it as out of sync.
log "npm install (from package-lock.json)"
npm install --no-audit --no-fund --loglevel=error >&2

# --- build -----------------------------------------------------------------------------
log "npm run build (native addon, WASM module, TypeScript, the browser app)"
npm run --silent build >&2
log "done"
