// Scrapes the servers' Prometheus endpoints during profiling (docs/exports.md §8.1) on its own
// connection pool, and turns the scrapes into `server_metrics_export.{json,csv}` data.
import { Agent, request } from 'undici';
import { prefixCacheCounts } from './prefix-cache-counters.js';
import {
  describeMalformed,
  type MalformedLine,
  type PromScrape,
  parsePrometheus,
  windowStats,
  type MetricFamilyStats,
  type TimedScrape,
} from './server-metrics.js';

/** `<scheme://host:port>/metrics` of a `--url`. */
export function metricsUrlOfBase(url: string): string {
  const u = new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`);
  return `${u.protocol}//${u.host}/metrics`;
}

/** A `--server-metrics` value: scheme optional (http), path optional (/metrics). */
export function normalizeServerMetricsUrl(url: string): string {
  const u = new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/metrics';
  return u.toString();
}

export interface EndpointInfo {
  total_fetches: number;
  failed_fetches: number;
  avg_fetch_latency_ms: number;
  /** Lines skipped because they did not parse, over every scrape (an infermark addition). */
  malformed_lines: number;
}

export interface ServerMetricsResult {
  endpointsConfigured: string[];
  endpointsSuccessful: string[];
  startWallNs: bigint;
  endWallNs: bigint;
  endpointInfo: Record<string, EndpointInfo>;
  metrics: Map<string, MetricFamilyStats>;
  warnings: string[];
}

interface Endpoint {
  configured: string;
  url: string;
  /** The Authorization header value sent with each scrape, or null. */
  authorization: string | null;
  disabled: boolean;
  probed: boolean;
  fetches: number;
  failed: number;
  latencyMsSum: number;
  answered: number;
  scrapes: TimedScrape[];
  /** Skipped lines over all scrapes, the scrapes that had any, and the first such scrape's examples. */
  malformedLines: number;
  malformedScrapes: number;
  malformedFirst: MalformedLine[];
}

/**
 * The servers' state at their latest scrape, for the live dashboard (docs/cli.md §3.5): gauges
 * summed (queue) or averaged (KV-cache usage) over the endpoints that report them, the prefix-cache
 * hit rate from the token counters' increase since the profiling baseline. A figure no endpoint
 * reports is null.
 */
export interface LiveServerMetrics {
  /** Wall-clock ms of the newest scrape used. */
  scrapedAtMs: number;
  waiting: number | null;
  running: number | null;
  kvCacheUsagePct: number | null;
  prefixCacheHitRatePct: number | null;
}

/** The first of `names` (the same figure as different servers name it) the scrape has, summed over its series. */
function firstOf(scrape: PromScrape, names: readonly string[]): number | null {
  for (const name of names) {
    const v = sumOf(scrape, name);
    if (v !== null) return v;
  }
  return null;
}

/** A sample's value summed over its series, or null when the scrape has none. */
function sumOf(scrape: PromScrape, name: string): number | null {
  let sum: number | null = null;
  for (const s of scrape.samples) if (s.name === name && Number.isFinite(s.value)) sum = (sum ?? 0) + s.value;
  return sum;
}

export interface CollectorOptions {
  intervalMs?: number;
  /** Per-scrape timeout. */
  timeoutMs?: number;
  /** Monotonic clock (injectable for tests). */
  now?: () => bigint;
  log?: (level: 'warning' | 'debug', message: string) => void;
  /** The Authorization header value to send, by endpoint URL (the `Basic …` of a URL's user:password). */
  authorization?: ReadonlyMap<string, string>;
}

export class ServerMetricsCollector {
  private readonly endpoints: Endpoint[];
  private readonly agent = new Agent({ connections: 2, keepAliveTimeout: 10_000 });
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private windowStartIdx = new Map<Endpoint, number>();
  private readonly warnings: string[] = [];
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => bigint;
  private startWallNs = BigInt(Date.now()) * 1_000_000n;

  constructor(
    urls: readonly string[],
    private readonly options: CollectorOptions = {},
  ) {
    this.endpoints = [...new Set(urls)].map((u) => ({
      configured: u,
      url: u,
      authorization: options.authorization?.get(u) ?? null,
      disabled: false,
      probed: false,
      fetches: 0,
      failed: 0,
      latencyMsSum: 0,
      answered: 0,
      scrapes: [],
      malformedLines: 0,
      malformedScrapes: 0,
      malformedFirst: [],
    }));
    this.intervalMs = options.intervalMs ?? 333;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.now = options.now ?? (() => process.hrtime.bigint());
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.log?.('warning', message);
  }

  private async fetchText(url: string, authorization: string | null): Promise<{ ok: boolean; text: string }> {
    const res = await request(url, {
      dispatcher: this.agent,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      ...(authorization === null ? {} : { headers: { authorization } }),
    });
    const text = await res.body.text();
    return { ok: res.statusCode >= 200 && res.statusCode < 300, text };
  }

  /** Keep a parsed scrape; its skipped lines are counted, and reported once when the collector stops. */
  private keep(ep: Endpoint, scrape: PromScrape): void {
    ep.scrapes.push({ tNs: this.now(), scrape });
    if (scrape.malformed.count === 0) return;
    ep.malformedLines += scrape.malformed.count;
    ep.malformedScrapes++;
    if (ep.malformedFirst.length === 0) ep.malformedFirst = scrape.malformed.first;
  }

  private async scrapeOne(ep: Endpoint): Promise<void> {
    if (ep.disabled) return;
    const t0 = this.now();
    ep.fetches++;
    let res: { ok: boolean; text: string };
    try {
      res = await this.fetchText(ep.url, ep.authorization);
    } catch {
      ep.failed++;
      return; // connection failures are retried on the next scrape
    }
    ep.latencyMsSum += Number(this.now() - t0) / 1e6;
    ep.answered++;
    try {
      if (!res.ok) throw new Error('status');
      this.keep(ep, parsePrometheus(res.text));
      return;
    } catch {
      ep.failed++;
    }
    if (ep.probed) return;
    ep.probed = true;
    const alt = `${new URL(ep.url).origin}/prometheus/metrics`;
    try {
      const r2 = await this.fetchText(alt, ep.authorization);
      if (r2.ok) {
        this.keep(ep, parsePrometheus(r2.text));
        ep.url = alt;
        return;
      }
    } catch {
      // fall through to disabling
    }
    ep.disabled = true;
    this.warn(`server metrics disabled for ${ep.configured}: not a Prometheus endpoint (also tried ${alt})`);
  }

  private scrapeAll(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = Promise.all(this.endpoints.map((e) => this.scrapeOne(e))).then(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Take the baseline scrape (call just before profiling) and scrape every interval after. */
  async start(): Promise<void> {
    this.startWallNs = BigInt(Date.now()) * 1_000_000n;
    await this.scrapeAll();
    for (const ep of this.endpoints) this.windowStartIdx.set(ep, Math.max(0, ep.scrapes.length - 1));
    this.timer = setInterval(() => void this.scrapeAll(), this.intervalMs);
    this.timer.unref();
  }

  /** Re-take the baseline now (call just before the profiling phase when warmup preceded it). */
  async markBaseline(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.startWallNs = BigInt(Date.now()) * 1_000_000n;
    await this.scrapeAll();
    for (const ep of this.endpoints) this.windowStartIdx.set(ep, Math.max(0, ep.scrapes.length - 1));
  }

  /** The latest scrape's figures (LiveServerMetrics); null before any endpoint answered. O(samples of the latest scrapes). */
  latest(): LiveServerMetrics | null {
    let waiting: number | null = null;
    let running: number | null = null;
    let kvSum = 0;
    let kvN = 0;
    let hits = 0;
    let queries = 0;
    let newestNs: bigint | null = null;
    const add = (a: number | null, b: number | null): number | null => (b === null ? a : (a ?? 0) + b);
    for (const ep of this.endpoints) {
      const last = ep.scrapes.at(-1);
      if (last === undefined) continue;
      if (newestNs === null || last.tNs > newestNs) newestNs = last.tNs;
      const s = last.scrape;
      waiting = add(waiting, firstOf(s, ['vllm:num_requests_waiting', 'sglang:num_queue_reqs', 'llamacpp:requests_deferred']));
      running = add(running, firstOf(s, ['vllm:num_requests_running', 'sglang:num_running_reqs', 'llamacpp:requests_processing']));
      const kv = sumOf(s, 'vllm:kv_cache_usage_perc') ?? sumOf(s, 'vllm:gpu_cache_usage_perc');
      if (kv !== null) {
        kvSum += kv;
        kvN++;
      }
      const base = ep.scrapes[this.windowStartIdx.get(ep) ?? 0]!.scrape;
      const counts = prefixCacheCounts((name) => {
        const now = sumOf(s, name);
        return now === null ? null : now - (sumOf(base, name) ?? 0);
      });
      if (counts !== null) {
        hits += counts.hits;
        queries += counts.queries;
      }
    }
    if (newestNs === null) return null;
    const ageMs = Number(this.now() - newestNs) / 1e6;
    return {
      scrapedAtMs: Date.now() - ageMs,
      waiting,
      running,
      kvCacheUsagePct: kvN > 0 ? (100 * kvSum) / kvN : null,
      prefixCacheHitRatePct: queries > 0 ? (100 * hits) / queries : null,
    };
  }

  /** Final scrape after the last response; stops and returns the window statistics. */
  async stop(): Promise<ServerMetricsResult> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    await this.scrapeAll();
    const endWallNs = BigInt(Date.now()) * 1_000_000n;
    await this.agent.close();
    const metrics = new Map<string, MetricFamilyStats>();
    const endpointInfo: Record<string, EndpointInfo> = {};
    for (const ep of this.endpoints) {
      endpointInfo[ep.configured] = {
        total_fetches: ep.fetches,
        failed_fetches: ep.failed,
        avg_fetch_latency_ms: ep.answered > 0 ? ep.latencyMsSum / ep.answered : 0,
        malformed_lines: ep.malformedLines,
      };
      if (ep.malformedLines > 0) {
        this.warn(
          `server metrics from ${ep.configured}: ${ep.malformedLines} malformed line${ep.malformedLines === 1 ? '' : 's'} skipped in ${ep.malformedScrapes} of ${ep.scrapes.length} scrapes (first scrape: ${describeMalformed(ep.malformedFirst)})`,
        );
      }
      const scrapes = ep.scrapes.slice(this.windowStartIdx.get(ep) ?? 0);
      for (const [name, fam] of windowStats(ep.configured, scrapes)) {
        const prev = metrics.get(name);
        if (prev) prev.series.push(...fam.series);
        else metrics.set(name, fam);
      }
    }
    return {
      endpointsConfigured: this.endpoints.map((e) => e.configured),
      endpointsSuccessful: this.endpoints.filter((e) => e.scrapes.length > 0).map((e) => e.configured),
      startWallNs: this.startWallNs,
      endWallNs,
      endpointInfo,
      metrics,
      warnings: this.warnings,
    };
  }
}
