// The trace core of the synthesis and hash-prompts jobs in the worker: the WASM web build as the
// backend the CLI's pipelines take (ts/src/trace-core/backend.ts), and the job's cancel and progress.
import type { ByteSource } from '../io/byte-stream.js';
import type { TraceCoreBackend, TraceCoreBindings } from '../trace-core/backend.js';
import { throwIfCancelled } from './cancelled.browser.js';
import * as core from './wasm-core.browser.js';

/** The instantiated WASM core under the binding contract's names. */
export async function wasmBackend(): Promise<TraceCoreBackend> {
  await core.loadCore();
  return { name: 'wasm', location: 'trace_core_wasm_bg.wasm', bindings: core as unknown as TraceCoreBindings };
}

/** `source` stopping (with JobCancelled) at its next chunk once `signal` aborts. */
export function cancellable(source: ByteSource, signal: AbortSignal): ByteSource {
  return {
    ...(source.size !== undefined ? { size: source.size } : {}),
    forEachChunk: (onChunk) =>
      source.forEachChunk((chunk) => {
        throwIfCancelled(signal);
        return onChunk(chunk);
      }),
  };
}

/** Calls `post` at most every 100 ms (a few progress messages a second are enough), and always when `last`. */
export function throttled<A extends unknown[]>(post: (...args: A) => void): (last: boolean, ...args: A) => void {
  let lastPost = 0;
  return (last, ...args) => {
    const now = performance.now();
    if (!last && now - lastPost < 100) return;
    lastPost = now;
    post(...args);
  };
}

/** The core's WASM memory for the progress line (its peak: it never shrinks). */
export function coreMemory(): number {
  return core.coreMemoryBytes();
}
