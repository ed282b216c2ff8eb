// The record store (ts/src/metrics/record-store.ts) replaces holding every MetricRecord until the
// end of a run (issue 16: memory that stays flat). These pin that the summary and the time slices
// computed from it are exactly those of the fold over whole records (test/helpers/aggregate-oracle.ts).
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../ts/src/metrics/aggregate.js';
import type { GoodputSlos } from '../../../ts/src/metrics/goodput.js';
import type { MetricRecord } from '../../../ts/src/metrics/record-processor.js';
import { RecordStore } from '../../../ts/src/metrics/record-store.js';
import { computeTimeSlices } from '../../../ts/src/metrics/timeslices.js';
import { oracleAggregate, oracleTimeSlices } from '../../helpers/aggregate-oracle.js';
import { seededRecords } from '../../helpers/seeded-records.js';

/** Every number as its exact bits (so −0, 0 and the last ulp count), bigints as text, Maps as objects. */
function exact(value: unknown): string {
  const bits = (x: number): string => {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, x);
    return `f64:${b.getBigUint64(0).toString(16)}`;
  };
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number') return bits(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  });
}

function storeOf(records: readonly MetricRecord[], options: ConstructorParameters<typeof RecordStore>[0] = {}): RecordStore {
  const store = new RecordStore(options);
  for (const r of records) store.append(r);
  return store;
}

const GOODPUT: GoodputSlos = { time_to_first_token: 150, inter_token_latency: 12 };

describe('record store', () => {
  it('gives exactly the summary of the fold over whole records (errors, twins, usage, fidelity)', async () => {
    for (const seed of [1, 2, 3]) {
      const records = await seededRecords({ seed, count: 3000 });
      const store = storeOf(records);
      const expected = oracleAggregate(records);
      const actual = aggregate(store);
      expect(actual).toEqual(expected);
      expect(exact(actual)).toBe(exact(expected));
      expect(actual.errorCount).toBeGreaterThan(100);
      expect(actual.blocks.has('adj_time_to_first_token')).toBe(true);
      expect(actual.traceFidelity).not.toBeNull();
    }
  });

  it('gives exactly the same goodput, open-loop schedule lag and fixed-schedule replay metrics', async () => {
    const records = await seededRecords({ seed: 7, count: 2500, scheduled: true }, true, true);
    const store = storeOf(records, { goodput: GOODPUT, fixedSchedule: true });
    const expected = oracleAggregate(records, { goodput: GOODPUT, fixedSchedule: true, requestRate: 80 });
    const actual = aggregate(store, { requestRate: 80 });
    expect(exact(actual)).toBe(exact(expected));
    expect(actual.blocks.has('good_request_count')).toBe(true);
    expect(actual.blocks.has('replay_sched_lag_p99')).toBe(true);
    expect(actual.blocks.has('client_schedule_lag_p99')).toBe(true);
  });

  it('gives exactly the time slices of the fold over whole records, goodput included', async () => {
    const records = await seededRecords({ seed: 11, count: 3000 });
    const store = storeOf(records, { goodput: GOODPUT });
    for (const seconds of [0.5, 3, 7.25, 100]) {
      const expected = oracleTimeSlices(records, seconds, GOODPUT);
      const actual = computeTimeSlices(store, seconds);
      expect(actual.length).toBe(expected.length);
      expect(exact(actual)).toBe(exact(expected));
    }
  });

  it('gives the same summary when every list value went to the spill file', async () => {
    const records = await seededRecords({ seed: 5, count: 4000, errorRate: 0.05 });
    // Pad the run to more than one chunk of inter-chunk latencies (65,536) so that chunks do spill.
    const many = [...records, ...records, ...records, ...records, ...records, ...records, ...records, ...records];
    const spilled = storeOf(many, { listMemoryChunks: 0 });
    const inMemory = storeOf(many, { listMemoryChunks: Number.POSITIVE_INFINITY });
    expect(spilled.successMetrics.get('inter_chunk_latency')!.values.length).toBeGreaterThan(65_536);
    const expected = oracleAggregate(many);
    expect(exact(aggregate(spilled))).toBe(exact(expected));
    expect(exact(aggregate(inMemory))).toBe(exact(expected));
    expect(exact(computeTimeSlices(spilled, 2))).toBe(exact(oracleTimeSlices(many, 2)));
    spilled.close();
  });

  it('is empty-safe: no records give the summary of no records and no slices', () => {
    const store = new RecordStore();
    expect(exact(aggregate(store))).toBe(exact(oracleAggregate([])));
    expect(computeTimeSlices(store, 1)).toEqual([]);
  });
});
