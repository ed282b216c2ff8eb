// The `--concurrency` ceiling of the open-loop schedules (docs/cli.md §3.4): slots taken first come,
// first served. A waiter keeps its place and its intended send time, so a full ceiling shows up as
// schedule lag, never as a shifted schedule.

export class SlotPool {
  private used = 0;
  private readonly waiters: ((granted: boolean) => void)[] = [];
  private closed = false;

  /** `capacity` null: no ceiling. */
  constructor(private capacity: number | null) {}

  /** One more slot (a ramp's step, ts/src/load/ramp.ts): the longest waiter gets it at once. */
  raise(): void {
    if (this.capacity === null) return;
    this.capacity += 1;
    const next = this.waiters.shift();
    if (next) {
      this.used += 1;
      next(true);
    }
  }

  /** Take a slot now if one is free and nobody waits for one. */
  tryTake(): boolean {
    if (this.closed) return false;
    if (this.capacity !== null && (this.used >= this.capacity || this.waiters.length > 0)) return false;
    this.used += 1;
    return true;
  }

  /** Wait for a slot in arrival order; false when the pool was closed (the phase stopped) first. */
  take(): Promise<boolean> {
    if (this.tryTake()) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Give a slot back; the longest waiter gets it. */
  give(): void {
    const next = this.waiters.shift();
    if (next) next(true);
    else this.used -= 1;
  }

  /** The phase stopped: every waiter is refused, and so is every later take. */
  close(): void {
    this.closed = true;
    for (const resolve of this.waiters.splice(0)) resolve(false);
  }
}
