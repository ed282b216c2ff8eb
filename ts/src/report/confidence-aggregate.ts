// The aggregate of repeated runs (`profile --num-profile-runs N`, docs/exports.md §15): for every
// metric statistic of the runs' summaries (`request_latency` × `avg`, `p99`, …) the mean across
// runs, the sample standard deviation, the coefficient of variation, the standard error and a
// Student-t confidence interval, written as AIPerf 0.13's `profile_export_aiperf_aggregate.json`
// and `.csv`. Differences from AIPerf, on purpose: a value that is not a finite number is `null`
// in JSON (AIPerf's `cv` is infinite for a zero mean), the CV divides by |mean| so it is never
// negative, and a single run's interval is `null` rather than collapsed onto the mean.
import { studentTCritical } from './student-t.js';

/** The statistics of a metric in the summary JSON that are aggregated (AIPerf's STAT_KEYS). */
export const AGGREGATE_STAT_KEYS = [
  'avg',
  'min',
  'max',
  'sum',
  'p1',
  'p5',
  'p10',
  'p25',
  'p50',
  'p75',
  'p90',
  'p95',
  'p99',
  'std',
] as const;

export const AGGREGATE_JSON = 'profile_export_aiperf_aggregate.json';
export const AGGREGATE_CSV = 'profile_export_aiperf_aggregate.csv';
export const AGGREGATE_SCHEMA_VERSION = '1.0';

/** One run's summary metrics: name → `{unit, avg, p50, …}` as in profile_export_aiperf.json. */
export type RunSummaryMetrics = Readonly<Record<string, { readonly unit?: string } & Readonly<Record<string, unknown>>>>;

export interface AggregatedRun {
  /** `run_0001`, … */
  label: string;
  /** Whether the run ended normally (exit 0); only those enter the statistics. */
  ok: boolean;
  failure: string | null;
  metrics: RunSummaryMetrics;
}

export interface ConfidenceMetric {
  mean: number;
  std: number | null;
  min: number;
  max: number;
  cv: number | null;
  se: number | null;
  ci_low: number | null;
  ci_high: number | null;
  t_critical: number | null;
  unit: string;
  /** How many runs had this value (a run missing it, e.g. without TTFT, is left out). */
  n: number;
}

/** Mean, std (n − 1), CV, SE and the two-sided Student-t interval of `values` (at least one). */
export function confidenceOf(values: readonly number[], level: number, unit = ''): ConfidenceMetric {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const base = { mean, min: Math.min(...values), max: Math.max(...values), unit, n };
  if (n < 2) return { ...base, std: null, cv: null, se: null, ci_low: null, ci_high: null, t_critical: null };
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const se = std / Math.sqrt(n);
  const t = studentTCritical(level, n - 1);
  return { ...base, std, cv: mean === 0 ? null : std / Math.abs(mean), se, ci_low: mean - t * se, ci_high: mean + t * se, t_critical: t };
}

/** Every `<metric>_<stat>` of the successful runs with its confidence statistics, in name order. */
export function aggregateRuns(runs: readonly AggregatedRun[], level: number): Record<string, ConfidenceMetric> {
  const values = new Map<string, { unit: string; values: number[] }>();
  for (const run of runs) {
    if (!run.ok) continue;
    for (const [name, metric] of Object.entries(run.metrics)) {
      if (metric === null || typeof metric !== 'object') continue;
      for (const stat of AGGREGATE_STAT_KEYS) {
        const v = metric[stat];
        if (typeof v !== 'number' || !Number.isFinite(v)) continue;
        const key = `${name}_${stat}`;
        const entry = values.get(key) ?? { unit: typeof metric.unit === 'string' ? metric.unit : '', values: [] };
        entry.values.push(v);
        values.set(key, entry);
      }
    }
  }
  const out: Record<string, ConfidenceMetric> = {};
  for (const key of [...values.keys()].sort()) {
    const e = values.get(key)!;
    out[key] = confidenceOf(e.values, level, e.unit);
  }
  return out;
}

/** Why the runs stopped before `--num-profile-runs`, if they did. */
export type AggregateStop = 'completed' | 'converged' | 'interrupted';

export interface AggregateSummary {
  version: string;
  confidenceLevel: number;
  /** `--num-profile-runs`. */
  requestedRuns: number;
  runs: readonly AggregatedRun[];
  stop: AggregateStop;
  convergence: { metric: string; stat: string; mode: string; threshold: number; converged: boolean } | null;
  metrics: Record<string, ConfidenceMetric>;
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** `profile_export_aiperf_aggregate.json` (docs/exports.md §15). */
export function aggregateJson(s: AggregateSummary): string {
  const successful = s.runs.filter((r) => r.ok);
  const metrics: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(s.metrics)) {
    metrics[name] = {
      mean: finiteOrNull(m.mean),
      std: finiteOrNull(m.std),
      min: finiteOrNull(m.min),
      max: finiteOrNull(m.max),
      cv: finiteOrNull(m.cv),
      se: finiteOrNull(m.se),
      ci_low: finiteOrNull(m.ci_low),
      ci_high: finiteOrNull(m.ci_high),
      t_critical: finiteOrNull(m.t_critical),
      unit: m.unit,
      n: m.n,
    };
  }
  const doc = {
    schema_version: AGGREGATE_SCHEMA_VERSION,
    infermark_version: s.version,
    metadata: {
      aggregation_type: 'confidence',
      num_profile_runs: s.runs.length,
      requested_profile_runs: s.requestedRuns,
      num_successful_runs: successful.length,
      failed_runs: s.runs.filter((r) => !r.ok).map((r) => ({ label: r.label, error: r.failure })),
      confidence_level: s.confidenceLevel,
      run_labels: successful.map((r) => r.label),
      partial: s.stop === 'interrupted',
      stop_reason: s.stop,
      convergence: s.convergence,
    },
    metrics,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function csvCell(v: unknown): string {
  const text = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function fixed(v: number | null, decimals: number): string {
  return v === null || !Number.isFinite(v) ? '' : v.toFixed(decimals);
}

/** `profile_export_aiperf_aggregate.csv`: AIPerf's metrics table, a blank line, then metadata rows. */
export function aggregateCsv(s: AggregateSummary): string {
  const rows: unknown[][] = [['metric', 'mean', 'std', 'min', 'max', 'cv', 'se', 'ci_low', 'ci_high', 't_critical', 'unit']];
  for (const [name, m] of Object.entries(s.metrics)) {
    rows.push([
      name,
      fixed(m.mean, 2),
      fixed(m.std, 2),
      fixed(m.min, 2),
      fixed(m.max, 2),
      fixed(m.cv, 4),
      fixed(m.se, 4),
      fixed(m.ci_low, 2),
      fixed(m.ci_high, 2),
      fixed(m.t_critical, 4),
      m.unit,
    ]);
  }
  rows.push([]);
  rows.push(['Aggregation Type', 'confidence']);
  rows.push(['Total Runs', s.runs.length]);
  rows.push(['Successful Runs', s.runs.filter((r) => r.ok).length]);
  rows.push(['Requested Runs', s.requestedRuns]);
  rows.push(['Confidence Level', s.confidenceLevel]);
  rows.push(['Stop Reason', s.stop]);
  rows.push(['Partial', s.stop === 'interrupted']);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** The console table: a few headline metrics with mean ± CI half-width across runs. */
export function aggregateConsoleTable(s: AggregateSummary): string {
  const headline = [
    'time_to_first_token_avg',
    'time_to_first_token_p99',
    'inter_token_latency_avg',
    'request_latency_avg',
    'request_latency_p99',
    'output_token_throughput_avg',
    'request_throughput_avg',
  ];
  const ok = s.runs.filter((r) => r.ok).length;
  const pct = `${+(s.confidenceLevel * 100).toFixed(4)}%`;
  const title =
    `Aggregate of ${ok} run${ok === 1 ? '' : 's'} (${s.runs.length} of ${s.requestedRuns} done, ${s.stop}` +
    `${s.stop === 'interrupted' ? ', partial' : ''}); ${pct} Student-t confidence intervals`;
  const header = ['Metric', 'Mean', 'Std', `${pct} CI low`, `${pct} CI high`, 'CV', 'Unit'];
  const rows = [header];
  for (const key of headline) {
    const m = s.metrics[key];
    if (m === undefined) continue;
    rows.push([key, fixed(m.mean, 2), fixed(m.std, 2), fixed(m.ci_low, 2), fixed(m.ci_high, 2), fixed(m.cv, 4), m.unit]);
  }
  if (rows.length === 1) return `${title}\nno run ended normally: nothing to aggregate\n`;
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  return `${title}\n${lines.join('\n')}\n`;
}
