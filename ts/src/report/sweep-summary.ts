// The sweep's summary (docs/exports.md §12, docs/cli.md §8): each point's figures taken from its run's
// metrics, the Pareto flags, and `sweep_summary.json` / `sweep_summary.csv`. The console table
// (./sweep-table.ts) shows the same figures.
import type { RunMetrics } from '../metrics/aggregate.js';
import { paretoOptimal } from '../metrics/pareto.js';
import { jf, toJson, type JsonValue } from './json-writer.js';
import { formatAiperfFloat, formatFixed2 } from './number-format.js';
import { formatCliCommand } from './redact.js';
import { csvField } from './summary-csv.js';
import { isoMicros } from './time-format.js';

/** The swept flag: `--concurrency` or `--request-rate`. */
export type SweepDimension = 'concurrency' | 'request_rate';

/**
 * How a point ended: `ok` (the run's exit code 0), `failed` (exit 1, or an exception),
 * `interrupted` (Ctrl-C during it) or `not_run` (after a failure with `--fail-fast`, or an interrupt).
 */
export type SweepPointStatus = 'ok' | 'failed' | 'interrupted' | 'not_run';

/** A point's figures, in the order of the table's columns (docs/cli.md §8); null when the run has no value. */
export const SWEEP_FIGURES = [
  'request_throughput',
  'output_token_throughput',
  'output_token_throughput_per_gpu',
  'tokens_per_user',
  'time_to_first_token_avg',
  'time_to_first_token_p99',
  'inter_token_latency_avg',
  'inter_token_latency_p99',
  'request_latency_p99',
  'goodput',
  'request_error_rate',
] as const;
export type SweepFigure = (typeof SWEEP_FIGURES)[number];
export type SweepFigures = Record<SweepFigure, number | null>;

/** The record metric behind `tokens_per_user`: per-token speed when streaming, else end to end (docs/metrics.md §3). */
export function tokensPerUserMetric(streaming: boolean): 'output_token_throughput_per_user' | 'e2e_output_token_throughput' {
  return streaming ? 'output_token_throughput_per_user' : 'e2e_output_token_throughput';
}

/** A point's figures from its run's metrics; `gpus` null: no per-GPU figure. */
export function sweepFigures(run: RunMetrics, options: { streaming: boolean; gpus: number | null }): SweepFigures {
  const stat = (tag: string, key: 'avg' | 'p99' = 'avg'): number | null => {
    const v = run.blocks.get(tag)?.stats[key];
    return v === undefined || !Number.isFinite(v) ? null : v;
  };
  const output = stat('output_token_throughput');
  return {
    request_throughput: stat('request_throughput'),
    output_token_throughput: output,
    output_token_throughput_per_gpu: output === null || options.gpus === null ? null : output / options.gpus,
    tokens_per_user: stat(tokensPerUserMetric(options.streaming)),
    time_to_first_token_avg: stat('time_to_first_token'),
    time_to_first_token_p99: stat('time_to_first_token', 'p99'),
    inter_token_latency_avg: stat('inter_token_latency'),
    inter_token_latency_p99: stat('inter_token_latency', 'p99'),
    request_latency_p99: stat('request_latency', 'p99'),
    goodput: stat('goodput'),
    request_error_rate: stat('request_error_rate'),
  };
}

/** One point of the sweep as the summary files and the table show it. */
export interface SweepPointSummary {
  /** 0-based position in the given list. */
  index: number;
  value: number;
  /** `concurrency_4`, `request_rate_2.5`: the `variation_label` of its summary JSON. */
  label: string;
  runName: string;
  /** Its run directory, as the user's `--artifact-dir` spells it. */
  directory: string;
  status: SweepPointStatus;
  /** Why it failed (the run's `error:` text), else null. */
  failure: string | null;
  /** The run's `benchmark_id`; null when the run never started. */
  benchmarkId: string | null;
  /** The run's figures; null when it produced none (not run, or failed before any request). */
  figures: SweepFigures | null;
  /** The client-health verdict (docs/metrics.md §10); null without figures. */
  saturated: boolean | null;
}

export interface SweepSummary {
  sweepId: string;
  version: string;
  dimension: SweepDimension;
  startWallNs: bigint;
  endWallNs: bigint;
  /** Ctrl-C stopped the sweep. */
  interrupted: boolean;
  randomSeed: bigint;
  /** `--gpus`, or null when not given (no per-GPU column). */
  gpus: number | null;
  /** `--goodput` was given (the goodput column). */
  goodput: boolean;
  streaming: boolean;
  /** The command line as typed (redacted when written). */
  argv: readonly string[];
  points: readonly SweepPointSummary[];
}

/**
 * Each point's `pareto` flag (docs/cli.md §8): optimal when no other point has both higher-or-equal
 * output tokens/s and tokens/s per user with one strictly higher. Only points that ran to the end
 * (`ok`) compete; the others are never optimal.
 */
export function paretoFlags(points: readonly Pick<SweepPointSummary, 'status' | 'figures'>[]): boolean[] {
  return paretoOptimal(
    points.map((p) =>
      p.status === 'ok' && p.figures !== null
        ? [p.figures.output_token_throughput ?? Number.NaN, p.figures.tokens_per_user ?? Number.NaN]
        : [Number.NaN, Number.NaN],
    ),
    ['max', 'max'],
  );
}

/** The swept value as the run name writes it: `4`, `2.5`, `10.0`. */
export function sweepValueText(dimension: SweepDimension, value: number): string {
  return dimension === 'concurrency' ? String(value) : formatAiperfFloat(value);
}

function figuresJson(f: SweepFigures | null): JsonValue {
  if (f === null) return null;
  const out: Record<string, JsonValue> = {};
  for (const key of SWEEP_FIGURES) out[key] = f[key] === null ? null : jf(f[key]);
  return out;
}

/** `sweep_summary.json` (docs/exports.md §12): 2-space indent, trailing newline. */
export function sweepSummaryJson(s: SweepSummary): string {
  const pareto = paretoFlags(s.points);
  const value = (v: number): JsonValue => (s.dimension === 'concurrency' ? v : jf(v));
  const doc: Record<string, JsonValue> = {
    schema_version: '1.0',
    infermark_version: s.version,
    sweep_id: s.sweepId,
    start_time: isoMicros(s.startWallNs),
    end_time: isoMicros(s.endWallNs),
    was_cancelled: s.interrupted,
    dimension: s.dimension,
    values: s.points.map((p) => value(p.value)),
    random_seed: s.randomSeed,
    gpus: s.gpus,
    tokens_per_user_metric: tokensPerUserMetric(s.streaming),
    pareto_objectives: ['output_token_throughput', 'tokens_per_user'],
    cli_command: formatCliCommand(s.argv),
    points: s.points.map((p, i) => ({
      index: p.index,
      value: value(p.value),
      variation_label: p.label,
      run_name: p.runName,
      run_directory: p.directory,
      status: p.status,
      failure: p.failure,
      benchmark_id: p.benchmarkId,
      client_saturated: p.saturated,
      pareto_optimal: pareto[i]!,
      metrics: figuresJson(p.figures),
    })),
  };
  return `${toJson(doc, 2)}\n`;
}

const EOL = '\r\n';

/**
 * `sweep_summary.csv` (docs/exports.md §12): one row per point, figures with 2 decimals as in the
 * summary CSV (the JSON has them exactly); an empty cell where a point has no value.
 */
export function sweepSummaryCsv(s: SweepSummary): string {
  const pareto = paretoFlags(s.points);
  const header = ['index', s.dimension, 'status', ...SWEEP_FIGURES, 'client_saturated', 'pareto_optimal', 'run_directory', 'failure'];
  const rows = s.points.map((p, i) => [
    String(p.index),
    sweepValueText(s.dimension, p.value),
    p.status,
    ...SWEEP_FIGURES.map((key) => {
      const v = p.figures?.[key] ?? null;
      return v === null ? '' : formatFixed2(v);
    }),
    p.saturated === null ? '' : String(p.saturated),
    String(pareto[i]!),
    p.directory,
    p.failure ?? '',
  ]);
  return [header, ...rows].map((fields) => fields.map(csvField).join(',') + EOL).join('');
}
