import { describe, expect, it } from 'vitest';
import { computeAdjustedStats, computeStats, pairwiseSum, percentileLinear, percentileNearestRank } from '../../../ts/src/metrics/stats.js';
import { roundHalfEven } from '../../../ts/src/random/normal.js';

/** Seeded xorshift so "random data" is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Independent references: exact-ish compensated sum, sorted-index percentiles. */
function fsum(xs: number[]): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const y = x - c;
    const t = s + y;
    c = t - s - y;
    s = t;
  }
  return s;
}
function refPercentile(xs: number[], q: number): number {
  const v = [...xs].sort((a, b) => a - b);
  const pos = (q / 100) * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

function close(a: number, b: number, rel = 1e-12): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(a), Math.abs(b)));
}

describe('distribution statistics', () => {
  it('match an independent reference on random data (rel 1e-12)', () => {
    const r = rng(42);
    for (const n of [1, 2, 7, 8, 9, 128, 129, 1000, 4097]) {
      const xs = Array.from({ length: n }, () => r() * 1000 + (r() < 0.1 ? 1e4 : 0));
      const s = computeStats(xs)!;
      const mean = fsum(xs) / n;
      close(s.avg!, mean);
      close(s.sum!, fsum(xs));
      close(s.std!, Math.sqrt(fsum(xs.map((x) => (x - mean) ** 2)) / n));
      expect(s.count).toBe(n);
      expect(s.min).toBe(Math.min(...xs));
      expect(s.max).toBe(Math.max(...xs));
      for (const q of [1, 5, 10, 25, 50, 75, 90, 95, 99]) close(s[`p${q}` as 'p50']!, refPercentile(xs, q));
    }
  });

  it('uses population std and gives every percentile the value when n = 1', () => {
    expect(computeStats([7])).toEqual({
      avg: 7,
      min: 7,
      max: 7,
      p1: 7,
      p5: 7,
      p10: 7,
      p25: 7,
      p50: 7,
      p75: 7,
      p90: 7,
      p95: 7,
      p99: 7,
      std: 0,
      count: 1,
      sum: 7,
    });
    expect(computeStats([1, 3])!.std).toBe(1);
    expect(computeStats([])).toBeNull();
  });

  it('sums integer metrics exactly', () => {
    const big = [2 ** 52, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(computeStats(big, true)!.sum).toBe(2 ** 52 + 8);
  });

  it('follows NumPy pairwise summation order', () => {
    // With naive left-to-right summation 1e16 + 1 + 1 + … loses every 1; pairwise keeps blocks.
    const xs = [1e16, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    // Accumulators r_0 = 1e16 + 1 (rounds to 1e16), r_1…r_7 = 2; then the fixed tree.
    const r0 = 1e16 + 1;
    const expected = r0 + 2 + (2 + 2) + (2 + 2 + (2 + 2));
    expect(pairwiseSum(xs)).toBe(expected);
    expect(expected).toBe(1e16 + 14);
    expect(xs.reduce((a, b) => a + b, 0)).toBe(1e16);
  });

  it('interpolates type-7 percentiles with NumPy lerp form', () => {
    const v = Float64Array.from([100, 140]);
    expect(percentileLinear(v, 1)).toBe(100.4);
    expect(percentileLinear(v, 99)).toBe(139.6);
    expect(percentileLinear(Float64Array.from([20, 20, 20, 30, 50]), 90)).toBe(42);
  });
});

describe('error-adjusted twins', () => {
  it('round nearest-rank indices half to even', () => {
    expect(roundHalfEven(0.5)).toBe(0);
    expect(roundHalfEven(1.5)).toBe(2);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(1.0)).toBe(1);
    // n = 3: p25 → index rhe(0.5) = 0; p75 → rhe(1.5) = 2
    const v = Float64Array.from([1, 2, 3]);
    expect(percentileNearestRank(v, 25)).toBe(1);
    expect(percentileNearestRank(v, 75)).toBe(3);
  });

  it('omit avg, max, sum, std and infinite percentiles', () => {
    expect(computeAdjustedStats([100, 140], 1)).toEqual({ min: 100, p1: 100, p5: 100, p10: 100, p25: 100, p50: 140, count: 3 });
  });

  it('exist only with at least one success and one failure', () => {
    expect(computeAdjustedStats([1, 2], 0)).toBeNull();
    expect(computeAdjustedStats([], 3)).toBeNull();
  });
});
