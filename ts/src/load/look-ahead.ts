// Requests prepared ahead of their send time (docs/cli.md §3.4): the turn's content and its body JSON
// are built while the schedule waits, so a burst of rows due at one instant is sent back to back
// instead of one body build apart. The window is bounded (items due within `windowNs` of now, at
// most `maxItems`), so memory stays bounded whatever the length of the trace.
import { nextLoopTurn, SEND_SLICE_NS } from './phase-context.js';

/** One item of a schedule: when it is due (null: as soon as a slot frees up, closed loop) and what to prepare. */
export interface Upcoming<T> {
  dueNs: bigint | null;
  value: T;
}

export interface Prepared<T, P> {
  item: Upcoming<T>;
  prepared: P;
}

export interface LookAheadLimits {
  maxItems: number;
  /** Prepare only items due before now + this (open loop); null: no time bound (closed loop). */
  windowNs: bigint | null;
}

/** The look-ahead of docs/cli.md §3.4 as infermark bounds it: the next second of schedule, at most 256 requests. */
export const LOOK_AHEAD: LookAheadLimits = { maxItems: 256, windowNs: 1_000_000_000n };

export class LookAhead<T, P> {
  private readonly queue: Prepared<T, P>[] = [];
  /** Pulled from the schedule but not prepared yet (beyond the window). */
  private pending: Upcoming<T> | null = null;
  private exhausted = false;
  /**
   * A decaying maximum of one preparation's duration (ns): a preparation is started only when it
   * would end before the next send is due, so preparing never makes a send late.
   */
  private prepNs = 0;
  private backgroundScheduled = false;

  constructor(
    private readonly pull: () => Upcoming<T> | null,
    private readonly prepare: (value: T) => P,
    private readonly limits: LookAheadLimits,
    private readonly stopped: () => boolean,
  ) {}

  /** The next item, prepared now if the look-ahead had not reached it; null when the schedule is over. */
  peek(): Prepared<T, P> | null {
    if (this.queue.length > 0) return this.queue[0]!;
    const item = this.nextItem();
    if (item === null) return null;
    this.pending = null;
    this.queue.push(this.prepareTimed(item));
    return this.queue[0]!;
  }

  /** Remove and return the next item (see `peek`). */
  take(): Prepared<T, P> | null {
    const head = this.peek();
    if (head !== null) this.queue.shift();
    return head;
  }

  /** Items prepared and not taken yet. */
  get size(): number {
    return this.queue.length;
  }

  /**
   * Prepare further items while one more still fits before `deadlineNs` and the window wants it,
   * yielding to I/O every SEND_SLICE_NS.
   */
  async fillUntil(deadlineNs: bigint): Promise<void> {
    let sliceEnd = process.hrtime.bigint() + SEND_SLICE_NS;
    for (;;) {
      const now = process.hrtime.bigint();
      if (now + BigInt(Math.ceil(this.prepNs)) >= deadlineNs) return;
      if (now >= sliceEnd) {
        await nextLoopTurn();
        sliceEnd = process.hrtime.bigint() + SEND_SLICE_NS;
        continue;
      }
      if (!this.prepareNext(now)) return;
    }
  }

  /** Keep the look-ahead full from loop turns of their own (closed loop, where no send instant is known). */
  fillInBackground(): void {
    if (this.backgroundScheduled) return;
    this.backgroundScheduled = true;
    setImmediate(this.backgroundSlice);
  }

  private readonly backgroundSlice = (): void => {
    const sliceEnd = process.hrtime.bigint() + SEND_SLICE_NS;
    for (;;) {
      const now = process.hrtime.bigint();
      if (!this.prepareNext(now)) {
        this.backgroundScheduled = false;
        return;
      }
      if (process.hrtime.bigint() >= sliceEnd) break;
    }
    setImmediate(this.backgroundSlice);
  };

  /** Prepare one more item if the bounds allow; false when they do not (or the schedule is over or stopped). */
  private prepareNext(now: bigint): boolean {
    if (this.stopped() || this.queue.length >= this.limits.maxItems) return false;
    const item = this.nextItem();
    if (item === null) return false;
    const window = this.limits.windowNs;
    if (window !== null && item.dueNs !== null && item.dueNs > now + window) return false;
    this.pending = null;
    this.queue.push(this.prepareTimed(item));
    return true;
  }

  private nextItem(): Upcoming<T> | null {
    if (this.pending === null && !this.exhausted) {
      this.pending = this.pull();
      if (this.pending === null) this.exhausted = true;
    }
    return this.pending;
  }

  private prepareTimed(item: Upcoming<T>): Prepared<T, P> {
    const t0 = process.hrtime.bigint();
    const prepared = this.prepare(item.value);
    const took = Number(process.hrtime.bigint() - t0);
    this.prepNs = Math.max(took, this.prepNs * 0.9);
    return { item, prepared };
  }
}
