// The trace core's browser build (bindings/wasm/pkg/web), instantiated once per worker from the
// .wasm file next to the bundle (scripts/build-web.mjs copies it there).
import init from '../../../bindings/wasm/pkg/web/trace_core_wasm.js';

export * from '../../../bindings/wasm/pkg/web/trace_core_wasm.js';

let ready: Promise<unknown> | null = null;

/** Instantiate the WASM module (first call) and wait for it. */
export function loadCore(): Promise<unknown> {
  ready ??= init({ module_or_path: new URL('trace_core_wasm_bg.wasm', import.meta.url) });
  return ready;
}
