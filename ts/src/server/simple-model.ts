// The `simple` (AIPerf-mock compatible, §1.2/§6) and `none` latency models.
import { RandomStream } from '../random/index.js';
import type { EngineMetrics } from './metrics.js';
import { type ClockTimer, type Job, type LatencyModel, type ModelClock, lognormalFactor, realClock } from './job.js';

export interface SimpleConfig {
  ttft: number;
  itl: number;
  ttftPerIslTokenMs: number;
  ttftConcurrencyQuadMs: number;
  itlPerOslTokenMs: number;
  itlConcurrencyLinMs: number;
  ttftJitterCv: number;
  itlJitterCv: number;
  seed: bigint;
}

/** Fixed latencies with load penalties; every token (streaming) is its own timer at an absolute deadline. */
export class SimpleModel implements LatencyModel {
  readonly replicas = 1;
  private readonly timers = new Map<Job, ClockTimer>();
  private inflight = 0;

  constructor(
    private readonly cfg: SimpleConfig,
    private readonly metrics: EngineMetrics,
    private readonly clock: ModelClock = realClock,
  ) {}

  reject(): string | null {
    return null;
  }

  submit(job: Job): void {
    const c = this.cfg;
    const inflight = this.inflight;
    this.inflight++;
    this.metrics.running = this.inflight;
    job.replica = 0;
    job.admittedAt = job.submittedAt;
    // Jitter draws: TTFT first, then each ITL in token order, two per factor (§9); none when the CV is 0.
    const jitter = c.ttftJitterCv > 0 || c.itlJitterCv > 0 ? RandomStream.of(c.seed, 'infermark/mock/jitter', BigInt(job.num)) : null;
    let ttft = c.ttft + c.ttftPerIslTokenMs * job.promptTokens + c.ttftConcurrencyQuadMs * inflight * inflight;
    if (c.ttftJitterCv > 0) ttft *= lognormalFactor(c.ttftJitterCv, jitter!.unit(), jitter!.unit());
    const itlBase = c.itl + c.itlPerOslTokenMs * job.outputTokens + c.itlConcurrencyLinMs * inflight;
    const n = job.outputTokens;
    const nextItl = (): number => (c.itlJitterCv > 0 ? itlBase * lognormalFactor(c.itlJitterCv, jitter!.unit(), jitter!.unit()) : itlBase);

    if (!job.stream) {
      // Nothing is observable between first and last token: two timers suffice.
      let total = ttft;
      for (let i = 1; i < n; i++) total += nextItl();
      const first = job.submittedAt + ttft;
      this.at(job, first, () => {
        if (n === 1) return this.finish(job, 1, true);
        if (!job.onStep(1, this.clock.now(), false)) return this.drop(job);
        this.at(job, job.submittedAt + total, () => this.finish(job, n - 1, true));
      });
      return;
    }
    let produced = 0;
    let deadline = job.submittedAt + ttft;
    const tick = (): void => {
      // A late timer emits every token already due in one write, so lateness never accumulates.
      const now = this.clock.now();
      let count = 0;
      do {
        count++;
        if (produced + count === n) break;
        deadline += nextItl();
      } while (deadline <= now);
      produced += count;
      if (produced === n) {
        this.finish(job, count, true);
        return;
      }
      if (!job.onStep(count, now, false)) {
        this.drop(job);
        return;
      }
      this.at(job, deadline, tick);
    };
    this.at(job, deadline, tick);
  }

  /**
   * Runs `fn` at `deadline`, never before it (docs/serve-mock.md §6). Node measures a timer's delay
   * from the event loop's cached millisecond clock, which can lag the precise clock, so a timer
   * may fire up to ~1.5 ms early. Such a firing waits out the rest: with another timer when 1 ms
   * or more is left, else from loop turn to loop turn (a timer would round it up to 1 ms and add up
   * to that much lateness to every token). A job no longer in `timers` was cancelled or stopped.
   */
  private at(job: Job, deadline: number, fn: () => void): void {
    const fire = (): void => {
      if (!this.timers.has(job)) return;
      const early = deadline - this.clock.now();
      if (early >= 1) this.timers.set(job, this.clock.setTimeout(fire, early));
      else if (early > 0) this.clock.setImmediate(fire);
      else fn();
    };
    this.timers.set(job, this.clock.setTimeout(fire, Math.max(0, deadline - this.clock.now())));
  }

  private finish(job: Job, tokens: number, done: boolean): void {
    this.drop(job);
    job.onStep(tokens, this.clock.now(), done);
  }

  private drop(job: Job): void {
    if (this.timers.delete(job)) {
      this.inflight--;
      this.metrics.running = this.inflight;
    }
  }

  cancel(job: Job): void {
    const t = this.timers.get(job);
    if (t) this.clock.clearTimeout(t);
    this.drop(job);
  }

  stop(): void {
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }
}

/** No delays: every token is produced at once, in the request's own tick. */
export class NoneModel implements LatencyModel {
  readonly replicas = 1;
  reject(): string | null {
    return null;
  }
  submit(job: Job): void {
    job.replica = 0;
    job.admittedAt = job.submittedAt;
    job.onStep(job.outputTokens, performance.now(), true);
  }
  cancel(): void {}
  stop(): void {}
}
