// Ramps of docs/cli.md §3.4.1 (`--concurrency-ramp-duration`, `--prefill-concurrency-ramp-duration`,
// `--request-rate-ramp-duration`), planned closed-form for the whole run so that the split across
// worker threads and shards changes no step: every engine computes the same global plan and keeps
// its own part, as it does for arrivals (i mod W) and concurrency shares (worker-share.ts).
import { MAX_TIMER_MS } from '../long-timeout.js';
import type { PhaseContext } from './phase-context.js';
import { SlotPool } from './slot-pool.js';
import { workerShare } from './worker-share.js';

/**
 * Offset (ns after the phase start) at which global slot g of a ramp from 1 to `total` over
 * `durationMs` opens: slot g is the (g+1)-th unit of the limit, reached at D·g/(total−1), so the
 * limit is 1 at t = 0 and grows by one in equal steps to `total` at t = D (AIPerf's linear ramp).
 */
export function rampStepOffsetNs(g: number, total: number, durationMs: number): bigint {
  if (total <= 1 || g <= 0) return 0n;
  return BigInt(Math.round((durationMs * 1e6 * g) / (total - 1)));
}

/**
 * The offsets at which the slots of engine `w` of `W` open: its slots are the global slots g with
 * g mod W = w (g < total), as many as `workerShare(total, w, W)`. At every instant the engines'
 * open slots add up to the global limit exactly.
 */
export function ownRampOffsetsNs(total: number, w: number, W: number, durationMs: number): bigint[] {
  const out: bigint[] = [];
  for (let g = w; g < total; g += W) out.push(rampStepOffsetNs(g, total, durationMs));
  return out;
}

/**
 * The global limit of a ramp at `elapsedMs` after the phase start: what every engine's open slots
 * add up to (used by tests and the docs' worked example).
 */
export function rampLimitAt(total: number, durationMs: number, elapsedMs: number): number {
  if (total <= 1 || elapsedMs >= durationMs) return total;
  let n = 0;
  for (let g = 0; g < total; g++) if (Number(rampStepOffsetNs(g, total, durationMs)) <= elapsedMs * 1e6) n += 1;
  return n;
}

/**
 * A SlotPool whose capacity opens step by step at `startNs + offsets[i]` (one timer, re-armed for
 * the next step). `dispose` stops the timer; the owner calls it when its phase is over.
 */
export class RampedSlots {
  readonly pool: SlotPool;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly startNs: bigint,
    private readonly offsetsNs: readonly bigint[],
  ) {
    this.pool = new SlotPool(0);
    this.openDue();
  }

  private openDue(): void {
    this.timer = null;
    if (this.disposed) return;
    const elapsed = process.hrtime.bigint() - this.startNs;
    while (this.next < this.offsetsNs.length && this.offsetsNs[this.next]! <= elapsed) {
      this.next += 1;
      this.pool.raise();
    }
    if (this.next < this.offsetsNs.length) {
      const waitMs = Number(this.offsetsNs[this.next]! - elapsed) / 1e6;
      // A timer fires up to ~1 ms late and never early; the re-check above opens what is due.
      this.timer = setTimeout(() => this.openDue(), Math.min(Math.max(1, Math.ceil(waitMs)), MAX_TIMER_MS));
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * A request-rate ramp (docs/cli.md §3.4.1): the rate grows linearly from r0 = R·min(1, 0.1 s / D)
 * (AIPerf's start: one 100 ms update step of the ramp) to R over D seconds, then stays at R.
 * Arrival times are the unit-rate arrivals S_n (the same draws as without a ramp) mapped through
 * the inverse of the integrated rate Λ(t) = ∫₀ᵗ r(s) ds, the exact time-rescaling of a process
 * whose rate varies: at every instant arrivals come at r(t), whatever the gap just drawn.
 */
export class RateRamp {
  private readonly r0: number;
  private readonly slope: number;
  private readonly lambdaAtEnd: number;

  constructor(
    readonly rate: number,
    readonly durationS: number,
  ) {
    this.r0 = rate * Math.min(1, 0.1 / durationS);
    this.slope = (rate - this.r0) / durationS;
    this.lambdaAtEnd = (durationS * (this.r0 + rate)) / 2;
  }

  /** The rate (requests/s) at `t` seconds after the phase start. */
  rateAt(t: number): number {
    return t >= this.durationS ? this.rate : this.r0 + this.slope * t;
  }

  /** The instant (s after the phase start) at which the integrated rate reaches `s` arrivals. */
  timeOf(s: number): number {
    if (s >= this.lambdaAtEnd) return this.durationS + (s - this.lambdaAtEnd) / this.rate;
    if (this.slope === 0) return s / this.r0;
    return (-this.r0 + Math.sqrt(this.r0 * this.r0 + 2 * this.slope * s)) / this.slope;
  }
}

/**
 * The closed loop's concurrency ramp of `ctx`'s phase, or null without one: a slot of the closed
 * loop takes one permit before its first send and keeps it; permits open as the global limit grows.
 * The owner closes the pool when its work is exhausted (waiting slots then end) and disposes it.
 */
export function closedLoopRamp(ctx: PhaseContext): RampedSlots | null {
  const d = ctx.shaping.concurrencyRampMs;
  if (d === null || ctx.totalConcurrency <= 1) return null;
  const ramp = new RampedSlots(ctx.s.startNs, ownRampOffsetsNs(ctx.totalConcurrency, ctx.w, ctx.W, d));
  const unsubscribe = ctx.onStop(() => ramp.pool.close());
  const dispose = ramp.dispose.bind(ramp);
  ramp.dispose = () => {
    unsubscribe();
    dispose();
  };
  return ramp;
}

/**
 * The `--concurrency` ceiling of an open-loop schedule for this engine (its share; null: none),
 * opened step by step when the phase has a concurrency ramp.
 */
export function ceilingSlots(ctx: PhaseContext, total: number | null): { pool: SlotPool; dispose(): void } {
  const d = ctx.shaping.concurrencyRampMs;
  if (total === null || d === null || total <= 1) {
    return { pool: new SlotPool(total === null ? null : Math.max(1, workerShare(total, ctx.w, ctx.W))), dispose: () => undefined };
  }
  const ramp = new RampedSlots(ctx.s.startNs, ownRampOffsetsNs(total, ctx.w, ctx.W, d));
  return { pool: ramp.pool, dispose: () => ramp.dispose() };
}
