// Time slices of docs/metrics.md §9: records bucketed by request start into fixed windows.
import { meetsSlos, type GoodputSlos } from './goodput.js';
import { jsonOrder, metricDef } from './metric-defs.js';
import { recordMetricBlocks, type MetricBlock } from './aggregate.js';
import type { MetricRecord } from './record-processor.js';
import { MAX_TIME_SLICES, MIN_SLICE_SECONDS } from '../config/limits.js';

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

/** End of a record for `T_end`: content end for successes, failure time for errors. */
function recordEnd(r: MetricRecord): bigint {
  return r.error === null && r.contentEndWallNs !== null ? r.contentEndWallNs : r.endWallNs;
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

/** The records' span: earliest start `t0` and latest end `tEnd` (records must not be empty). */
function span(records: readonly MetricRecord[]): { t0: bigint; tEnd: bigint } {
  let t0 = records[0]!.startWallNs;
  let tEnd = recordEnd(records[0]!);
  for (const r of records) {
    if (r.startWallNs < t0) t0 = r.startWallNs;
    const e = recordEnd(r);
    if (e > tEnd) tEnd = e;
  }
  return { t0, tEnd };
}

/** How many slices `computeTimeSlices` would make: max(1, ceil(span/S)), 0 without records. */
export function timeSliceCount(records: readonly MetricRecord[], sliceSeconds: number): number {
  const S = sliceNs(sliceSeconds);
  if (records.length === 0) return 0;
  const { t0, tEnd } = span(records);
  const ceil = tEnd - t0 <= 0n ? 0n : (tEnd - t0 + S - 1n) / S;
  return ceil > 1n ? Number(ceil) : 1;
}

/**
 * Slice the profiling records; returns [] when there are none. More than MAX_TIME_SLICES slices
 * (1 ms slices of a 20-minute run) are refused with a RangeError rather than allocated: check
 * `timeSliceCount` first.
 */
export function computeTimeSlices(records: readonly MetricRecord[], sliceSeconds: number, goodput?: GoodputSlos | null): TimeSlice[] {
  const count = timeSliceCount(records, sliceSeconds);
  if (count === 0) return [];
  if (count > MAX_TIME_SLICES) {
    throw new RangeError(
      `a slice duration of ${sliceSeconds} s cuts these records into ${count} slices; at most ${MAX_TIME_SLICES} are made`,
    );
  }
  const S = sliceNs(sliceSeconds);
  const { t0, tEnd } = span(records);
  // K = max(0, ceil(span/S) − 1)
  const K = count - 1;
  const buckets: MetricRecord[][] = Array.from({ length: K + 1 }, () => []);
  for (const r of records) {
    const k = Math.min(K, Number((r.startWallNs - t0) / S));
    buckets[k]!.push(r);
  }
  return buckets.map((recs, k) => {
    const start = t0 + BigInt(k) * S;
    const end = start + S;
    const isComplete = end <= tEnd;
    const blocks = new Map<string, MetricBlock>();
    if (recs.length === 0) {
      blocks.set('request_count', single('request_count', 0));
      return { timesliceIndex: k, startNs: start, endNs: end, isComplete, blocks };
    }
    const ok = recs.filter((r) => r.error === null);
    const err = recs.filter((r) => r.error !== null);
    const all = recordMetricBlocks(ok, err);
    for (const [tag, b] of all) if (!tag.startsWith('adj_')) blocks.set(tag, b);
    blocks.set('request_count', single('request_count', ok.length));
    blocks.set('error_request_count', single('error_request_count', err.length));
    const spanSec = Number(isComplete ? S : tEnd - start) / 1e9;
    if (spanSec > 0) {
      let isl = 0;
      let osl = 0;
      for (const r of ok) {
        isl += (r.metrics['input_sequence_length'] as number | undefined) ?? 0;
        osl += (r.metrics['output_sequence_length'] as number | undefined) ?? 0;
      }
      blocks.set('request_throughput', single('request_throughput', ok.length / spanSec));
      blocks.set('output_token_throughput', single('output_token_throughput', osl / spanSec));
      blocks.set('input_token_throughput', single('input_token_throughput', isl / spanSec));
      blocks.set('total_token_throughput', single('total_token_throughput', (isl + osl) / spanSec));
      if (goodput && Object.keys(goodput).length > 0) {
        const good = ok.filter((r) => meetsSlos(r.metrics, goodput)).length;
        blocks.set('good_request_count', single('good_request_count', good));
        blocks.set('goodput', single('goodput', good / spanSec));
      }
    }
    const ordered = new Map<string, MetricBlock>();
    for (const tag of jsonOrder(blocks.keys())) ordered.set(tag, blocks.get(tag)!);
    return { timesliceIndex: k, startNs: start, endNs: end, isComplete, blocks: ordered };
  });
}
