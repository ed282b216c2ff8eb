// `--wait-for-model-*`, `--reset-kv-cache*`, `--server-profiler*` and `--url-strategy` (docs/cli.md §3.12).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { resolveServerControlConfig } from '../../../ts/src/config/server-control-config.js';

describe('resolveServerControlConfig', () => {
  it('is all off by default, with round-robin over the URLs', () => {
    expect(resolveServerControlConfig({})).toEqual({
      waitForModel: null,
      resetKvCache: null,
      serverProfiler: null,
      urlStrategy: 'round-robin',
    });
  });

  it("takes AIPerf's defaults for what is switched on", () => {
    const c = resolveServerControlConfig({ waitForModelTimeout: 60, resetKvCache: true, serverProfiler: true });
    expect(c.waitForModel).toEqual({ timeoutSeconds: 60, mode: 'inference', intervalSeconds: 5 });
    expect(c.resetKvCache).toEqual({ path: '/reset_prefix_cache', timeoutSeconds: 30, retrySeconds: 60 });
    expect(c.serverProfiler).toEqual({ startPath: '/start_profile', stopPath: '/stop_profile', timeoutSeconds: 30 });
  });

  it('a timeout of 0 waits for nothing', () => {
    expect(resolveServerControlConfig({ waitForModelTimeout: 0, waitForModelMode: 'models' }).waitForModel).toBeNull();
  });

  it('a path or timeout of the reset or the profiler switches it on, as in AIPerf', () => {
    expect(resolveServerControlConfig({ resetKvCachePath: '/flush_cache' }).resetKvCache?.path).toBe('/flush_cache');
    expect(resolveServerControlConfig({ serverProfilerTimeoutSeconds: 5 }).serverProfiler?.timeoutSeconds).toBe(5);
  });

  it('refuses a wait mode or interval without a timeout, and a control path that is not relative (exit 2)', () => {
    expect(() => resolveServerControlConfig({ waitForModelMode: 'both' })).toThrow(
      new UsageError("option '--wait-for-model-mode' requires option '--wait-for-model-timeout'"),
    );
    expect(() => resolveServerControlConfig({ waitForModelInterval: 1 })).toThrow(/requires option '--wait-for-model-timeout'/);
    expect(() => resolveServerControlConfig({ resetKvCache: true, resetKvCachePath: 'http://elsewhere/reset' })).toThrow(
      "option '--reset-kv-cache-path <path>': expected a path starting with '/', got 'http://elsewhere/reset'",
    );
    expect(() => resolveServerControlConfig({ serverProfilerStartPath: 'start' })).toThrow(/expected a path starting with '\/'/);
  });
});
