// The surface a schedule (one file per kind in ts/src/load/) drives one phase through: the engine
// owns connections, stamping, records and stop conditions; a schedule decides what is sent when.
import type { Exchange } from './http-client.js';
import type { EngineOptions } from './engine.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import type { TurnPlan } from './turn-plan.js';
import type { PhaseShaping } from '../config/load-shaping.js';

export type Phase = 'warmup' | 'profiling';

export interface PhaseState {
  phase: Phase;
  startNs: bigint;
  sent: number;
  completed: number;
  errors: number;
  waited: number;
  /** Stop issuing new requests. */
  stopped: boolean;
  /** This engine's share of the phase's request count, when known (progress). */
  target: number | null;
}

export type SentRequest = Exchange & { record: Promise<RawRequestRecord> };

export interface PhaseContext {
  readonly s: PhaseState;
  readonly options: EngineOptions;
  /** This engine's worker index and the worker count. */
  readonly w: number;
  readonly W: number;
  /** The instant `--benchmark-duration` (or `--warmup-duration`) ends, or null: open-loop schedules send nothing due at or after it. */
  readonly endNs: bigint | null;
  /** This worker's closed-loop concurrency. */
  readonly concurrency: number;
  /** The phase's closed-loop concurrency over every worker (what a concurrency ramp grows to). */
  readonly totalConcurrency: number;
  /** Ramps and the prefill cap of this phase (docs/cli.md §3.4.1); the engine applies the prefill cap itself. */
  readonly shaping: PhaseShaping;
  /** Stamp and send one request now; its record is emitted when it finishes. */
  send(plan: TurnPlan, scheduledNs: bigint, creditNs: bigint, waited: boolean): SentRequest;
  /** Run `sendFn` from the engine's paced send queue (bursts of closed-loop sends are spread over loop turns). */
  paced<T>(sendFn: () => T): Promise<T>;
  /** Sleep until the monotonic instant `due` (sub-2 ms remainders polled); returns early when the phase stops. */
  waitUntil(due: bigint): Promise<void>;
  /** Requests of this engine in flight. */
  inFlight(): number;
  /** Resolves at the next completion of a request (first come, first served) or when the phase stops. */
  requestCompleted(): Promise<void>;
  /** Call `fn` once when the phase stops issuing (interrupt, threshold, duration); returns the unsubscribe. */
  onStop(fn: () => void): () => void;
  /** A session is over: its sticky connection (if any) is closed. */
  endSession(correlationId: string): void;
}

/** Resolves at the next loop turn, after pending I/O: a long burst of sends yields with it so that arrival stamps stay on time. */
export function nextLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Longest stretch a schedule may hold the event loop (sending a burst, preparing bodies) before
 * yielding to I/O: arrival stamps of other streams are then late by at most about this much.
 */
export const SEND_SLICE_NS = 500_000n;
