// What the load engine produces for every request; metrics/ and report/ consume it.
//
// What the metrics and the report side may rely on:
// * All `*Ns` fields are monotonic `process.hrtime.bigint()` values of the process that sent the
//   request; convert with `wallNs()` from `./clock.js` (the engine's records from worker threads
//   are already rebased onto the coordinator's monotonic clock, so one `wallNs` suffices; the
//   worker's own offset is reported in `clockOffsetNs`).
// * `responses` are in arrival order. For streaming requests each entry is one SSE event
//   (its `data:` lines joined with `\n`, including the final `[DONE]` event); several events
//   completed by one network chunk share the same `recvNs`. For non-streaming requests there
//   is exactly one entry with the whole body (when a body was received).
// * `error` is set by the engine for every failure kind of docs/metrics.md §2.3; when it is null
//   the request succeeded at the HTTP/transport level. The engine also checks for SSE `error`
//   events / top-level `error` objects, missing completion signals and invalid JSON bodies, so
//   a record with `error === null` is a success as far as the engine can tell.

import type { EndpointType } from '../config/defaults.js';
import type { HttpTraceData } from './http-trace-data.js';

export interface RawResponse {
  /** Monotonic stamp of the network chunk that completed this event, taken before parsing. */
  recvNs: bigint;
  /** The SSE event's joined `data:` lines, or the whole body when not streaming. */
  data: string;
  /** The SSE `event:` name, if the event had one. */
  event?: string;
}

export interface RequestError {
  code: number | null;
  type: string;
  message: string;
}

export interface RawRequestRecord {
  /** 0-based index in send order within the phase. */
  requestNum: number;
  sessionNum: number;
  xRequestId: string;
  xCorrelationId: string;
  conversationId: string | null;
  turnIndex: number;
  phase: 'warmup' | 'profiling';
  /** `worker_<k>`. */
  workerId: string;
  /** Intended send time in open-loop modes; the instant the slot became free in closed loop. */
  scheduledNs: bigint | null;
  creditIssuedNs: bigint;
  /** Immediately before the request is handed to undici (before pool acquisition). */
  requestStartNs: bigint;
  /** Response headers arrived. */
  requestAckNs: bigint | null;
  /** Last byte of the response, or the failure time. */
  requestEndNs: bigint;
  responses: RawResponse[];
  httpStatus: number | null;
  error: RequestError | null;
  wasCancelled: boolean;
  cancellationNs: bigint | null;
  /** Headers unredacted here; writers redact. `body` objects are shared between records of the same prompt and model: treat them as immutable. */
  request: { url: string; headers: Record<string, string>; body: Record<string, unknown> };
  model: string;
  endpointType: EndpointType;
  streaming: boolean;
  /** Client-side token count of what was sent (computed when the dataset was built). */
  clientIsl: number | null;
  requestedIsl: number | null;
  requestedOsl: number | null;
  traceLine: number | null;
  /**
   * True when the turn's text was materialised from a trace row's `input_length`/`hash_ids`
   * (docs/synthesis.md §6.5): the record processor then counts the turn's own text for `trace_fidelity`.
   */
  materialised: boolean;
  /**
   * Completions only: characters of session history before this turn's own text in `prompt`
   * (0 for a first turn and for chat, where the turn's text is the last message).
   */
  historyChars: number;
  /** Offset of the sending process's clock to the coordinator (0 in single-process runs). */
  clockOffsetNs: bigint;
  /** True when the request waited for a concurrency slot in an open-loop mode (docs/metrics.md §10). */
  waitedForSlot: boolean;
  /**
   * 1 when the request was sent a second time because the server had closed the kept-alive
   * connection it was written on before answering (docs/metrics.md §2.2); the stamps are the resend's.
   */
  connectionResends: number;
  /** `--export-http-trace` only: the request's HTTP timeline (docs/exports.md §3.4); absent otherwise. */
  httpTrace?: HttpTraceData;
  /**
   * With several `--url`s: the 0-based index of the one the request went to (docs/cli.md §3.12);
   * absent with one URL, so that the records of a one-URL run keep their layout.
   */
  urlIndex?: number;
}
