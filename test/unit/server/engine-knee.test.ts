// §12.3 on virtual time: with the default engine, throughput saturates at --max-num-seqs and TTFT
// grows with the queue. The engine model runs on a virtual clock, so the figures are exact and
// the run takes no wall time (on real timers it took ~11 s and failed on a loaded machine).
import { describe, expect, it } from 'vitest';
import { EngineModel } from '../../../ts/src/server/engine.js';
import { EngineMetrics } from '../../../ts/src/server/metrics.js';
import { MOCK_DEFAULTS } from '../../../ts/src/server/options.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { jobOf } from './jobs.js';

/** A closed loop of `concurrency` clients sending `requests` requests of 100 prompt and 200 output tokens. */
function runAt(concurrency: number, requests: number, lateMs = 0) {
  const clock = new VirtualClock(lateMs);
  const metrics = new EngineMetrics();
  const engine = new EngineModel({ ...MOCK_DEFAULTS, seed: MOCK_DEFAULTS.randomSeed }, [metrics], clock);
  let sent = 0;
  let tokens = 0;
  let maxRunning = 0;
  let lastTokenAt = 0;
  const ttfts: number[] = [];
  const send = (): void => {
    const i = sent++;
    const arrival = clock.now();
    let first = true;
    engine.submit(
      jobOf(i, arrival, i * 1000, 100, 200, (n, now, done) => {
        maxRunning = Math.max(maxRunning, metrics.running);
        if (first) ttfts.push(now - arrival);
        first = false;
        tokens += n;
        lastTokenAt = now;
        // The client sends its next request as soon as this one has finished.
        if (done && sent < requests) send();
        return true;
      }),
    );
  };
  for (let c = 0; c < concurrency; c++) send();
  clock.run();
  return {
    throughput: tokens / (lastTokenAt / 1000),
    meanTtftMs: ttfts.reduce((a, b) => a + b, 0) / ttfts.length,
    maxRunning,
    tokens,
    lastTokenAt,
  };
}

describe('engine knee (§12.3)', () => {
  it('throughput rises from 1 to 64, is flat from 64 to 256, and mean TTFT at least doubles', () => {
    const c1 = runAt(1, 1);
    const c64 = runAt(64, 64);
    const c256 = runAt(256, 256);
    // On this clock: 197.6, 7,232 and 7,248 tokens/s; mean TTFT 136 ms at 64 and 2,783 ms at 256.
    expect(c64.throughput).toBeGreaterThan(10 * c1.throughput);
    expect(Math.abs(c256.throughput - c64.throughput) / c64.throughput).toBeLessThan(0.1);
    expect(c256.meanTtftMs).toBeGreaterThan(2 * c64.meanTtftMs);
    expect(c64.maxRunning).toBe(64);
    expect(c256.maxRunning).toBe(64);
  });

  // By hand from the defaults (a step costs 5 ms + 0.05 ms per decoding sequence + 0.02 ms per
  // prefill token; at most 64 sequences; an idle engine starts a step at the first arrival):
  // - concurrency 1: a 7 ms prefill step (first token), then 199 decode steps of 5.05 ms: the
  //   last token at 1,011.95 ms, 200 tokens / 1.01195 s = 197.6 tokens/s;
  // - concurrency 64: request 0 alone in a 7 ms step; then 1 decode + 63 prefills of 100 tokens,
  //   5 + 0.05 + 126 = 131.05 ms (first tokens at 138.05 ms; mean TTFT (7 + 63·138.05)/64 =
  //   136.00234375 ms); 198 steps of 8.2 ms end request 0 at 1,761.65 ms and one step of 8.15 ms
  //   the others at 1,769.8 ms: 12,800 tokens / 1.7698 s = 7,232 tokens/s.
  it('follows the hand-computed step schedule at concurrency 1 and 64', () => {
    const c1 = runAt(1, 1);
    expect(c1.meanTtftMs).toBeCloseTo(7, 9);
    expect(c1.lastTokenAt).toBeCloseTo(1011.95, 9);
    const c64 = runAt(64, 64);
    expect(c64.tokens).toBe(12_800);
    expect(c64.meanTtftMs).toBeCloseTo(136.00234375, 9);
    expect(c64.lastTokenAt).toBeCloseTo(1769.8, 9);
  });

  it('absorbs a late timer in the next step: 3 ms late wake-ups delay every token by 3 ms, not 3 ms per step', () => {
    const late = runAt(1, 1, 3);
    expect(late.meanTtftMs).toBeCloseTo(7 + 3, 9);
    expect(late.lastTokenAt).toBeCloseTo(1011.95 + 3, 9);
  });
});
