// Client-health metrics and the saturation rule (docs/metrics.md §10): was infermark itself the
// bottleneck? The engine samples its loops; this module only folds and judges.
import { percentileLinear } from './stats.js';

/** One load-generation event loop (the main thread or a worker thread) over the profiling phase. */
export interface EventLoopSamples {
  /** `main` or `worker_<k>`. */
  loopId: string;
  /**
   * Event-loop delay of this loop from `perf_hooks.monitorEventLoopDelay({ resolution: 10 })`,
   * enabled at the start of profiling, read at its end, in ms **net of the 10 ms resolution**:
   * the histogram holds whole intervals between timer firings, so `max(0, value − 10 ms)` (an
   * idle loop reads about 0, not 10).
   */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /**
   * Event-loop utilisation per 1 s sample, in percent (0–100): `100 ·
   * performance.eventLoopUtilization(prev).utilization` taken once per second.
   */
  utilizationPct: number[];
}

/** Where the load engine ran (ts/src/load/workers.ts `planLoadThreads`). */
export interface LoadThreads {
  /** Engine threads: 1 with `mainThread`, else that many worker threads. */
  threads: number;
  /** `--workers 1`: the engine shared the main thread with the reporting. */
  mainThread: boolean;
  /** Chosen by infermark (no `--workers`), from `streams` and `cores`. */
  automatic: boolean;
  /** Concurrent streams the choice was made for (null: open-loop sends without a ceiling, or explicit). */
  streams: number | null;
  cores: number;
}

/** Everything the engine measured about its own health during profiling. */
export interface ClientHealthSamples {
  /**
   * One entry per loop that stamps requests: the main thread's, or with worker threads each
   * worker's (the main thread then only reports, and its lag does not touch any timestamp).
   */
  loops: EventLoopSamples[];
  /**
   * Process CPU percent per 1 s sample: `(Δ(user + system) µs of process.cpuUsage()) /
   * (Δwall µs) · 100`, all threads of the process; 100 = one core.
   */
  cpuPercent: number[];
  /** Where the engine ran; absent when the caller does not know. */
  loadThreads?: LoadThreads;
}

/** Request-level inputs of rules 3 and 4 and the resend count, computed from the records by the aggregation. */
export interface ScheduleHealthInputs {
  /** `schedule_lag` (ms) of open-loop requests that did not wait for a concurrency slot. */
  unqueuedScheduleLagMs: ArrayLike<number>;
  /** Mean intended inter-arrival time (ms) of open-loop requests, when known. */
  meanInterArrivalMs: number | null;
  /** `--request-rate` in rate mode, else null. */
  requestedRate: number | null;
  /** (started − 1) / (last start − first start), requests/sec, when ≥ 2 requests started. */
  achievedRate: number | null;
  /** Fraction of profiling requests that waited for a concurrency slot. */
  waitedFraction: number;
  /** Requests sent again after a server-closed kept-alive connection lost them (docs/metrics.md §2.2). */
  connectionResends: number;
}

export interface ClientHealthResult {
  /** Single-value metrics (tag → value) that could be computed. */
  values: Record<string, number>;
  saturated: boolean;
  reasons: string[];
  loadThreads: LoadThreads | null;
}

/**
 * Rule 1's limit on the worst stamping loop's lag p99, net of the delay monitor's 10 ms timer
 * interval. docs/metrics.md §10 wrote 25 ms when the figure still included that interval, so 25 ms
 * meant 15 ms of real lag; the limit keeps flagging exactly the runs it flagged then. Evidence
 * that it is not too strict (docs/BENCHMARKS.md, "Client overhead on TTFT"): the TTFT overhead
 * p99 of a run was 1.4–7 × its loops' lag p99, so 15 ms of lag already means tails of 20–100 ms.
 */
export const LAG_P99_LIMIT_MS = 15;
export const UTILIZATION_BUSY_PCT = 90;
export const UTILIZATION_BUSY_SHARE = 0.2;

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Largest value without spreading (long runs have too many samples for `Math.max(...xs)`). */
function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

function fmt(x: number): string {
  return x.toFixed(2);
}

/** Fold the samples and apply the four saturation rules of docs/metrics.md §10. */
export function evaluateClientHealth(samples: ClientHealthSamples | null, sched: ScheduleHealthInputs): ClientHealthResult {
  const values: Record<string, number> = {};
  const reasons: string[] = [];
  if (samples && samples.loops.length > 0) {
    // "The worst loop's values": each statistic from the loop that is worst for it.
    values['client_event_loop_lag_p50'] = Math.max(...samples.loops.map((l) => l.lagP50Ms));
    values['client_event_loop_lag_p99'] = Math.max(...samples.loops.map((l) => l.lagP99Ms));
    values['client_event_loop_lag_max'] = Math.max(...samples.loops.map((l) => l.lagMaxMs));
    const all = samples.loops.flatMap((l) => l.utilizationPct);
    if (all.length > 0) {
      values['client_event_loop_utilization_avg'] = Math.max(
        ...samples.loops.filter((l) => l.utilizationPct.length > 0).map((l) => mean(l.utilizationPct)),
      );
      values['client_event_loop_utilization_max'] = maxOf(all);
    }
    const p99 = values['client_event_loop_lag_p99'];
    if (p99 > LAG_P99_LIMIT_MS) reasons.push(`event-loop lag p99 ${fmt(p99)} ms > ${LAG_P99_LIMIT_MS} ms`);
    for (const loop of samples.loops) {
      const n = loop.utilizationPct.length;
      if (n === 0) continue;
      const busy = loop.utilizationPct.filter((u) => u > UTILIZATION_BUSY_PCT).length;
      if (busy / n >= UTILIZATION_BUSY_SHARE) {
        reasons.push(`event loop ${loop.loopId} above ${UTILIZATION_BUSY_PCT}% busy in ${busy} of ${n} 1 s samples`);
      }
    }
  }
  if (samples && samples.cpuPercent.length > 0) {
    values['client_cpu_percent_avg'] = mean(samples.cpuPercent);
    values['client_cpu_percent_max'] = maxOf(samples.cpuPercent);
  }
  if (sched.unqueuedScheduleLagMs.length > 0) {
    const sorted = Float64Array.from(sched.unqueuedScheduleLagMs).sort();
    values['client_schedule_lag_p50'] = percentileLinear(sorted, 50);
    values['client_schedule_lag_p99'] = percentileLinear(sorted, 99);
    values['client_schedule_lag_max'] = sorted[sorted.length - 1]!;
    const limit = Math.max(10, sched.meanInterArrivalMs === null ? 0 : 0.1 * sched.meanInterArrivalMs);
    const p99 = values['client_schedule_lag_p99'];
    if (p99 > limit) reasons.push(`schedule lag p99 ${fmt(p99)} ms > ${fmt(limit)} ms`);
  }
  // Not a saturation rule: the server closed the connections, the client only coped with it.
  values['client_connection_resends'] = sched.connectionResends;
  if (sched.requestedRate !== null) values['requested_request_rate'] = sched.requestedRate;
  if (sched.achievedRate !== null) values['achieved_request_rate'] = sched.achievedRate;
  if (
    sched.requestedRate !== null &&
    sched.achievedRate !== null &&
    sched.achievedRate < 0.95 * sched.requestedRate &&
    sched.waitedFraction < 0.05
  ) {
    reasons.push(`achieved ${fmt(sched.achievedRate)} req/s < 95% of requested ${fmt(sched.requestedRate)} req/s`);
  }
  return { values, saturated: reasons.length > 0, reasons, loadThreads: samples?.loadThreads ?? null };
}

/** The console footer line of docs/metrics.md §10. */
export function clientHealthLine(result: ClientHealthResult): string {
  if (result.saturated) {
    return `Client: SATURATED — ${result.reasons.join('; ')} (latencies may be overstated; try --workers N or less load)`;
  }
  const parts: string[] = [];
  const v = result.values;
  if (v['client_event_loop_lag_p99'] !== undefined) parts.push(`event-loop lag p99 ${fmt(v['client_event_loop_lag_p99'])} ms`);
  if (v['client_schedule_lag_p99'] !== undefined) parts.push(`schedule lag p99 ${fmt(v['client_schedule_lag_p99'])} ms`);
  if (v['client_cpu_percent_avg'] !== undefined) parts.push(`CPU avg ${Math.round(v['client_cpu_percent_avg'])}%`);
  return parts.length > 0 ? `Client: healthy (${parts.join('; ')})` : 'Client: healthy';
}

/** The console footer line for requests resent on a new connection (docs/metrics.md §2.2), when there were any. */
export function connectionResendsLine(result: ClientHealthResult): string | null {
  const n = result.values['client_connection_resends'] ?? 0;
  if (n === 0) return null;
  const what = n === 1 ? '1 request' : `${n} requests`;
  return `Connection resends: ${what} sent again on a new connection (the server had closed the kept-alive one before answering)`;
}

/** The console footer line that says where the load engine ran and who chose it. */
export function loadThreadsLine(t: LoadThreads): string {
  if (t.mainThread) return 'Load engine: main thread (--workers 1)';
  const threads = `${t.threads} worker thread${t.threads === 1 ? '' : 's'}`;
  if (!t.automatic) return `Load engine: ${threads} (--workers ${t.threads})`;
  const streams =
    t.streams === null ? 'open-loop sends without a --concurrency ceiling' : `${t.streams} concurrent stream${t.streams === 1 ? '' : 's'}`;
  return `Load engine: ${threads}, chosen automatically for ${streams} on ${t.cores} core${t.cores === 1 ? '' : 's'} (--workers N overrides)`;
}
