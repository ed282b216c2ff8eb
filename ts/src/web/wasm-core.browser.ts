// The trace core's browser build (bindings/wasm/pkg/web), instantiated once per worker from the
// .wasm file next to the bundle (scripts/build-web.mjs copies it there).
import init, { type InitOutput } from '../../../bindings/wasm/pkg/web/trace_core_wasm.js';

export * from '../../../bindings/wasm/pkg/web/trace_core_wasm.js';

let ready: Promise<InitOutput> | null = null;
let memory: WebAssembly.Memory | null = null;

/** Instantiate the WASM module (first call) and wait for it. */
export function loadCore(): Promise<InitOutput> {
  ready ??= init({ module_or_path: new URL('trace_core_wasm_bg.wasm', import.meta.url) }).then((out) => {
    memory = out.memory;
    return out;
  });
  return ready;
}

/** The size of the core's linear memory: it only grows, so this is also its peak. */
export function coreMemoryBytes(): number {
  return memory?.buffer.byteLength ?? 0;
}
