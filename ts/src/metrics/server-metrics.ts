// The profiling-window statistics of docs/exports.md §8.2 over parsed scrapes (the parser is
// ./prometheus-text.ts, re-exported here). Pure: the scraping lives in ./server-metrics-collector.ts.
import { type PromScrape, type PromType, parsePromValue } from './prometheus-text.js';
import { computeStats, type Stats } from './stats.js';

export {
  type MalformedLine,
  type PromSample,
  type PromScrape,
  type PromType,
  PromParseError,
  describeMalformed,
  parsePrometheus,
} from './prometheus-text.js';

/** A bucket's `le` bound; NaN when it is not a number (the bucket is then left out). */
function bucketBound(le: string | undefined): number {
  if (le === undefined) return NaN;
  try {
    return parsePromValue(le);
  } catch {
    return NaN;
  }
}

/** Family a sample belongs to, and its role within a histogram. */
export function familyOf(
  name: string,
  types: ReadonlyMap<string, PromType>,
): { family: string; type: PromType; part: 'value' | 'bucket' | 'sum' | 'count' | 'total' } {
  if (types.has(name)) return { family: name, type: types.get(name)!, part: 'value' };
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created'] as const) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = types.get(base);
    if (t)
      return { family: base, type: t, part: suffix === '_created' ? 'value' : (suffix.slice(1) as 'bucket' | 'sum' | 'count' | 'total') };
  }
  return { family: name, type: 'untyped', part: 'value' };
}

/** `k=v;k=v` with keys sorted (docs/exports.md §8.3), used as a series key too. */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(';');
}

/** Sum of increments where a decrease is a reset (the increment is then the new value). */
export function resetAwareIncrease(values: readonly number[]): number {
  let total = 0;
  for (let i = 1; i < values.length; i++) {
    const d = values[i]! - values[i - 1]!;
    total += d >= 0 ? d : values[i]!;
  }
  return total;
}

/** Prometheus `histogram_quantile` over (upper bound, cumulative count) pairs sorted by bound. */
export function histogramQuantile(q: number, buckets: ReadonlyArray<[number, number]>): number | null {
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1]![1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let idx = buckets.findIndex(([, c]) => c >= rank);
  if (idx < 0) idx = buckets.length - 1;
  const [upper, count] = buckets[idx]!;
  if (upper === Infinity) return buckets.length >= 2 ? buckets[buckets.length - 2]![0] : null;
  const lower = idx === 0 ? Math.min(upper, 0) : buckets[idx - 1]![0];
  const prevCount = idx === 0 ? 0 : buckets[idx - 1]![1];
  const inBucket = count - prevCount;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - prevCount) / inBucket);
}

export interface SeriesStats {
  endpointUrl: string;
  labels: Record<string, string>;
  stats: Record<string, number>;
  buckets?: Record<string, number>;
}

export interface MetricFamilyStats {
  type: 'gauge' | 'counter' | 'histogram';
  description: string;
  series: SeriesStats[];
}

/** One timed scrape of one endpoint. */
export interface TimedScrape {
  tNs: bigint;
  scrape: PromScrape;
}

const GAUGE_KEYS = ['avg', 'min', 'max', 'std', 'p1', 'p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99'] as const;

function formatLe(le: number): string {
  return le === Infinity ? '+Inf' : String(le);
}

/**
 * Window statistics per metric family from an endpoint's scrapes inside the profiling window
 * (the first scrape is the baseline). Summaries are ignored.
 */
export function windowStats(endpointUrl: string, scrapes: readonly TimedScrape[]): Map<string, MetricFamilyStats> {
  const out = new Map<string, MetricFamilyStats>();
  if (scrapes.length === 0) return out;
  const windowSec = scrapes.length >= 2 ? Number(scrapes[scrapes.length - 1]!.tNs - scrapes[0]!.tNs) / 1e9 : 0;
  // family → series key → { labels, part → le → values over time }
  type Acc = { labels: Record<string, string>; values: number[]; sum: number[]; count: number[]; buckets: Map<number, number[]> };
  const fam = new Map<string, { type: PromType; help: string; series: Map<string, Acc> }>();
  scrapes.forEach(({ scrape }, t) => {
    for (const s of scrape.samples) {
      const { family, type, part } = familyOf(s.name, scrape.types);
      if (type === 'summary') continue;
      let f = fam.get(family);
      if (!f) {
        f = { type, help: scrape.help.get(family) ?? scrape.help.get(s.name) ?? '', series: new Map() };
        fam.set(family, f);
      }
      const labels = { ...s.labels };
      let le: number | null = null;
      if (part === 'bucket') {
        le = bucketBound(labels['le']);
        delete labels['le'];
      }
      const key = labelsKey(labels);
      let acc = f.series.get(key);
      if (!acc) {
        acc = { labels, values: [], sum: [], count: [], buckets: new Map() };
        f.series.set(key, acc);
      }
      const push = (arr: number[]): void => {
        arr[t] = s.value;
      };
      if (part === 'bucket' && le !== null && !Number.isNaN(le)) {
        let b = acc.buckets.get(le);
        if (!b) {
          b = [];
          acc.buckets.set(le, b);
        }
        push(b);
      } else if (part === 'sum') push(acc.sum);
      else if (part === 'count') push(acc.count);
      else push(acc.values);
    }
  });
  const dense = (a: number[]): number[] => a.filter((x) => x !== undefined && Number.isFinite(x));
  for (const [name, f] of fam) {
    const type = f.type === 'untyped' ? 'gauge' : (f.type as 'gauge' | 'counter' | 'histogram');
    const series: SeriesStats[] = [];
    for (const acc of f.series.values()) {
      if (type === 'gauge') {
        const st = computeStats(dense(acc.values)) as Stats | null;
        if (!st) continue;
        const stats: Record<string, number> = {};
        for (const k of GAUGE_KEYS) stats[k] = st[k]!;
        series.push({ endpointUrl, labels: acc.labels, stats });
      } else if (type === 'counter') {
        const vals = dense(acc.values);
        if (vals.length === 0) continue;
        const total = resetAwareIncrease(vals);
        const stats: Record<string, number> = { total };
        if (windowSec > 0) stats['rate'] = total / windowSec;
        series.push({ endpointUrl, labels: acc.labels, stats });
      } else {
        const count = resetAwareIncrease(dense(acc.count));
        const sum = resetAwareIncrease(dense(acc.sum));
        const les = [...acc.buckets.keys()].sort((a, b) => a - b);
        const deltas: Array<[number, number]> = les.map((le) => [le, resetAwareIncrease(dense(acc.buckets.get(le)!))]);
        const stats: Record<string, number> = { count, sum };
        if (count > 0) stats['avg'] = sum / count;
        for (const [q, key] of [
          [0.5, 'p50_estimate'],
          [0.9, 'p90_estimate'],
          [0.95, 'p95_estimate'],
          [0.99, 'p99_estimate'],
        ] as const) {
          const v = histogramQuantile(q, deltas);
          if (v !== null && Number.isFinite(v)) stats[key] = v;
        }
        const buckets: Record<string, number> = {};
        for (const [le, c] of deltas) buckets[formatLe(le)] = c;
        series.push({ endpointUrl, labels: acc.labels, stats, buckets });
      }
    }
    if (series.length > 0) out.set(name, { type, description: f.help, series });
  }
  return out;
}
