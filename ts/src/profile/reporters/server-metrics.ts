// Server metrics (docs/exports.md §8): scrapes every server's Prometheus endpoint during profiling
// on its own connections, then writes `server_metrics_export.{json,csv}` and the console's
// prefix-cache line. Off with `--no-server-metrics`.
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { Phase } from '../../load/engine.js';
import {
  type LiveServerMetrics,
  ServerMetricsCollector,
  metricsUrlOfBase,
  normalizeServerMetricsUrl,
} from '../../metrics/server-metrics-collector.js';
import { prefixCacheLine, serverMetricsCsv, serverMetricsJson } from '../../report/server-metrics-export.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export class ServerMetricsReporter implements ProfileReporter {
  #run: RunContext | null = null;
  #collector: ServerMetricsCollector | null = null;
  #baseline: Promise<void> | null = null;

  /** Takes the first scrape, so an endpoint that is not Prometheus is known before traffic starts. */
  async start(run: RunContext): Promise<void> {
    this.#run = run;
    const o = run.config.output;
    if (!o.serverMetricsEnabled) return;
    // A base URL's /metrics gets the URL's own user:password (never --api-key), as does each --server-metrics URL.
    const endpoints = [
      ...run.config.endpoint.urls.map((u, i) => [metricsUrlOfBase(u), run.config.endpoint.basicAuthorization[i] ?? null] as const),
      ...o.serverMetricsUrls.map((u, i) => [normalizeServerMetricsUrl(u), o.serverMetricsAuthorization[i] ?? null] as const),
    ];
    if (endpoints.length === 0) return;
    const authorization = new Map(endpoints.filter((e): e is readonly [string, string] => e[1] !== null));
    this.#collector = new ServerMetricsCollector(
      endpoints.map(([url]) => url),
      { log: (level, m) => run.log(level, m), authorization },
    );
    await this.#collector.start();
  }

  /** The latest scrape's figures for the live dashboard; null when off or nothing answered yet. */
  latest(): LiveServerMetrics | null {
    return this.#collector?.latest() ?? null;
  }

  /** The window covers profiling only: the baseline is taken again when it starts (after warmup). */
  onPhaseStart(phase: Phase): void {
    if (phase !== 'profiling' || !this.#collector) return;
    this.#baseline = this.#collector
      .markBaseline()
      .catch((err: unknown) => this.#run!.log('warning', `server metrics baseline failed: ${String(err)}`));
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    if (!this.#collector) return;
    await this.#baseline;
    const sm = await this.#collector.stop();
    end.warnings.push(...sm.warnings);
    if (sm.endpointsSuccessful.length === 0) return;
    await writeFileAtomic(
      run.path('serverMetricsJson'),
      run.scrubber.scrub(serverMetricsJson(sm, { version: run.version, benchmarkId: run.benchmarkId })),
    );
    await writeFileAtomic(run.path('serverMetricsCsv'), run.scrubber.scrub(serverMetricsCsv(sm)));
    run.written.set('serverMetricsJson', run.path('serverMetricsJson'));
    run.written.set('serverMetricsCsv', run.path('serverMetricsCsv'));
    const line = prefixCacheLine(sm);
    if (line) end.footerLines.push(line);
  }
}
