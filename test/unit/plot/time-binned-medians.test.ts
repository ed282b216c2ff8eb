// Median lines from log-spaced histograms per time bin: within 1 % of the exact median, and a
// bounded number of bins whatever the run's length.
import { describe, expect, it } from 'vitest';
import { bucketOf, bucketValue, TimeBinnedMedians } from '../../../ts/src/plot/time-binned-medians.js';
import { seededRandom } from '../../helpers/seeded-records.js';

const exactLowerMedian = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1]!;
};

describe('log-spaced buckets', () => {
  it('stand for their values within 1 %', () => {
    for (const v of [0.0015, 0.2, 1, 3.7, 42, 999.9, 12_345, 8e8]) {
      expect(Math.abs(bucketValue(bucketOf(v)) - v) / v).toBeLessThan(0.01);
    }
  });
  it('put 0 and tiny values into the first bucket, which stands for 0', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1e-9)).toBe(0);
    expect(bucketValue(0)).toBe(0);
  });
});

describe('TimeBinnedMedians', () => {
  it('gives medians within 1 % of the exact median of each window', () => {
    const rand = seededRandom(7);
    const m = new TimeBinnedMedians(1, 0, 1000);
    const byBin = new Map<number, number[]>();
    for (let i = 0; i < 20_000; i++) {
      const t = rand() * 20_000; // 20 s
      const v = 5 + 200 * rand() ** 3;
      m.add(0, t, v);
      const bin = Math.floor(t / 1000);
      byBin.set(bin, [...(byBin.get(bin) ?? []), v]);
    }
    const line = m.medianLine(0, 10, 10);
    expect(line.length).toBe(20);
    for (const p of line) {
      const bin = Math.floor(p.t);
      const window = [bin - 1, bin, bin + 1].flatMap((b) => byBin.get(b) ?? []);
      expect(p.count).toBe(window.length);
      const exact = exactLowerMedian(window);
      expect(Math.abs(p.median - exact) / exact).toBeLessThan(0.01);
    }
  });

  it('keeps at most 256 bins however long the run is, by widening them', () => {
    const m = new TimeBinnedMedians(1, 0, 50);
    for (let s = 0; s < 86_400; s += 7) m.add(0, s * 1000, 10); // a day
    expect(m.binWidthMs).toBeGreaterThanOrEqual((86_400 * 1000) / 256);
    expect(m.medianLine(0).length).toBeLessThanOrEqual(256);
  });

  it('widens bins until they hold enough values for a median', () => {
    const m = new TimeBinnedMedians(1, 0, 50);
    for (let i = 0; i < 60; i++) m.add(0, i * 750, i); // 60 requests over 45 s
    const line = m.medianLine(0, 10, 10);
    expect(line.length).toBeLessThanOrEqual(10);
    expect(line.length).toBeGreaterThan(2);
  });

  it('keeps series apart and ignores non-finite values', () => {
    const m = new TimeBinnedMedians(2, 0);
    m.add(0, 0, 10);
    m.add(1, 0, 1000);
    m.add(1, 0, NaN);
    expect(m.medianLine(0)[0]!.count).toBe(1);
    expect(Math.abs(m.medianLine(1)[0]!.median - 1000) / 1000).toBeLessThan(0.01);
  });
});
