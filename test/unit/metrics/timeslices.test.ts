import { describe, expect, it } from 'vitest';
import { computeTimeSlices, timeSliceCount } from '../../../ts/src/metrics/timeslices.js';
import { DONE, chatDelta, processor, raw } from './fixtures.js';

function ok(n: number, startMs: number, endMs: number) {
  return raw({
    requestNum: n,
    startMs,
    isl: 10,
    events: [
      [endMs, chatDelta('a b')],
      [endMs, DONE],
    ],
    endMs,
  });
}

describe('time slices', () => {
  it('assigns by request start, emits empty slices and flags the partial last one', async () => {
    // Slice 1 s; T0 = 0; T_end = 3.5 s → K = 3, slices [0,1) [1,2) [2,3) [3,4) with the last partial.
    const recs = await processor().processBatch([
      ok(0, 0, 900),
      ok(1, 999, 2600), // starts in slice 0 even though it ends in slice 2
      ok(2, 1000, 1100), // exactly on the boundary → slice 1
      ok(3, 3000, 3500),
    ]);
    const slices = computeTimeSlices(recs, 1);
    expect(slices.map((s) => s.isComplete)).toEqual([true, true, true, false]);
    expect(slices.map((s) => s.blocks.get('request_count')!.stats.avg)).toEqual([2, 1, 0, 1]);
    expect([...slices[2]!.blocks.keys()]).toEqual(['request_count']);
    expect(slices[1]!.startNs - slices[0]!.startNs).toBe(1_000_000_000n);
    // Complete slice: throughput over S; partial last slice: over T_end − (T0 + K·S) = 0.5 s.
    expect(slices[0]!.blocks.get('request_throughput')!.stats.avg).toBe(2);
    expect(slices[3]!.blocks.get('request_throughput')!.stats.avg).toBe(2);
    expect(slices[3]!.blocks.get('output_token_throughput')!.stats.avg).toBe(4);
  });

  it('marks the last slice complete when T_end falls exactly on a boundary', async () => {
    const recs = await processor().processBatch([ok(0, 0, 500), ok(1, 1500, 2000)]);
    const slices = computeTimeSlices(recs, 1);
    expect(slices).toHaveLength(2);
    expect(slices.map((s) => s.isComplete)).toEqual([true, true]);
  });

  it('counts errors per slice, uses their failure time for T_end and keeps them out of distributions', async () => {
    const recs = await processor().processBatch([
      ok(0, 0, 400),
      raw({ requestNum: 1, startMs: 100, isl: 9, endMs: 1200, error: { code: null, type: 'TimeoutError', message: 't' } }),
    ]);
    const slices = computeTimeSlices(recs, 1);
    expect(slices).toHaveLength(2);
    expect(slices[0]!.blocks.get('error_request_count')!.stats.avg).toBe(1);
    expect(slices[0]!.blocks.get('request_latency')!.stats.count).toBe(1);
    expect(slices[0]!.blocks.has('adj_request_latency')).toBe(false);
  });

  it('computes goodput per slice with the same SLOs', async () => {
    const recs = await processor().processBatch([ok(0, 0, 100), ok(1, 200, 900), ok(2, 1000, 1100)]);
    const slices = computeTimeSlices(recs, 1, { request_latency: 200 });
    expect(slices[0]!.blocks.get('good_request_count')!.stats.avg).toBe(1);
    expect(slices[1]!.blocks.get('good_request_count')!.stats.avg).toBe(1);
  });

  // Issue 16 defect 4: `--slice-duration 1e-10` became a 0 ns slice and divided by zero after the run.
  it('refuses a slice shorter than 1 ms or not finite with a clear error, for the programmatic API too', async () => {
    const recs = await processor().processBatch([ok(0, 0, 900)]);
    for (const bad of [1e-10, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => computeTimeSlices(recs, bad)).toThrow(/^slice duration must be a finite number of seconds >= 0\.001, got /);
    }
    expect(computeTimeSlices(recs, 0.001)).toHaveLength(900);
  });

  it('counts the slices first and refuses more than 1,000,000 instead of allocating them', async () => {
    // 1,500 s of records cut into 1 ms slices: 1,500,000 slices.
    const recs = await processor().processBatch([ok(0, 0, 900), ok(1, 1_499_000, 1_500_000)]);
    expect(timeSliceCount(recs, 0.001)).toBe(1_500_000);
    expect(timeSliceCount(recs, 1)).toBe(1500);
    expect(timeSliceCount([], 1)).toBe(0);
    expect(() => computeTimeSlices(recs, 0.001)).toThrow(
      'a slice duration of 0.001 s cuts these records into 1500000 slices; at most 1000000 are made',
    );
    expect(computeTimeSlices(recs, 1)).toHaveLength(1500);
  });
});
