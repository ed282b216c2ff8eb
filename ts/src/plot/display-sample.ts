// A bounded, evenly spread sample of a stream of unknown length, for drawing scatter points only
// (docs/cli.md §7: downsample for display, never for statistics).

/**
 * Keeps every `stride`-th item of a stream (items 0, stride, 2·stride, …); when more than `cap`
 * are kept, every other one is dropped and the stride doubles. The result is deterministic, holds
 * at most `cap` items, at least `cap / 2` once the stream had `cap` items, and is spread evenly
 * over the stream's order, so a scatter of it looks like the scatter of everything.
 */
export class DisplaySample<T> {
  private kept: T[] = [];
  private stride = 1;
  private seen = 0;

  constructor(readonly cap: number) {
    if (!Number.isInteger(cap) || cap < 2) throw new RangeError(`sample cap must be an integer ≥ 2, got ${cap}`);
  }

  /** Offer the stream's next item; `make` runs only when the item is kept, so skipped items cost nothing. */
  offer(make: () => T): void {
    const index = this.seen++;
    if (index % this.stride !== 0) return;
    this.kept.push(make());
    if (this.kept.length > this.cap) {
      // Kept items are indexes 0, s, 2s, …; the even positions are exactly the multiples of 2s.
      this.kept = this.kept.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** How many items were offered. */
  get offered(): number {
    return this.seen;
  }

  /** The items kept, in stream order. */
  items(): readonly T[] {
    return this.kept;
  }
}
