// In which order the sessions of a file dataset are sent, which of their turns a `--request-count`
// keeps, and each turn's request index: the fixed schedule's order (docs/cli.md §3.4 mode 1) and the
// session sequence of the closed-loop and rate modes (docs/cli.md §3.3). Pure functions of the
// TurnSource's schedule fields, so every worker computes the same and splits it closed-form.
import type { TurnSource } from '../dataset/turn-source.js';

export type ScheduleFields = Pick<TurnSource, 'sessions' | 'turns' | 'sessionStart' | 'timestampMs' | 'delayMs'>;

/**
 * 0 … n−1 sorted by `keys` (ms), ties by index. Only called when the file is not already in that
 * order. A comparator sort of 2M indices takes ~1.5 s; instead each key is quantised and packed
 * with its index into one float64 (quantum·2^bits + index, exact below 2^53), and the floats are
 * sorted natively (~0.3 s). The quantum is 1 µs, coarser only when the keys span more than
 * 2^(53 − bits) µs (~71 minutes for 2M turns; ~8 µs for a 10-hour trace of 2M turns): keys more
 * than a quantum apart are in key order, closer ones may be in index order.
 */
export function argsortKeys(keys: Float64Array): Uint32Array {
  const n = keys.length;
  const out = new Uint32Array(n);
  if (n === 0) return out;
  const idxBits = Math.max(1, Math.ceil(Math.log2(n)));
  const idxScale = 2 ** idxBits;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (k < min) min = k;
    if (k > max) max = k;
  }
  const maxQuantised = 2 ** (53 - idxBits) - 1;
  const quantumMs = Math.max(1e-3, (max - min) / maxQuantised);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = Math.min(maxQuantised, Math.floor((keys[i]! - min) / quantumMs)) * idxScale + i;
  packed.sort();
  for (let r = 0; r < n; r++) {
    const v = packed[r]!;
    out[r] = v - Math.floor(v / idxScale) * idxScale;
  }
  return out;
}

/**
 * The fixed schedule (docs/cli.md §3.4 mode 1). Sessions are sent in the order of their first
 * turn's timestamp, ties in file order. `--request-count N` keeps the first N turns in schedule
 * order, ordering each turn by its nominal time: the first turn's timestamp; a later turn's
 * timestamp (never before the previous turn's), else the previous turn's plus its delay, else the
 * previous turn's. Response times are not known in advance, so this is the schedule as written,
 * and within a session it never reorders turns: the turns kept of a session are always its first
 * ones. A turn's rank in that order is its request index (`request_num`, the cancellation key).
 *
 * Turns whose TurnSource order already is schedule order (a timestamp-sorted trace without session
 * ids) cost one O(n) pass and no index; otherwise an index is sorted (argsortKeys). The turns of a
 * trace with session ids are grouped by session in the TurnSource, so such a trace is sorted too.
 */
export class FixedScheduleOrder {
  /** Sessions in schedule order; null when that is file order. */
  readonly order: Uint32Array | null;
  /** Per turn, its rank in schedule order; null when that is file order. */
  private readonly rank: Uint32Array | null;
  /** Turns sent. */
  readonly count: number;

  constructor(
    private readonly src: ScheduleFields,
    count: number | null,
  ) {
    const { sessions, turns, sessionStart, timestampMs, delayMs } = src;
    this.count = count === null ? turns : Math.min(count, turns);
    const nominal = new Float64Array(turns);
    let turnsSorted = true;
    let sessionsSorted = true;
    let previousFirst = -Infinity;
    for (let s = 0; s < sessions; s++) {
      const a = sessionStart[s]!;
      const b = sessionStart[s + 1]!;
      const first = timestampMs[a]!;
      // The glue opens fixed-schedule files with requireTimestamps (docs/trace-format.md §6); this is a programming error.
      if (Number.isNaN(first)) throw new Error(`fixed schedule: the first turn of session ${s} has no timestamp`);
      if (first < previousFirst) sessionsSorted = false;
      previousFirst = first;
      let at = first;
      for (let t = a; t < b; t++) {
        if (t > a) {
          const ts = timestampMs[t]!;
          const delay = delayMs[t]!;
          if (!Number.isNaN(ts)) at = Math.max(at, ts);
          else if (!Number.isNaN(delay)) at += delay;
        }
        if (t > 0 && at < nominal[t - 1]!) turnsSorted = false;
        nominal[t] = at;
      }
    }
    if (sessionsSorted) this.order = null;
    else {
      const firsts = new Float64Array(sessions);
      for (let s = 0; s < sessions; s++) firsts[s] = timestampMs[sessionStart[s]!]!;
      this.order = argsortKeys(firsts);
    }
    if (turnsSorted) this.rank = null;
    else {
      const byRank = argsortKeys(nominal);
      const rank = new Uint32Array(turns);
      for (let r = 0; r < turns; r++) rank[byRank[r]!] = r;
      this.rank = rank;
    }
  }

  get sessions(): number {
    return this.src.sessions;
  }

  /** The session at position `p` of the schedule. */
  sessionAt(p: number): number {
    return this.order === null ? p : this.order[p]!;
  }

  /** Turn `t`'s rank in schedule order. */
  rankOf(t: number): number {
    return this.rank === null ? t : this.rank[t]!;
  }

  /** How many of session `s`'s turns are sent (its first ones). */
  limitOf(s: number): number {
    const a = this.src.sessionStart[s]!;
    const b = this.src.sessionStart[s + 1]!;
    if (this.count >= this.src.turns) return b - a;
    if (this.rank === null) return Math.max(0, Math.min(this.count - a, b - a));
    let n = 0;
    while (a + n < b && this.rank[a + n]! < this.count) n += 1;
    return n;
  }

  /** Turns sent by worker `w` of `W`, which sends the sessions at positions p ≡ w (mod W). */
  ownTurns(w: number, W: number): number {
    let n = 0;
    for (let p = w; p < this.src.sessions; p += W) n += this.limitOf(this.sessionAt(p));
    return n;
  }
}

/** One run of a session in a session sequence. */
export interface SessionRun {
  /** Position in the sequence (the session run's number: URL and model round-robin, `session_num`). */
  j: number;
  /** The file session. */
  s: number;
  /** Request index of its first turn; turn k is `base + k`. */
  base: number;
  /** Turns of it that are sent (its first ones); 0 here means none after it either. */
  limit: number;
}

/**
 * The sessions of the closed-loop and rate modes (and of warmup): the file's sessions in `order`,
 * replayed again from the start when the request count asks for more turns than the file has.
 * Turns are numbered in that order, so `--request-count N` sends exactly the turns numbered
 * below N; run j belongs to worker j mod W (docs/cli.md §3.4, workers).
 */
export class SessionSequence {
  /** Turns before position p of `order` (null: `order` is file order, so that is sessionStart). */
  private readonly prefix: Float64Array | null;

  constructor(
    private readonly src: ScheduleFields,
    private readonly order: Uint32Array | null,
    private readonly count: number | null,
    /** `--num-warmup-sessions` (docs/cli.md §3.4.1): runs from this number on are not sent; null: no cap. */
    private readonly sessionCount: number | null = null,
  ) {
    if (order === null) this.prefix = null;
    else {
      const prefix = new Float64Array(src.sessions);
      let n = 0;
      for (let p = 0; p < src.sessions; p++) {
        prefix[p] = n;
        const s = order[p]!;
        n += src.sessionStart[s + 1]! - src.sessionStart[s]!;
      }
      this.prefix = prefix;
    }
  }

  /** Session run j, or null when no turn of it is sent (nor of any later run). */
  at(j: number): SessionRun | null {
    const S = this.src.sessions;
    if (S === 0 || this.src.turns === 0) return null;
    if (this.sessionCount !== null && j >= this.sessionCount) return null;
    const p = j % S;
    const s = this.order === null ? p : this.order[p]!;
    const base = Math.floor(j / S) * this.src.turns + (this.prefix === null ? this.src.sessionStart[p]! : this.prefix[p]!);
    const turns = this.src.sessionStart[s + 1]! - this.src.sessionStart[s]!;
    const limit = this.count === null ? turns : Math.max(0, Math.min(this.count - base, turns));
    if (limit === 0 && turns > 0) return null;
    return { j, s, base, limit };
  }

  /** Turns sent by worker `w` of `W` (null without a request count: until the phase is stopped). */
  ownTurns(w: number, W: number): number | null {
    if (this.count === null && this.sessionCount === null) return null;
    let n = 0;
    for (let j = w; ; j += W) {
      const run = this.at(j);
      if (run === null) return n;
      n += run.limit;
    }
  }
}
