// Dispersed throughput (docs/cli.md §7): each request's tokens spread evenly over its producing
// interval and summed per 1 s bin.
import { describe, expect, it } from 'vitest';
import { DispersedThroughput } from '../../../ts/src/plot/dispersed-throughput.js';

const rounded = (v: number): number => Math.round(v * 1e9) / 1e9;

describe('DispersedThroughput', () => {
  it('splits a request over the seconds it spans, in proportion to the time spent in each', () => {
    const d = new DispersedThroughput(1000);
    d.add(1000 + 800, 1000 + 2300, 150); // 0.8 s → 2.3 s: 0.2, 1.0, 0.3 s at 100 tokens/s
    expect(d.series(1000).map((b) => [b.t, rounded(b.tokensPerSecond)])).toEqual([
      [0, 20],
      [1, 100],
      [2, 30],
    ]);
  });

  it('sums overlapping requests and keeps empty seconds as 0', () => {
    const d = new DispersedThroughput(0);
    d.add(0, 1000, 10);
    d.add(0, 1000, 30);
    d.add(3000, 4000, 5);
    expect(d.series(0).map((b) => rounded(b.tokensPerSecond))).toEqual([40, 0, 0, 5]);
  });

  it('puts the tokens of an answer that arrived at once into the second it arrived in', () => {
    const d = new DispersedThroughput(0);
    d.add(2500, 2500, 7);
    expect(d.series(0).map((b) => [b.t, b.tokensPerSecond])).toEqual([
      [0, 0],
      [1, 0],
      [2, 7],
    ]);
  });

  it('loses no token: the bins add up to every token added', () => {
    const d = new DispersedThroughput(123.4);
    let total = 0;
    for (let i = 0; i < 200; i++) {
      const first = 123.4 + i * 37.3;
      const tokens = (i % 17) + 1;
      d.add(first, first + (i % 9) * 411.7, tokens);
      total += tokens;
    }
    expect(rounded(d.totalTokens())).toBe(total);
    expect(rounded(d.series(123.4).reduce((s, b) => s + b.tokensPerSecond, 0))).toBe(total);
  });

  it('starts its bins at the first request, not at the origin it was aligned to', () => {
    const d = new DispersedThroughput(0);
    d.add(5300, 6300, 10); // first start at 5.3 s
    const bins = d.series(5300);
    expect(bins[0]!.t).toBe(0);
    expect(rounded(bins[0]!.tokensPerSecond)).toBe(10);
  });

  it('ignores zero or missing token counts and non-finite times', () => {
    const d = new DispersedThroughput(0);
    d.add(0, 1000, 0);
    d.add(0, 1000, NaN);
    d.add(NaN, 1000, 5);
    expect(d.series(0)).toEqual([]);
  });
});
