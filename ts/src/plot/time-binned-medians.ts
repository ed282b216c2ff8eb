// Rolling medians over time of every record in bounded memory: values go into log-spaced
// histograms per time bin, so a million-record run needs a few megabytes, not a sorted copy.

/** Relative width of a histogram bucket: a median read from one is within 1 % of the exact one. */
const GROWTH = 1.02;
/** Values at or below this (ms, tokens) share the first bucket; 0 is a valid latency. */
const FLOOR = 1e-3;
/** Values above this share the last bucket (1e9 ms is 11.6 days). */
const CEILING = 1e9;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(CEILING / FLOOR) / LOG_GROWTH) + 2;

/** The bucket of a value: 0 for ≤ FLOOR, then one per factor GROWTH. */
export function bucketOf(value: number): number {
  if (!(value > FLOOR)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(value / FLOOR) / LOG_GROWTH));
}

/** The value a bucket stands for: its geometric middle (0 for the first bucket). */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  return FLOOR * GROWTH ** (bucket - 0.5);
}

/** Most bins kept while reading; more makes adjacent bins merge (their width doubles). */
const MAX_BINS = 256;

/** One point of a median line: the middle of its window (seconds from the origin) and the median there. */
export interface MedianPoint {
  t: number;
  median: number;
  /** How many values the window held. */
  count: number;
}

/**
 * Histograms of one or more series per time bin. Bins start `initialWidthMs` wide and double
 * (merging neighbours) whenever the run spans more than MAX_BINS of them, so memory is bounded by
 * MAX_BINS × series × BUCKETS counters whatever the record count and the run's length.
 */
export class TimeBinnedMedians {
  private width: number;
  private readonly bins = new Map<number, Uint32Array[]>();
  private lo = Infinity;
  private hi = -Infinity;

  constructor(
    private readonly series: number,
    private readonly originMs: number,
    initialWidthMs = 50,
  ) {
    this.width = initialWidthMs;
  }

  /** Add `value` of series `s` at time `tMs` (wall-clock ms). Non-finite values are ignored. */
  add(s: number, tMs: number, value: number): void {
    if (!Number.isFinite(value) || !Number.isFinite(tMs)) return;
    const bin = Math.floor((tMs - this.originMs) / this.width);
    let hists = this.bins.get(bin);
    if (hists === undefined) {
      hists = [];
      this.bins.set(bin, hists);
      this.lo = Math.min(this.lo, bin);
      this.hi = Math.max(this.hi, bin);
      if (this.hi - this.lo + 1 > MAX_BINS) {
        this.coarsen();
        this.add(s, tMs, value);
        return;
      }
    }
    let h = hists[s];
    if (h === undefined) {
      h = new Uint32Array(BUCKETS);
      hists[s] = h;
    }
    h[bucketOf(value)]! += 1;
  }

  /** Merge each pair of neighbouring bins: floor(floor(x)/2) = floor(x/2), so bins stay aligned. */
  private coarsen(): void {
    const old = [...this.bins.entries()];
    this.bins.clear();
    this.width *= 2;
    this.lo = Infinity;
    this.hi = -Infinity;
    for (const [bin, hists] of old) {
      const to = Math.floor(bin / 2);
      const into = this.bins.get(to);
      this.lo = Math.min(this.lo, to);
      this.hi = Math.max(this.hi, to);
      if (into === undefined) {
        this.bins.set(to, hists);
        continue;
      }
      for (let s = 0; s < this.series; s++) {
        const a = hists[s];
        if (a === undefined) continue;
        const b = into[s];
        if (b === undefined) into[s] = a;
        else for (let k = 0; k < BUCKETS; k++) b[k]! += a[k]!;
      }
    }
  }

  /**
   * The median line of series `s`: bins are first widened until they hold about `perBin` values
   * each on average (keeping at least `minBins` occupied bins when the run has that many), then
   * each point is the median of the values in its bin and the two beside it.
   */
  medianLine(s: number, perBin = 10, minBins = 10): MedianPoint[] {
    for (;;) {
      const occupied = [...this.bins.values()].filter((h) => h[s] !== undefined);
      const values = occupied.reduce((n, h) => n + total(h[s]!), 0);
      if (occupied.length === 0) return [];
      if (occupied.length <= minBins || values / occupied.length >= perBin) break;
      this.coarsen();
    }
    const out: MedianPoint[] = [];
    const window = new Uint32Array(BUCKETS);
    for (let bin = this.lo; bin <= this.hi; bin++) {
      if (this.bins.get(bin)?.[s] === undefined) continue;
      window.fill(0);
      let count = 0;
      for (const b of [bin - 1, bin, bin + 1]) {
        const h = this.bins.get(b)?.[s];
        if (h === undefined) continue;
        for (let k = 0; k < BUCKETS; k++) window[k]! += h[k]!;
        count += total(h);
      }
      out.push({ t: ((bin + 0.5) * this.width) / 1000, median: medianOf(window, count), count });
    }
    return out;
  }

  /** The current bin width in ms. */
  get binWidthMs(): number {
    return this.width;
  }
}

function total(h: Uint32Array): number {
  let n = 0;
  for (let k = 0; k < h.length; k++) n += h[k]!;
  return n;
}

/** The value of the bucket holding the lower median (rank ⌈count/2⌉). */
function medianOf(h: Uint32Array, count: number): number {
  const rank = Math.ceil(count / 2);
  let seen = 0;
  for (let k = 0; k < h.length; k++) {
    seen += h[k]!;
    if (seen >= rank) return bucketValue(k);
  }
  return bucketValue(h.length - 1);
}
