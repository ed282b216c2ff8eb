// A run's server-metrics export (docs/exports.md §8.3) reduced to what its charts draw: the
// spread of each gauge over the run and the latency histograms' quantile estimates.
import { readFileSync, statSync } from 'node:fs';
import { osReason } from '../io/os-reason.js';
import { lineOfJsonError } from './run-summary.js';

const MAX_SERVER_METRICS_BYTES = 64 * 1024 * 1024;
/** Most series drawn per chart; the rest are in the export file. */
export const MAX_SERVER_SERIES = 40;

/** A gauge series' spread over the profiling window. */
export interface GaugeSpread {
  /** `name{labels}` with the labels that tell series of one metric apart. */
  label: string;
  avg: number;
  p50: number;
  max: number;
}

/** A histogram in seconds: its quantile estimates. */
export interface HistogramQuantiles {
  label: string;
  avg: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface ServerMetrics {
  gauges: GaugeSpread[];
  /** Histograms whose name ends in `_seconds` (one unit, one axis). */
  latencyHistograms: HistogramQuantiles[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (o: Record<string, unknown>, k: string): number => (typeof o[k] === 'number' ? (o[k] as number) : NaN);

/** Labels that differ between the metric's series (the same value everywhere says nothing). */
function labelText(name: string, labels: Record<string, unknown>, varying: Set<string>): string {
  const parts = Object.keys(labels)
    .filter((k) => varying.has(k))
    .sort()
    .map((k) => `${k}=${String(labels[k])}`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

function varyingLabels(series: readonly Record<string, unknown>[]): Set<string> {
  const values = new Map<string, Set<string>>();
  for (const s of series) {
    const labels = isObject(s.labels) ? s.labels : {};
    const keys = new Set([...values.keys(), ...Object.keys(labels)]);
    for (const k of keys) {
      if (!values.has(k)) values.set(k, new Set());
      values.get(k)!.add(String(labels[k]));
    }
  }
  return new Set([...values].filter(([, v]) => v.size > 1).map(([k]) => k));
}

/** Read a server-metrics export; a file that cannot be used gives a note instead (the run is plotted without these charts). */
export function readServerMetrics(path: string): { metrics: ServerMetrics } | { note: string } {
  let text: string;
  try {
    if (statSync(path).size > MAX_SERVER_METRICS_BYTES) return { note: `server metrics skipped: ${path} is larger than 64 MiB` };
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { note: `server metrics skipped: cannot read ${path}: ${osReason(err)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { note: `server metrics skipped: invalid JSON in ${path}${lineOfJsonError(text)}: ${(err as Error).message}` };
  }
  if (!isObject(json) || !isObject(json.metrics)) return { note: `server metrics skipped: ${path} has no metrics object` };
  const gauges: GaugeSpread[] = [];
  const latencyHistograms: HistogramQuantiles[] = [];
  for (const name of Object.keys(json.metrics).sort()) {
    const m = json.metrics[name];
    if (!isObject(m) || !Array.isArray(m.series)) continue;
    const series = m.series.filter(isObject);
    const varying = varyingLabels(series);
    for (const s of series) {
      const stats = isObject(s.stats) ? s.stats : {};
      const label = labelText(name, isObject(s.labels) ? s.labels : {}, varying);
      if (m.type === 'gauge' || m.type === 'untyped') {
        const g: GaugeSpread = { label, avg: num(stats, 'avg'), p50: num(stats, 'p50'), max: num(stats, 'max') };
        if ([g.avg, g.p50, g.max].every(Number.isFinite)) gauges.push(g);
      } else if (m.type === 'histogram' && name.endsWith('_seconds')) {
        const h: HistogramQuantiles = {
          label,
          avg: num(stats, 'avg'),
          p50: num(stats, 'p50_estimate'),
          p90: num(stats, 'p90_estimate'),
          p99: num(stats, 'p99_estimate'),
        };
        // A histogram that saw nothing in the window has no estimates.
        if (num(stats, 'count') > 0 && [h.p50, h.p90, h.p99].every(Number.isFinite)) latencyHistograms.push(h);
      }
    }
  }
  return { metrics: { gauges: gauges.slice(0, MAX_SERVER_SERIES), latencyHistograms: latencyHistograms.slice(0, MAX_SERVER_SERIES) } };
}
