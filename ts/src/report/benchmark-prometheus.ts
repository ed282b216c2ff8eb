// The running benchmark's own metrics in Prometheus form (docs/exports.md §13): counters, gauges and
// histograms on a private prom-client Registry, updated once per event (O(1) per record: a fixed
// bucket scan and one label lookup), rendered in the text exposition format when scraped.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineProgress, Phase } from '../load/engine.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import type { MetricRecord } from '../metrics/record-processor.js';

/** The `Content-Type` of the exposition this module renders. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Bucket upper bounds in seconds (docs/exports.md §13.2), chosen to cover a fast local engine
 * (a few ms) up to a long reasoning request (minutes) with about 20 buckets each, which keeps the
 * error of `histogram_quantile` within a bucket's width and the exposition small.
 */
export const HISTOGRAM_BUCKETS = {
  timeToFirstToken: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 20, 30, 60],
  interTokenLatency: [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1],
  requestLatency: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
  scheduleLag: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
} as const;

/**
 * Distinct `error_type` values kept per phase; later new ones are counted as `other`. The type of
 * an error a server reports in its payload is the server's text, so the series count stays bounded.
 */
export const MAX_ERROR_TYPES = 20;

const PHASES: readonly Phase[] = ['warmup', 'profiling'];

/** What `infermark_benchmark_info` says about the run. */
export interface BenchmarkInfo {
  version: string;
  benchmarkId: string;
  models: readonly string[];
}

const MS_PER_S = 1000;

/** One run's metrics. Feed it the run's events; `render()` is what a scrape returns. */
export class BenchmarkPrometheus {
  readonly registry = new Registry();
  readonly #sent: Counter<'phase'>;
  readonly #completed: Counter<'phase' | 'outcome'>;
  readonly #errors: Counter<'phase' | 'error_type'>;
  readonly #inputTokens: Counter<'phase'>;
  readonly #outputTokens: Counter<'phase'>;
  readonly #reasoningTokens: Counter<'phase'>;
  readonly #ttft: Histogram<'phase'>;
  readonly #itl: Histogram<'phase'>;
  readonly #latency: Histogram<'phase'>;
  readonly #scheduleLag: Histogram<'phase'>;
  readonly #inFlight: Gauge;
  readonly #phase: Gauge<'phase'>;
  readonly #running: Gauge;
  /** Per phase, the sends the engine reported so far (its progress carries a running total). */
  readonly #sentSoFar = new Map<Phase, number>();
  /** Per phase, the requests that ended so far. */
  readonly #ended = new Map<Phase, number>();
  readonly #errorTypes = new Map<Phase, Set<string>>();

  constructor(info: BenchmarkInfo) {
    const registers = [this.registry];
    new Gauge({
      name: 'infermark_benchmark_info',
      help: 'Always 1; the labels identify the run (infermark version, benchmark id, models).',
      labelNames: ['version', 'benchmark_id', 'model'],
      registers,
    }).set({ version: info.version, benchmark_id: info.benchmarkId, model: info.models.join(',') }, 1);
    this.#phase = new Gauge({
      name: 'infermark_phase',
      help: 'The phase the run is in: 1 for the current phase, 0 for the other.',
      labelNames: ['phase'],
      registers,
    });
    this.#running = new Gauge({
      name: 'infermark_running',
      help: '1 while requests are being sent or awaited, 0 once every request has ended.',
      registers,
    });
    this.#sent = new Counter({
      name: 'infermark_requests_sent_total',
      help: "Requests sent (from the load engine's progress every 250 ms, and never fewer than the requests that ended).",
      labelNames: ['phase'],
      registers,
    });
    this.#completed = new Counter({
      name: 'infermark_requests_completed_total',
      help: 'Requests that ended, by outcome (success or error).',
      labelNames: ['phase', 'outcome'],
      registers,
    });
    this.#errors = new Counter({
      name: 'infermark_request_errors_total',
      help: `Failed requests by error type (docs/metrics.md §2.3); types past the first ${MAX_ERROR_TYPES} are counted as "other".`,
      labelNames: ['phase', 'error_type'],
      registers,
    });
    this.#inputTokens = new Counter({
      name: 'infermark_input_tokens_total',
      help: 'Input sequence length summed over successful requests (the summary total_isl).',
      labelNames: ['phase'],
      registers,
    });
    this.#outputTokens = new Counter({
      name: 'infermark_output_tokens_total',
      help: 'Output sequence length, reasoning included, summed over successful requests (the summary total_osl).',
      labelNames: ['phase'],
      registers,
    });
    this.#reasoningTokens = new Counter({
      name: 'infermark_reasoning_tokens_total',
      help: 'Reasoning tokens summed over successful requests (the summary total_reasoning_tokens).',
      labelNames: ['phase'],
      registers,
    });
    this.#ttft = new Histogram({
      name: 'infermark_time_to_first_token_seconds',
      help: 'Time to first token of successful streaming requests.',
      labelNames: ['phase'],
      buckets: [...HISTOGRAM_BUCKETS.timeToFirstToken],
      registers,
    });
    this.#itl = new Histogram({
      name: 'infermark_inter_token_latency_seconds',
      help: 'Inter token latency (one value per request: its mean gap after the first token).',
      labelNames: ['phase'],
      buckets: [...HISTOGRAM_BUCKETS.interTokenLatency],
      registers,
    });
    this.#latency = new Histogram({
      name: 'infermark_request_latency_seconds',
      help: 'Request latency of successful requests.',
      labelNames: ['phase'],
      buckets: [...HISTOGRAM_BUCKETS.requestLatency],
      registers,
    });
    this.#scheduleLag = new Histogram({
      name: 'infermark_schedule_lag_seconds',
      help: 'How late each successful request left compared with its intended send time (open-loop modes only).',
      labelNames: ['phase'],
      buckets: [...HISTOGRAM_BUCKETS.scheduleLag],
      registers,
    });
    this.#inFlight = new Gauge({
      name: 'infermark_requests_in_flight',
      help: 'Requests sent and not yet ended, as the load engine reports them every 250 ms.',
      registers,
    });
    // Every series exists from the first scrape, at 0, so rate() and increase() see the start.
    for (const phase of PHASES) {
      this.#phase.set({ phase }, 0);
      this.#sent.inc({ phase }, 0);
      for (const outcome of ['success', 'error']) this.#completed.inc({ phase, outcome }, 0);
      this.#inputTokens.inc({ phase }, 0);
      this.#outputTokens.inc({ phase }, 0);
      this.#reasoningTokens.inc({ phase }, 0);
      for (const h of [this.#ttft, this.#itl, this.#latency, this.#scheduleLag]) h.zero({ phase });
    }
    this.#inFlight.set(0);
    this.#running.set(1);
  }

  onPhaseStart(phase: Phase): void {
    for (const p of PHASES) this.#phase.set({ phase: p }, p === phase ? 1 : 0);
  }

  onProgress(progress: EngineProgress): void {
    this.#sentAtLeast(progress.phase, progress.sent);
    this.#inFlight.set(progress.inFlight);
  }

  /**
   * A request ended (before its metrics are computed). It was sent, so the sent count is at least
   * the ended count even between two progress reports, and exact once the engine is done.
   */
  onRecord(raw: RawRequestRecord): void {
    const ended = (this.#ended.get(raw.phase) ?? 0) + 1;
    this.#ended.set(raw.phase, ended);
    this.#sentAtLeast(raw.phase, ended);
  }

  onMetricRecord(record: MetricRecord): void {
    const phase = record.phase;
    const m = record.metrics;
    if (record.error) {
      this.#completed.inc({ phase, outcome: 'error' });
      this.#errors.inc({ phase, error_type: this.#errorType(phase, record.error.type) });
    } else {
      this.#completed.inc({ phase, outcome: 'success' });
      add(this.#inputTokens, phase, m.input_sequence_length);
      add(this.#outputTokens, phase, m.output_sequence_length);
      add(this.#reasoningTokens, phase, m.reasoning_token_count);
      observeMs(this.#ttft, phase, m.time_to_first_token);
      observeMs(this.#itl, phase, m.inter_token_latency);
      observeMs(this.#latency, phase, m.request_latency);
      // As in the summary, a failure's record carries no schedule lag (docs/metrics.md §3).
      observeMs(this.#scheduleLag, phase, m.schedule_lag);
    }
  }

  /** Every request has ended (the files may still be being written). */
  onEngineDone(): void {
    this.#inFlight.set(0);
    this.#running.set(0);
  }

  /** The text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  #sentAtLeast(phase: Phase, sent: number): void {
    const before = this.#sentSoFar.get(phase) ?? 0;
    if (sent <= before) return;
    this.#sent.inc({ phase }, sent - before);
    this.#sentSoFar.set(phase, sent);
  }

  #errorType(phase: Phase, type: string): string {
    let seen = this.#errorTypes.get(phase);
    if (!seen) {
      seen = new Set();
      this.#errorTypes.set(phase, seen);
    }
    if (seen.has(type)) return type;
    if (seen.size >= MAX_ERROR_TYPES) return 'other';
    seen.add(type);
    return type;
  }
}

function add(counter: Counter<'phase'>, phase: Phase, value: number | number[] | undefined): void {
  if (typeof value === 'number' && value > 0) counter.inc({ phase }, value);
}

function observeMs(histogram: Histogram<'phase'>, phase: Phase, valueMs: number | number[] | undefined): void {
  if (typeof valueMs === 'number' && Number.isFinite(valueMs)) histogram.observe({ phase }, valueMs / MS_PER_S);
}
