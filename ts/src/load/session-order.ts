// In which order the sessions of a file dataset are sent, which of their turns a `--request-count`
// keeps, and each turn's request index: the fixed schedule's order (docs/cli.md §3.4 mode 1) and the
// session sequence of the closed-loop and rate modes (docs/cli.md §3.3). Pure functions of the
// TurnSource's schedule fields, so every worker computes the same and splits it closed-form.
import type { TurnSource } from '../dataset/turn-source.js';

export type ScheduleFields = Pick<TurnSource, 'sessions' | 'turns' | 'sessionStart' | 'timestampMs' | 'delayMs'>;

/** Sort 0 … n−1 by `key`, ties by index; only called when the file is not already in that order. */
function argsort(n: number, key: (i: number) => number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx.sort((a, b) => key(a) - key(b) || a - b);
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
 * A file whose rows are already in schedule order (the usual Mooncake trace) costs one O(n) pass
 * and no index; only an unsorted one pays for sorting an index.
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
    this.order = sessionsSorted ? null : argsort(sessions, (s) => timestampMs[sessionStart[s]!]!);
    if (turnsSorted) this.rank = null;
    else {
      const byRank = argsort(turns, (t) => nominal[t]!);
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
    if (this.count === null) return null;
    let n = 0;
    for (let j = w; ; j += W) {
      const run = this.at(j);
      if (run === null) return n;
      n += run.limit;
    }
  }
}
