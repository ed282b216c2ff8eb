#!/usr/bin/env bash
# Builds the WebAssembly binding (bindings/wasm) and generates its JS glue:
#   bindings/wasm/pkg/node/  wasm-bindgen --target nodejs (CommonJS; Node's fallback backend)
#   bindings/wasm/pkg/web/   wasm-bindgen --target web    (ES module; the browser app)
#
# Toolchain: a rustup wasm32-unknown-unknown target if one is installed; otherwise Debian's
# rustc-web toolchain (packages rustc-web cargo-web rust-web-src lld-19, installed by
# scripts/install.sh), which has no prebuilt wasm32 std, so std is built from source
# (-Zbuild-std, unlocked with RUSTC_BOOTSTRAP) and linked with lld-19.
# The wasm-bindgen CLI must match the wasm-bindgen crate version in Cargo.lock exactly; a
# mismatching or missing CLI is installed with `cargo install --locked`.
#
# Target dir: WASM_TARGET_DIR, default target/wasm (kept apart from the native build so the
# two toolchains never share artefacts).
#
# `--clippy`: instead of building, lint the core and the binding for wasm32 with the same
# toolchain (`cargo clippy -- -D warnings`; the Debian toolchain's clippy is rust-web-clippy).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log() { printf '[build-wasm] %s\n' "$*" >&2; }

command -v cargo >/dev/null 2>&1 || { [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"; }
target_dir=${WASM_TARGET_DIR:-$root/target/wasm}
triple=wasm32-unknown-unknown

# Make sure Cargo.lock exists and pins wasm-bindgen before reading its version.
[ -f Cargo.lock ] || cargo generate-lockfile
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || { log "error: no wasm-bindgen entry in Cargo.lock"; exit 1; }

# --- compile ---------------------------------------------------------------------------
if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
  if [ "${1:-}" = --clippy ]; then
    log "clippy for $triple (rustup target)"
    CARGO_TARGET_DIR=$target_dir-clippy cargo clippy --quiet --target "$triple" -p trace-core -p trace-core-wasm --all-targets -- -D warnings
    exit 0
  fi
  log "rustup target $triple found: cargo build"
  CARGO_TARGET_DIR=$target_dir cargo build --release --target "$triple" -p trace-core-wasm
else
  tools=(/usr/bin/rustc /usr/bin/cargo wasm-ld-19)
  [ "${1:-}" = --clippy ] && tools+=(/usr/bin/clippy-driver)
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || {
      log "error: no rustup $triple target and no Debian wasm toolchain ($tool missing)"
      log "hint: apt-get install rustc-web cargo-web rust-web-src lld-19 rust-web-clippy (see scripts/install.sh)"
      exit 1
    }
  done
  if [ "${1:-}" = --clippy ]; then
    log "clippy for $triple (Debian rustc-web, -Zbuild-std)"
    # /usr/bin first, so that cargo runs the Debian cargo-clippy, whose clippy-driver matches
    # /usr/bin/rustc, rather than rustup's.
    PATH="/usr/bin:$PATH" CARGO_TARGET_DIR=$target_dir-clippy RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
      /usr/bin/cargo clippy --quiet -Zbuild-std=std,panic_abort --target "$triple" -p trace-core -p trace-core-wasm --all-targets -- -D warnings
    exit 0
  fi
  log "no rustup $triple target: Debian rustc-web with -Zbuild-std and wasm-ld-19"
  # The workspace release profile has panic = "abort", hence panic_abort in build-std.
  CARGO_TARGET_DIR=$target_dir RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-C linker=wasm-ld-19" \
    /usr/bin/cargo build --release -Zbuild-std=std,panic_abort --target "$triple" -p trace-core-wasm
fi
wasm=$target_dir/$triple/release/trace_core_wasm.wasm

# --- wasm-bindgen CLI at the locked version ----------------------------------------------
bindgen=$(command -v wasm-bindgen || true)
[ -n "$bindgen" ] || { [ -x "$HOME/.cargo/bin/wasm-bindgen" ] && bindgen=$HOME/.cargo/bin/wasm-bindgen; }
have=$([ -n "$bindgen" ] && "$bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$bindgen_version" ]; then
  log "installing wasm-bindgen-cli $bindgen_version (found: ${have:-none})"
  # --locked reproduces upstream's tested dependency set; a registry mirror that lacks one
  # of those exact versions makes it fail, and then the newest compatible versions are used.
  # --debug: an unoptimised build costs ~3 CPU-minutes instead of ~7 on a fresh machine and
  # writes byte-identical glue (0.6 s instead of 0.1 s per target for our module).
  cargo install --debug wasm-bindgen-cli --version "$bindgen_version" --locked ||
    { log "--locked install failed; retrying with the newest compatible dependencies"
      cargo install --debug wasm-bindgen-cli --version "$bindgen_version"; }
  bindgen=$HOME/.cargo/bin/wasm-bindgen
fi

# --- JS glue ---------------------------------------------------------------------------
pkg=bindings/wasm/pkg
rm -rf "$pkg"
"$bindgen" "$wasm" --target nodejs --out-dir "$pkg/node"
"$bindgen" "$wasm" --target web --out-dir "$pkg/web"
# The repository package is "type": "module"; the nodejs glue is CommonJS.
printf '{ "type": "commonjs" }\n' >"$pkg/node/package.json"
printf '{ "type": "module" }\n' >"$pkg/web/package.json"

if command -v wasm-opt >/dev/null 2>&1; then
  for f in "$pkg"/node/*_bg.wasm "$pkg"/web/*_bg.wasm; do
    wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int "$f" -o "$f"
  done
  log "optimised with $(wasm-opt --version)"
fi
log "built $pkg/node and $pkg/web ($(du -h "$pkg/node/trace_core_wasm_bg.wasm" | cut -f1))"
