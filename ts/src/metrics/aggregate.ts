// Fold a phase's record store into the run's metric blocks (docs/metrics.md §5–§8, §10).
import { evaluateClientHealth, type ClientHealthResult, type ClientHealthSamples } from './client-health.js';
import type { GoodputSlos } from './goodput.js';
import { ADJUSTED_TAGS, METRICS, jsonOrder, metricDef } from './metric-defs.js';
import type { MetricRecord } from './record-processor.js';
import { RecordStore, type ErrorGroup } from './record-store.js';
import { percentileLinear, type Stats } from './stats.js';
import { computeAdjustedStatsOf, computeStatsOf, type ValueSource } from './streamed-stats.js';
import { traceFidelity, type TraceFidelity } from './trace-fidelity.js';

export type { ErrorGroup };

/** One metric's summary: record metrics carry the statistic set, aggregates only `avg`. */
export interface MetricBlock {
  unit: string;
  stats: Stats;
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

const NS_PER_S = 1e9;

function agg(value: number, tag: string): [string, MetricBlock] {
  return [tag, { unit: metricDef(tag).unit, stats: { avg: value } }];
}

/**
 * Record-metric blocks (and twins) of docs/metrics.md §6: `successes` maps each tag to its values
 * over the successful requests (in record order, list metrics pooled); `errorIsl` holds `error_isl`
 * over the `failures` failed requests.
 */
export function recordMetricBlocks(
  successes: ReadonlyMap<string, ValueSource>,
  errorIsl: ValueSource | null,
  nOk: number,
  failures: number,
): Map<string, MetricBlock> {
  const values = new Map<string, ValueSource>();
  for (const [tag, source] of successes) if (source.length > 0) values.set(tag, source);
  if (errorIsl !== null && errorIsl.length > 0) values.set('error_isl', errorIsl);
  const out = new Map<string, MetricBlock>();
  for (const [tag, source] of values) {
    const def = METRICS.get(tag);
    if (!def) continue;
    const stats = computeStatsOf(source, def.integer === true);
    if (stats) out.set(tag, { unit: def.unit, stats });
  }
  if (nOk > 0 && failures > 0) {
    for (const tag of ADJUSTED_TAGS) {
      const source = values.get(tag);
      if (!source || source.length === 0) continue;
      const stats = computeAdjustedStatsOf(source, failures);
      if (stats) out.set(`adj_${tag}`, { unit: metricDef(tag).unit, stats });
    }
  }
  return out;
}

/** Per-input counts of docs/metrics.md §5.1 that some success reported, with their total and throughput tags. */
const PER_INPUT = [
  { count: 'num_embeddings', total: 'total_embeddings', throughput: 'embedding_throughput' },
  { count: 'num_passages', total: 'total_passages', throughput: 'passage_throughput' },
] as const;

export function perInputSums(store: RecordStore): Array<{ count: string; total: string; throughput: string; sum: number }> {
  const out: Array<{ count: string; total: string; throughput: string; sum: number }> = [];
  for (const p of PER_INPUT) {
    const s = store.sumOf(p.count);
    if (s.present > 0) out.push({ count: p.count, total: p.total, throughput: p.throughput, sum: s.sum });
  }
  return out;
}

/** Group errors by identical (code, type, message), largest first (docs/exports.md §4 item 5). */
export function summarizeErrors(groups: Iterable<ErrorGroup>): ErrorGroup[] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups].sort(
    (a, b) =>
      b.count - a.count ||
      (a.error.code ?? -1) - (b.error.code ?? -1) ||
      cmp(a.error.type, b.error.type) ||
      cmp(a.error.message, b.error.message),
  );
}

/** `max(content end) − min(start)` over successes, in seconds (docs/metrics.md §5). */
export function benchmarkDurationSec(store: RecordStore): number | null {
  const min = store.durationStartNs;
  const max = store.durationEndNs;
  if (min === null || max === null || max <= min) return null;
  return Number(max - min) / NS_PER_S;
}

/** A store of `records` (tests, benchmarks and callers that hold the records anyway). */
export function storeOf(records: readonly MetricRecord[], options: AggregateOptions = {}): RecordStore {
  const store = new RecordStore({ goodput: options.goodput ?? null, fixedSchedule: options.fixedSchedule ?? false });
  for (const r of records) store.append(r);
  return store;
}

/**
 * Every metric block of one phase: from its record store, or from the records themselves (goodput
 * and the fixed schedule are then taken from `options`; a store carries its own).
 */
export function aggregate(input: RecordStore | readonly MetricRecord[], options: AggregateOptions = {}): RunMetrics {
  const store = input instanceof RecordStore ? input : storeOf(input, options);
  const nOk = store.successCount;
  const nErr = store.errorCount;
  const blocks = recordMetricBlocks(
    new Map([...store.successMetrics].map(([tag, col]) => [tag, col.values])),
    store.errorIsl.values,
    nOk,
    nErr,
  );
  const add = (tag: string, value: number): void => {
    const [k, b] = agg(value, tag);
    blocks.set(k, b);
  };

  const completed = nOk + nErr;
  const cancelled = store.cancelledCount;
  add('request_count', nOk);
  add('error_request_count', nErr);
  add('cancelled_request_count', cancelled);
  add('completed_request_count', completed);
  if (completed > 0) add('request_error_rate', (100 * nErr) / completed);

  const totalIsl = store.sumOf('input_sequence_length').sum;
  const totalOsl = store.sumOf('output_sequence_length').sum;
  // Embeddings and rankings produce no tokens: their runs report inputs instead (docs/metrics.md §5.1).
  const inputs = perInputSums(store);
  add('total_isl', totalIsl);
  if (inputs.length === 0) {
    add('total_osl', totalOsl);
    add('total_output_tokens', store.sumOf('output_token_count').sum);
    add('total_reasoning_tokens', store.sumOf('reasoning_token_count').sum);
  }
  add('total_error_isl', store.errorIslSum);
  for (const i of inputs) add(i.total, i.sum);

  const duration = benchmarkDurationSec(store);
  if (duration !== null) {
    add('benchmark_duration', duration);
    add('request_throughput', nOk / duration);
    add('input_token_throughput', totalIsl / duration);
    if (inputs.length === 0) {
      add('output_token_throughput', totalOsl / duration);
      add('total_token_throughput', (totalIsl + totalOsl) / duration);
    }
    for (const i of inputs) add(i.throughput, i.sum / duration);
  }

  const prompt = store.sumOf('usage_prompt_tokens');
  const completion = store.sumOf('usage_completion_tokens');
  const cached = store.sumOf('usage_prompt_cache_read_tokens');
  if (prompt.present > 0) add('total_usage_prompt_tokens', prompt.sum);
  if (completion.present > 0) add('total_usage_completion_tokens', completion.sum);
  if (cached.present > 0) {
    add('total_usage_prompt_cache_read_tokens', cached.sum);
    if (prompt.sum > 0) add('overall_usage_prompt_cache_read_pct', (cached.sum / prompt.sum) * 100);
  }
  const usageDiscrepancyCount = store.usageDiscrepancyCount;
  const oslMismatchCount = store.oslMismatchCount;
  add('usage_discrepancy_count', usageDiscrepancyCount);
  add('osl_mismatch_count', oslMismatchCount);

  if (store.goodput !== null) {
    const good = store.goodCount;
    add('good_request_count', good);
    if (duration !== null) add('goodput', good / duration);
    if (completed > 0) add('good_request_fraction', good / completed);
  }

  // Fixed-schedule replay (§8): lag relative to the smallest offset.
  let replayDegraded = false;
  if (store.fixedSchedule && store.replayOffsets.length > 0) {
    let lo = Infinity;
    for (const c of store.replayOffsets.chunks()) for (const o of c) if (o < lo) lo = o;
    const sorted = new Float64Array(store.replayOffsets.length);
    let k = 0;
    for (const c of store.replayOffsets.chunks()) for (const o of c) sorted[k++] = o - lo;
    sorted.sort();
    const p99 = percentileLinear(sorted, 99);
    add('replay_sched_lag_p50', percentileLinear(sorted, 50));
    add('replay_sched_lag_p90', percentileLinear(sorted, 90));
    add('replay_sched_lag_p99', p99);
    replayDegraded = p99 > 500;
    add('replay_sched_degraded', replayDegraded ? 1 : 0);
  }

  // Client health (§10).
  const unqueued = new Float64Array(store.unqueuedScheduleLag.length);
  let u = 0;
  for (const c of store.unqueuedScheduleLag.chunks()) {
    unqueued.set(c, u);
    u += c.length;
  }
  const meanInterArrivalMs =
    store.scheduledCount >= 2 ? Number(store.scheduledLastNs! - store.scheduledFirstNs!) / 1e6 / (store.scheduledCount - 1) : null;
  let achievedRate: number | null = null;
  if (completed >= 2) {
    const first = store.firstStartNs!;
    const last = store.lastStartNs!;
    if (last > first) achievedRate = (completed - 1) / (Number(last - first) / NS_PER_S);
  }
  const clientHealth = evaluateClientHealth(options.clientHealth ?? null, {
    unqueuedScheduleLagMs: unqueued,
    meanInterArrivalMs,
    requestedRate: options.requestRate ?? null,
    achievedRate,
    waitedFraction: completed === 0 ? 0 : store.waitedCount / completed,
    connectionResends: store.connectionResends,
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
    errorSummary: summarizeErrors(store.errorGroups.values()),
    clientHealth,
    serverCountFallbacks: store.serverCountFallbacks,
    oslMismatchCount,
    usageDiscrepancyCount,
    replayDegraded,
    traceFidelity: traceFidelity(store.fidelityRows()),
  };
}
