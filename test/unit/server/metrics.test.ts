// §12.5: /metrics is valid Prometheus text, counters are monotonic, queries ≥ hits, running ≤ max-num-seqs.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../../ts/src/server/mock-server.js';
import { pool, post, postStream } from './client.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/**
 * A strict parser for text format 0.0.4: HELP/TYPE comments, `name{labels} value` samples,
 * every sample belonging to a declared family, histogram series complete and cumulative.
 */
function parsePrometheus(text: string): Exposition {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleRe = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      expect(['counter', 'gauge', 'histogram']).toContain(type);
      expect(types.has(name!)).toBe(false);
      types.set(name!, type!);
      continue;
    }
    const m = sampleRe.exec(line);
    if (!m) throw new Error(`not a valid sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      labelRe.lastIndex = 0;
      let consumed = 0;
      for (let lm = labelRe.exec(m[2]); lm !== null; lm = labelRe.exec(m[2])) {
        labels[lm[1]!] = lm[2]!;
        consumed = labelRe.lastIndex;
      }
      expect(consumed).toBe(m[2].length);
    }
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    expect(Number.isNaN(value)).toBe(false);
    const family = types.has(m[1]!) ? m[1]! : m[1]!.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(family)).toBe(true);
    samples.push({ name: m[1]!, labels, value });
  }
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const buckets = samples.filter((s) => s.name === `${name}_bucket`);
    let prev = -1;
    for (const b of buckets) {
      expect(b.value).toBeGreaterThanOrEqual(prev);
      prev = b.value;
    }
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    const count = samples.find((s) => s.name === `${name}_count`)!.value;
    expect(buckets.at(-1)!.value).toBe(count);
  }
  return { types, samples };
}

const value = (e: Exposition, name: string, labels: Record<string, string> = {}): number =>
  e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

describe('/metrics (§7)', () => {
  it('parses, names every vLLM series with model_name and engine, and counters only grow', async () => {
    const s = await startMockServer({ port: 0, maxNumSeqs: 4, model: ['m1', 'm2'] });
    try {
      const res = await fetch(`${s.url}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const e0 = parsePrometheus(await res.text());
      for (const name of [
        'vllm:num_requests_running',
        'vllm:num_requests_waiting',
        'vllm:kv_cache_usage_perc',
        'vllm:gpu_cache_usage_perc',
        'vllm:prefix_cache_queries_total',
        'vllm:prefix_cache_hits_total',
        'vllm:gpu_prefix_cache_hit_rate',
        'vllm:prompt_tokens_total',
        'vllm:generation_tokens_total',
        'vllm:request_success_total',
        'vllm:num_preemptions_total',
        'vllm:time_to_first_token_seconds',
        'vllm:inter_token_latency_seconds',
        'vllm:e2e_request_latency_seconds',
        'vllm:request_queue_time_seconds',
        'vllm:request_prefill_time_seconds',
        'vllm:request_decode_time_seconds',
        'vllm:request_prompt_tokens',
        'vllm:request_generation_tokens',
        'vllm:iteration_tokens_total',
        'infermark_mock:injected_errors_total',
      ]) {
        expect(e0.types.has(name), name).toBe(true);
      }
      for (const sample of e0.samples) {
        expect(sample.labels.model_name).toBe('m1');
        expect(sample.labels.engine).toBe('0');
      }
      let maxRunning = 0;
      const scrapes: Exposition[] = [e0];
      // One scrape as each response arrives, while the others are still in flight (in process, so
      // that the scrapes are in the order they were taken).
      const scrape = (): void => {
        const e = parsePrometheus(s.metricsText());
        scrapes.push(e);
        maxRunning = Math.max(maxRunning, value(e, 'vllm:num_requests_running'));
      };
      const shared = Array.from({ length: 64 }, (_, i) => i);
      await pool(16, 8, async (i) => {
        if (i % 2) await post(`${s.url}/v1/completions`, { prompt: [...shared, i], max_tokens: 8 });
        else await postStream(`${s.url}/v1/completions`, { prompt: [...shared, i], max_tokens: 8 });
        scrape();
      });
      scrapes.push(parsePrometheus(s.metricsText()));
      expect(scrapes).toHaveLength(18);
      expect(maxRunning).toBeLessThanOrEqual(4);
      const counters = [...e0.types]
        .filter(([_n, t]) => t === 'counter' || t === 'histogram')
        .map(([n, t]) => (t === 'histogram' ? `${n}_count` : n));
      for (let i = 1; i < scrapes.length; i++) {
        for (const c of counters) expect(value(scrapes[i]!, c), c).toBeGreaterThanOrEqual(value(scrapes[i - 1]!, c));
      }
      const last = scrapes.at(-1)!;
      expect(value(last, 'vllm:prefix_cache_queries_total')).toBe(16 * 65);
      expect(value(last, 'vllm:prefix_cache_hits_total')).toBeGreaterThan(0);
      expect(value(last, 'vllm:prefix_cache_queries_total')).toBeGreaterThanOrEqual(value(last, 'vllm:prefix_cache_hits_total'));
      expect(value(last, 'vllm:request_success_total', { finished_reason: 'length' })).toBe(16);
      expect(value(last, 'vllm:generation_tokens_total')).toBe(16 * 8);
      expect(value(last, 'vllm:prompt_tokens_total')).toBe(16 * 65);
      expect(value(last, 'vllm:time_to_first_token_seconds_count')).toBe(16);
      expect(value(last, 'vllm:inter_token_latency_seconds_count')).toBe(16 * 7);
      expect(value(last, 'vllm:request_generation_tokens_sum')).toBe(16 * 8);
      expect(value(last, 'vllm:num_preemptions_total')).toBe(0);
      const rate = value(last, 'vllm:gpu_prefix_cache_hit_rate');
      expect(rate).toBeCloseTo(value(last, 'vllm:prefix_cache_hits_total') / value(last, 'vllm:prefix_cache_queries_total'), 12);
    } finally {
      await s.close();
    }
  });

  it('simple and none modes expose the same names, queue only their own request handling, and show no prefix activity', async () => {
    const s = await startMockServer({ port: 0, latencyModel: 'none' });
    try {
      await post(`${s.url}/v1/completions`, { prompt: 'x', max_tokens: 3 });
      const e = parsePrometheus(await fetch(`${s.url}/metrics`).then((r) => r.text()));
      expect(value(e, 'vllm:request_queue_time_seconds_count')).toBe(1);
      // Admitted as soon as the prompt is ready: the queue time is reading, parsing and
      // tokenising the request (docs/serve-mock.md §7), which never waits for other requests.
      expect(value(e, 'vllm:request_queue_time_seconds_sum')).toBeGreaterThan(0);
      expect(value(e, 'vllm:request_queue_time_seconds_sum')).toBeLessThanOrEqual(value(e, 'vllm:time_to_first_token_seconds_sum'));
      expect(value(e, 'vllm:prefix_cache_queries_total')).toBe(0);
      expect(value(e, 'vllm:kv_cache_usage_perc')).toBe(0);
      expect(value(e, 'vllm:generation_tokens_total')).toBe(3);
    } finally {
      await s.close();
    }
  });
});
