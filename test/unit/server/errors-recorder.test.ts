// §12.6 error injection and §12.8 recorder ground truth.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../../ts/src/server/mock-server.js';
import { pool, post, postInTwoParts, postStream, quickPost, tokenEvents } from './client.js';

async function failingIndices(seed: bigint, n: number): Promise<number[]> {
  const s = await startMockServer({ port: 0, latencyModel: 'none', errorRate: 20, randomSeed: seed });
  try {
    const out: number[] = [];
    // Sequential, so request i is arrival number i.
    for (let i = 0; i < n; i++) {
      const r = await quickPost(`${s.url}/v1/completions`, '{"prompt":"x","max_tokens":1}');
      if (r.status === 500) {
        expect(JSON.parse(r.body)).toEqual({ error: { message: 'Injected failure', type: 'server_error', code: 500 } });
        out.push(i);
      } else {
        expect(r.status).toBe(200);
      }
    }
    return out;
  } finally {
    await s.close();
  }
}

describe('error injection (§5.4, §12.6)', () => {
  it('the same seed fails the same request numbers, as the documented stream selects; another seed differs', async () => {
    const a = await failingIndices(5n, 120);
    const b = await failingIndices(5n, 120);
    const c = await failingIndices(6n, 120);
    expect(a).toEqual(b);
    // Request k fails when stream(seed, "infermark/mock/error", k).unit() < 20/100 (§5.4): fixed
    // vectors, checked against an independent implementation of docs/synthesis.md §2.1.
    expect(a).toEqual([
      3, 6, 7, 10, 11, 12, 15, 17, 19, 28, 29, 30, 36, 37, 38, 41, 49, 53, 57, 58, 59, 61, 62, 64, 65, 74, 79, 84, 90, 92, 96, 98, 99, 103,
      104,
    ]);
    expect(c).toEqual([
      0, 4, 5, 8, 9, 12, 15, 16, 18, 29, 30, 31, 37, 38, 39, 42, 50, 54, 56, 57, 58, 61, 62, 66, 67, 73, 76, 87, 89, 95, 96, 97, 99, 100,
      107,
    ]);
  });

  it('over 10,000 requests the failure fraction is within 1 point of --error-rate', async () => {
    const s = await startMockServer({ port: 0, latencyModel: 'none', errorRate: 7.5, randomSeed: 11n, tokenizer: false });
    const dispatcher = new Agent({ connections: 32 });
    try {
      let failed = 0;
      await pool(10_000, 32, async () => {
        const r = await quickPost(`${s.url}/v1/completions`, '{"prompt":"x","max_tokens":1}', dispatcher);
        if (r.status === 500) failed++;
      });
      expect(Math.abs(failed / 10_000 - 0.075)).toBeLessThan(0.01);
      expect(s.metricsText()).toContain(`infermark_mock:injected_errors_total{model_name="mock-model",engine="0",kind="http"} ${failed}`);
    } finally {
      await dispatcher.close();
      await s.close();
    }
  }, 60_000);

  it('an injected 500 arrives only after the request TTFT would have elapsed', async () => {
    const s = await startMockServer({ port: 0, latencyModel: 'simple', ttft: 60, errorRate: 100 });
    try {
      const t = performance.now();
      const r = await post(`${s.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }], max_tokens: 5, stream: true });
      expect(r.status).toBe(500);
      expect(r.json.error.message).toBe('Injected failure');
      expect(performance.now() - t).toBeGreaterThanOrEqual(59);
    } finally {
      await s.close();
    }
  });

  it('--stream-error-rate: after half the tokens an error event, then the stream closes without [DONE]', async () => {
    const s = await startMockServer({ port: 0, streamErrorRate: 100, stepBaseMs: 1 });
    try {
      const r = await postStream(`${s.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }], max_tokens: 10 });
      expect(r.status).toBe(200);
      expect(tokenEvents(r)).toHaveLength(5);
      expect(r.done).toBe(false);
      expect(r.json.at(-1)).toEqual({ error: { message: 'Injected mid-stream failure', type: 'server_error', code: 500 } });
      // Non-streaming requests are never selected by the stream error rate.
      expect((await post(`${s.url}/v1/completions`, { prompt: 'x', max_tokens: 4 })).status).toBe(200);
      expect(s.metricsText()).toContain('kind="stream"} 1');
    } finally {
      await s.close();
    }
  });
});

describe('request recorder (§8, §12.8)', () => {
  it('writes one JSONL line per request matching what the client saw, and a summary on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-rec-'));
    const path = join(dir, 'requests.jsonl');
    const s = await startMockServer({ port: 0, recordRequests: path, stepBaseMs: 1 });
    const client: { prompt: number; output: number; cached: number }[] = [];
    await pool(12, 4, async (i) => {
      const stream = i % 3 === 0;
      const body = {
        prompt: Array.from({ length: 40 + i }, (_, j) => j),
        max_tokens: 5 + i,
        min_tokens: 1,
        ignore_eos: i % 2 === 0,
        stream_options: { include_usage: true },
      };
      const usage = stream
        ? (await postStream(`${s.url}/v1/completions`, body)).json.at(-1)!.usage
        : (await post(`${s.url}/v1/completions`, body)).json.usage;
      client.push({ prompt: usage.prompt_tokens, output: usage.completion_tokens, cached: usage.prompt_tokens_details.cached_tokens });
    });
    await post(`${s.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hello' }], max_completion_tokens: 3 });
    const live = s.stats();
    await s.close();
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(13);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual([
        'ts',
        'request_num',
        'endpoint',
        'model',
        'stream',
        'prompt_tokens',
        'cached_tokens',
        'max_tokens',
        'max_completion_tokens',
        'min_tokens',
        'ignore_eos',
        'output_tokens',
        'reasoning_tokens',
        'finish_reason',
        'queue_ms',
        'ttft_ms',
        'e2e_ms',
        'replica',
        'error',
      ]);
      expect(l.error).toBeNull();
      expect(l.ttft_ms).toBeLessThanOrEqual(l.e2e_ms);
      expect(l.queue_ms).toBeLessThanOrEqual(l.ttft_ms);
    }
    const completions = lines.filter((l) => l.endpoint === '/v1/completions');
    const key = (x: { prompt: number; output: number; cached: number }) => `${x.prompt}/${x.output}/${x.cached}`;
    expect(completions.map((l) => key({ prompt: l.prompt_tokens, output: l.output_tokens, cached: l.cached_tokens })).sort()).toEqual(
      client.map(key).sort(),
    );
    expect(completions.filter((l) => l.stream)).toHaveLength(4);
    const chat = lines.find((l) => l.endpoint === '/v1/chat/completions')!;
    expect(chat).toMatchObject({ max_completion_tokens: 3, max_tokens: null, output_tokens: 3, finish_reason: 'length' });
    const summary = JSON.parse(readFileSync(`${path}.summary.json`, 'utf8'));
    expect(summary).toEqual(live);
    expect(summary['/v1/completions'].count).toBe(12);
    expect(summary['/v1/completions'].streamed).toBe(4);
    expect(summary['/v1/completions'].output_tokens.min).toBe(5);
    expect(summary['/v1/completions'].output_tokens.max).toBe(16);
    expect(summary['/v1/completions'].output_tokens.mean).toBeCloseTo(10.5, 10);
    expect(summary['/v1/completions'].prompt_tokens.p50).toBeCloseTo(45.5, 10);
    expect(Object.keys(summary['/v1/completions'].ttft_ms)).toEqual(['min', 'max', 'mean', 'std', 'p50', 'p90', 'p95', 'p99']);
  });

  it('times start when the headers arrive: a body that trickles in for 300 ms shows in queue_ms, ttft_ms and the histograms (queue_ms was 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-rec-'));
    const path = join(dir, 'requests.jsonl');
    const s = await startMockServer({ port: 0, latencyModel: 'simple', ttft: 5, itl: 1, recordRequests: path });
    try {
      const response = await postInTwoParts(s.url, '/v1/completions', JSON.stringify({ prompt: 'a slow upload', max_tokens: 3 }), 300);
      expect(response).toMatch(/^HTTP\/1\.1 200 /);
      await s.close();
      const [line] = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      // The server learns of the request with its headers; the model gets it 300 ms later, with
      // its body. Both waits are the request's: a client measured them too.
      expect(line.queue_ms).toBeGreaterThanOrEqual(250);
      expect(line.ttft_ms).toBeGreaterThanOrEqual(line.queue_ms + 4);
      expect(line.e2e_ms).toBeGreaterThanOrEqual(line.ttft_ms);
      const metric = (name: string): number => Number(new RegExp(`^${name}_sum\\{[^}]*\\} (\\S+)$`, 'm').exec(s.metricsText())![1]);
      expect(metric('vllm:request_queue_time_seconds')).toBeGreaterThanOrEqual(0.25);
      expect(metric('vllm:time_to_first_token_seconds')).toBeGreaterThanOrEqual(0.25);
      expect(metric('vllm:e2e_request_latency_seconds')).toBeGreaterThanOrEqual(0.25);
      // Prefill is what the model adds after admission, without the upload.
      expect(metric('vllm:request_prefill_time_seconds')).toBeLessThan(0.25);
    } finally {
      await s.close();
    }
  });
});
