// The fold over whole MetricRecord arrays that the profile pipeline used before the record store
// (ts/src/metrics/record-store.ts), kept verbatim as a test oracle: the store must give exactly the
// same summary and time slices.
import type { RequestError } from '../../ts/src/metrics/raw-record.js';
import { evaluateClientHealth, type ClientHealthResult, type ClientHealthSamples } from '../../ts/src/metrics/client-health.js';
import { meetsSlos, type GoodputSlos } from '../../ts/src/metrics/goodput.js';
import { ADJUSTED_TAGS, METRICS, jsonOrder, metricDef } from '../../ts/src/metrics/metric-defs.js';
import type { MetricRecord } from '../../ts/src/metrics/record-processor.js';
import { computeAdjustedStats, computeStats, percentileLinear, type Stats } from '../../ts/src/metrics/stats.js';
import { traceFidelity, type FidelityRow, type TraceFidelity } from '../../ts/src/metrics/trace-fidelity.js';

/** One metric's summary: record metrics carry the statistic set, aggregates only `avg`. */
export interface MetricBlock {
  unit: string;
  stats: Stats;
}

export interface ErrorGroup {
  error: RequestError;
  count: number;
}

export interface AggregateOptions {
  goodput?: GoodputSlos | null;
  /** Fixed-schedule replay: adds the `replay_*` metrics (§8). */
  fixedSchedule?: boolean;
  /** `--request-rate` in rate mode (client-health rule 4). */
  requestRate?: number | null;
  /** Event-loop / CPU samples of the engine (§10); null when not measured. */
  clientHealth?: ClientHealthSamples | null;
}

export interface RunMetrics {
  /** Metric blocks keyed by tag, in summary-JSON order (console order, then alphabetical). */
  blocks: Map<string, MetricBlock>;
  successCount: number;
  errorCount: number;
  cancelledCount: number;
  /** Seconds; null without a successful request with a latency. */
  durationSec: number | null;
  errorSummary: ErrorGroup[];
  clientHealth: ClientHealthResult;
  /** Requests whose `--use-server-token-count` fell back to client counts. */
  serverCountFallbacks: number;
  oslMismatchCount: number;
  usageDiscrepancyCount: number;
  replayDegraded: boolean;
  /** Requested vs materialised prompt lengths of trace rows (docs/synthesis.md §6.5); null without materialised rows. */
  traceFidelity: TraceFidelity | null;
}

/**
 * Every request whose text was materialised from a trace row, failed ones included: the text was
 * built and sent whatever the server then did with it.
 */
function* fidelityRows(records: readonly MetricRecord[]): Generator<FidelityRow> {
  for (const r of records) {
    if (r.materialisedIsl !== null && r.raw.requestedIsl !== null) yield { requested: r.raw.requestedIsl, materialised: r.materialisedIsl };
  }
}

const NS_PER_S = 1e9;

function agg(value: number, tag: string): [string, MetricBlock] {
  return [tag, { unit: metricDef(tag).unit, stats: { avg: value } }];
}

/** Record-metric blocks (and twins) over successes; `error_isl` over errors. */
export function recordMetricBlocks(successes: readonly MetricRecord[], errors: readonly MetricRecord[]): Map<string, MetricBlock> {
  const values = new Map<string, number[]>();
  for (const r of successes) {
    for (const [tag, v] of Object.entries(r.metrics)) {
      let list = values.get(tag);
      if (!list) {
        list = [];
        values.set(tag, list);
      }
      if (Array.isArray(v)) for (const x of v) list.push(x);
      else list.push(v);
    }
  }
  const errIsl: number[] = [];
  for (const r of errors) {
    const v = r.metrics['error_isl'];
    if (typeof v === 'number') errIsl.push(v);
  }
  if (errIsl.length > 0) values.set('error_isl', errIsl);
  const out = new Map<string, MetricBlock>();
  for (const [tag, list] of values) {
    const def = METRICS.get(tag);
    if (!def) continue;
    const stats = computeStats(list, def.integer === true);
    if (stats) out.set(tag, { unit: def.unit, stats });
  }
  if (successes.length > 0 && errors.length > 0) {
    for (const tag of ADJUSTED_TAGS) {
      const list = values.get(tag);
      if (!list || list.length === 0) continue;
      const stats = computeAdjustedStats(list, errors.length);
      if (stats) out.set(`adj_${tag}`, { unit: metricDef(tag).unit, stats });
    }
  }
  return out;
}

function isCancelled(r: MetricRecord): boolean {
  return r.error?.type === 'RequestCancellationError';
}

/** Group errors by identical (code, type, message), largest first (docs/exports.md §4 item 5). */
export function summarizeErrors(errors: readonly MetricRecord[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const r of errors) {
    const e = r.error!;
    const key = JSON.stringify([e.code, e.type, e.message]);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { error: { code: e.code, type: e.type, message: e.message }, count: 1 });
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()].sort(
    (a, b) =>
      b.count - a.count ||
      (a.error.code ?? -1) - (b.error.code ?? -1) ||
      cmp(a.error.type, b.error.type) ||
      cmp(a.error.message, b.error.message),
  );
}

/** `max(content end) − min(start)` over successes, in seconds (docs/metrics.md §5). */
export function benchmarkDurationSec(successes: readonly MetricRecord[]): number | null {
  let min: bigint | null = null;
  let max: bigint | null = null;
  for (const r of successes) {
    if (r.contentEndWallNs === null) continue;
    if (min === null || r.startWallNs < min) min = r.startWallNs;
    if (max === null || r.contentEndWallNs > max) max = r.contentEndWallNs;
  }
  if (min === null || max === null || max <= min) return null;
  return Number(max - min) / NS_PER_S;
}

function sumMetric(records: readonly MetricRecord[], tag: string): { sum: number; present: number } {
  let sum = 0;
  let present = 0;
  for (const r of records) {
    const v = r.metrics[tag];
    if (typeof v === 'number') {
      sum += v;
      present++;
    }
  }
  return { sum, present };
}

/** Every metric block of one phase's records. */
export function oracleAggregate(records: readonly MetricRecord[], options: AggregateOptions = {}): RunMetrics {
  const successes = records.filter((r) => r.error === null);
  const errors = records.filter((r) => r.error !== null);
  const blocks = recordMetricBlocks(successes, errors);
  const add = (tag: string, value: number): void => {
    const [k, b] = agg(value, tag);
    blocks.set(k, b);
  };

  const nOk = successes.length;
  const nErr = errors.length;
  const completed = nOk + nErr;
  const cancelled = errors.filter(isCancelled).length;
  add('request_count', nOk);
  add('error_request_count', nErr);
  add('cancelled_request_count', cancelled);
  add('completed_request_count', completed);
  if (completed > 0) add('request_error_rate', (100 * nErr) / completed);

  const totalIsl = sumMetric(successes, 'input_sequence_length').sum;
  const totalOsl = sumMetric(successes, 'output_sequence_length').sum;
  add('total_isl', totalIsl);
  add('total_osl', totalOsl);
  add('total_output_tokens', sumMetric(successes, 'output_token_count').sum);
  add('total_reasoning_tokens', sumMetric(successes, 'reasoning_token_count').sum);
  add('total_error_isl', sumMetric(errors, 'error_isl').sum);

  const duration = benchmarkDurationSec(successes);
  if (duration !== null) {
    add('benchmark_duration', duration);
    add('request_throughput', nOk / duration);
    add('output_token_throughput', totalOsl / duration);
    add('input_token_throughput', totalIsl / duration);
    add('total_token_throughput', (totalIsl + totalOsl) / duration);
  }

  const prompt = sumMetric(successes, 'usage_prompt_tokens');
  const completion = sumMetric(successes, 'usage_completion_tokens');
  const cached = sumMetric(successes, 'usage_prompt_cache_read_tokens');
  if (prompt.present > 0) add('total_usage_prompt_tokens', prompt.sum);
  if (completion.present > 0) add('total_usage_completion_tokens', completion.sum);
  if (cached.present > 0) {
    add('total_usage_prompt_cache_read_tokens', cached.sum);
    if (prompt.sum > 0) add('overall_usage_prompt_cache_read_pct', (cached.sum / prompt.sum) * 100);
  }
  const usageDiscrepancyCount = successes.filter((r) => r.usageDiscrepancy).length;
  const oslMismatchCount = successes.filter((r) => r.oslMismatch).length;
  add('usage_discrepancy_count', usageDiscrepancyCount);
  add('osl_mismatch_count', oslMismatchCount);

  if (options.goodput && Object.keys(options.goodput).length > 0) {
    const good = successes.filter((r) => meetsSlos(r.metrics, options.goodput!)).length;
    add('good_request_count', good);
    if (duration !== null) add('goodput', good / duration);
    if (completed > 0) add('good_request_fraction', good / completed);
  }

  // Fixed-schedule replay (§8): lag relative to the smallest offset.
  let replayDegraded = false;
  if (options.fixedSchedule) {
    const offsets: number[] = [];
    for (const r of records) {
      if (r.raw.scheduledNs !== null) offsets.push(Number(r.raw.requestStartNs - r.raw.scheduledNs) / 1e6);
    }
    if (offsets.length > 0) {
      let lo = Infinity;
      for (const o of offsets) if (o < lo) lo = o;
      const sorted = Float64Array.from(offsets.map((o) => o - lo)).sort();
      const p99 = percentileLinear(sorted, 99);
      add('replay_sched_lag_p50', percentileLinear(sorted, 50));
      add('replay_sched_lag_p90', percentileLinear(sorted, 90));
      add('replay_sched_lag_p99', p99);
      replayDegraded = p99 > 500;
      add('replay_sched_degraded', replayDegraded ? 1 : 0);
    }
  }

  // Client health (§10).
  const unqueued: number[] = [];
  const scheduled: bigint[] = [];
  for (const r of records) {
    const lag = r.metrics['schedule_lag'];
    if (typeof lag === 'number' && !r.raw.waitedForSlot) unqueued.push(lag);
    if (typeof lag === 'number' && r.raw.scheduledNs !== null) scheduled.push(r.raw.scheduledNs);
  }
  scheduled.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const meanInterArrivalMs =
    scheduled.length >= 2 ? Number(scheduled[scheduled.length - 1]! - scheduled[0]!) / 1e6 / (scheduled.length - 1) : null;
  let achievedRate: number | null = null;
  if (records.length >= 2) {
    let first = records[0]!.startWallNs;
    let last = first;
    for (const r of records) {
      if (r.startWallNs < first) first = r.startWallNs;
      if (r.startWallNs > last) last = r.startWallNs;
    }
    if (last > first) achievedRate = (records.length - 1) / (Number(last - first) / NS_PER_S);
  }
  const clientHealth = evaluateClientHealth(options.clientHealth ?? null, {
    unqueuedScheduleLagMs: unqueued,
    meanInterArrivalMs,
    requestedRate: options.requestRate ?? null,
    achievedRate,
    waitedFraction: records.length === 0 ? 0 : records.filter((r) => r.raw.waitedForSlot).length / records.length,
    connectionResends: records.reduce((n, r) => n + r.raw.connectionResends, 0),
  });
  for (const [tag, v] of Object.entries(clientHealth.values)) add(tag, v);

  const ordered = new Map<string, MetricBlock>();
  for (const tag of jsonOrder(blocks.keys())) ordered.set(tag, blocks.get(tag)!);
  return {
    blocks: ordered,
    successCount: nOk,
    errorCount: nErr,
    cancelledCount: cancelled,
    durationSec: duration,
    errorSummary: summarizeErrors(errors),
    clientHealth,
    serverCountFallbacks: successes.filter((r) => r.serverCountFallback).length,
    oslMismatchCount,
    usageDiscrepancyCount,
    replayDegraded,
    traceFidelity: traceFidelity(fidelityRows(records)),
  };
}

// Time slices (docs/metrics.md §9) over whole records.

export interface OracleTimeSlice {
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
function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e9));
}

/** End of a record for `T_end`: content end for successes, failure time for errors. */
function recordEnd(r: MetricRecord): bigint {
  return r.error === null && r.contentEndWallNs !== null ? r.contentEndWallNs : r.endWallNs;
}

/** Slice the profiling records; returns [] when there are none. */
export function oracleTimeSlices(records: readonly MetricRecord[], sliceSeconds: number, goodput?: GoodputSlos | null): OracleTimeSlice[] {
  if (!(sliceSeconds > 0)) throw new RangeError('slice duration must be > 0');
  if (records.length === 0) return [];
  const S = secondsToNs(sliceSeconds);
  let t0 = records[0]!.startWallNs;
  let tEnd = recordEnd(records[0]!);
  for (const r of records) {
    if (r.startWallNs < t0) t0 = r.startWallNs;
    const e = recordEnd(r);
    if (e > tEnd) tEnd = e;
  }
  const span = tEnd - t0;
  // K = max(0, ceil(span/S) − 1)
  const ceil = span <= 0n ? 0n : (span + S - 1n) / S;
  const K = Number(ceil > 0n ? ceil - 1n : 0n);
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
