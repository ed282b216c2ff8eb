// `--export-http-trace` (docs/exports.md §3.4): what undici did for one request, stamped as it
// happened. Nothing here runs unless the flag is on: the connector wrapper is installed, and the
// undici diagnostics channels subscribed, only by the first traced request's client.
//
// Where each stamp comes from:
// * connection: a wrapper around undici's own connector, which returns the socket synchronously:
//   `startNs` when undici asks for a connection, the socket's `lookup` (DNS, absent for an IP
//   address), `connect` (TCP), and `readyNs` in the connector's callback (after `secureConnect` for
//   https), which undici runs before it writes anything on the socket. The timeline is kept per
//   socket and given to the request that is written first on it.
// * write: `undici:client:sendHeaders` (ts/src/load/http-client.ts routes it to the exchange being
//   written), then `undici:request:bodyChunkSent` and `undici:request:bodySent`.
// * response: the exchange's own handler callbacks, with the arrival stamps of the record itself, so
//   the first content chunk's stamp is the record's TTFT instant exactly.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import type { ConnectTimeline, HttpTraceData } from '../metrics/http-trace-data.js';

const connectTimelines = new WeakMap<Socket, ConnectTimeline>();
/** undici's request objects → the trace of the exchange writing them (set at sendHeaders). */
const tracedRequests = new WeakMap<object, HttpTrace>();
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('undici:request:bodyChunkSent', (message) => {
    const { request, chunk } = message as { request: object; chunk: Uint8Array | string };
    tracedRequests
      .get(request)
      ?.onBodyChunk(process.hrtime.bigint(), typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);
  });
  subscribe('undici:request:bodySent', (message) => {
    tracedRequests.get((message as { request: object }).request)?.onSent(process.hrtime.bigint());
  });
}

/** undici's connector with every new connection's timeline stamped (see the module comment). */
export function tracingConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  subscribeOnce();
  const base = buildConnector(options) as unknown as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket;
  return (connectOptions, callback) => {
    const timeline: ConnectTimeline = { startNs: process.hrtime.bigint(), dnsEndNs: null, tcpEndNs: null, tlsEndNs: null, readyNs: null };
    const https = connectOptions.protocol === 'https:';
    const socket = base(connectOptions, ((err: Error | null, ready: Socket | null) => {
      if (err === null) {
        timeline.readyNs = process.hrtime.bigint();
        if (https) timeline.tlsEndNs = timeline.readyNs;
      }
      callback(err as Error, ready as never);
    }) as buildConnector.Callback);
    connectTimelines.set(socket, timeline);
    socket.once('lookup', () => {
      timeline.dnsEndNs = process.hrtime.bigint();
    });
    // For https this is the TCP handshake under TLS; for http undici's own listener (registered
    // first) already ran the callback, so the TCP end is the ready stamp taken there.
    socket.once('connect', () => {
      timeline.tcpEndNs = https ? process.hrtime.bigint() : timeline.readyNs;
    });
    return socket as never;
  };
}

/** The trace of one attempt of one exchange. */
export class HttpTrace {
  readonly data: HttpTraceData = {
    connect: null,
    reusedNs: null,
    headersSentNs: null,
    requestHeaderBlock: null,
    requestChunkNs: [],
    requestChunkBytes: [],
    sendEndNs: null,
    headersReceivedNs: null,
    status: null,
    reason: null,
    responseHeaders: null,
    responseChunkNs: [],
    responseChunkBytes: [],
    errorNs: null,
    localAddress: null,
    localPort: null,
    remoteAddress: null,
    remotePort: null,
  };

  /** undici is writing the request on `socket` (`reused`: it carried an earlier request). */
  onWrite(request: object, socket: Socket, reused: boolean, headerBlock: string): void {
    const now = process.hrtime.bigint();
    const d = this.data;
    d.headersSentNs = now;
    d.requestHeaderBlock = headerBlock;
    if (reused) d.reusedNs = now;
    else d.connect = connectTimelines.get(socket) ?? null;
    d.localAddress = socket.localAddress ?? null;
    d.localPort = socket.localPort ?? null;
    d.remoteAddress = socket.remoteAddress ?? null;
    d.remotePort = socket.remotePort ?? null;
    tracedRequests.set(request, this);
  }

  onBodyChunk(ns: bigint, bytes: number): void {
    this.data.requestChunkNs.push(ns);
    this.data.requestChunkBytes.push(bytes);
  }

  onSent(ns: bigint): void {
    this.data.sendEndNs = ns;
  }

  onResponse(ns: bigint, status: number, reason: string | undefined, headers: Record<string, string | string[] | undefined>): void {
    const d = this.data;
    d.headersReceivedNs = ns;
    d.status = status;
    d.reason = reason === undefined || reason === '' ? null : reason;
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    d.responseHeaders = out;
  }

  onChunk(ns: bigint, bytes: number): void {
    this.data.responseChunkNs.push(ns);
    this.data.responseChunkBytes.push(bytes);
  }

  onError(ns: bigint): void {
    this.data.errorNs = ns;
  }
}
