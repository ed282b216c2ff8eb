// `--metrics-port` (docs/cli.md §3.5, docs/exports.md §13): serves the running benchmark's own
// counters and histograms at http://<host>:<port>/metrics from before the first request until the
// result files are written (plus `--metrics-linger`). Updates are O(1) per event on this thread;
// the text is rendered only when scraped.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../errors.js';
import type { EngineProgress, Phase } from '../../load/engine.js';
import type { RawRequestRecord } from '../../metrics/raw-record.js';
import type { MetricRecord } from '../../metrics/record-processor.js';
import { BenchmarkPrometheus, PROMETHEUS_CONTENT_TYPE } from '../../report/benchmark-prometheus.js';
import type { ProfileReporter, RunContext } from '../reporter.js';

export interface MetricsEndpointOptions {
  /** Where the endpoint's address is announced when it starts (the CLI passes stderr). */
  announce?: { write(text: string): unknown } | null;
  /** Ends `--metrics-linger` early (the CLI passes its Ctrl-C signal). */
  signal?: AbortSignal | null;
}

/** `host:port` as a URL authority (an IPv6 address in brackets). */
function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export class MetricsEndpointReporter implements ProfileReporter {
  readonly #options: MetricsEndpointOptions;
  #metrics: BenchmarkPrometheus | null = null;
  #server: Server | null = null;
  #lingerMs = 0;
  /** The address it serves at, once started (`http://host:port/metrics`). */
  url: string | null = null;

  constructor(options: MetricsEndpointOptions = {}) {
    this.#options = options;
  }

  /** Listens before any request is sent, so a port in use is a usage error (exit 2) with nothing sent. */
  async start(run: RunContext): Promise<void> {
    const endpoint = run.config.output.metricsEndpoint;
    if (!endpoint) return;
    const metrics = new BenchmarkPrometheus({ version: run.version, benchmarkId: run.benchmarkId, models: run.config.endpoint.models });
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
        return;
      }
      metrics.render().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (err: unknown) => {
          run.log('warning', `metrics endpoint: rendering failed: ${String(err)}`);
          res.writeHead(500).end();
        },
      );
    });
    // A scraper's kept-alive connection must not hold the process open once the run is over.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const where = authority(endpoint.host, endpoint.port);
        reject(
          new UsageError(
            err.code === 'EADDRINUSE'
              ? `option '--metrics-port': ${where} is already in use`
              : `option '--metrics-port': cannot listen on ${where}: ${err.code ?? err.message}`,
          ),
        );
      };
      server.once('error', onError);
      server.listen(endpoint.port, endpoint.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    // An error after listening (a socket fault) is logged; the run goes on.
    server.on('error', (err) => run.log('warning', `metrics endpoint: ${err.message}`));
    // The endpoint never keeps the process alive by itself: a run that fails before this
    // reporter's `finish` still exits (the linger's own timer holds it open when asked to).
    server.unref();
    this.#server = server;
    this.#metrics = metrics;
    this.#lingerMs = endpoint.lingerSeconds * 1000;
    const port = (server.address() as AddressInfo).port;
    this.url = `http://${authority(endpoint.host, port)}/metrics`;
    run.log('info', `serving this run's metrics at ${this.url}`);
    this.#options.announce?.write(`metrics: ${this.url}\n`);
  }

  onPhaseStart(phase: Phase): void {
    this.#metrics?.onPhaseStart(phase);
  }

  onProgress(progress: EngineProgress): void {
    this.#metrics?.onProgress(progress);
  }

  onRecord(raw: RawRequestRecord): void {
    this.#metrics?.onRecord(raw);
  }

  onMetricRecord(record: MetricRecord): void {
    this.#metrics?.onMetricRecord(record);
  }

  onEngineDone(): void {
    this.#metrics?.onEngineDone();
  }

  /**
   * Runs after every other reporter, so the last values are scrapeable while the summary is
   * written; then `--metrics-linger` seconds (ended early by Ctrl-C), then the server closes.
   */
  async finish(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    if (this.#lingerMs > 0) await linger(this.#lingerMs, this.#options.signal ?? null);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.#server = null;
  }
}

function linger(ms: number, signal: AbortSignal | null): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
