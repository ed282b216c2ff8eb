// The `simple` latency model (§1.2, §6): its schedule on a virtual clock, exactly, and what a
// client sees over HTTP apart from timing (the timing as measured is in simple-model.timing.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineMetrics } from '../../../ts/src/server/metrics.js';
import { type MockServerHandle, startMockServer } from '../../../ts/src/server/mock-server.js';
import { MOCK_DEFAULTS } from '../../../ts/src/server/options.js';
import { SimpleModel, type SimpleConfig } from '../../../ts/src/server/simple-model.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { pool, post, postStream, tokenEvents } from './client.js';
import { jobOf } from './jobs.js';

/** Submit jobs arriving at t = 0 (num, prompt tokens, output tokens) and return each one's [tokens, at] steps. */
function schedule(
  over: Partial<SimpleConfig>,
  jobs: [num: number, prompt: number, output: number][],
  opts: { stream?: boolean; lateMs?: number } = {},
): [number, number][][] {
  const clock = new VirtualClock(opts.lateMs ?? 0);
  const model = new SimpleModel({ ...MOCK_DEFAULTS, seed: 0n, ...over }, new EngineMetrics(), clock);
  const steps = jobs.map(() => [] as [number, number][]);
  jobs.forEach(([num, prompt, output], j) => {
    model.submit(
      jobOf(
        num,
        clock.now(),
        0,
        prompt,
        output,
        (n, now) => {
          steps[j]!.push([n, now]);
          return true;
        },
        opts.stream ?? true,
      ),
    );
  });
  clock.run();
  return steps;
}

const near = (got: [number, number][], want: [number, number][]): void => {
  expect(got.map(([n]) => n)).toEqual(want.map(([n]) => n));
  got.forEach(([, at], i) => {
    expect(at).toBeCloseTo(want[i]![1], 9);
  });
};

describe('simple model schedule (virtual clock)', () => {
  it('streams the first token at the TTFT, then one token per ITL', () => {
    const [steps] = schedule({ ttft: 20, itl: 5 }, [[0, 10, 20]]);
    near(
      steps!,
      Array.from({ length: 20 }, (_, i) => [1, 20 + 5 * i] as [number, number]),
    );
  });

  it('non-streaming: the first token at the TTFT and the rest at TTFT + (N − 1)·ITL', () => {
    const [steps] = schedule({ ttft: 20, itl: 5 }, [[0, 10, 10]], { stream: false });
    near(steps!, [
      [1, 20],
      [9, 65],
    ]);
  });

  // Three requests in flight 0, 1 and 2 on arrival, 100 prompt and 4 output tokens each:
  // TTFT = 10 + 0.3·100 + 1·inflight² = 40, 41, 44 ms; ITL = 5 + 0.5·4 + 2·inflight = 7, 9, 11 ms.
  it('adds the per-prompt-token and in-flight² TTFT penalties and the per-output-token and in-flight ITL penalties', () => {
    const steps = schedule(
      { ttft: 10, ttftPerIslTokenMs: 0.3, ttftConcurrencyQuadMs: 1, itl: 5, itlPerOslTokenMs: 0.5, itlConcurrencyLinMs: 2 },
      [
        [0, 100, 4],
        [1, 100, 4],
        [2, 100, 4],
      ],
    );
    near(steps[0]!, [
      [1, 40],
      [1, 47],
      [1, 54],
      [1, 61],
    ]);
    near(steps[1]!, [
      [1, 41],
      [1, 50],
      [1, 59],
      [1, 68],
    ]);
    near(steps[2]!, [
      [1, 44],
      [1, 55],
      [1, 66],
      [1, 77],
    ]);
  });

  // Every timer wakes up 12 ms late: the one due at 20 runs at 32 and emits the tokens due at
  // 20, 25 and 30; the next is set for 35 and runs at 47; and so on. The last token, due at 115,
  // goes out at 122 with the one due at 110: late by at most the 12 ms, not by 12 ms per token.
  it('emits every token already due when a timer runs late, so lateness never accumulates', () => {
    const [steps] = schedule({ ttft: 20, itl: 5 }, [[0, 10, 20]], { lateMs: 12 });
    near(steps!, [
      [3, 32],
      [3, 47],
      [3, 62],
      [3, 77],
      [3, 92],
      [3, 107],
      [2, 122],
    ]);
  });

  // Node counts a timer's delay from the loop's cached millisecond clock, so a timer can fire
  // ~1.5 ms before its deadline on the precise clock: the model waits out the rest (§6: never early).
  it('never emits a token before its instant when timers fire early', () => {
    const [steps] = schedule({ ttft: 20, itl: 5 }, [[0, 10, 4]], { lateMs: -1.5 });
    near(steps!, [
      [1, 20],
      [1, 25],
      [1, 30],
      [1, 35],
    ]);
  });

  // Request 7's jitter stream, stream(0, "infermark/mock/jitter", 7), gives u = 0.31839…, 0.75692…
  // for the TTFT factor (0.9106549605933364) and u = 0.34270…, 0.56493… for the first ITL's
  // (0.6012170543362287): tokens at 20·0.91065 = 18.2131 ms and 18.2131 + 5·0.60122 = 21.2192 ms.
  // Checked against an independent implementation of docs/synthesis.md §2.1 and §1.2's lognormal.
  it('draws the TTFT jitter factor first, then one per ITL, from the request’s jitter stream', () => {
    const [steps] = schedule({ ttft: 20, itl: 5, ttftJitterCv: 0.5, itlJitterCv: 0.5 }, [[7, 10, 2]]);
    near(steps!, [
      [1, 18.213099211866727],
      [1, 21.21918448354787],
    ]);
  });
});

describe('simple model over HTTP', () => {
  let s: MockServerHandle;
  beforeAll(async () => {
    s = await startMockServer({ port: 0, latencyModel: 'simple', ttft: 2, itl: 1 });
  });
  afterAll(() => s.close());

  it('streams max_tokens token events and [DONE], and the recorder counts every request', async () => {
    const runs = await pool(32, 16, (i) => postStream(`${s.url}/v1/completions`, { prompt: `prompt ${i}`, max_tokens: 20 }));
    expect(runs.map((r) => [tokenEvents(r).length, r.done])).toEqual(runs.map(() => [20, true]));
    expect(s.stats()['/v1/completions']!.count).toBe(32);
  });

  it('answers a non-streaming request with max_tokens completion tokens', async () => {
    const r = await post(`${s.url}/v1/completions`, { prompt: 'ns', max_tokens: 10 });
    expect(r.json.usage.completion_tokens).toBe(10);
  });

  it('simple-only options are usage errors with another latency model', async () => {
    await expect(startMockServer({ port: 0, latencyModel: 'engine', ttft: 50 })).rejects.toThrow(
      "option '--ttft' cannot be used with option '--latency-model engine' (it configures the simple latency model)",
    );
    await expect(startMockServer({ port: 0, latencyModel: 'simple', maxNumSeqs: 8 })).rejects.toThrow(/--max-num-seqs/);
  });
});
