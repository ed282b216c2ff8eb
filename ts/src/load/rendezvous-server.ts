// The rendezvous of a sharded run, served by shard 0 (docs/cli.md §3.8). Two requests, JSON over
// HTTP/1.1:
//   GET  /clock              → {"now_ns": "<shard 0's wall clock, ns>"}   (clock-offset samples)
//   POST /barrier/<stage>    {"shard_index": K, "shard_count": N}
//                            → held until all N shards reached <stage>, then
//                              {"start_ns": "<wall-clock instant on shard 0's clock>"}
// Shard 0 reaches each barrier itself through `arrive`. A barrier that is not complete within the
// timeout is answered 503 with the shards still missing, and shard 0's own `arrive` rejects.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuntimeFailure } from '../errors.js';
import { wallNs } from '../metrics/clock.js';

/**
 * How far ahead of the moment the last shard arrives the agreed start lies: every held answer is
 * written at once, so this only has to cover their delivery and a busy event loop on the far side.
 */
export const START_LEAD_NS = 500_000_000n;

interface Barrier {
  /** Held answers by shard index (a retried request replaces the earlier one). */
  waiting: Map<number, ServerResponse>;
  selfArrived: boolean;
  resolveSelf: ((startNs: bigint) => void) | null;
  rejectSelf: ((err: Error) => void) | null;
  timer: NodeJS.Timeout | null;
  done: boolean;
}

export class RendezvousServer {
  private readonly server: Server;
  private readonly barriers = new Map<string, Barrier>();

  private constructor(
    private readonly count: number,
    private readonly timeoutMs: number,
  ) {
    this.server = createServer((req, res) => this.handle(req, res));
    // Barrier answers are held for as long as the timeout: no request or header timeout of Node's own.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.keepAliveTimeout = 1000;
  }

  /** Listen on every interface at `port` (0: any free port; the tests use it). */
  static async listen(port: number, count: number, timeoutMs: number): Promise<RendezvousServer> {
    const r = new RendezvousServer(count, timeoutMs);
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new RuntimeFailure(`shard 0 cannot serve the rendezvous on port ${port}: ${err.code ?? err.message}`)),
      );
      r.server.listen(port, () => resolve());
    });
    return r;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Shard 0 reaches `stage`; resolves with the agreed start (shard 0's wall clock) once every shard has. */
  arrive(stage: string): Promise<bigint> {
    const b = this.barrier(stage);
    b.selfArrived = true;
    const p = new Promise<bigint>((resolve, reject) => {
      b.resolveSelf = resolve;
      b.rejectSelf = reject;
    });
    this.release(b);
    return p;
  }

  async close(): Promise<void> {
    for (const b of this.barriers.values()) if (b.timer) clearTimeout(b.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private barrier(stage: string): Barrier {
    let b = this.barriers.get(stage);
    if (!b) {
      const created: Barrier = { waiting: new Map(), selfArrived: false, resolveSelf: null, rejectSelf: null, timer: null, done: false };
      created.timer = setTimeout(() => this.expire(stage, created), this.timeoutMs);
      created.timer.unref();
      this.barriers.set(stage, created);
      b = created;
    }
    return b;
  }

  private missing(b: Barrier): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.count; k++) if (!(k === 0 ? b.selfArrived : b.waiting.has(k))) out.push(k);
    return out;
  }

  private release(b: Barrier): void {
    if (b.done || this.missing(b).length > 0) return;
    b.done = true;
    if (b.timer) clearTimeout(b.timer);
    const startNs = wallNs(process.hrtime.bigint()) + START_LEAD_NS;
    const body = JSON.stringify({ start_ns: String(startNs) });
    for (const res of b.waiting.values()) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    b.waiting.clear();
    b.resolveSelf?.(startNs);
  }

  private expire(stage: string, b: Barrier): void {
    if (b.done) return;
    b.done = true;
    const missing = this.missing(b);
    const message = `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${this.count} did not reach the rendezvous (${stage}) within ${this.timeoutMs / 1000} s`;
    for (const res of b.waiting.values()) send(res, 503, { error: message });
    b.waiting.clear();
    b.rejectSelf?.(new RuntimeFailure(message));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/clock') {
      send(res, 200, { now_ns: String(wallNs(process.hrtime.bigint())) });
      return;
    }
    const m = /^\/barrier\/([a-z-]+)$/.exec(url);
    if (req.method !== 'POST' || !m) {
      send(res, 404, { error: `no ${req.method} ${url} here: GET /clock, POST /barrier/<stage>` });
      return;
    }
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (text.length < 4096) text += chunk;
    });
    req.on('end', () => this.join(m[1]!, text, res));
  }

  private join(stage: string, text: string, res: ServerResponse): void {
    let k: unknown;
    let n: unknown;
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      k = body['shard_index'];
      n = body['shard_count'];
    } catch {
      send(res, 400, { error: 'the body is not JSON: {"shard_index": K, "shard_count": N}' });
      return;
    }
    if (n !== this.count) {
      send(res, 409, { error: `shard 0 runs ${this.count} shards, this shard was started with --shard-count ${String(n)}` });
      return;
    }
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k >= this.count) {
      send(res, 409, { error: `shard index ${String(k)} is not one of 1 … ${this.count - 1}` });
      return;
    }
    const b = this.barrier(stage);
    if (b.done) {
      send(res, 409, { error: `the rendezvous (${stage}) is over: shard ${k} came too late` });
      return;
    }
    b.waiting.get(k)?.destroy();
    b.waiting.set(k, res);
    res.on('close', () => {
      if (b.waiting.get(k) === res && !res.writableEnded) b.waiting.delete(k);
    });
    this.release(b);
  }
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
