// LoadEngine options for the engine's e2e tests: a small closed-loop run (concurrency 2, 6 requests,
// no warmup) of three 2-token prompts on streaming chat; each test overrides what it is about.
import type { EngineOptions } from '../../ts/src/load/engine.js';

type Endpoint = EngineOptions['endpoint'];

/**
 * The endpoint of `type`, streaming with usage, no auth or extra fields; `over` changes any of it.
 * The path is chat's or completions' own, else `/` (tests of other types post where they mean to).
 */
export function endpointOf(type: Endpoint['type'], over: Partial<Endpoint> = {}): Endpoint {
  return {
    type,
    path: type === 'chat' ? '/v1/chat/completions' : type === 'completions' ? '/v1/completions' : '/',
    streaming: true,
    apiKey: null,
    headers: {},
    extra: {},
    streamUsage: true,
    useLegacyMaxTokens: false,
    ...over,
  };
}

/** Three prompts `prompt 0..2` of 2 tokens asking for 3. */
export const THREE_PROMPTS: EngineOptions['dataset'] = {
  entries: [0, 1, 2].map((i) => ({ index: i, requestedIsl: 2, requestedOsl: 3, text: `prompt ${i}`, clientIsl: 2 })),
  systemPrompt: null,
  inexact: [],
};

export function engineOptions(url: string, over: Partial<EngineOptions> = {}): EngineOptions {
  return {
    endpoint: endpointOf('chat'),
    models: ['m'],
    urls: [url],
    timeoutMs: 5000,
    dataset: THREE_PROMPTS,
    trace: null,
    scheduleZeroMs: 0,
    seed: 0n,
    mode: { kind: 'concurrency', concurrency: 2 },
    requestCount: 6,
    benchmarkDurationMs: null,
    gracePeriodMs: 30_000,
    warmupRequestCount: 0,
    warmupDurationMs: null,
    cancellationRate: null,
    cancellationDelayMs: 0,
    failedRequestThreshold: null,
    interruptGraceMs: 500,
    ...over,
  };
}
