// Hand-built RawRequestRecords with synthetic nanosecond stamps for metric tests.
import type { RawRequestRecord, RawResponse, RequestError } from '../../../ts/src/metrics/raw-record.js';
import { createInlineTokenCountService, type TokenCounter } from '../../../ts/src/metrics/token-count.js';
import { RecordProcessor, type RecordProcessorOptions } from '../../../ts/src/metrics/record-processor.js';

export const MS = 1_000_000n;
/** Monotonic origin of the synthetic runs. */
export const MONO0 = 5_000_000_000n;
/** Wall time of MONO0 (the docs/exports.md §3.2 example's request_start_ns). */
export const WALL0 = 1763066701865462000n;
export const toWallNs = (mono: bigint): bigint => WALL0 + (mono - MONO0);

/** Counts whitespace-separated words: chunk token counts are visible in the fixture text. */
export const wordCounter: TokenCounter = {
  count: (text) => text.split(/\s+/).filter((w) => w !== '').length,
};

export function chatDelta(content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'x',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content, ...extra }, finish_reason: null }],
  });
}

export const DONE = '[DONE]';

export interface RawOpts {
  requestNum?: number;
  startMs: number;
  /** [arrival ms (absolute, relative to MONO0), data]. */
  events?: Array<[number, string]>;
  endMs: number;
  isl?: number | null;
  error?: RequestError | null;
  streaming?: boolean;
  requestedOsl?: number | null;
  creditMs?: number;
  scheduledMs?: number | null;
  phase?: 'warmup' | 'profiling';
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  waitedForSlot?: boolean;
  connectionResends?: number;
}

export function at(msValue: number): bigint {
  return MONO0 + BigInt(Math.round(msValue * 1e6));
}

export function raw(o: RawOpts): RawRequestRecord {
  const n = o.requestNum ?? 0;
  const responses: RawResponse[] = (o.events ?? []).map(([t, data]) => ({ recvNs: at(t), data }));
  return {
    requestNum: n,
    sessionNum: n,
    xRequestId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    xCorrelationId: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
    conversationId: null,
    turnIndex: 0,
    phase: o.phase ?? 'profiling',
    workerId: 'worker_0',
    scheduledNs: o.scheduledMs === undefined || o.scheduledMs === null ? null : at(o.scheduledMs),
    creditIssuedNs: at(o.creditMs ?? o.startMs),
    requestStartNs: at(o.startMs),
    requestAckNs: o.error ? null : at(o.startMs + 0.5),
    requestEndNs: at(o.endMs),
    responses,
    httpStatus: o.error ? o.error.code : 200,
    error: o.error ?? null,
    wasCancelled: o.error?.type === 'RequestCancellationError',
    cancellationNs: o.error?.type === 'RequestCancellationError' ? at(o.endMs) : null,
    request: {
      url: 'http://127.0.0.1:1/v1/chat/completions',
      headers: o.headers ?? { 'Content-Type': 'application/json', Authorization: 'Bearer sk-123' },
      body: o.body ?? { model: 'mock-model', messages: [{ role: 'user', content: 'hello world' }], stream: o.streaming ?? true },
    },
    model: 'mock-model',
    endpointType: 'chat',
    streaming: o.streaming ?? true,
    clientIsl: o.isl === undefined ? null : o.isl,
    requestedIsl: o.isl ?? null,
    requestedOsl: o.requestedOsl ?? null,
    traceLine: null,
    materialised: false,
    historyChars: 0,
    clockOffsetNs: 0n,
    waitedForSlot: o.waitedForSlot ?? false,
    connectionResends: o.connectionResends ?? 0,
  };
}

export function processor(opts: Partial<RecordProcessorOptions> = {}): RecordProcessor {
  return new RecordProcessor({ tokens: createInlineTokenCountService(wordCounter), toWallNs, ...opts });
}

/** The three requests of docs/metrics.md §11. */
export function workedExample(): RawRequestRecord[] {
  return [
    raw({
      requestNum: 0,
      startMs: 0,
      isl: 50,
      requestedOsl: 4,
      events: [
        [0.5, JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' } }] })],
        [100, chatDelta('a')],
        [120, chatDelta(' b')],
        [140, chatDelta(' c')],
        [160, chatDelta(' d')],
        [165, JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })],
        [165, DONE],
      ],
      endMs: 165,
    }),
    raw({
      requestNum: 1,
      startMs: 10,
      isl: 60,
      requestedOsl: 5,
      events: [
        [150, chatDelta('e')],
        [180, chatDelta(' f g')],
        [230, chatDelta(' h i')],
        [232, DONE],
      ],
      endMs: 232,
    }),
    raw({
      requestNum: 2,
      startMs: 20,
      isl: 70,
      requestedOsl: 5,
      endMs: 40,
      error: { code: 500, type: 'Internal Server Error', message: 'Injected failure' },
    }),
  ];
}
