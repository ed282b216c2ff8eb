// Distribution statistics of docs/metrics.md §6: NumPy pairwise summation, population std, type-7
// percentiles, and nearest-rank (round-half-even) percentiles for the error-adjusted twins.
//
// The algorithms mirror docs/trace-analysis.md §3.4 bit for bit (the Rust core implements the same
// ones for analysis); they are repeated here because record processing runs per run on plain
// JS arrays and crossing the FFI boundary per metric would cost more than the arithmetic.
import { roundHalfEven } from '../random/normal.js';

/** Percentiles reported for every record metric, in export order. */
export const PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99] as const;
export type PercentileKey = 'p1' | 'p5' | 'p10' | 'p25' | 'p50' | 'p75' | 'p90' | 'p95' | 'p99';
export const PERCENTILE_KEYS: readonly PercentileKey[] = PERCENTILES.map((q) => `p${q}` as PercentileKey);

/** Statistic keys of a record-metric block, in docs/exports.md §4 order (after `unit`). */
export const STAT_KEYS = ['avg', 'min', 'max', ...PERCENTILE_KEYS, 'std', 'count', 'sum'] as const;
export type StatKey = (typeof STAT_KEYS)[number];

/** Summary of one distribution. Any statistic may be absent (error-adjusted twins). */
export type Stats = Partial<Record<StatKey, number>>;

/** NumPy's pairwise sum of `x[start .. start + m)`; exported so that a chunked source can follow the same tree. */
export function pairwiseBlock(x: ArrayLike<number>, start: number, m: number): number {
  if (m < 8) {
    let s = 0.0;
    for (let i = 0; i < m; i++) s += x[start + i]!;
    return s;
  }
  if (m <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = x[start + j]!;
    const limit = m - (m % 8);
    for (let i = 8; i < limit; i += 8) {
      for (let j = 0; j < 8; j++) r[j] = r[j]! + x[start + i + j]!;
    }
    let s = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (let i = limit; i < m; i++) s += x[start + i]!;
    return s;
  }
  let h = Math.floor(m / 2);
  h -= h % 8;
  return pairwiseBlock(x, start, h) + pairwiseBlock(x, start + h, m - h);
}

/** NumPy's pairwise sum (`np.add.reduce` on a contiguous float64 array). */
export function pairwiseSum(x: ArrayLike<number>): number {
  return pairwiseBlock(x, 0, x.length);
}

/** Type-7 percentile on ascending `sorted` (NumPy's `linear` method, including its lerp form). */
export function percentileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of an empty list');
  const g = (q / 100) * (n - 1);
  const lo = Math.floor(g);
  const hi = Math.min(lo + 1, n - 1);
  const t = g - lo;
  const vlo = sorted[lo]!;
  const vhi = sorted[hi]!;
  const d = vhi - vlo;
  return t < 0.5 ? vlo + d * t : vhi - d * (1 - t);
}

/** Nearest-rank percentile (docs/metrics.md §6.1): `v[rhe((q/100)·(n−1))]`. */
export function percentileNearestRank(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of an empty list');
  return sorted[roundHalfEven((q / 100) * (n - 1))]!;
}

function ascending(a: number, b: number): number {
  return a - b;
}

/**
 * The full statistic set of docs/metrics.md §6 over `values` (in their natural order). Returns
 * null for an empty list. `integer` marks an integer metric: `sum` is then summed exactly.
 */
export function computeStats(values: readonly number[] | Float64Array, integer = false): Stats | null {
  const n = values.length;
  if (n === 0) return null;
  const sum = integer ? exactIntegerSum(values) : pairwiseSum(values);
  const avg = pairwiseSum(values) / n;
  const dev = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = values[i]! - avg;
    dev[i] = d * d;
  }
  const std = Math.sqrt(pairwiseSum(dev) / n);
  const sorted = Float64Array.from(values).sort();
  const out: Stats = { avg, min: sorted[0]!, max: sorted[n - 1]! };
  for (const q of PERCENTILES) out[`p${q}` as PercentileKey] = percentileLinear(sorted, q);
  out.std = std;
  out.count = n;
  out.sum = sum;
  return out;
}

function exactIntegerSum(values: ArrayLike<number>): number {
  let s = 0n;
  for (let i = 0; i < values.length; i++) s += BigInt(values[i]!);
  return Number(s);
}

/**
 * Error-adjusted twin (docs/metrics.md §6.1): the successes plus `failures` values of +∞.
 * Nearest-rank percentiles; `min` and `count` always; `std` never; `avg`, `max`, `sum` and any
 * percentile that is +∞ are absent.
 */
export function computeAdjustedStats(successValues: readonly number[], failures: number): Stats | null {
  const n = successValues.length + failures;
  if (successValues.length === 0 || failures === 0) return null;
  const sorted = new Float64Array(n);
  sorted.set(successValues);
  sorted.fill(Infinity, successValues.length);
  sorted.sort();
  const out: Stats = { min: sorted[0]! };
  for (const q of PERCENTILES) {
    const v = percentileNearestRank(sorted, q);
    if (Number.isFinite(v)) out[`p${q}` as PercentileKey] = v;
  }
  out.count = n;
  return out;
}

// Float64Array.prototype.sort sorts numerically (unlike Array.prototype.sort); `ascending` is
// kept for plain arrays elsewhere.
export { ascending };
