// `--network-latency-automatic` (docs/metrics.md §14): the round trip to each server, measured as
// the TCP handshake of a fresh connection on its own socket (never one of the benchmark's
// connections, whose reuse would measure nothing), every ping interval during profiling. The host
// is resolved once, so a probe times the handshake and not DNS; an https server gets a plain TCP
// connect to its port (no TLS), so every probe is one network round trip.
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';

export interface ProbeTarget {
  /** The base URL as the run shows it (no credentials). */
  url: string;
  host: string;
  port: number;
}

/** One probe, as `profile_export_network_latency.jsonl` holds it (docs/exports.md §17). */
export interface ProbeSample {
  /** Monotonic instant the probe started. */
  startNs: bigint;
  target: ProbeTarget;
  /** Handshake round trip; null when the probe failed. */
  rttNs: bigint | null;
  error: { type: string; message: string } | null;
}

/** The probe target of a base URL: its host and port (the scheme's default port when none is given). */
export function probeTargetOf(url: string): ProbeTarget {
  const u = new URL(url);
  const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
  // `new URL` keeps an IPv6 literal's brackets; the socket wants the bare address.
  return { url, host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** One TCP handshake to `host:port`: its round trip, or why it failed. */
export function probeOnce(host: string, port: number, timeoutMs: number): Promise<{ rttNs: bigint | null; error: ProbeSample['error'] }> {
  return new Promise((resolve) => {
    const startNs = process.hrtime.bigint();
    const socket = connect({ host, port });
    const done = (rttNs: bigint | null, error: ProbeSample['error']): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ rttNs, error });
    };
    const timer = setTimeout(
      () => done(null, { type: 'TimeoutError', message: `no TCP handshake within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    timer.unref();
    socket.once('connect', () => done(process.hrtime.bigint() - startNs, null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(null, { type: err.code ?? err.name, message: err.message }));
  });
}

export interface ProberOptions {
  intervalMs: number;
  timeoutMs: number;
  log: (message: string) => void;
}

/** Probes every target on an interval from `start` to `stop`; a failed probe is a sample, never an exception. */
export class NetworkLatencyProber {
  readonly samples: ProbeSample[] = [];
  private readonly addresses = new Map<ProbeTarget, string>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly targets: readonly ProbeTarget[],
    private readonly options: ProberOptions,
  ) {}

  /** Resolves each host once; a host that does not resolve is probed by name (resolved on every probe). */
  async resolve(): Promise<void> {
    for (const t of this.targets) {
      if (isIP(t.host) !== 0) continue;
      try {
        this.addresses.set(t, (await lookup(t.host)).address);
      } catch (err) {
        this.options.log(`network latency: ${t.host} did not resolve (${String(err)}); its probes resolve it each time`);
      }
    }
  }

  /** Probe now and then every interval until `stop`. */
  start(): void {
    if (this.timer !== null) return;
    this.probeAll();
    this.timer = setInterval(() => this.probeAll(), this.options.intervalMs);
    this.timer.unref();
  }

  /** No new interval probes (the engine is done); the ones in flight finish. */
  halt(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Stop probing; then, per target with fewer than `minSamples` successful probes (a run shorter than
   * a few intervals), probe back to back until it has them, within `budgetMs` for all targets.
   */
  async stop(minSamples: number, budgetMs: number): Promise<void> {
    this.halt();
    await Promise.all([...this.inFlight]);
    const deadline = Date.now() + budgetMs;
    for (const t of this.targets) {
      let attempts = 0;
      while (this.successes(t) < minSamples && attempts < minSamples * 2 && Date.now() < deadline) {
        attempts += 1;
        await this.probe(t);
      }
    }
  }

  successes(target?: ProbeTarget): number {
    let n = 0;
    for (const s of this.samples) if (s.rttNs !== null && (target === undefined || s.target === target)) n += 1;
    return n;
  }

  private probeAll(): void {
    for (const t of this.targets) {
      const p = this.probe(t).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async probe(target: ProbeTarget): Promise<void> {
    const startNs = process.hrtime.bigint();
    const { rttNs, error } = await probeOnce(this.addresses.get(target) ?? target.host, target.port, this.options.timeoutMs);
    this.samples.push({ startNs, target, rttNs, error });
  }
}
