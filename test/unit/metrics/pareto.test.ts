// docs/cli.md §8: a point is Pareto-optimal when no other point is at least as good on both
// objectives and strictly better on one.
import { describe, expect, it } from 'vitest';
import { paretoOptimal } from '../../../ts/src/metrics/pareto.js';

describe('paretoOptimal', () => {
  it('marks the sweep points that trade throughput for per-user speed', () => {
    // [output tok/s, tok/s/user] of a concurrency sweep 1, 2, 4, 8, 16.
    const points = [
      [100, 100],
      [190, 95],
      [350, 88],
      [340, 40], // dominated by the point before it: less of both
      [600, 37.5],
    ];
    expect(paretoOptimal(points, ['max', 'max'])).toEqual([true, true, true, false, true]);
  });

  it('needs a strict gain on one objective to dominate: equal points are both optimal', () => {
    expect(
      paretoOptimal(
        [
          [5, 5],
          [5, 5],
          [5, 4],
        ],
        ['max', 'max'],
      ),
    ).toEqual([true, true, false]);
  });

  it('treats a tie on one objective and a gain on the other as dominance', () => {
    expect(
      paretoOptimal(
        [
          [10, 3],
          [10, 2],
        ],
        ['max', 'max'],
      ),
    ).toEqual([true, false]);
  });

  it('minimises the objectives marked min (latency against throughput)', () => {
    // [mean latency ms, tok/s per GPU]
    const points = [
      [200, 100],
      [250, 100], // slower for the same throughput
      [400, 300],
      [300, 50], // slower and less throughput than the first
    ];
    expect(paretoOptimal(points, ['min', 'max'])).toEqual([true, false, true, false]);
  });

  it('never marks a point with a missing value, and such a point dominates nothing', () => {
    const points = [
      [Number.NaN, 1000],
      [10, 10],
      [Number.POSITIVE_INFINITY, 1],
      [1, 1],
    ];
    expect(paretoOptimal(points, ['max', 'max'])).toEqual([false, true, false, false]);
  });

  it('rejects points whose arity does not match the directions', () => {
    expect(paretoOptimal([[1], [2, 2]], ['max', 'max'])).toEqual([false, true]);
  });

  it('has nothing to mark without points, and a single point is optimal', () => {
    expect(paretoOptimal([], ['max', 'max'])).toEqual([]);
    expect(paretoOptimal([[0, 0]], ['max', 'max'])).toEqual([true]);
  });
});
