// One inference request as the latency models see it, and the interface they implement.
import { clearLongTimeout, type LongTimeout, setLongTimeout } from '../long-timeout.js';

export interface Job {
  /** Global arrival number k (0-based, all inference endpoints). */
  readonly num: number;
  readonly stream: boolean;
  /** P. */
  readonly promptTokens: number;
  /** Output length M_eff (§3.3), ≥ 1. */
  readonly outputTokens: number;
  /** Prompt token ids (hashed into KV blocks by the engine). */
  readonly promptIds: ArrayLike<number>;
  /** Output token ids (hashed with the prompt when the request finishes). */
  readonly outputIds: Uint32Array;
  /**
   * The model clock's `now()` when the request was handed to the model (performance.now() with
   * the real clock): after its body was read and its prompt tokenised, so later than the HTTP
   * arrival the recorded times start from (docs/serve-mock.md §8). The model's schedule starts
   * here: it cannot prefill a prompt it does not have yet.
   */
  readonly submittedAt: number;
  /** Set by the scheduler. */
  replica: number;
  cachedTokens: number;
  admittedAt: number;
  /**
   * `tokens` more tokens were produced at `now`; `done` when they include the last one.
   * Returns false when the request aborted itself (injected failure); the scheduler then
   * drops it like a cancellation.
   */
  onStep(tokens: number, now: number, done: boolean): boolean;
}

/** An opaque timer handle of a {@link ModelClock}. */
export type ClockTimer = unknown;

/**
 * Time as the latency models see it: `performance.now()` and Node's timers by default, a virtual
 * clock in tests so that a model's schedule can be checked exactly and without waiting for it.
 * The timer functions mirror Node's, so the real clock is exactly what the models used before.
 */
export interface ModelClock {
  /** Milliseconds on the `performance.now()` scale. */
  now(): number;
  setTimeout(fn: () => void, delayMs: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
  setImmediate(fn: () => void): ClockTimer;
  clearImmediate(timer: ClockTimer): void;
}

/** The real clock: serve-mock's timing. */
export const realClock: ModelClock = {
  now: () => performance.now(),
  // Long timers: a `--ttft 3e9` would otherwise fire at once (TimeoutOverflowWarning).
  setTimeout: (fn, delayMs) => setLongTimeout(fn, delayMs),
  clearTimeout: (timer) => clearLongTimeout(timer as LongTimeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (timer) => clearImmediate(timer as NodeJS.Immediate),
};

export interface LatencyModel {
  /** Replicas (engines) whose metrics are exposed. */
  readonly replicas: number;
  /** A 400 message when the request can never run (engine: larger than the KV cache), else null. */
  reject(promptTokens: number, outputTokens: number): string | null;
  submit(job: Job): void;
  /** Client went away: drop the job wherever it is and free what it holds. */
  cancel(job: Job): void;
  /** `POST /reset_prefix_cache`: forget the idle cached prefix blocks; returns how many (0 without a cache). */
  resetPrefixCache?(): number;
  /** Stop all timers (shutdown). */
  stop(): void;
}

/** Lognormal factor with mean 1 and coefficient of variation `cv` from two unit() draws (§1.2). */
export function lognormalFactor(cv: number, u1: number, u2: number): number {
  const sigma2 = Math.log(1 + cv * cv);
  const mu = -sigma2 / 2;
  const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  return Math.exp(mu + Math.sqrt(sigma2) * z);
}
