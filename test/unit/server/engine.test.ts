// Engine model: prefix cache hits, LRU eviction, batch limit and the §4 guarantees, over HTTP and
// (for exact step timing) on a virtual clock.
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../ts/src/random/index.js';
import { EngineModel } from '../../../ts/src/server/engine.js';
import { lognormalFactor } from '../../../ts/src/server/job.js';
import { EngineMetrics } from '../../../ts/src/server/metrics.js';
import { startMockServer } from '../../../ts/src/server/mock-server.js';
import { MOCK_DEFAULTS } from '../../../ts/src/server/options.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { pool, post, postStream } from './client.js';
import { jobOf } from './jobs.js';

const ids = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

function gauge(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`));
  return Number(line!.split(' ').at(-1));
}

describe('prefix cache (§4, §12.2)', () => {
  it('a repeated 1,024-token prompt reports cached_tokens 0 then 1008', async () => {
    const s = await startMockServer({ port: 0 });
    try {
      const body = { prompt: ids(100, 1024), max_tokens: 4, stream_options: { include_usage: true } };
      const first = await postStream(`${s.url}/v1/completions`, body);
      const second = await postStream(`${s.url}/v1/completions`, body);
      expect(first.json.at(-1)!.usage.prompt_tokens_details).toEqual({ cached_tokens: 0 });
      expect(second.json.at(-1)!.usage.prompt_tokens_details).toEqual({ cached_tokens: 1008 });
      const m = s.metricsText();
      expect(gauge(m, 'vllm:prefix_cache_queries_total')).toBe(2048);
      expect(gauge(m, 'vllm:prefix_cache_hits_total')).toBe(1008);
    } finally {
      await s.close();
    }
  });

  // By hand from the defaults: the first prefill computes 1,024 tokens, 5 + 0.02·1024 = 25.48 ms;
  // the repeat only the 16 of its last block, 5 + 0.02·16 = 5.32 ms: 1008 × 0.02 = 20.16 ms less.
  it('a repeated 1,024-token prompt has a TTFT lower by 1008 × 0.02 ms (virtual clock)', () => {
    const clock = new VirtualClock();
    const engine = new EngineModel({ ...MOCK_DEFAULTS, seed: 0n }, [new EngineMetrics()], clock);
    const ttft = (num: number): { ms: number; cached: number } => {
      const arrival = clock.now();
      let first = -1;
      const job = jobOf(num, arrival, 100, 1024, 4, (_, now) => {
        if (first < 0) first = now - arrival;
        return true;
      });
      engine.submit(job);
      clock.run();
      return { ms: first, cached: job.cachedTokens };
    };
    const a = ttft(0);
    const b = ttft(1);
    expect([a.cached, b.cached]).toEqual([0, 1008]);
    expect(a.ms).toBeCloseTo(25.48, 9);
    expect(b.ms).toBeCloseTo(5.32, 9);
  });

  it('a prompt that shares a prefix hits only the shared full blocks', async () => {
    const s = await startMockServer({ port: 0 });
    try {
      await post(`${s.url}/v1/completions`, { prompt: ids(0, 100), max_tokens: 2 });
      const r = await post(`${s.url}/v1/completions`, { prompt: [...ids(0, 40), ...ids(5000, 60)], max_tokens: 2 });
      expect(r.json.usage.prompt_tokens_details.cached_tokens).toBe(32);
    } finally {
      await s.close();
    }
  });

  it('the output is cached too: prompt + answer as the next prompt hits beyond the first prompt', async () => {
    const s = await startMockServer({ port: 0, tokenizer: 'builtin' });
    try {
      const prompt = 'word '.repeat(64).trim();
      const a = await post(`${s.url}/v1/completions`, { prompt, max_tokens: 64 });
      const b = await post(`${s.url}/v1/completions`, { prompt: prompt + a.json.choices[0].text, max_tokens: 2 });
      // The prompt alone is 64 tokens (4 blocks); re-tokenizing prompt + answer may shift a boundary
      // token, so require strictly more than the prompt's own blocks.
      expect(a.json.usage.prompt_tokens).toBe(64);
      expect(b.json.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(64);
    } finally {
      await s.close();
    }
  });

  it('--no-prefix-cache: no details in usage and no hits', async () => {
    const s = await startMockServer({ port: 0, prefixCache: false });
    try {
      const body = { prompt: ids(0, 64), max_tokens: 2 };
      await post(`${s.url}/v1/completions`, body);
      const r = await post(`${s.url}/v1/completions`, body);
      expect(r.json.usage).not.toHaveProperty('prompt_tokens_details');
      expect(gauge(s.metricsText(), 'vllm:prefix_cache_hits_total')).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('LRU eviction under a tiny --kv-cache-blocks makes an old prefix miss again', async () => {
    const s = await startMockServer({ port: 0, kvCacheBlocks: 80 });
    try {
      const a = { prompt: ids(0, 1024), max_tokens: 16 };
      const b = { prompt: ids(50_000, 1024), max_tokens: 16 };
      expect((await post(`${s.url}/v1/completions`, a)).json.usage.prompt_tokens_details.cached_tokens).toBe(0);
      expect((await post(`${s.url}/v1/completions`, a)).json.usage.prompt_tokens_details.cached_tokens).toBe(1008);
      expect((await post(`${s.url}/v1/completions`, b)).json.usage.prompt_tokens_details.cached_tokens).toBe(0);
      expect((await post(`${s.url}/v1/completions`, a)).json.usage.prompt_tokens_details.cached_tokens).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a request larger than the whole KV cache is rejected with 400 at arrival', async () => {
    const s = await startMockServer({ port: 0, kvCacheBlocks: 10 });
    try {
      const r = await post(`${s.url}/v1/completions`, { prompt: ids(0, 150), max_tokens: 20 });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toBe('prompt + output exceed the KV cache capacity');
    } finally {
      await s.close();
    }
  });
});

describe('batching (§4)', () => {
  it('admits at most --max-num-seqs and the rest in arrival order (virtual clock)', () => {
    const clock = new VirtualClock();
    const metrics = new EngineMetrics();
    const engine = new EngineModel({ ...MOCK_DEFAULTS, seed: 0n, maxNumSeqs: 4, stepBaseMs: 2 }, [metrics], clock);
    const samples: [running: number, waiting: number][] = [];
    const jobs = ids(0, 12).map((i) =>
      jobOf(i, 0, i * 1000, 32, 20, () => {
        samples.push([metrics.running, metrics.waiting]);
        return true;
      }),
    );
    for (const job of jobs) engine.submit(job);
    clock.run();
    // The first arrival starts a step at once, alone (its first token with 11 waiting); the next
    // three join it at the next step, where all four emit with 8 waiting.
    expect(samples.slice(0, 5)).toEqual([
      [1, 11],
      [4, 8],
      [4, 8],
      [4, 8],
      [4, 8],
    ]);
    expect(Math.max(...samples.map(([running]) => running))).toBe(4);
    const admitted = jobs.map((j) => j.admittedAt);
    expect([...admitted].sort((a, b) => a - b)).toEqual(admitted);
    expect(admitted[4]).toBeGreaterThan(admitted[3]!); // the fifth waited for a slot
    expect([metrics.running, metrics.waiting, metrics.kvUsage]).toEqual([0, 0, 0]);
  });

  it('over HTTP, never shows more than --max-num-seqs running and frees everything at the end', async () => {
    const s = await startMockServer({ port: 0, maxNumSeqs: 4, stepBaseMs: 2 });
    try {
      let maxRunning = 0;
      // Sampled as each response arrives, while the others are still in flight.
      const results = await Promise.all(
        ids(0, 12).map(async (i) => {
          const r = await post(`${s.url}/v1/completions`, { prompt: ids(i * 1000, 32), max_tokens: 20 });
          maxRunning = Math.max(maxRunning, gauge(s.metricsText(), 'vllm:num_requests_running'));
          return r;
        }),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(maxRunning).toBeLessThanOrEqual(4);
      const m = s.metricsText();
      expect(gauge(m, 'vllm:num_requests_running')).toBe(0);
      expect(gauge(m, 'vllm:num_requests_waiting')).toBe(0);
      expect(gauge(m, 'vllm:kv_cache_usage_perc')).toBe(0);
      expect(gauge(m, 'vllm:generation_tokens_total')).toBe(240);
      expect(gauge(m, 'vllm:num_preemptions_total')).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a client disconnect frees the sequence and counts an abort', async () => {
    const s = await startMockServer({ port: 0, maxNumSeqs: 1 });
    try {
      const ac = new AbortController();
      const res = await fetch(`${s.url}/v1/completions`, {
        method: 'POST',
        body: JSON.stringify({ prompt: ids(0, 16), max_tokens: 10_000, stream: true }),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      // With the only slot freed, the next request runs at once.
      const r = await post(`${s.url}/v1/completions`, { prompt: ids(100, 16), max_tokens: 3 });
      expect(r.status).toBe(200);
      const m = s.metricsText();
      expect(m).toContain('vllm:request_success_total{model_name="mock-model",engine="0",finished_reason="abort"} 1');
      expect(s.stats()['/v1/completions']!.count).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('--replicas assigns requests round-robin in arrival order', async () => {
    const s = await startMockServer({ port: 0, replicas: 2 });
    try {
      await pool(6, 1, (i) => post(`${s.url}/v1/completions`, { prompt: ids(i * 100, 20), max_tokens: 2 }));
      const m = s.metricsText();
      expect(m).toContain('vllm:request_success_total{model_name="mock-model",engine="0",finished_reason="length"} 3');
      expect(m).toContain('vllm:request_success_total{model_name="mock-model",engine="1",finished_reason="length"} 3');
    } finally {
      await s.close();
    }
  });
});

describe('lognormal jitter factor (§1.2)', () => {
  it('has mean 1 and the requested coefficient of variation over the documented jitter stream', () => {
    const stream = RandomStream.of(0n, 'infermark/mock/step-jitter', 0n);
    const xs = Array.from({ length: 20_000 }, () => lognormalFactor(0.5, stream.unit(), stream.unit()));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeGreaterThan(0.98);
    expect(mean).toBeLessThan(1.02);
    expect(sd / mean).toBeGreaterThan(0.45);
    expect(sd / mean).toBeLessThan(0.55);
    expect(lognormalFactor(0, 0.3, 0.7)).toBe(1);
  });

  it('is exp(μ + σ·z) with σ² = ln(1 + cv²), μ = −σ²/2 and z the Box–Muller normal of u1, u2', () => {
    // By hand for cv 0.5, u1 0.3, u2 0.7: σ² = ln 1.25 = 0.223144, μ = −0.111572,
    // z = sqrt(−2·ln 0.7)·cos(1.4π) = −0.260996, so exp(−0.111572 + 0.472381·(−0.260996)) = 0.790681.
    expect(lognormalFactor(0.5, 0.3, 0.7)).toBeCloseTo(0.790680586631613, 12);
  });
});
