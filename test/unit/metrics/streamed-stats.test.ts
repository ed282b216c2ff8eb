// Statistics read in passes over chunks (ts/src/metrics/streamed-stats.ts) must be bit-identical to
// ts/src/metrics/stats.ts on one array: the pairwise sum's tree, the type-7 and nearest-rank
// percentiles, and the order Float64Array.prototype.sort gives (−0 before +0).
import { describe, expect, it } from 'vitest';
import { computeAdjustedStats, computeStats } from '../../../ts/src/metrics/stats.js';
import {
  computeAdjustedStatsOf,
  computeStatsOf,
  pairwiseSumOf,
  selectRanks,
  type ValueSource,
} from '../../../ts/src/metrics/streamed-stats.js';
import { pairwiseSum } from '../../../ts/src/metrics/stats.js';
import { seededRandom } from '../../helpers/seeded-records.js';

/** `values` in chunks of the given sizes (cycled), as a source. */
function chunked(values: Float64Array, sizes: readonly number[]): ValueSource {
  return {
    length: values.length,
    *chunks() {
      let i = 0;
      let k = 0;
      while (i < values.length) {
        const n = Math.min(sizes[k++ % sizes.length]!, values.length - i);
        yield values.slice(i, i + n);
        i += n;
      }
    },
  };
}

function bits(x: number | undefined): string {
  if (x === undefined) return 'absent';
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16);
}

function sameStats(a: object | null, b: object | null): void {
  expect(a === null).toBe(b === null);
  if (a === null || b === null) return;
  expect(Object.keys(a)).toEqual(Object.keys(b));
  for (const k of Object.keys(a)) expect(bits((a as Record<string, number>)[k]), k).toBe(bits((b as Record<string, number>)[k]));
}

function dataset(seed: number, n: number, kind: 'wide' | 'ties' | 'signed' | 'integers'): Float64Array {
  const rand = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rand();
    if (kind === 'wide') out[i] = Math.exp(u * 40 - 20);
    else if (kind === 'ties') out[i] = Math.floor(u * 7) * 0.25;
    else if (kind === 'signed') out[i] = u < 0.05 ? -0 : u < 0.1 ? 0 : (u - 0.5) * 1e3;
    else out[i] = Math.floor(u * 1000);
  }
  return out;
}

describe('streamed statistics', () => {
  it('sums pairwise exactly like one array, whatever the chunk sizes', () => {
    for (const n of [0, 1, 7, 8, 127, 128, 129, 1000, 65_537, 200_003]) {
      const v = dataset(n, n, 'wide');
      for (const sizes of [[n || 1], [1], [3, 128, 5], [65_536], [1000, 7]]) {
        expect(bits(pairwiseSumOf(chunked(v, sizes)))).toBe(bits(pairwiseSum(v)));
      }
    }
  });

  it('selects the same order statistics as sorting, by radix passes and by gathering', () => {
    for (const kind of ['wide', 'ties', 'signed', 'integers'] as const) {
      const v = dataset(3, 50_000, kind);
      const sorted = Float64Array.from(v).sort();
      const ranks = [0, 1, 499, 12_345, 25_000, 49_998, 49_999];
      for (const gatherLimit of [0, 10, 1_000_000]) {
        const got = selectRanks(chunked(v, [4096, 333]), ranks, { sortLimit: 0, gatherLimit });
        expect([...got].map(bits)).toEqual(ranks.map((r) => bits(sorted[r])));
      }
    }
  });

  it('puts −0 before +0 and NaN and infinities where sorting does', () => {
    const v = Float64Array.from([0, -0, Infinity, -Infinity, Number.NaN, 1, -1, 0, -0, Number.MIN_VALUE, -Number.MIN_VALUE]);
    const sorted = Float64Array.from(v).sort();
    const ranks = [...sorted.keys()];
    for (const gatherLimit of [0, 100]) {
      const got = selectRanks(chunked(v, [2]), ranks, { sortLimit: 0, gatherLimit });
      expect([...got].map(bits)).toEqual([...sorted].map(bits));
    }
  });

  it('gives computeStats and computeAdjustedStats bit for bit', () => {
    for (const kind of ['wide', 'ties', 'signed', 'integers'] as const) {
      for (const n of [1, 2, 9, 1001, 70_000]) {
        const v = dataset(n + kind.length, n, kind);
        const integer = kind === 'integers';
        const source = chunked(v, [65_536, 17]);
        sameStats(computeStatsOf(source, integer, { sortLimit: 0 }), computeStats(v, integer));
        sameStats(computeStatsOf(source, integer), computeStats(v, integer));
        for (const failures of [0, 1, 3, n * 2]) {
          sameStats(computeAdjustedStatsOf(source, failures, { sortLimit: 0, gatherLimit: 5 }), computeAdjustedStats([...v], failures));
        }
      }
    }
  });
});
