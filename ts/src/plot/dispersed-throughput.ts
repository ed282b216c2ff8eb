// Output-token throughput over time (docs/cli.md §7 `dispersed_throughput_over_time`): each
// request's output tokens spread evenly over [first token, last content] and summed per 1 s bin,
// so a long request counts in every second it was producing tokens, not only the one it ended in.

/** Tokens are first summed in slots this wide, so the 1 s bins can start at the run's first request (known only at the end). */
const SLOT_MS = 100;
const SLOTS_PER_BIN = 10;

/** One 1 s bin: its start (seconds from the chosen start) and the output tokens per second produced in it. */
export interface ThroughputBin {
  t: number;
  tokensPerSecond: number;
}

/**
 * Tokens per 100 ms slot, keyed by slot index from `originMs`. Memory grows with the run's length
 * in seconds (ten numbers per second), not with its requests.
 */
export class DispersedThroughput {
  private readonly slots = new Map<number, number>();

  constructor(private readonly originMs: number) {}

  /**
   * Add `tokens` produced evenly between `firstMs` and `lastMs` (wall-clock ms). A request whose
   * tokens all arrived at once (`lastMs <= firstMs`, a one-token or non-streaming answer) puts
   * them into the slot of that instant.
   */
  add(firstMs: number, lastMs: number, tokens: number): void {
    if (!(tokens > 0) || !Number.isFinite(firstMs) || !Number.isFinite(lastMs)) return;
    const a = (firstMs - this.originMs) / SLOT_MS;
    const b = (lastMs - this.originMs) / SLOT_MS;
    if (!(b > a)) {
      this.put(Math.floor(a), tokens);
      return;
    }
    const rate = tokens / (b - a);
    for (let slot = Math.floor(a); slot < b; slot++) {
      const overlap = Math.min(b, slot + 1) - Math.max(a, slot);
      if (overlap > 0) this.put(slot, rate * overlap);
    }
  }

  private put(slot: number, tokens: number): void {
    this.slots.set(slot, (this.slots.get(slot) ?? 0) + tokens);
  }

  /**
   * 1 s bins from `startMs` (the first request's start; its 100 ms slot, to be exact) to the last
   * token, empty seconds included as 0, with `t` in seconds from `startMs`. A token produced before
   * `startMs` (none, when it is the first start) is left out.
   */
  series(startMs: number): ThroughputBin[] {
    if (this.slots.size === 0) return [];
    const first = Math.floor((startMs - this.originMs) / SLOT_MS);
    let last = -Infinity;
    for (const k of this.slots.keys()) last = Math.max(last, k);
    const out: ThroughputBin[] = [];
    const offset = (first * SLOT_MS + this.originMs - startMs) / 1000;
    for (let bin = first; bin <= last; bin += SLOTS_PER_BIN) {
      let tokens = 0;
      for (let s = bin; s < bin + SLOTS_PER_BIN; s++) tokens += this.slots.get(s) ?? 0;
      out.push({ t: (bin - first) / SLOTS_PER_BIN + offset, tokensPerSecond: tokens });
    }
    return out;
  }

  /** Every token added (a check for tests). */
  totalTokens(): number {
    let n = 0;
    for (const v of this.slots.values()) n += v;
    return n;
  }
}
