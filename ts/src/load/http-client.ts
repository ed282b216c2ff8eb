// One HTTP exchange on an undici dispatcher, stamped where docs/metrics.md §2.2 says: request_start
// before the dispatcher is called (so pool acquisition and connect are inside TTFT), every body
// chunk on delivery before any parsing, request_end on the last byte or the failure.
import { Agent, Client, type Dispatcher } from 'undici';
import { checkBody, checkStream, ERROR_TYPES, httpStatusError } from './response-check.js';
import type { RawResponse, RequestError } from '../metrics/raw-record.js';
import { SseSplitter } from './sse.js';

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
}

/**
 * The shared dispatcher of one event loop's open-loop requests (closed-loop slots keep their own
 * connection, `createClient`): one connection per concurrent request (never a hidden cap),
 * pipelining 1 (one request per connection at a time, as a browser or OpenAI SDK would),
 * keep-alive, and no proxy (an explicit Agent or Client ignores HTTP(S)_PROXY).
 */
export function createDispatcher(options: { connections: number; timeoutMs: number }): Agent {
  return new Agent({ connections: Math.max(1, options.connections), ...connectionOptions(options.timeoutMs) });
}

/** One keep-alive connection to `origin`, with the same settings (a closed-loop slot's own). */
export function createClient(origin: string, options: { timeoutMs: number }): Client {
  return new Client(origin, connectionOptions(options.timeoutMs));
}

function connectionOptions(timeoutMs: number): Client.Options {
  // undici's timers are per phase; the whole-request limit is enforced by `Exchange` itself.
  // undici rejects non-integer timeouts (`--request-timeout-seconds 0.0001` is 0.1 ms), hence ceil.
  const phaseTimeout = Math.min(Math.ceil(timeoutMs) + 1000, 2 ** 31 - 1);
  return {
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: phaseTimeout,
    bodyTimeout: phaseTimeout,
    // Connecting is part of the request (TTFT includes it), so it gets the whole request budget.
    connect: { timeout: Math.min(Math.ceil(timeoutMs), 2 ** 31 - 1) },
  };
}

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

/** An in-flight request that can be aborted for a reason; resolves with its stamped result. */
export class Exchange {
  readonly result: Promise<ExchangeResult>;
  private controller: Dispatcher.DispatchController | null = null;
  private abortKind: AbortKind | null = null;
  private abortNs: bigint | null = null;
  private settled = false;
  private timer: NodeJS.Timeout | null = null;
  private cancelTimer: NodeJS.Timeout | null = null;
  private resolve!: (r: ExchangeResult) => void;

  private requestStartNs = 0n;
  private requestAckNs: bigint | null = null;
  private sentNs: bigint | null = null;
  private lastChunkNs: bigint | null = null;
  private status: number | null = null;
  private statusMessage: string | undefined;
  private readonly responses: RawResponse[] = [];
  private readonly bodyChunks: Buffer[] = [];
  private splitter: SseSplitter | null = null;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly req: PreparedRequest,
    private readonly options: { streaming: boolean; timeoutMs: number; cancelAfterMs: number | null },
  ) {
    this.result = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Stamp request_start and hand the request to undici. */
  start(): this {
    this.requestStartNs = process.hrtime.bigint();
    this.timer = setTimeout(() => this.abort('timeout'), Math.min(this.options.timeoutMs, 2 ** 31 - 1));
    try {
      this.dispatcher.dispatch(
        { origin: this.req.origin, path: this.req.path, method: 'POST', headers: this.req.headers, body: this.req.body },
        this.handler(),
      );
    } catch (err) {
      this.finish(process.hrtime.bigint(), err as Error);
    }
    return this;
  }

  /** Abort for `kind`; a request that already finished is unaffected. */
  abort(kind: AbortKind): void {
    if (this.settled || this.abortKind !== null) return;
    this.abortKind = kind;
    this.abortNs = process.hrtime.bigint();
    if (this.controller) this.controller.abort(new AbortMarker(kind));
    // Before onRequestStart there is no controller; the request is failed as soon as undici
    // calls back (onRequestStart checks abortKind), but the result must not wait for that.
    else this.finish(this.abortNs, new AbortMarker(kind));
  }

  private handler(): Dispatcher.DispatchHandler {
    return {
      onRequestStart: (controller) => {
        this.controller = controller;
        if (this.abortKind !== null) {
          controller.abort(new AbortMarker(this.abortKind));
          return;
        }
        this.sentNs = process.hrtime.bigint();
        if (this.options.cancelAfterMs !== null) {
          this.cancelTimer = setTimeout(() => this.abort('cancelled'), this.options.cancelAfterMs);
        }
      },
      onResponseStart: (_controller, statusCode, _headers, statusMessage) => {
        this.requestAckNs = arrivalStamp();
        this.status = statusCode;
        this.statusMessage = statusMessage;
        if (this.options.streaming && statusCode >= 200 && statusCode < 300) this.splitter = new SseSplitter();
      },
      onResponseData: (_controller, chunk) => {
        const t = arrivalStamp();
        this.lastChunkNs = t;
        if (this.splitter) this.splitter.push(chunk, t, this.responses);
        else this.bodyChunks.push(chunk);
      },
      onResponseEnd: () => {
        this.finish(process.hrtime.bigint(), null);
      },
      onResponseError: (_controller, err) => {
        this.finish(process.hrtime.bigint(), err);
      },
    };
  }

  private finish(endNs: bigint, err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.cancelTimer) clearTimeout(this.cancelTimer);
    let error: RequestError | null = null;
    const kind = err instanceof AbortMarker ? err.kind : this.abortKind;
    const status = this.status;
    if (kind !== null) {
      error = ABORT_ERRORS[kind](this.options.timeoutMs);
    } else if (err) {
      error = transportError(err, this.options.timeoutMs);
    } else if (status !== null && (status < 200 || status >= 300)) {
      error = httpStatusError(status, this.statusMessage, Buffer.concat(this.bodyChunks).toString('utf8'));
    } else if (this.splitter) {
      this.splitter.end();
      error = checkStream(this.responses);
    } else {
      const body = Buffer.concat(this.bodyChunks).toString('utf8');
      this.responses.push({ recvNs: this.lastChunkNs ?? endNs, data: body });
      error = checkBody(body);
    }
    // A failed non-streaming/HTTP-error body is still worth keeping for the raw export.
    if (error && !this.splitter && this.responses.length === 0 && this.bodyChunks.length > 0) {
      this.responses.push({ recvNs: this.lastChunkNs ?? endNs, data: Buffer.concat(this.bodyChunks).toString('utf8') });
    }
    const cancelled = kind === 'cancelled' || kind === 'interrupted';
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
    });
  }
}

function transportError(err: Error, timeoutMs: number): RequestError {
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { code: null, type: ERROR_TYPES.timeout, message: `${err.message} (request timeout ${timeoutMs / 1000} s)` };
  }
  const detail = code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  return { code: null, type: ERROR_TYPES.connection, message: detail };
}
