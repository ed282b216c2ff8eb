// The statistics of ./stats.ts over a sequence read in passes (in-memory chunks, a spill file, a
// filtered view) instead of one array: bit-identical results without holding every value at once.
//
// * Sums follow NumPy's pairwise tree exactly: the tree depends only on the length, and its leaves
//   (at most 128 values) are visited left to right, so a sequential reader hands each leaf to the
//   same `pairwiseBlock` as the array version.
// * Percentiles need a handful of order statistics, found by selection (a radix select over the
//   IEEE-754 bits, 16 bits per pass) rather than by sorting a copy; once the candidates are few
//   they are gathered and sorted. Order is Float64Array.prototype.sort's: −0 before +0, NaN last.
import { roundHalfEven } from '../random/normal.js';
import { PERCENTILES, type PercentileKey, type Stats, pairwiseBlock } from './stats.js';

/** A sequence of numbers that can be read from the start any number of times. */
export interface ValueSource {
  readonly length: number;
  /** The values in order, in chunks; a chunk is only valid until the next one is requested. */
  chunks(): Iterable<Float64Array>;
}

/** A source over one array (tests, small lists). */
export function arraySource(values: Float64Array | readonly number[]): ValueSource {
  const a = values instanceof Float64Array ? values : Float64Array.from(values);
  return { length: a.length, chunks: () => [a] };
}

const LEAF = 128;

/** Hands out the next `m` (≤ 128) contiguous values: a window of the current chunk or a copy across chunks. */
class LeafReader {
  arr: Float64Array = new Float64Array(0);
  private cur: Float64Array = new Float64Array(0);
  private pos = 0;
  private readonly tmp = new Float64Array(LEAF);
  private readonly it: Iterator<Float64Array>;

  constructor(source: ValueSource) {
    this.it = source.chunks()[Symbol.iterator]();
  }

  /** Sets `arr` and returns the offset of the next `m` values in it. */
  take(m: number): number {
    if (this.cur.length - this.pos >= m) {
      this.arr = this.cur;
      const off = this.pos;
      this.pos += m;
      return off;
    }
    let filled = 0;
    while (filled < m) {
      if (this.pos >= this.cur.length) {
        const next = this.it.next();
        if (next.done) throw new RangeError('value source shorter than its length');
        this.cur = next.value;
        this.pos = 0;
        continue;
      }
      const n = Math.min(m - filled, this.cur.length - this.pos);
      this.tmp.set(this.cur.subarray(this.pos, this.pos + n), filled);
      filled += n;
      this.pos += n;
    }
    this.arr = this.tmp;
    return 0;
  }
}

/** NumPy's pairwise sum of the source, identical to `pairwiseSum` of its values as one array. */
export function pairwiseSumOf(source: ValueSource): number {
  const reader = new LeafReader(source);
  const block = (m: number): number => {
    if (m <= LEAF) {
      const off = reader.take(m);
      return pairwiseBlock(reader.arr, off, m);
    }
    let h = Math.floor(m / 2);
    h -= h % 8;
    return block(h) + block(m - h);
  };
  return block(source.length);
}

/** The source's squared deviations from `avg`, chunk by chunk. */
function squaredDeviations(source: ValueSource, avg: number): ValueSource {
  return {
    length: source.length,
    *chunks() {
      let out = new Float64Array(0);
      for (const c of source.chunks()) {
        if (out.length < c.length) out = new Float64Array(c.length);
        for (let i = 0; i < c.length; i++) {
          const d = c[i]! - avg;
          out[i] = d * d;
        }
        yield out.subarray(0, c.length);
      }
    },
  };
}

function exactIntegerSumOf(source: ValueSource): number {
  let s = 0n;
  for (const c of source.chunks()) for (let i = 0; i < c.length; i++) s += BigInt(c[i]!);
  return Number(s);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

export interface SelectOptions {
  /** Sources up to this length are copied and sorted; longer ones use radix selection (default 4 Mi values). */
  sortLimit?: number;
  /** Radix selection gathers and sorts the candidates once at most this many remain (default 2 Mi). */
  gatherLimit?: number;
}

/** Sortable 64-bit key of a float as two unsigned words: sign flipped for positives, all bits for negatives; NaN largest. */
function keyWords(words: Uint32Array, i: number, out: { hi: number; lo: number }): void {
  let hi = words[2 * i + HI]!;
  let lo = words[2 * i + LO]!;
  const exp = hi & 0x7ff00000;
  if (exp === 0x7ff00000 && ((hi & 0x000fffff) !== 0 || lo !== 0)) {
    out.hi = 0xffffffff;
    out.lo = 0xffffffff;
    return;
  }
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  out.hi = hi;
  out.lo = lo;
}

function valueOfKey(hi: number, lo: number): number {
  if (hi === 0xffffffff && lo === 0xffffffff) return Number.NaN;
  const w = new Uint32Array(2);
  if (hi & 0x80000000) {
    w[HI] = (hi & 0x7fffffff) >>> 0;
    w[LO] = lo;
  } else {
    w[HI] = ~hi >>> 0;
    w[LO] = ~lo >>> 0;
  }
  return new Float64Array(w.buffer)[0]!;
}

/** The digit of pass `p` (16 bits, most significant first) and the prefix of the digits before it. */
function digitOf(p: number, hi: number, lo: number): number {
  return p === 0 ? hi >>> 16 : p === 1 ? hi & 0xffff : p === 2 ? lo >>> 16 : lo & 0xffff;
}
function prefixOf(p: number, hi: number, lo: number): number {
  return p === 0 ? 0 : p === 1 ? hi >>> 16 : p === 2 ? hi : hi * 65536 + (lo >>> 16);
}

interface Target {
  rank: number;
  /** Rank among the values that share `prefix`. */
  within: number;
  prefix: number;
}

/**
 * The values at each of `ranks` (0-based positions in ascending order, each < length), exactly as
 * `Float64Array.from(values).sort()[rank]` would give them.
 */
export function selectRanks(source: ValueSource, ranks: readonly number[], options: SelectOptions = {}): Float64Array {
  const n = source.length;
  const out = new Float64Array(ranks.length);
  if (ranks.length === 0) return out;
  for (const r of ranks) if (!(r >= 0 && r < n)) throw new RangeError(`rank ${r} outside 0..${n - 1}`);
  if (n <= (options.sortLimit ?? 4 * 1024 * 1024)) {
    const all = new Float64Array(n);
    let off = 0;
    for (const c of source.chunks()) {
      all.set(c, off);
      off += c.length;
    }
    all.sort();
    for (let i = 0; i < ranks.length; i++) out[i] = all[ranks[i]!]!;
    return out;
  }
  const gatherLimit = options.gatherLimit ?? 2 * 1024 * 1024;
  const targets: Target[] = ranks.map((rank) => ({ rank, within: rank, prefix: 0 }));
  const k = { hi: 0, lo: 0 };
  for (let p = 0; p < 4; p++) {
    // Targets in the same group (prefix) share one histogram of this pass's digit.
    const groups = new Map<number, Uint32Array>();
    for (const t of targets) if (!groups.has(t.prefix)) groups.set(t.prefix, new Uint32Array(65536));
    const top = new Uint8Array(65536);
    for (const prefix of groups.keys()) top[p === 0 ? 0 : p === 1 ? prefix : p === 2 ? prefix >>> 16 : Math.floor(prefix / 2 ** 32)] = 1;
    const single = groups.size === 1 ? [...groups.entries()][0]! : null;
    for (const c of source.chunks()) {
      const words = new Uint32Array(c.buffer, c.byteOffset, c.length * 2);
      for (let i = 0; i < c.length; i++) {
        keyWords(words, i, k);
        if (p > 0 && top[k.hi >>> 16] === 0) continue;
        const prefix = prefixOf(p, k.hi, k.lo);
        const hist = single !== null ? (single[0] === prefix ? single[1] : undefined) : groups.get(prefix);
        if (hist !== undefined) hist[digitOf(p, k.hi, k.lo)]!++;
      }
    }
    let candidates = 0;
    const seen = new Set<number>();
    for (let ti = 0; ti < targets.length; ti++) {
      const t = targets[ti]!;
      const hist = groups.get(t.prefix)!;
      let d = 0;
      let below = 0;
      while (below + hist[d]! <= t.within) below += hist[d++]!;
      t.within -= below;
      if (p === 3) {
        // The full key is known (hi word and the top half of lo in the prefix, this digit): the value follows from it.
        const hi = Math.floor(t.prefix / 65536);
        const lo = (t.prefix % 65536) * 65536 + d;
        out[ti] = valueOfKey(hi >>> 0, lo >>> 0);
        continue;
      }
      t.prefix = t.prefix * 65536 + d;
      if (!seen.has(t.prefix)) {
        seen.add(t.prefix);
        candidates += hist[d]!;
      }
    }
    if (p === 3) return out;
    if (candidates <= gatherLimit) {
      gatherAndSort(source, targets, p + 1, out);
      return out;
    }
  }
  return out;
}

/** Collects the values of each target's group (prefix of `digits` 16-bit digits), sorts them and reads the ranks. */
function gatherAndSort(source: ValueSource, targets: readonly Target[], digits: number, out: Float64Array): void {
  const groups = new Map<number, number[]>();
  for (const t of targets) if (!groups.has(t.prefix)) groups.set(t.prefix, []);
  const top = new Uint8Array(65536);
  const topOf = (prefix: number): number => (digits === 1 ? prefix : digits === 2 ? prefix >>> 16 : Math.floor(prefix / 2 ** 32));
  for (const prefix of groups.keys()) top[topOf(prefix)] = 1;
  const k = { hi: 0, lo: 0 };
  for (const c of source.chunks()) {
    const words = new Uint32Array(c.buffer, c.byteOffset, c.length * 2);
    for (let i = 0; i < c.length; i++) {
      keyWords(words, i, k);
      if (top[k.hi >>> 16] === 0) continue;
      const g = groups.get(prefixOf(digits, k.hi, k.lo));
      if (g !== undefined) g.push(c[i]!);
    }
  }
  const sorted = new Map<number, Float64Array>();
  for (const [prefix, values] of groups) sorted.set(prefix, Float64Array.from(values).sort());
  for (let i = 0; i < targets.length; i++) out[i] = sorted.get(targets[i]!.prefix)![targets[i]!.within]!;
}

/** `computeStats` of ./stats.ts over a source: the same statistic set, bit for bit. */
export function computeStatsOf(source: ValueSource, integer = false, options: SelectOptions = {}): Stats | null {
  const n = source.length;
  if (n === 0) return null;
  const pairwise = pairwiseSumOf(source);
  const sum = integer ? exactIntegerSumOf(source) : pairwise;
  const avg = pairwise / n;
  const std = Math.sqrt(pairwiseSumOf(squaredDeviations(source, avg)) / n);
  const ranks = [0, n - 1];
  for (const q of PERCENTILES) {
    const lo = Math.floor((q / 100) * (n - 1));
    ranks.push(lo, Math.min(lo + 1, n - 1));
  }
  const v = selectRanks(source, ranks, options);
  const out: Stats = { avg, min: v[0]!, max: v[1]! };
  PERCENTILES.forEach((q, i) => {
    // percentileLinear's arithmetic, on the two order statistics it would read.
    const g = (q / 100) * (n - 1);
    const t = g - Math.floor(g);
    const vlo = v[2 + 2 * i]!;
    const vhi = v[3 + 2 * i]!;
    const d = vhi - vlo;
    out[`p${q}` as PercentileKey] = t < 0.5 ? vlo + d * t : vhi - d * (1 - t);
  });
  out.std = std;
  out.count = n;
  out.sum = sum;
  return out;
}

/** `computeAdjustedStats` of ./stats.ts over a source of success values plus `failures` values of +∞. */
export function computeAdjustedStatsOf(successes: ValueSource, failures: number, options: SelectOptions = {}): Stats | null {
  const m = successes.length;
  const n = m + failures;
  if (m === 0 || failures === 0) return null;
  const rankOf = PERCENTILES.map((q) => roundHalfEven((q / 100) * (n - 1)));
  const inSuccesses = rankOf.filter((r) => r < m);
  const v = selectRanks(successes, [0, ...inSuccesses], options);
  const out: Stats = { min: v[0]! };
  let j = 1;
  PERCENTILES.forEach((q, i) => {
    const value = rankOf[i]! < m ? v[j++]! : Infinity;
    if (Number.isFinite(value)) out[`p${q}` as PercentileKey] = value;
  });
  out.count = n;
  return out;
}
