// §3.5 / §10 / §12.9: a trace-sized prompt is tokenised off the serving loop, and its tokenisation
// counts in the recorded times. Latency comparisons, so this file runs alone (after the main
// suite); each assertion compares two durations of the same run, with wide margins, rather than
// a duration with a constant. Server and client share this process, so a blocked serving loop
// blocks the client too: it shows as late timers, late chunks and event-loop delay.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServerHandle, startMockServer } from '../../../ts/src/server/mock-server.js';
import { corpusText } from '../../../ts/src/tokenizer/corpus.js';
import { post, postStream, tokenEvents } from './client.js';

const corpus = corpusText();
/** About `tokens` tokens of the bundled corpus (4.15 characters per token), distinct per `tag`. */
function longPrompt(tokens: number, tag: string): string {
  const chars = Math.round(tokens * 4.15);
  const at = (tag.length * 104_729) % corpus.length;
  return `${tag}: ${(corpus + corpus).slice(at, at + chars)}`;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a 100k-token prompt does not hold the serving loop', () => {
  let s: MockServerHandle;
  beforeAll(async () => {
    // One thread whatever the machine, so the runs are alike; started before the first request.
    s = await startMockServer({
      port: 0,
      latencyModel: 'simple',
      ttft: 5,
      itl: 5,
      maxModelLen: 200_000,
      tokenizerThreads: 1,
      startTokenizerThreads: true,
    });
    await post(`${s.url}/v1/completions`, { prompt: longPrompt(2000, 'warm-up'), max_tokens: 2 });
  });
  afterAll(() => s.close());

  it('a short request and /health sent while the long prompt is tokenised are answered long before the long one', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const body = { prompt: longPrompt(100_000, 'short-while-long'), max_tokens: 2 };
    delay.enable();
    const longStart = performance.now();
    const long = post(`${s.url}/v1/completions`, body).then((r) => ({ status: r.status, latency: performance.now() - longStart }));
    // Sent 50 ms after the long one, by the clock: if the loop is held, this timer and both
    // requests are late, and the times counted from the intended send show it.
    await sleep(50);
    const intended = longStart + 50;
    const [short, healthAt] = await Promise.all([
      postStream(`${s.url}/v1/completions`, { prompt: 'a short one', max_tokens: 2 }),
      fetch(`${s.url}/health`).then(async (r) => {
        expect(r.status).toBe(200);
        await r.text();
        return performance.now();
      }),
    ]);
    const shortTtft = tokenEvents(short)[0]!.at - intended;
    const { status, latency } = await long;
    delay.disable();
    expect(status).toBe(200);
    // Tokenising 100,000 tokens takes the JS tokenizer hundreds of milliseconds (a held loop
    // delays both by about that); the short request needs its 5 ms TTFT plus scheduling.
    expect(shortTtft).toBeLessThan(latency / 4);
    expect(healthAt - intended).toBeLessThan(latency / 4);
    expect(delay.max / 1e6).toBeLessThan(latency / 4);
  });

  it('a stream in flight keeps its inter-token gaps while the long prompt is tokenised', async () => {
    const stream = postStream(`${s.url}/v1/completions`, { prompt: 'a stream', max_tokens: 400 });
    await sleep(100);
    const longStart = performance.now();
    const long = await post(`${s.url}/v1/completions`, { prompt: longPrompt(100_000, 'stream-while-long'), max_tokens: 2 });
    const longEnd = performance.now();
    const r = await stream;
    expect(long.status).toBe(200);
    const events = tokenEvents(r);
    expect(events).toHaveLength(400);
    let maxGap = 0;
    for (let i = 1; i < events.length; i++) {
      if (events[i]!.at >= longStart && events[i - 1]!.at <= longEnd) maxGap = Math.max(maxGap, events[i]!.at - events[i - 1]!.at);
    }
    // 5 ms apart when the loop is free; a held loop would leave one gap as long as the tokenisation.
    expect(maxGap).toBeLessThan((longEnd - longStart) / 4);
  });
});

describe('tokenising counts in the recorded times (§8)', () => {
  it('two long prompts sent together each record most of their client latency as queue time (was 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-long-'));
    const path = join(dir, 'requests.jsonl');
    const s = await startMockServer({
      port: 0,
      latencyModel: 'none',
      maxModelLen: 200_000,
      tokenizerThreads: 1,
      startTokenizerThreads: true,
      recordRequests: path,
    });
    const client = new Map<number, number>();
    try {
      await Promise.all(
        ['first', 'second'].map(async (tag) => {
          const start = performance.now();
          const r = await post(`${s.url}/v1/completions`, { prompt: longPrompt(50_000, tag), max_tokens: 2 });
          client.set(Number(/^cmpl-(\d+)$/.exec(r.json.id)![1]), performance.now() - start);
        }),
      );
    } finally {
      await s.close();
    }
    const rows = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const latency = client.get(row.request_num)!;
      // One thread tokenises both: the later one waits for the earlier one, and both waits are
      // queue time. The server's interval lies inside the client's (one clock, one process).
      expect(row.queue_ms).toBeGreaterThan(latency / 2);
      expect(row.queue_ms).toBeLessThanOrEqual(latency);
      expect(row.ttft_ms).toBeGreaterThanOrEqual(row.queue_ms);
      expect(row.e2e_ms).toBeLessThanOrEqual(latency);
    }
  });
});
