// Readiness and server control (docs/cli.md §3.12): waiting for the model before any load, the
// KV-cache reset before each run, the server profiler around the profiling phase, and how requests
// are spread over several `--url`s. AIPerf 0.13's names, defaults and semantics.
import { UsageError } from '../errors.js';

export const WAIT_FOR_MODEL_MODES = ['models', 'inference', 'both'] as const;
export type WaitForModelMode = (typeof WAIT_FOR_MODEL_MODES)[number];
export const URL_STRATEGIES = ['round-robin'] as const;
export type UrlStrategy = (typeof URL_STRATEGIES)[number];

export const SERVER_CONTROL_DEFAULTS = {
  /** 0: no readiness wait. */
  waitForModelTimeout: 0,
  waitForModelMode: 'inference' as WaitForModelMode,
  waitForModelInterval: 5,
  resetKvCachePath: '/reset_prefix_cache',
  serverProfilerStartPath: '/start_profile',
  serverProfilerStopPath: '/stop_profile',
  /** Control calls have their own limit, far below the 6 h of inference requests, so a stalled one fails fast. */
  controlTimeoutSeconds: 30,
  /** How long a reset answered 409/423/429/503 (or not at all) is tried again, with backoff. */
  resetRetrySeconds: 60,
  urlStrategy: 'round-robin' as UrlStrategy,
};

export interface ServerControlOptions {
  waitForModelTimeout?: number;
  waitForModelMode?: WaitForModelMode;
  waitForModelInterval?: number;
  resetKvCache?: boolean;
  resetKvCachePath?: string;
  resetKvCacheTimeoutSeconds?: number;
  serverProfiler?: boolean;
  serverProfilerStartPath?: string;
  serverProfilerStopPath?: string;
  serverProfilerTimeoutSeconds?: number;
  urlStrategy?: UrlStrategy;
}

export interface ServerControlConfig {
  /** Null without `--wait-for-model-timeout` (or with 0). */
  waitForModel: { timeoutSeconds: number; mode: WaitForModelMode; intervalSeconds: number } | null;
  /** Null without `--reset-kv-cache`. */
  resetKvCache: { path: string; timeoutSeconds: number; retrySeconds: number } | null;
  /** Null without `--server-profiler`. */
  serverProfiler: { startPath: string; stopPath: string; timeoutSeconds: number } | null;
  urlStrategy: UrlStrategy;
}

/** A control path is relative to each URL's origin: an absolute URL would send control traffic elsewhere. */
function relativePath(path: string | undefined, fallback: string, flag: string): string {
  if (path === undefined) return fallback;
  if (path.includes('://') || !path.startsWith('/')) {
    throw new UsageError(`option '${flag}': expected a path starting with '/', got '${path}'`);
  }
  return path;
}

/** The readiness and control settings of the flags (exit 2 on a path that is not relative, or a wait companion without its timeout). */
export function resolveServerControlConfig(o: ServerControlOptions): ServerControlConfig {
  // Mode or interval without a timeout would silently do nothing (AIPerf ignores them): exit 2 instead.
  for (const [flag, value] of [
    ['--wait-for-model-mode', o.waitForModelMode],
    ['--wait-for-model-interval', o.waitForModelInterval],
  ] as const) {
    if (value !== undefined && o.waitForModelTimeout === undefined)
      throw new UsageError(`option '${flag}' requires option '--wait-for-model-timeout'`);
  }
  // As in AIPerf, a path or timeout of the reset or the profiler turns it on by itself.
  const reset = o.resetKvCache === true || o.resetKvCachePath !== undefined || o.resetKvCacheTimeoutSeconds !== undefined;
  const profiler =
    o.serverProfiler === true ||
    o.serverProfilerStartPath !== undefined ||
    o.serverProfilerStopPath !== undefined ||
    o.serverProfilerTimeoutSeconds !== undefined;
  const d = SERVER_CONTROL_DEFAULTS;
  const timeout = o.waitForModelTimeout ?? d.waitForModelTimeout;
  return {
    waitForModel:
      timeout > 0
        ? {
            timeoutSeconds: timeout,
            mode: o.waitForModelMode ?? d.waitForModelMode,
            intervalSeconds: o.waitForModelInterval ?? d.waitForModelInterval,
          }
        : null,
    resetKvCache: reset
      ? {
          path: relativePath(o.resetKvCachePath, d.resetKvCachePath, '--reset-kv-cache-path <path>'),
          timeoutSeconds: o.resetKvCacheTimeoutSeconds ?? d.controlTimeoutSeconds,
          retrySeconds: d.resetRetrySeconds,
        }
      : null,
    serverProfiler: profiler
      ? {
          startPath: relativePath(o.serverProfilerStartPath, d.serverProfilerStartPath, '--server-profiler-start-path <path>'),
          stopPath: relativePath(o.serverProfilerStopPath, d.serverProfilerStopPath, '--server-profiler-stop-path <path>'),
          timeoutSeconds: o.serverProfilerTimeoutSeconds ?? d.controlTimeoutSeconds,
        }
      : null,
    urlStrategy: o.urlStrategy ?? d.urlStrategy,
  };
}
