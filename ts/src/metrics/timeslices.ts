// Time slices of docs/metrics.md §9: records bucketed by request start into fixed windows, read from
// the phase's record store (each slice's values in record order, as the whole-run statistics).
import type { GoodputSlos } from './goodput.js';
import { jsonOrder, metricDef } from './metric-defs.js';
import { perInputSums, recordMetricBlocks, storeOf, type MetricBlock } from './aggregate.js';
import type { MetricRecord } from './record-processor.js';
import { MAX_TIME_SLICES, MIN_SLICE_SECONDS } from '../config/limits.js';
import { RecordStore } from './record-store.js';
import type { ValueSource } from './streamed-stats.js';

export interface TimeSlice {
  timesliceIndex: number;
  /** Wall ns of the slice start `T0 + k·S`. */
  startNs: bigint;
  /** Wall ns of the nominal slice end `T0 + (k+1)·S`. */
  endNs: bigint;
  isComplete: boolean;
  /** Metric blocks in summary order; an empty slice holds only `request_count` 0. */
  blocks: Map<string, MetricBlock>;
}

function single(tag: string, value: number): MetricBlock {
  return { unit: metricDef(tag).unit, stats: { avg: value } };
}

/** Seconds → integer ns (exact for any decimal with ≤ 9 fractional digits). */
export function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e9));
}

/** Which slice each record of one kind falls in, and the first and last record of each slice. */
interface Membership {
  sliceOf: Uint32Array;
  first: Int32Array;
  last: Int32Array;
  count: Uint32Array;
}

function membership(n: number, slices: number, startOf: (i: number) => bigint, t0: bigint, S: bigint, K: number): Membership {
  const m: Membership = {
    sliceOf: new Uint32Array(n),
    first: new Int32Array(slices).fill(-1),
    last: new Int32Array(slices).fill(-1),
    count: new Uint32Array(slices),
  };
  for (let i = 0; i < n; i++) {
    const k = Math.min(K, Number((startOf(i) - t0) / S));
    m.sliceOf[i] = k;
    if (m.first[k] === -1) m.first[k] = i;
    m.last[k] = i;
    m.count[k]!++;
  }
  return m;
}

function sum(source: ValueSource): number {
  let s = 0;
  for (const c of source.chunks()) for (let i = 0; i < c.length; i++) s += c[i]!;
  return s;
}

/**
 * The slice length in ns. A duration below 1 ms (`1e-10` once became 0 ns and divided by zero
 * after the run) or not finite is refused: the programmatic API gets the same bound as the
 * `--slice-duration` flag (docs/cli.md §1.5).
 */
function sliceNs(sliceSeconds: number): bigint {
  if (!(Number.isFinite(sliceSeconds) && sliceSeconds >= MIN_SLICE_SECONDS)) {
    throw new RangeError(`slice duration must be a finite number of seconds >= ${MIN_SLICE_SECONDS}, got ${sliceSeconds}`);
  }
  return secondsToNs(sliceSeconds);
}

/** The phase's store, or a store built from its records (with `goodput`). */
function toStore(input: RecordStore | readonly MetricRecord[], goodput?: GoodputSlos | null): RecordStore {
  return input instanceof RecordStore ? input : storeOf(input, { goodput: goodput ?? null });
}

/** How many slices `computeTimeSlices` would make: max(1, ceil(span/S)), 0 without records. */
export function timeSliceCount(input: RecordStore | readonly MetricRecord[], sliceSeconds: number): number {
  const S = sliceNs(sliceSeconds);
  const store = toStore(input);
  if (store.count === 0) return 0;
  const span = store.lastEndNs! - store.firstStartNs!;
  const ceil = span <= 0n ? 0n : (span + S - 1n) / S;
  return ceil > 1n ? Number(ceil) : 1;
}

/**
 * Slice the profiling phase (its store, or its records with `goodput`); returns [] when there are
 * none; more than MAX_TIME_SLICES slices are refused with a RangeError (check `timeSliceCount`
 * first). Each slice reads its values from the store's columns, so memory stays that of the store.
 */
export function computeTimeSlices(
  input: RecordStore | readonly MetricRecord[],
  sliceSeconds: number,
  goodput?: GoodputSlos | null,
): TimeSlice[] {
  const store = toStore(input, goodput);
  const count = timeSliceCount(store, sliceSeconds);
  if (count === 0) return [];
  if (count > MAX_TIME_SLICES) {
    throw new RangeError(
      `a slice duration of ${sliceSeconds} s cuts these records into ${count} slices; at most ${MAX_TIME_SLICES} are made`,
    );
  }
  const S = sliceNs(sliceSeconds);
  const t0 = store.firstStartNs!;
  const tEnd = store.lastEndNs!;
  const span = tEnd - t0;
  // K = max(0, ceil(span/S) − 1)
  const ceil = span <= 0n ? 0n : (span + S - 1n) / S;
  const K = Number(ceil > 0n ? ceil - 1n : 0n);
  const ok = membership(store.successCount, K + 1, (i) => store.successStart(i), t0, S, K);
  const err = membership(store.errorCount, K + 1, (i) => store.errorStart(i), t0, S, K);
  const slices: TimeSlice[] = [];
  for (let k = 0; k <= K; k++) {
    const start = t0 + BigInt(k) * S;
    const end = start + S;
    const isComplete = end <= tEnd;
    const blocks = new Map<string, MetricBlock>();
    const nOk = ok.count[k]!;
    const nErr = err.count[k]!;
    if (nOk + nErr === 0) {
      blocks.set('request_count', single('request_count', 0));
      slices.push({ timesliceIndex: k, startNs: start, endNs: end, isComplete, blocks });
      continue;
    }
    const inOk = (r: number): boolean => ok.sliceOf[r] === k;
    const sources = new Map<string, ValueSource>();
    if (nOk > 0) {
      for (const [tag, col] of store.successMetrics) sources.set(tag, col.sliceSource(ok.first[k]!, ok.last[k]!, inOk, store.successCount));
    }
    const errorIsl =
      nErr > 0 ? store.errorIsl.sliceSource(err.first[k]!, err.last[k]!, (r) => err.sliceOf[r] === k, store.errorCount) : null;
    const all = recordMetricBlocks(sources, errorIsl, nOk, nErr);
    for (const [tag, b] of all) if (!tag.startsWith('adj_')) blocks.set(tag, b);
    blocks.set('request_count', single('request_count', nOk));
    blocks.set('error_request_count', single('error_request_count', nErr));
    const spanSec = Number(isComplete ? S : tEnd - start) / 1e9;
    if (spanSec > 0) {
      const isl = sources.has('input_sequence_length') ? sum(sources.get('input_sequence_length')!) : 0;
      const osl = sources.has('output_sequence_length') ? sum(sources.get('output_sequence_length')!) : 0;
      blocks.set('request_throughput', single('request_throughput', nOk / spanSec));
      blocks.set('input_token_throughput', single('input_token_throughput', isl / spanSec));
      // Embeddings and rankings runs produce no tokens: their inputs per second instead (docs/metrics.md §5.1).
      const inputs = perInputSums(store);
      if (inputs.length === 0) {
        blocks.set('output_token_throughput', single('output_token_throughput', osl / spanSec));
        blocks.set('total_token_throughput', single('total_token_throughput', (isl + osl) / spanSec));
      }
      for (const i of inputs) {
        const source = sources.get(i.count);
        blocks.set(i.throughput, single(i.throughput, (source ? sum(source) : 0) / spanSec));
      }
      if (store.goodput !== null) {
        let good = 0;
        for (let r = ok.first[k]!; nOk > 0 && r <= ok.last[k]!; r++) if (inOk(r) && store.isGood(r)) good++;
        blocks.set('good_request_count', single('good_request_count', good));
        blocks.set('goodput', single('goodput', good / spanSec));
      }
    }
    const ordered = new Map<string, MetricBlock>();
    for (const tag of jsonOrder(blocks.keys())) ordered.set(tag, blocks.get(tag)!);
    slices.push({ timesliceIndex: k, startNs: start, endNs: end, isComplete, blocks: ordered });
  }
  return slices;
}
