// A shard's side of the rendezvous (docs/cli.md §3.8; the protocol is in ./rendezvous-server.ts):
// find shard 0, estimate this clock's offset to it, and wait at the barriers. Every wait is bounded
// by the deadline; missing it is a RuntimeFailure (exit 1) that says what was tried.
import { request } from 'node:http';
import { RuntimeFailure } from '../errors.js';
import { wallNs } from '../metrics/clock.js';

/** Clock samples taken; the one with the shortest round trip is kept (its midpoint is the tightest). */
export const CLOCK_SAMPLES = 8;
/** Pause between attempts to reach a rendezvous that is not up yet (pods start in any order). */
const RETRY_MS = 250;

export interface ClockSample {
  /** Shard 0's clock minus this clock at the sample's midpoint, ns. */
  offsetNs: bigint;
  rttNs: bigint;
}

/** The minimum-RTT sample's offset (Cristian's method over several samples). */
export function bestOffset(samples: readonly ClockSample[]): ClockSample {
  if (samples.length === 0) throw new Error('no clock samples');
  return samples.reduce((best, s) => (s.rttNs < best.rttNs ? s : best));
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function call(
  host: string,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body: string | null,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = body === null ? {} : { 'content-type': 'application/json' };
    const req = request({ host, port, method, path, agent: false, headers, ...(signal ? { signal } : {}) });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), Math.max(1, timeoutMs));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => {
        clearTimeout(timer);
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          reject(new Error(`answer is not JSON (HTTP ${res.statusCode})`));
        }
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body ?? undefined);
  });
}

const reason = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

export class RendezvousClient {
  private readonly deadline: number;

  /**
   * @param timeoutMs how long, from now, shard 0 may take to answer at all (`--shard-rendezvous-timeout`).
   */
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly index: number,
    private readonly count: number,
    private readonly timeoutMs: number,
    /** Ctrl-C: stops waiting (the caller reports the interruption). */
    private readonly signal?: AbortSignal,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  private get where(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** Reach shard 0 (retrying until the deadline) and estimate the clock offset from CLOCK_SAMPLES round trips. */
  async clockOffset(): Promise<ClockSample> {
    let last = 'not tried';
    const samples: ClockSample[] = [];
    while (samples.length < CLOCK_SAMPLES) {
      this.signal?.throwIfAborted();
      const left = this.deadline - Date.now();
      if (left <= 0) {
        throw new RuntimeFailure(
          `shard ${this.index} of ${this.count} could not reach the rendezvous at ${this.where} within ${this.timeoutMs / 1000} s (${last}); nothing was sent`,
          { hints: ['start shard 0 (it serves the rendezvous), check --shard-rendezvous, or raise --shard-rendezvous-timeout'] },
        );
      }
      const t0 = wallNs(process.hrtime.bigint());
      try {
        const reply = await call(this.host, this.port, 'GET', '/clock', null, Math.min(left, 5000), this.signal);
        const t1 = wallNs(process.hrtime.bigint());
        const now = reply.body['now_ns'];
        if (reply.status !== 200 || typeof now !== 'string' || !/^\d+$/.test(now))
          throw new Error(`unexpected answer to GET /clock (HTTP ${reply.status})`);
        samples.push({ offsetNs: BigInt(now) - (t0 + t1) / 2n, rttNs: t1 - t0 });
      } catch (err) {
        last = reason(err);
        await new Promise((r) => setTimeout(r, Math.min(RETRY_MS, Math.max(0, this.deadline - Date.now()))));
      }
    }
    return bestOffset(samples);
  }

  /**
   * Wait at barrier `stage` until every shard is there; resolves with the agreed start on shard 0's
   * clock. Held until the deadline of this barrier (`timeoutMs` from now), and a little longer so
   * that shard 0's own verdict (which names the missing shards) arrives first.
   */
  async barrier(stage: string): Promise<bigint> {
    const body = JSON.stringify({ shard_index: this.index, shard_count: this.count });
    let reply: Reply;
    try {
      reply = await call(this.host, this.port, 'POST', `/barrier/${stage}`, body, this.timeoutMs + 5000, this.signal);
    } catch (err) {
      this.signal?.throwIfAborted();
      throw new RuntimeFailure(`shard ${this.index} of ${this.count} lost the rendezvous at ${this.where} (${stage}): ${reason(err)}`);
    }
    const start = reply.body['start_ns'];
    if (reply.status === 200 && typeof start === 'string' && /^\d+$/.test(start)) return BigInt(start);
    const error = typeof reply.body['error'] === 'string' ? reply.body['error'] : `HTTP ${reply.status}`;
    throw new RuntimeFailure(`shard ${this.index} of ${this.count}: the rendezvous at ${this.where} refused it: ${error}`);
  }
}
