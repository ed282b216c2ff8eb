// One inference request as the latency models see it, and the interface they implement.

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
  /** performance.now() at arrival. */
  readonly arrival: number;
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

export interface LatencyModel {
  /** Replicas (engines) whose metrics are exposed. */
  readonly replicas: number;
  /** A 400 message when the request can never run (engine: larger than the KV cache), else null. */
  reject(promptTokens: number, outputTokens: number): string | null;
  submit(job: Job): void;
  /** Client went away: drop the job wherever it is and free what it holds. */
  cancel(job: Job): void;
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
