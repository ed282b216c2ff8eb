// `profile --ui dashboard` (docs/cli.md §3.5): serves the live page for the duration of the run and
// sends it a snapshot once a second: progress, in-flight, throughput and latency percentiles over a
// sliding window, errors by type, the servers' latest metrics, GPU power and utilisation, and the
// reporting thread's own health; at the end, the summary JSON's figures. Each record costs O(1)
// (metrics/live-window.ts); the once-a-second snapshot runs on a timer of the main thread, which
// with worker threads (the default) is not the loop that stamps chunks.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { EngineProgress, Phase } from '../../load/engine.js';
import { startLiveDashboardServer, type LiveDashboardServer } from '../../live/dashboard-server.js';
import { renderLivePage } from '../../live/live-page.js';
import type { LiveFinal, LiveGpuSource, LiveSnapshot } from '../../live/live-snapshot.js';
import { LIVE_WINDOW_MS, LiveWindow } from '../../metrics/live-window.js';
import type { MetricRecord } from '../../metrics/record-processor.js';
import type { LiveServerMetrics } from '../../metrics/server-metrics-collector.js';
import { toJson } from '../../report/json-writer.js';
import { blocksJson } from '../../report/summary-json.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

/** Reads the latest server-metrics scrape (ServerMetricsReporter's `latest`). */
export interface LiveServerMetricsSource {
  latest(): LiveServerMetrics | null;
}

export interface LiveDashboardOptions {
  /** `--dashboard-port`; 0 picks a free port. */
  port: number;
  /** Where the URL is printed. */
  stderr: { write(text: string): unknown };
  serverMetrics?: LiveServerMetricsSource | null;
  gpus?: LiveGpuSource | null;
  /** Between two snapshots (default 1 s). */
  intervalMs?: number;
  windowMs?: number;
}

/** The event-loop delay monitor's resolution; its values are whole intervals, reported net of it. */
const LAG_RESOLUTION_MS = 10;

function metric(r: MetricRecord, tag: string): number {
  const v = r.metrics[tag];
  return typeof v === 'number' ? v : Number.NaN;
}

export class LiveDashboardReporter implements ProfileReporter {
  readonly #options: LiveDashboardOptions;
  readonly #windowMs: number;
  readonly #window: LiveWindow;
  readonly #errors = new Map<string, number>();
  #server: LiveDashboardServer | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lag: IntervalHistogram | null = null;
  #run: RunContext | null = null;
  #progress: EngineProgress | null = null;
  #phase: Phase = 'profiling';
  #seq = 0;
  #cpu = process.cpuUsage();
  #cpuAtMs = Date.now();

  constructor(options: LiveDashboardOptions) {
    this.#options = options;
    this.#windowMs = options.windowMs ?? LIVE_WINDOW_MS;
    this.#window = new LiveWindow({ windowMs: this.#windowMs });
  }

  /** Listens before any request: a port that cannot be had ends the run here (exit 2). */
  async start(run: RunContext): Promise<void> {
    this.#run = run;
    const models = run.config.endpoint.models.join(', ');
    this.#server = await startLiveDashboardServer({ port: this.#options.port, page: renderLivePage(`infermark live: ${models}`) });
    this.#options.stderr.write(`infermark live dashboard: ${this.#server.url} (127.0.0.1 only, for the duration of the run)\n`);
    run.log('info', `live dashboard at ${this.#server.url}`);
    this.#lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.#lag.enable();
    this.#timer = setInterval(() => this.#publish(), this.#options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  get url(): string | null {
    return this.#server?.url ?? null;
  }

  onPhaseStart(phase: Phase): void {
    this.#phase = phase;
    this.#progress = null;
    this.#window.reset(Date.now());
    this.#errors.clear();
  }

  onProgress(p: EngineProgress): void {
    this.#progress = p;
  }

  onMetricRecord(r: MetricRecord): void {
    // A warmup request counted after profiling began belongs to neither the new window nor its errors.
    if (r.phase !== this.#phase) return;
    if (r.error !== null) {
      this.#errors.set(r.error.type, (this.#errors.get(r.error.type) ?? 0) + 1);
      return;
    }
    const tokens = metric(r, 'output_sequence_length');
    this.#window.add({
      endMs: Number(r.endWallNs) / 1e6,
      ttftMs: metric(r, 'time_to_first_token'),
      itlMs: metric(r, 'inter_token_latency'),
      latencyMs: metric(r, 'request_latency'),
      outputTokens: Number.isNaN(tokens) ? 0 : tokens,
    });
  }

  /** The snapshot now (also what tests read). */
  snapshot(nowMs = Date.now()): LiveSnapshot {
    const p = this.#progress;
    const sm = this.#options.serverMetrics?.latest() ?? null;
    const cpu = process.cpuUsage();
    const cpuPercent =
      nowMs > this.#cpuAtMs ? (100 * (cpu.user - this.#cpu.user + cpu.system - this.#cpu.system)) / 1000 / (nowMs - this.#cpuAtMs) : 0;
    this.#cpu = cpu;
    this.#cpuAtMs = nowMs;
    const lag = this.#lag;
    const net = (ns: number): number => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
    const client = {
      loopLagP99Ms: lag && lag.count > 0 ? net(lag.percentile(99)) : 0,
      loopLagMaxMs: lag && lag.count > 0 ? net(lag.max) : 0,
      cpuPercent,
      heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
    };
    lag?.reset();
    return {
      seq: ++this.#seq,
      atMs: nowMs,
      phase: p?.phase ?? this.#phase,
      completed: p?.completed ?? 0,
      target: p?.target ?? null,
      sent: p?.sent ?? 0,
      errors: p?.errors ?? 0,
      inFlight: p?.inFlight ?? 0,
      elapsedSec: p ? Number(p.elapsedNs) / 1e9 : 0,
      windowSec: this.#windowMs / 1000,
      window: this.#window.snapshot(nowMs),
      errorsByType: [...this.#errors].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count),
      server:
        sm === null
          ? null
          : {
              waiting: sm.waiting,
              running: sm.running,
              kvCacheUsagePct: sm.kvCacheUsagePct,
              prefixCacheHitRatePct: sm.prefixCacheHitRatePct,
              ageSec: Math.max(0, (nowMs - sm.scrapedAtMs) / 1000),
            },
      gpus: [...(this.#options.gpus?.latestGpus() ?? [])],
      client,
    };
  }

  #publish(): void {
    try {
      this.#server?.publish('snapshot', this.snapshot());
    } catch (err) {
      // A source that throws (a telemetry bug) costs the page one update, never the run.
      this.#run?.log('warning', `live dashboard update failed: ${String(err)}`);
    }
  }

  /** The last snapshot and the summary's figures, then the server closes. */
  async finish(end: RunEnd): Promise<void> {
    this.#stopTimer();
    const server = this.#server;
    if (!server) return;
    this.#publish();
    const final: LiveFinal = {
      interrupted: end.interrupted,
      // Written and read back as the summary JSON writes it, so the page shows the file's own digits.
      metrics: JSON.parse(toJson(blocksJson(end.metrics.blocks))) as LiveFinal['metrics'],
      errorSummary: end.metrics.errorSummary.map((g) => ({
        type: g.error.type,
        code: g.error.code,
        message: this.#run!.scrubber.scrub(g.error.message),
        count: g.count,
      })),
      summaryPath: this.#run?.written.get('summaryJson') ?? null,
    };
    server.publish('final', final);
    this.#server = null;
    await server.close();
  }

  flushNow(): void {
    this.#stopTimer();
    void this.#server?.close();
    this.#server = null;
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#lag?.disable();
  }
}
