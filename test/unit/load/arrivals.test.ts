import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, gammaDraw } from '../../../ts/src/load/arrivals.js';
import { RandomStream } from '../../../ts/src/random/index.js';

function offsets(rate: number, pattern: 'poisson' | 'constant' | 'gamma', n: number, k = 1, seed = 0n): number[] {
  const s = new ArrivalSchedule(rate, pattern, k, seed);
  return Array.from({ length: n }, () => Number(s.next().offsetNs) / 1e9);
}

function gapStats(t: number[]): { mean: number; cv: number } {
  const gaps = t.slice(1).map((x, i) => x - t[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
  return { mean, cv: sd / mean };
}

describe('arrival schedules', () => {
  it('starts at t = 0 and numbers arrivals from 0', () => {
    const s = new ArrivalSchedule(10, 'poisson', 1, 0n);
    expect(s.next()).toEqual({ index: 0, offsetNs: 0n });
    expect(s.next().index).toBe(1);
  });

  it('constant arrivals achieve the requested rate within 2% over 2,000 arrivals', () => {
    for (const rate of [10, 1000, 5000]) {
      const t = offsets(rate, 'constant', 2001);
      expect(Math.abs(2000 / t[2000]! / rate - 1)).toBeLessThan(0.02);
    }
  });

  // One random schedule of 2,000 arrivals has a relative rate error of CV/sqrt(2000) ≈ 2.2 % (1σ)
  // for poisson, so a single seed cannot be held to 2 %; the mean over ten seeds can (σ ≈ 0.7 %).
  for (const pattern of ['poisson', 'gamma'] as const) {
    it(`${pattern} arrivals achieve the requested rate within 2% over 2,000 arrivals (mean of 10 seeds)`, () => {
      for (const rate of [10, 1000, 5000]) {
        let sum = 0;
        for (let seed = 0n; seed < 10n; seed++) sum += 2000 / offsets(rate, pattern, 2001, 1, seed)[2000]!;
        expect(Math.abs(sum / 10 / rate - 1)).toBeLessThan(0.02);
      }
    });
  }

  it('constant gaps are exactly 1/r', () => {
    const { mean, cv } = gapStats(offsets(250, 'constant', 1000));
    expect(mean).toBeCloseTo(0.004, 9);
    expect(cv).toBeLessThan(1e-6);
  });

  it('poisson gaps are exponential: mean 1/r and CV ≈ 1', () => {
    const { mean, cv } = gapStats(offsets(100, 'poisson', 20001, 1, 7n));
    expect(mean).toBeGreaterThan(0.0098);
    expect(mean).toBeLessThan(0.0102);
    expect(cv).toBeGreaterThan(0.97);
    expect(cv).toBeLessThan(1.03);
  });

  for (const k of [0.25, 0.5, 1, 4]) {
    it(`gamma gaps with smoothness ${k} have mean 1/r and CV 1/sqrt(k)`, () => {
      const { mean, cv } = gapStats(offsets(100, 'gamma', 20001, k, 3n));
      expect(Math.abs(mean / 0.01 - 1)).toBeLessThan(0.03);
      expect(Math.abs(cv / (1 / Math.sqrt(k)) - 1)).toBeLessThan(0.05);
    });
  }

  // Fixed vectors, not recomputed with the stream helper: captured once and checked against an
  // independent implementation of docs/synthesis.md §2.1 and the draw order of docs/cli.md §3.4.
  it('the poisson schedule is the documented draw sequence of infermark/dataset/arrivals', () => {
    // First gap by hand: stream(5, "infermark/dataset/arrivals").unit() = 0.3876367514653779 and
    // −ln(1 − u)/20 s = 24.521481 ms.
    const s = new ArrivalSchedule(20, 'poisson', 1, 5n);
    const got = Array.from({ length: 6 }, () => s.next().offsetNs);
    expect(got).toEqual([0n, 24521481n, 46665763n, 81178113n, 97197594n, 100020680n]);
  });

  it('the gamma schedule is the documented Marsaglia–Tsang draw sequence, for k < 1 and k > 1', () => {
    const at = (k: number): bigint[] => {
      const s = new ArrivalSchedule(100, 'gamma', k, 3n);
      return Array.from({ length: 6 }, () => s.next().offsetNs);
    };
    expect(at(0.5)).toEqual([0n, 3828813n, 41847634n, 45292243n, 48483246n, 49758338n]);
    expect(at(4)).toEqual([0n, 8203174n, 13470780n, 24858340n, 31167443n, 37031430n]);
  });

  it('gamma k < 1 draws Gamma(k+1) then multiplies by unit()^(1/k)', () => {
    const a = RandomStream.of(1n, 'x');
    const b = RandomStream.of(1n, 'x');
    const direct = gammaDraw(a, 0.5, 2);
    const viaShape = gammaDraw(b, 1.5, 1) * b.unit() ** (1 / 0.5) * 2;
    expect(direct).toBeCloseTo(viaShape, 12);
    // The independent implementation gives 2.7489413445659103, then 2.8025973892273033 (this
    // one gives …108 for the first: the last place depends on the maths library).
    expect(direct).toBeCloseTo(2.7489413445659103, 12);
    expect(gammaDraw(a, 0.5, 2)).toBeCloseTo(2.8025973892273033, 12);
  });

  it('different seeds give different poisson schedules, the same seed the same', () => {
    expect(offsets(10, 'poisson', 5, 1, 1n)).toEqual(offsets(10, 'poisson', 5, 1, 1n));
    expect(offsets(10, 'poisson', 5, 1, 1n)).not.toEqual(offsets(10, 'poisson', 5, 1, 2n));
  });
});
