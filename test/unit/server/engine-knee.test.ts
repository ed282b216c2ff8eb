// §12.3: with the default engine, throughput saturates at --max-num-seqs and TTFT grows with the queue.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../../ts/src/server/mock-server.js';
import { post } from './client.js';

const ids = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

async function runAt(concurrency: number, requests: number): Promise<{ throughput: number; meanTtftMs: number; maxRunning: number }> {
  const s = await startMockServer({ port: 0 });
  try {
    let maxRunning = 0;
    let stop = false;
    const poller = (async () => {
      while (!stop) {
        const line = s.metricsText().split('\n').find((l) => l.startsWith('vllm:num_requests_running{'))!;
        maxRunning = Math.max(maxRunning, Number(line.split(' ').at(-1)));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Warm up one keep-alive connection per client (on the chat endpoint, so the completions
    // summary holds only measured requests): connection set-up must not look like a ramp.
    await Promise.all(Array.from({ length: concurrency }, () => post(`${s.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })));
    const start = performance.now();
    let next = 0;
    let tokens = 0;
    // Closed loop: each of `concurrency` clients sends its next request when the previous one ends.
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const i = next++;
          const r = await post(`${s.url}/v1/completions`, { prompt: ids(i * 1000, 100), max_tokens: 200, ignore_eos: true });
          expect(r.status).toBe(200);
          tokens += r.json.usage.completion_tokens as number;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    stop = true;
    await poller;
    return { throughput: tokens / seconds, meanTtftMs: s.stats()['/v1/completions']!.ttft_ms!.mean, maxRunning };
  } finally {
    await s.close();
  }
}

describe('engine knee (§12.3)', () => {
  it('throughput rises from 1 to 64, is flat from 64 to 256, and mean TTFT at least doubles', async () => {
    const c1 = await runAt(1, 1);
    const c64 = await runAt(64, 64);
    const c256 = await runAt(256, 256);
    // Model: ≈ 198, ≈ 7,250 and ≈ 7,250 tokens/s; TTFT ≈ 0.1 s vs ≈ 2.8 s. Measured on a loaded
    // 2-core machine: 195, 6,280, 6,520 tokens/s and 112 ms vs 2,720 ms.
    expect(c64.throughput).toBeGreaterThan(10 * c1.throughput);
    expect(Math.abs(c256.throughput - c64.throughput) / c64.throughput).toBeLessThan(0.1);
    expect(c256.meanTtftMs).toBeGreaterThan(2 * c64.meanTtftMs);
    expect(c64.maxRunning).toBeLessThanOrEqual(64);
    expect(c256.maxRunning).toBe(64);
  }, 60_000);
});
