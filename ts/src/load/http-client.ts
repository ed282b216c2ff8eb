// One HTTP exchange on an undici dispatcher, stamped where docs/metrics.md §2.2 says: request_start
// before the dispatcher is called (so connection acquisition and connect are inside TTFT), every body
// chunk on delivery before any parsing, request_end on the last byte or the failure. A request that
// a server-closed kept-alive connection lost before any response byte is sent once more (below).
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { Client, type Dispatcher } from 'undici';
import { type GenerativeApi, generativeApi, type TemplateSettings } from '../endpoints/index.js';
import { checkBody, checkStream, ERROR_TYPES, httpStatusError, unrequestedEncodingError } from './response-check.js';
import type { RawResponse, RequestError } from '../metrics/raw-record.js';
import { SseSplitter } from './sse.js';
import { isContentResponse } from '../metrics/response-parse.js';
import { clearLongTimeout, type LongTimeout, setLongTimeout } from '../long-timeout.js';
import type { HttpTraceData } from '../metrics/http-trace-data.js';
import { HttpTrace, tracingConnector } from './http-trace.js';

/** Why an in-flight request was aborted by infermark itself. */
export type AbortKind = 'timeout' | 'cancelled' | 'grace' | 'interrupted';

export interface PreparedRequest {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ExchangeResult {
  requestStartNs: bigint;
  requestAckNs: bigint | null;
  requestEndNs: bigint;
  /** Stamp taken when the request was written to a socket (start of the cancellation delay). */
  sentNs: bigint | null;
  responses: RawResponse[];
  httpStatus: number | null;
  error: RequestError | null;
  wasCancelled: boolean;
  cancellationNs: bigint | null;
  /** 1 when the request was sent again after a server-closed kept-alive connection lost it, else 0. */
  connectionResends: number;
  /** `--export-http-trace`: the timeline of the (last) attempt; null when not traced. */
  httpTrace: HttpTraceData | null;
}

/**
 * One keep-alive connection to `origin` (ts/src/load/connections.ts decides which request gets
 * which): pipelining 1 (one request per connection at a time, as a browser or OpenAI SDK would),
 * and no proxy (an explicit Client ignores HTTP(S)_PROXY).
 */
export function createClient(origin: string, options: { timeoutMs: number; httpTrace?: boolean }): Client {
  return new Client(origin, connectionOptions(options.timeoutMs, options.httpTrace === true));
}

function connectionOptions(timeoutMs: number, httpTrace: boolean): Client.Options {
  // undici's timers are per phase; the whole-request limit is enforced by `Exchange` itself.
  // undici rejects non-integer timeouts (`--request-timeout-seconds 0.0001` is 0.1 ms), hence ceil.
  const phaseTimeout = Math.min(Math.ceil(timeoutMs) + 1000, 2 ** 31 - 1);
  // Connecting is part of the request (TTFT includes it), so it gets the whole request budget.
  const connect = { timeout: Math.min(Math.ceil(timeoutMs), 2 ** 31 - 1) };
  return {
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: phaseTimeout,
    bodyTimeout: phaseTimeout,
    connect: httpTrace ? tracingConnector(connect) : connect,
  };
}

// Which socket carries each request. undici's handler API never names the socket, but undici
// publishes `undici:client:sendHeaders` ({request, headers, socket}) synchronously right after it
// called the handler's onRequestStart and before it writes a byte, so the exchange that set
// `writing` there is the one being written. `written` counts the requests each socket carried:
// a socket that carried one before is a reused (kept-alive) connection. The bytes a socket has read
// tell whether any of the response arrived; over https they are counted on the encrypted stream, so
// a TLS alert sent before the close (close_notify) counts too and prevents the resend.
const written = new WeakMap<Socket, number>();
let writing: Exchange | null = null;
const forgetWriting = (): void => {
  writing = null;
};
subscribe('undici:client:sendHeaders', (message) => {
  const { socket, request, headers } = message as { socket: Socket; request: object; headers: string };
  const before = written.get(socket) ?? 0;
  written.set(socket, before + 1);
  writing?.onSocket(socket, before > 0, request, headers);
  writing = null;
});

/**
 * Error codes of a connection the server closed: undici's "other side closed" (FIN) and "closed",
 * a reset, a write into a closed socket.
 */
const CLOSED_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

// Arrival stamps (docs/metrics.md §2.2). When many streams deliver at once (a batching server emits
// one token per running sequence per decode step), one poll of the sockets returns all of them,
// and Node then reads and parses them one after another: stamping each chunk in its own callback
// would stamp the last of 500 chunks after ~20 ms of work on the other 499, and report that work
// as TTFT and ITL. Every chunk read in one poll was in the kernel before the poll returned, so
// they all get the instant the first of them reached JavaScript: never earlier than the chunk's
// true arrival (but see below), never later than the first callback of its poll. Chunks of one
// socket read share it too, as before. The stamp is forgotten in the check phase, which libuv
// runs right after every poll phase (setImmediate); chunks are only delivered in the poll phase.
// One exception, bounded by the poll's own duration: bytes that reach an already-ready socket
// while the poll is being worked through are read with it and get its stamp; only an overloaded
// loop (flagged by the event-loop lag) works through one poll for as long as an ITL.
let pollStamp: bigint | null = null;
const forgetPollStamp = (): void => {
  pollStamp = null;
};
function arrivalStamp(): bigint {
  if (pollStamp === null) {
    pollStamp = process.hrtime.bigint();
    setImmediate(forgetPollStamp);
  }
  return pollStamp;
}

const ABORT_ERRORS: Record<AbortKind, (timeoutMs: number) => RequestError> = {
  timeout: (ms) => ({ code: null, type: ERROR_TYPES.timeout, message: `request exceeded the ${ms / 1000} s request timeout` }),
  cancelled: () => ({ code: 499, type: ERROR_TYPES.cancelled, message: 'request cancelled by --request-cancellation-rate' }),
  interrupted: () => ({ code: 499, type: ERROR_TYPES.cancelled, message: 'request cancelled: run interrupted' }),
  grace: () => ({ code: null, type: ERROR_TYPES.graceExpired, message: 'request aborted: benchmark grace period expired' }),
};

class AbortMarker extends Error {
  constructor(readonly kind: AbortKind) {
    super(`aborted: ${kind}`);
  }
}

/**
 * An in-flight request that can be aborted for a reason; resolves with its stamped result.
 *
 * Resend (docs/metrics.md §2.2): a server may close a kept-alive connection at any moment
 * (llama-server closes it after every streamed response while advertising keep-alive), and a
 * request written on it in the meantime fails before any byte of its response. Like the HTTP
 * clients that resend on a fresh connection when a reused idle one turns out closed, the exchange
 * then sends the request once more, and only when all of these hold: the socket had carried an
 * earlier request; not one byte arrived on it after this request was written (so no status line);
 * the error is one of CLOSED_CONNECTION_CODES; infermark did not abort the request itself. The
 * resend goes through the same Client, whose socket undici has dropped by then, so it opens a new
 * connection; the request's timeline starts again at the resend. A connection that failed on
 * first use, or a resend that fails again, is an ordinary ConnectionError.
 */
export class Exchange {
  readonly result: Promise<ExchangeResult>;
  private controller: Dispatcher.DispatchController | null = null;
  private abortKind: AbortKind | null = null;
  private abortNs: bigint | null = null;
  private settled = false;
  // Long timers: a cancellation delay or timeout beyond 2^31 − 1 ms must not fire at once.
  private timer: LongTimeout | null = null;
  private cancelTimer: LongTimeout | null = null;
  private resolve!: (r: ExchangeResult) => void;
  /** Attempts dispatched so far (1, or 2 after a resend); callbacks of an earlier one are ignored. */
  private attempt = 0;
  private resends = 0;
  /** The socket this attempt was written on, and what it had read by then. */
  private socket: Socket | null = null;
  private socketReused = false;
  private bytesReadAtWrite = 0;
  /** `--export-http-trace`: this attempt's timeline; null when not traced (no cost then). */
  private trace: HttpTrace | null = null;

  private requestStartNs = 0n;
  private requestAckNs: bigint | null = null;
  private sentNs: bigint | null = null;
  private lastChunkNs: bigint | null = null;
  private status: number | null = null;
  private statusMessage: string | undefined;
  private readonly responses: RawResponse[] = [];
  private readonly bodyChunks: Buffer[] = [];
  private splitter: SseSplitter | null = null;
  /** A 2xx response came in a Content-Encoding infermark cannot read (set in onResponseStart). */
  private encodingError: RequestError | null = null;
  /** `onFirstContent` not called yet; the responses already checked for content. */
  private awaitingContent: boolean;
  private checkedResponses = 0;
  /** The endpoint type's module (ts/src/endpoints), whose events say what content is; null for chat/completions. */
  private readonly api: GenerativeApi | null;

  /**
   * `onFirstContent`: called once, when the first response carrying output or reasoning text has
   * arrived (the TTFT instant, docs/metrics.md), or when the exchange ends without one (the
   * prefill cap's release, docs/cli.md §3.4.1). Only checked for when given.
   */
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly req: PreparedRequest,
    private readonly options: {
      streaming: boolean;
      timeoutMs: number;
      cancelAfterMs: number | null;
      reset?: boolean;
      /** Judges the shape of a 2xx non-streaming JSON answer (embeddings, rankings). */
      checkPayload?: (payload: unknown) => RequestError | null;
      httpTrace?: boolean;
      onFirstContent?: () => void;
      /** Which API's error and completion events the response is checked for (ts/src/endpoints); chat/completions when absent. */
      endpointType?: string;
      template?: TemplateSettings | null;
    },
  ) {
    this.awaitingContent = options.onFirstContent !== undefined;
    this.api = options.endpointType === undefined ? null : generativeApi(options.endpointType);
    this.result = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Stamp request_start and hand the request to undici. */
  start(): this {
    this.attempt += 1;
    this.requestStartNs = process.hrtime.bigint();
    if (this.options.httpTrace === true) this.trace = new HttpTrace();
    this.timer = setLongTimeout(() => this.abort('timeout'), this.options.timeoutMs);
    try {
      this.dispatcher.dispatch(
        {
          origin: this.req.origin,
          path: this.req.path,
          method: 'POST',
          headers: this.req.headers,
          body: this.req.body,
          reset: this.options.reset === true,
        },
        this.handler(this.attempt),
      );
    } catch (err) {
      this.finish(process.hrtime.bigint(), err as Error);
    }
    return this;
  }

  /** Whether the result is in (finished, failed or aborted). */
  isSettled(): boolean {
    return this.settled;
  }

  /** Abort for `kind`; a request that already finished is unaffected. */
  abort(kind: AbortKind): void {
    if (this.settled || this.abortKind !== null) return;
    this.abortKind = kind;
    this.abortNs = process.hrtime.bigint();
    // Aborted before it was started (waiting for a prefill slot): it was never sent, so its
    // timeline is the abort instant alone.
    if (this.attempt === 0) this.requestStartNs = this.abortNs;
    if (this.controller) this.controller.abort(new AbortMarker(kind));
    // Before onRequestStart there is no controller; the request is failed as soon as undici
    // calls back (onRequestStart checks abortKind), but the result must not wait for that.
    else this.finish(this.abortNs, new AbortMarker(kind));
  }

  /** The socket undici is writing this request on (see `writing`). */
  onSocket(socket: Socket, reused: boolean, request: object, headerBlock: string): void {
    this.trace?.onWrite(request, socket, reused, headerBlock);
    this.socket = socket;
    this.socketReused = reused;
    this.bytesReadAtWrite = socket.bytesRead;
  }

  private handler(attempt: number): Dispatcher.DispatchHandler {
    const current = (): boolean => attempt === this.attempt && !this.settled;
    return {
      onRequestStart: (controller) => {
        if (!current()) return;
        this.controller = controller;
        if (this.abortKind !== null) {
          controller.abort(new AbortMarker(this.abortKind));
          return;
        }
        writing = this;
        // Never left set past this call stack (the publish that consumes it follows synchronously).
        queueMicrotask(forgetWriting);
        this.sentNs = process.hrtime.bigint();
        if (this.options.cancelAfterMs !== null) {
          this.cancelTimer = setLongTimeout(() => this.abort('cancelled'), this.options.cancelAfterMs);
        }
      },
      onResponseStart: (controller, statusCode, headers, statusMessage) => {
        if (!current()) return;
        this.requestAckNs = arrivalStamp();
        this.status = statusCode;
        this.statusMessage = statusMessage;
        this.trace?.onResponse(this.requestAckNs, statusCode, statusMessage, headers);
        const ok = statusCode >= 200 && statusCode < 300;
        const encoding = contentEncoding(headers['content-encoding']);
        if (ok && encoding !== null) {
          // A compressed body would be read as garbage (and a compressed stream as one that never
          // completes): fail now with the reason and drop the connection instead of reading it.
          this.encodingError = unrequestedEncodingError(encoding, this.requestedEncoding());
          this.finish(this.requestAckNs, null);
          // Settled already: the abort only closes the connection; its error callback is ignored.
          controller.abort(new AbortMarker('cancelled'));
          return;
        }
        if (this.options.streaming && ok) this.splitter = new SseSplitter();
      },
      onResponseData: (_controller, chunk) => {
        if (!current()) return;
        const t = arrivalStamp();
        this.lastChunkNs = t;
        this.trace?.onChunk(t, chunk.length);
        if (this.splitter) {
          this.splitter.push(chunk, t, this.responses);
          if (this.awaitingContent) this.checkFirstContent();
        } else this.bodyChunks.push(chunk);
      },
      onResponseEnd: () => {
        if (!current()) return;
        this.finish(process.hrtime.bigint(), null);
      },
      onResponseError: (_controller, err) => {
        if (!current()) return;
        if (this.lostByClosedConnection(err)) this.resend();
        else this.finish(process.hrtime.bigint(), err);
      },
    };
  }

  /** The events that arrived since the last check: the first with content releases the caller's wait. */
  private checkFirstContent(): void {
    while (this.checkedResponses < this.responses.length) {
      const response = this.responses[this.checkedResponses]!;
      this.checkedResponses += 1;
      if (isContentResponse(response.data, this.api, this.options.template ?? null, response.event)) {
        this.firstContent();
        return;
      }
    }
  }

  private firstContent(): void {
    if (!this.awaitingContent) return;
    this.awaitingContent = false;
    this.options.onFirstContent?.();
  }

  /** Whether the request's own headers (a `-H Accept-Encoding`) asked for a compressed response. */
  private requestedEncoding(): boolean {
    return Object.keys(this.req.headers).some((name) => name.toLowerCase() === 'accept-encoding');
  }

  /** The resend rule of the class comment. */
  private lostByClosedConnection(err: Error): boolean {
    return (
      this.resends === 0 &&
      this.abortKind === null &&
      !(err instanceof AbortMarker) &&
      this.status === null &&
      this.socket !== null &&
      this.socketReused &&
      this.socket.bytesRead === this.bytesReadAtWrite &&
      CLOSED_CONNECTION_CODES.has((err as { code?: string }).code ?? '')
    );
  }

  private resend(): void {
    this.resends += 1;
    clearLongTimeout(this.timer);
    clearLongTimeout(this.cancelTimer);
    this.timer = null;
    this.cancelTimer = null;
    this.controller = null;
    this.socket = null;
    this.socketReused = false;
    this.sentNs = null;
    // After this turn's I/O callbacks, so undici has dropped the closed socket (its 'close' runs
    // on nextTick) and the Client connects anew. An abort meanwhile settles the exchange at once.
    setImmediate(() => {
      if (!this.settled) this.start();
    });
  }

  private finish(endNs: bigint, err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    clearLongTimeout(this.timer);
    clearLongTimeout(this.cancelTimer);
    let error: RequestError | null = null;
    const kind = err instanceof AbortMarker ? err.kind : this.abortKind;
    const status = this.status;
    if (kind !== null) {
      error = ABORT_ERRORS[kind](this.options.timeoutMs);
    } else if (err) {
      error = transportError(err, this.options.timeoutMs);
    } else if (this.encodingError) {
      error = this.encodingError;
    } else if (status !== null && (status < 200 || status >= 300)) {
      error = httpStatusError(status, this.statusMessage, Buffer.concat(this.bodyChunks).toString('utf8'));
    } else if (this.splitter) {
      this.splitter.end();
      error = checkStream(this.responses, this.options.endpointType ?? null, this.options.template ?? null);
    } else {
      const body = Buffer.concat(this.bodyChunks).toString('utf8');
      this.responses.push({ recvNs: this.lastChunkNs ?? endNs, data: body });
      error = checkBody(body, this.options.endpointType ?? null, this.options.checkPayload);
    }
    // A failed non-streaming/HTTP-error body is still worth keeping for the raw export.
    if (error && !this.splitter && this.responses.length === 0 && this.bodyChunks.length > 0) {
      this.responses.push({ recvNs: this.lastChunkNs ?? endNs, data: Buffer.concat(this.bodyChunks).toString('utf8') });
    }
    const cancelled = kind === 'cancelled' || kind === 'interrupted';
    if (this.trace !== null && (kind !== null || err)) this.trace.onError(kind !== null && this.abortNs !== null ? this.abortNs : endNs);
    this.firstContent();
    this.resolve({
      requestStartNs: this.requestStartNs,
      requestAckNs: this.requestAckNs,
      // A deliberate abort ends the request at the abort instant, not when undici noticed it.
      requestEndNs: kind !== null && this.abortNs !== null ? this.abortNs : endNs,
      sentNs: this.sentNs,
      responses: this.responses,
      httpStatus: status,
      error,
      wasCancelled: cancelled,
      cancellationNs: cancelled ? this.abortNs : null,
      connectionResends: this.resends,
      httpTrace: this.trace?.data ?? null,
    });
  }
}

/** A Content-Encoding header's value when it names an encoding (not absent, empty or `identity`), else null. */
function contentEncoding(value: string | string[] | undefined): string | null {
  const text = (Array.isArray(value) ? value.join(', ') : (value ?? '')).trim();
  return text === '' || text.toLowerCase() === 'identity' ? null : text;
}

function transportError(err: Error, timeoutMs: number): RequestError {
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { code: null, type: ERROR_TYPES.timeout, message: `${err.message} (request timeout ${timeoutMs / 1000} s)` };
  }
  const detail = code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  return { code: null, type: ERROR_TYPES.connection, message: detail };
}
