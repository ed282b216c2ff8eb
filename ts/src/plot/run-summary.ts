// A run's summary JSON (docs/exports.md §4), ours or AIPerf's, as `plot` needs it: the metric
// blocks for the summary table, the configuration, the errors, and the few numbers the
// cross-run charts compare.
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { osReason } from '../io/os-reason.js';
import { jsonErrorLine } from './json-error-line.js';
import type { ErrorRow, SummaryRow } from './plot-model.js';

/** A summary larger than this is not one (ours are tens of kilobytes). */
const MAX_SUMMARY_BYTES = 64 * 1024 * 1024;

/** The numbers of a run that the charts across runs compare (NaN when the run lacks one). */
export interface RunFigures {
  /** `output_token_throughput` avg, tokens/s. */
  outputTokenThroughput: number;
  /** Mean `output_token_throughput_per_user` (streaming) or `e2e_output_token_throughput`, tokens/s/user (docs/cli.md §8). */
  tokensPerUser: number;
  /** `request_latency` avg, ms. */
  requestLatencyAvg: number;
  /** `time_to_first_token` avg and p99, ms. */
  ttftAvg: number;
  ttftP99: number;
  /** `request_throughput` avg, requests/s. */
  requestThroughput: number;
}

export interface RunSummary {
  producer: 'infermark' | 'aiperf';
  rows: SummaryRow[];
  config: Record<string, unknown>;
  errors: ErrorRow[];
  figures: RunFigures;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A metric block: an object with a string `unit` and at least one numeric statistic. */
function summaryRow(tag: string, block: unknown): SummaryRow | null {
  if (!isObject(block) || typeof block.unit !== 'string') return null;
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries(block)) if (k !== 'unit' && typeof v === 'number' && Number.isFinite(v)) stats[k] = v;
  return Object.keys(stats).length === 0 ? null : { tag, unit: block.unit, stats };
}

function errorRows(value: unknown): ErrorRow[] {
  if (!Array.isArray(value)) return [];
  const out: ErrorRow[] = [];
  for (const entry of value) {
    if (!isObject(entry)) continue;
    const d = isObject(entry.error_details) ? entry.error_details : {};
    out.push({
      code: typeof d.code === 'number' ? d.code : null,
      type: typeof d.type === 'string' ? d.type : '',
      message: typeof d.message === 'string' ? d.message : '',
      count: typeof entry.count === 'number' ? entry.count : 0,
    });
  }
  return out;
}

/** The figures of the cross-run charts from the metric rows. */
export function runFigures(rows: readonly SummaryRow[]): RunFigures {
  const stat = (tag: string, s = 'avg'): number => rows.find((r) => r.tag === tag)?.stats[s] ?? NaN;
  const perUser = stat('output_token_throughput_per_user');
  return {
    outputTokenThroughput: stat('output_token_throughput'),
    tokensPerUser: Number.isFinite(perUser) ? perUser : stat('e2e_output_token_throughput'),
    requestLatencyAvg: stat('request_latency'),
    ttftAvg: stat('time_to_first_token'),
    ttftP99: stat('time_to_first_token', 'p99'),
    requestThroughput: stat('request_throughput'),
  };
}

/**
 * Read a summary JSON. A file that cannot be read or is not a JSON object with `schema_version`
 * is a usage error naming it and, for a syntax error, the line it is on.
 */
export function readRunSummary(path: string): RunSummary {
  let text: string;
  try {
    if (statSync(path).size > MAX_SUMMARY_BYTES) throw new UsageError(`cannot read run summary ${path}: larger than 64 MiB`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read run summary ${path}: ${osReason(err)}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`invalid run summary ${path}${lineOfJsonError(text)}: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(json) || json.schema_version === undefined) {
    throw new UsageError(`invalid run summary ${path}: not a JSON object with schema_version`);
  }
  const rows: SummaryRow[] = [];
  for (const [tag, block] of Object.entries(json)) {
    const row = summaryRow(tag, block);
    if (row) rows.push(row);
  }
  return {
    producer: 'infermark_version' in json ? 'infermark' : 'aiperf',
    rows,
    config: isObject(json.input_config) ? json.input_config : {},
    errors: errorRows(json.error_summary),
    figures: runFigures(rows),
  };
}

/** `:LINE` of the syntax error that made JSON.parse fail on `text` (nothing when it cannot be told). */
export function lineOfJsonError(text: string): string {
  const line = jsonErrorLine(text);
  return line === null ? '' : `:${line}`;
}
