// Scrapes DCGM exporter endpoints about three times a second during a `profile` run (docs/exports.md
// §14) on a connection pool of its own. Each scrape has a deadline; one that fails, times out or
// returns something that is not DCGM's metrics is counted and forgotten. An endpoint whose scrape
// is still in flight skips the tick, so a stalled exporter never queues scrapes, and nothing here
// ever waits on the load engine or holds it.
import { Agent, request } from 'undici';
import type { GpuTelemetryEndpoint } from '../config/gpu-telemetry-flags.js';
import { monoNow, wallNs } from './clock.js';
import { dcgmSamples, gpuKey, type GpuSample } from './dcgm-samples.js';
import { parsePrometheus } from './prometheus-text.js';

export const SCRAPE_FAILURES = ['timeout', 'connection', 'http_status', 'invalid_body', 'no_gpu_metrics'] as const;
/** Why a scrape failed: no answer in time, no connection, a non-2xx status, not Prometheus text, no DCGM GPU series. */
export type ScrapeFailure = (typeof SCRAPE_FAILURES)[number];

export interface GpuEndpointStats {
  url: string;
  total_fetches: number;
  failed_fetches: number;
  /** Ticks skipped because this endpoint's previous scrape had not finished. */
  skipped_ticks: number;
  /** Lines of otherwise usable answers that did not parse and were skipped. */
  malformed_lines: number;
  /** Mean time to a complete response, over the scrapes that got one (ms). */
  avg_fetch_latency_ms: number | null;
  failures: Record<ScrapeFailure, number>;
}

export interface GpuCollectorOptions {
  intervalMs: number;
  /** The deadline of one scrape, connection to last byte (ms). */
  timeoutMs: number;
  /** Wall-clock epoch ns (injectable for tests). */
  now?: () => bigint;
  log?: (level: 'warning' | 'debug', message: string) => void;
}

interface Endpoint extends GpuTelemetryEndpoint {
  inFlight: Promise<void> | null;
  stats: GpuEndpointStats;
  latencyMsSum: number;
  answered: number;
}

export interface GpuCollection {
  /** Every sample taken, in arrival order (one GPU reported by two endpoints: the first one's only). */
  samples: GpuSample[];
  /** The endpoints scraped (a default address that did not answer the first scrape is not among them). */
  endpoints: GpuEndpointStats[];
}

export class GpuTelemetryCollector {
  readonly #endpoints: Endpoint[];
  readonly #agent: Agent;
  readonly #options: GpuCollectorOptions;
  readonly #now: () => bigint;
  readonly #samples: GpuSample[] = [];
  /** GPU key → the endpoint that reports it (the first one to). */
  readonly #owner = new Map<string, string>();
  readonly #latest = new Map<string, GpuSample>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(endpoints: readonly GpuTelemetryEndpoint[], options: GpuCollectorOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => wallNs(monoNow()));
    // Two connections per exporter: a scrape abandoned at its deadline must not hold the next one back.
    this.#agent = new Agent({ connections: 2, keepAliveTimeout: 10_000 });
    this.#endpoints = endpoints.map((e) => ({
      ...e,
      inFlight: null,
      latencyMsSum: 0,
      answered: 0,
      stats: {
        url: e.url,
        total_fetches: 0,
        failed_fetches: 0,
        skipped_ticks: 0,
        malformed_lines: 0,
        avg_fetch_latency_ms: null,
        failures: Object.fromEntries(SCRAPE_FAILURES.map((f) => [f, 0])) as Record<ScrapeFailure, number>,
      },
    }));
  }

  /** The URLs scraped (after `start`: without the default addresses that did not answer). */
  get urls(): string[] {
    return this.#endpoints.map((e) => e.url);
  }

  /**
   * The first scrape of every endpoint (in parallel, each within the deadline); a default address
   * that gives no GPU sample is dropped without a word. Then scrapes every interval until `stop`.
   */
  async start(): Promise<void> {
    const results = await Promise.all(this.#endpoints.map((e) => this.#scrape(e)));
    const kept = this.#endpoints.filter((e, i) => !e.optional || results[i]);
    this.#endpoints.splice(0, this.#endpoints.length, ...kept);
    if (this.#endpoints.length === 0 || this.#stopped) return;
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** A scrape of every endpoint that has none in flight now (the profiling window's first edge). */
  scrapeNow(): Promise<void> {
    return this.#tick();
  }

  /** The newest sample of each GPU (the live dashboard reads this). */
  latest(): GpuSample[] {
    return [...this.#latest.values()];
  }

  /** Stop the timer, wait for scrapes in flight, take one last scrape (the window's end edge), close the pool. */
  async stop(): Promise<GpuCollection> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.all(this.#endpoints.map((e) => e.inFlight));
    await this.#tick();
    this.#stopped = true;
    await this.#agent.destroy();
    return {
      samples: this.#samples,
      endpoints: this.#endpoints.map((e) => ({ ...e.stats, avg_fetch_latency_ms: e.answered > 0 ? e.latencyMsSum / e.answered : null })),
    };
  }

  #tick(): Promise<void> {
    const started: Array<Promise<unknown>> = [];
    for (const e of this.#endpoints) {
      if (e.inFlight) {
        e.stats.skipped_ticks++;
        continue;
      }
      started.push(this.#scrape(e));
    }
    return Promise.all(started).then(() => undefined);
  }

  /** One scrape of `e`; resolves true when it gave GPU samples. Never rejects. */
  #scrape(e: Endpoint): Promise<boolean> {
    const run = this.#fetchSamples(e);
    e.inFlight = run.then(() => undefined);
    return run.finally(() => {
      e.inFlight = null;
    });
  }

  async #fetchSamples(e: Endpoint): Promise<boolean> {
    e.stats.total_fetches++;
    const sent = this.#now();
    const fail = (why: ScrapeFailure, detail: string): false => {
      e.stats.failed_fetches++;
      e.stats.failures[why]++;
      this.#options.log?.('debug', `GPU telemetry scrape of ${e.url} failed (${why}): ${detail}`);
      return false;
    };
    const deadline = AbortSignal.timeout(this.#options.timeoutMs);
    let status: number;
    let body: string;
    try {
      const res = await request(e.url, {
        dispatcher: this.#agent,
        signal: deadline,
        ...(e.authorization === null ? {} : { headers: { authorization: e.authorization } }),
      });
      status = res.statusCode;
      body = await res.body.text();
    } catch (err) {
      return deadline.aborted
        ? fail('timeout', `no complete answer within ${this.#options.timeoutMs} ms`)
        : fail('connection', String(err));
    }
    const at = this.#now();
    e.answered++;
    e.latencyMsSum += Number(at - sent) / 1e6;
    if (status < 200 || status >= 300) return fail('http_status', `status ${status}`);
    let samples: GpuSample[];
    try {
      const scrape = parsePrometheus(body);
      e.stats.malformed_lines += scrape.malformed.count;
      samples = dcgmSamples(scrape, e.url, sent + (at - sent) / 2n, at - sent);
    } catch (err) {
      return fail('invalid_body', String(err));
    }
    if (samples.length === 0) return fail('no_gpu_metrics', 'no DCGM_FI_* series with a gpu label');
    for (const s of samples) {
      const key = gpuKey(s);
      const owner = this.#owner.get(key);
      if (owner === undefined) this.#owner.set(key, e.url);
      else if (owner !== e.url) continue;
      this.#samples.push(s);
      this.#latest.set(key, s);
    }
    return true;
  }
}
