// The live dashboard's sliding window (docs/cli.md §3.5): what it counts, what it forgets, and
// that its memory stays bounded.
import { describe, expect, it } from 'vitest';
import { LiveWindow, type LiveSample } from '../../../ts/src/metrics/live-window.js';
import { percentileLinear } from '../../../ts/src/metrics/stats.js';

function sample(endMs: number, v: Partial<LiveSample> = {}): LiveSample {
  return { endMs, ttftMs: 10, itlMs: 1, latencyMs: 100, outputTokens: 20, ...v };
}

describe('LiveWindow', () => {
  it('computes p50/p90/p99 over the requests that ended in the window, as the summary interpolates them', () => {
    const w = new LiveWindow({ windowMs: 10_000, startMs: 0 });
    const ttfts = Array.from({ length: 101 }, (_, i) => 100 - i); // 100 … 0, out of order
    for (const [i, t] of ttfts.entries()) w.add(sample(20_000 + i, { ttftMs: t }));
    const s = w.snapshot(20_200);
    expect(s.requests).toBe(101);
    expect(s.ttft).toEqual({ p50: 50, p90: 90, p99: 99, count: 101 });
    const sorted = [...ttfts].sort((a, b) => a - b);
    expect(s.ttft!.p90).toBe(percentileLinear(sorted, 90));
  });

  it('forgets requests that ended before the window', () => {
    const w = new LiveWindow({ windowMs: 10_000, startMs: 0 });
    w.add(sample(1_000, { latencyMs: 5_000 }));
    w.add(sample(12_000, { latencyMs: 200 }));
    const s = w.snapshot(15_000);
    expect(s.requests).toBe(1);
    expect(s.latency).toEqual({ p50: 200, p90: 200, p99: 200, count: 1 });
    expect(w.snapshot(30_000).requests).toBe(0);
    expect(w.snapshot(30_000).latency).toBeNull();
  });

  it('gives throughput over the window, or over the time since the phase began while that is shorter', () => {
    const w = new LiveWindow({ windowMs: 10_000, startMs: 0 });
    for (let t = 0; t < 4_000; t += 100) w.add(sample(t, { outputTokens: 10 }));
    // 40 requests in the first 4 s: 10/s, not 4/s over a 10 s window.
    const early = w.snapshot(4_000);
    expect(early.spanSec).toBe(4);
    expect(early.requestsPerSec).toBe(10);
    expect(early.outputTokensPerSec).toBe(100);
    for (let t = 4_000; t < 30_000; t += 100) w.add(sample(t, { outputTokens: 10 }));
    const later = w.snapshot(30_000);
    expect(later.spanSec).toBe(10);
    expect(later.requests).toBe(100);
    expect(later.requestsPerSec).toBe(10);
    expect(later.outputTokensPerSec).toBe(100);
  });

  it('leaves a metric a request has not (NaN) out of its percentiles but counts the request', () => {
    const w = new LiveWindow({ windowMs: 10_000, startMs: 0 });
    w.add(sample(1_000, { ttftMs: Number.NaN, itlMs: Number.NaN, latencyMs: 50 }));
    w.add(sample(1_001, { ttftMs: 8, itlMs: Number.NaN, latencyMs: 70 }));
    const s = w.snapshot(2_000);
    expect(s.requests).toBe(2);
    expect(s.ttft).toEqual({ p50: 8, p90: 8, p99: 8, count: 1 });
    expect(s.itl).toBeNull();
    expect(s.latency!.count).toBe(2);
  });

  it('keeps at most its capacity, the newest ones, with their tokens', () => {
    const w = new LiveWindow({ windowMs: 10_000, capacity: 8, startMs: 0 });
    for (let i = 0; i < 100; i++) w.add(sample(5_000 + i, { latencyMs: i, outputTokens: i }));
    expect(w.size).toBe(8);
    const s = w.snapshot(10_000);
    expect(s.requests).toBe(8);
    expect(s.latency!.p50).toBe(percentileLinear([92, 93, 94, 95, 96, 97, 98, 99], 50));
    expect(s.outputTokensPerSec).toBe((92 + 93 + 94 + 95 + 96 + 97 + 98 + 99) / 10);
  });

  it('starts over at a new phase', () => {
    const w = new LiveWindow({ windowMs: 10_000, startMs: 0 });
    w.add(sample(1_000));
    w.reset(2_000);
    const s = w.snapshot(3_000);
    expect(s.requests).toBe(0);
    expect(s.spanSec).toBe(1);
    expect(s.outputTokensPerSec).toBe(0);
  });
});
