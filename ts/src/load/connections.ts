// Which connection carries each request: the three `--connection-reuse-strategy` values of
// docs/cli.md §3.1, as AIPerf 0.13 defines them, on undici Clients (one connection each).
import type { Client } from 'undici';
import type { ConnectionReuseStrategy } from '../config/defaults.js';
import { createClient } from './http-client.js';

/** The connection one request is sent on, from `Connections.take` until `Connections.give`. */
export interface Lease {
  readonly origin: string;
  readonly client: Client;
  /** Send `Connection: close` and close the connection after the response (`never`). */
  readonly reset: boolean;
  /** The sticky session the client belongs to (`sticky` only). */
  readonly session: string | null;
}

/**
 * One engine thread's connections.
 *
 * - `pooled`: a pool per origin, shared by every request. A request takes the connection that has
 *   been idle longest and opens a new one only when none is idle, so the pool never holds more
 *   connections than requests were in flight at once. "Idle" is this pool's own bookkeeping
 *   (the previous response ended), not undici's: undici makes a kept-alive socket writable only one
 *   loop turn after its response, and its Agent opened a new connection for a request that came
 *   sooner, so a burst of slots freed at once connected inside TTFT during profiling
 *   (bench/client-overhead.sh: ~100 of 1,024 requests at concurrency 256, 45–650 ms each). Here the
 *   request waits that loop turn on the idle connection instead. The longest-idle one is taken
 *   because a server that closed an idle connection has then had the most time to say so.
 * - `never`: every request on a new connection, sent with `Connection: close` and closed after it.
 * - `sticky`: a connection per session, opened by its first turn and closed after its last one,
 *   or after a turn that failed or was cancelled; a single-turn request is a one-turn session.
 */
export class Connections {
  private readonly idle = new Map<string, Client[]>();
  private readonly all = new Set<Client>();
  private readonly sessions = new Map<string, Client>();

  constructor(
    private readonly strategy: ConnectionReuseStrategy,
    private readonly timeoutMs: number,
    /** `--export-http-trace`: connections stamp how they were opened (ts/src/load/http-trace.ts). */
    private readonly httpTrace = false,
  ) {}

  /** The connection for one request to `origin`; `session` (its X-Correlation-ID) keys a sticky session's turns. */
  take(origin: string, session: string): Lease {
    if (this.strategy === 'sticky') {
      let client = this.sessions.get(session);
      if (!client) {
        client = this.open(origin);
        this.sessions.set(session, client);
      }
      return { origin, client, reset: false, session };
    }
    const client = this.idle.get(origin)?.shift() ?? this.open(origin);
    return { origin, client, reset: this.strategy === 'never', session: null };
  }

  /** The request on `lease` finished; `sessionOver`: no later turn of its session will follow. */
  give(lease: Lease, sessionOver: boolean): void {
    if (this.strategy !== 'sticky') {
      let list = this.idle.get(lease.origin);
      if (!list) {
        list = [];
        this.idle.set(lease.origin, list);
      }
      list.push(lease.client);
      return;
    }
    if (lease.session === null || sessionOver) this.close(lease.client, lease.session);
  }

  /** A session is over: closes its sticky connection if its last (or a failed) turn did not (the phase stopped it). */
  endSession(session: string): void {
    const client = this.sessions.get(session);
    if (client) this.close(client, session);
  }

  /** Close every connection (the run is over). */
  async destroy(): Promise<void> {
    const clients = [...this.all];
    this.all.clear();
    this.idle.clear();
    this.sessions.clear();
    await Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
  }

  private open(origin: string): Client {
    const client = createClient(origin, { timeoutMs: this.timeoutMs, httpTrace: this.httpTrace });
    this.all.add(client);
    return client;
  }

  private close(client: Client, session: string | null): void {
    if (session !== null) this.sessions.delete(session);
    this.all.delete(client);
    client.destroy().catch(() => undefined);
  }
}
