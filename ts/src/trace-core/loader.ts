// Chooses the trace-core backend once, lazily: native first, WASM fallback, INFERMARK_BACKEND override.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedAssets } from '../embedded-assets.js';
import type { BackendName, TraceCoreBackend, TraceCoreBindings } from './backend.js';
import { TraceCoreError } from './errors.js';

/** One attempt to load a backend, kept so failures can be explained (`--verbose`, errors). */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Module path on success, the reason on failure. */
  detail: string;
}

export const BACKEND_NAMES: readonly BackendName[] = ['native', 'wasm'];

const require = createRequire(import.meta.url);

/** The directory holding infermark's package.json (works from `ts/src/…` and `dist/…`). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'infermark') return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new TraceCoreError('INTERNAL', 'cannot locate the infermark package root');
    dir = parent;
  }
}

const BUILD_HINT: Record<BackendName, string> = {
  native: 'npm run build:native',
  wasm: 'npm run build:wasm',
};

const MODULE_FILES: Record<BackendName, readonly string[]> = {
  native: ['bindings/napi/index.js'],
  // The glue reads the .wasm next to itself.
  wasm: [
    'bindings/wasm/pkg/node/trace_core_wasm.js',
    'bindings/wasm/pkg/node/trace_core_wasm_bg.wasm',
    'bindings/wasm/pkg/node/package.json',
  ],
};

/**
 * The backend's module file, or why there is none: the single executable embeds the WASM core
 * only (a native addon is built for one platform and cannot be loaded from memory).
 */
function modulePath(name: BackendName): { path: string } | { missing: string } {
  const embedded = embeddedAssets();
  if (!embedded) return { path: join(packageRoot(), ...MODULE_FILES[name][0]!.split('/')) };
  const files = MODULE_FILES[name].map((file) => embedded.file(file));
  if (files.some((file) => file === null)) return { missing: `the single-file executable does not embed the ${name} backend` };
  return { path: files[0]! };
}

/** The exports of the binding contract (backend.ts), checked at load so a stale build is named as one. */
const CONTRACT_EXPORTS: readonly (keyof TraceCoreBindings)[] = [
  'analyzeTrace',
  'TraceAnalyzer',
  'validateSynthesisOptions',
  'TransformStream',
  'GenerateStream',
  'PromptHashStream',
  'PromptHasher',
  'ReplayDataset',
];

function missingExports(mod: unknown): string[] {
  const m = (mod ?? {}) as Record<string, unknown>;
  return CONTRACT_EXPORTS.filter((name) => typeof m[name] !== 'function');
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

const loaded = new Map<BackendName, TraceCoreBackend>();
const attempts: BackendAttempt[] = [];

/** Load one specific backend (cached); throws `BACKEND_UNAVAILABLE` explaining why it failed. */
export function loadBackend(name: BackendName): TraceCoreBackend {
  const cached = loaded.get(name);
  if (cached) return cached;
  const found = modulePath(name);
  const path = 'path' in found ? found.path : '';
  let reason: string;
  if ('missing' in found) {
    reason = found.missing;
  } else if (!existsSync(path)) {
    reason = `${path} does not exist (build it with \`${BUILD_HINT[name]}\`)`;
  } else {
    try {
      const mod: unknown = require(path);
      const missing = missingExports(mod);
      if (missing.length === 0) {
        const backend: TraceCoreBackend = { name, location: path, bindings: mod as TraceCoreBindings };
        loaded.set(name, backend);
        attempts.push({ backend: name, ok: true, detail: path });
        return backend;
      }
      reason = `${path} does not export ${missing.join(', ')} (stale build? run \`${BUILD_HINT[name]}\`)`;
    } catch (err) {
      reason = `loading ${path} failed: ${firstLine(err)}`;
    }
  }
  attempts.push({ backend: name, ok: false, detail: reason });
  throw new TraceCoreError('BACKEND_UNAVAILABLE', `${name} backend unavailable: ${reason}`);
}

let chosen: TraceCoreBackend | null = null;

/**
 * The backend every analysis uses: `INFERMARK_BACKEND` if set (`native` or `wasm`; failing
 * to load it is an error), else native, falling back to WASM. Chosen on first use.
 */
export function getBackend(): TraceCoreBackend {
  if (chosen) return chosen;
  const forced = process.env.INFERMARK_BACKEND?.trim();
  if (forced) {
    if (!(BACKEND_NAMES as readonly string[]).includes(forced)) {
      throw new TraceCoreError('BACKEND_UNAVAILABLE', `INFERMARK_BACKEND must be one of ${BACKEND_NAMES.join(', ')}, got '${forced}'`);
    }
    try {
      chosen = loadBackend(forced as BackendName);
    } catch (err) {
      const reason = attempts[attempts.length - 1]?.detail ?? String(err);
      throw new TraceCoreError(
        'BACKEND_UNAVAILABLE',
        `INFERMARK_BACKEND=${forced} was requested, but the ${forced} backend cannot be loaded: ${reason}`,
        { cause: err },
      );
    }
    return chosen;
  }
  const failures: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      chosen = loadBackend(name);
      return chosen;
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  throw new TraceCoreError('BACKEND_UNAVAILABLE', `no trace-core backend could be loaded: ${failures.join('; ')}`);
}

/** Name of the backend in use (loads it if needed). */
export function backendName(): BackendName {
  return getBackend().name;
}

/** Every load attempt so far, in order (successes and failures). */
export function backendAttempts(): readonly BackendAttempt[] {
  return attempts.slice();
}

/** The named backend, or the chosen one when no name is given (tests and benchmarks name one). */
export function backendFor(name?: BackendName): TraceCoreBackend {
  return name === undefined ? getBackend() : loadBackend(name);
}
