// The backend for synthesis and hash-prompts (the binding contract is trace-core/backend.ts), and
// the one wrapper that turns a backend's error into a TraceCoreError.
import type { BackendName, TraceCoreBindings } from '../trace-core/backend.js';
import { normaliseBackendError } from '../trace-core/errors.js';
import { getBackend, loadBackend } from '../trace-core/loader.js';

/** The exports of the chosen (or named) backend. */
export function synthesisBackend(name?: BackendName): { name: BackendName; bindings: TraceCoreBindings } {
  const backend = name === undefined ? getBackend() : loadBackend(name);
  return { name: backend.name, bindings: backend.bindings };
}

/** Run `fn`, rethrowing any backend error as a `TraceCoreError`. */
export function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw normaliseBackendError(err);
  }
}
