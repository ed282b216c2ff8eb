// A virtual ModelClock for the mock's latency models: timers run in deadline order when the test
// calls run(), and now() is the virtual time, so a model's schedule is exact and takes no wall time.
import type { ClockTimer, ModelClock } from '../../ts/src/server/job.js';

interface Entry {
  at: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements ModelClock {
  private t = 0;
  /** Inside a timer's callback (see lateMs). */
  private inTimer = false;
  /** Pending timers by due time; ties in the order they were set. */
  private readonly queue: Entry[] = [];

  /**
   * @param lateMs every timer fires this long after it is due, like a host that wakes up late;
   *   0 (default) fires exactly on time. A negative value is a stale cached clock, as Node's timers
   *   measure from: a timer set outside a timer callback (from I/O, or before run()) fires that
   *   much early, never before now; one set from a timer callback, just after the clock was
   *   refreshed, fires on time. Unlike Node, delays below 1 ms are not rounded up.
   */
  constructor(private readonly lateMs = 0) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, delayMs: number): ClockTimer {
    const offset = this.lateMs >= 0 || !this.inTimer ? this.lateMs : 0;
    return this.push(Math.max(this.t, this.t + Math.max(0, delayMs) + offset), fn);
  }

  setImmediate(fn: () => void): ClockTimer {
    return this.push(this.t, fn);
  }

  clearTimeout(timer: ClockTimer): void {
    (timer as Entry).cancelled = true;
  }

  clearImmediate(timer: ClockTimer): void {
    (timer as Entry).cancelled = true;
  }

  /** Run every timer in time order (ties in the order they were set), advancing now() to each; a timer may set more. */
  run(): void {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      if (next.cancelled) continue;
      this.t = next.at;
      this.inTimer = true;
      try {
        next.fn();
      } finally {
        this.inTimer = false;
      }
    }
  }

  private push(at: number, fn: () => void): Entry {
    const e: Entry = { at, fn, cancelled: false };
    // Binary search for the first entry due later: ties keep the order they were set in.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.queue[mid]!.at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, e);
    return e;
  }
}
