// A run's time-slice export (docs/exports.md §6, `<summary stem>_timeslices.json`) as series per
// metric: the `timeslices_<tag>` charts of docs/cli.md §7.
import { readFileSync, statSync } from 'node:fs';
import { osReason } from '../io/os-reason.js';
import { lineOfJsonError } from './run-summary.js';

/** Largest time-slice file read; a bigger one is skipped with a note rather than held in memory. */
const MAX_TIMESLICE_BYTES = 256 * 1024 * 1024;

/** One metric across the slices: each slice's start (s from the first slice) and its statistics. */
export interface TimesliceSeries {
  tag: string;
  unit: string;
  /** Slice starts, seconds from the first slice's start. */
  t: number[];
  /** Statistic → one value per slice (NaN where the slice has none). */
  stats: Record<string, number[]>;
}

export interface Timeslices {
  sliceSeconds: number;
  series: TimesliceSeries[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The metrics charted per slice, in chart order (others are in the report's tables, not charted). */
export const TIMESLICE_TAGS = [
  'time_to_first_token',
  'inter_token_latency',
  'request_latency',
  'output_token_throughput',
  'request_throughput',
] as const;

/** Statistics drawn per slice when the block has them. */
const STATS = ['avg', 'p50', 'p90', 'p99'] as const;

/**
 * Read a time-slice file. Returns the series or, when the file is unusable, a note saying why
 * (the run is still plotted without these charts).
 */
export function readTimeslices(path: string): { slices: Timeslices } | { note: string } {
  let text: string;
  try {
    if (statSync(path).size > MAX_TIMESLICE_BYTES) return { note: `time slices skipped: ${path} is larger than 256 MiB` };
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { note: `time slices skipped: cannot read ${path}: ${osReason(err)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { note: `time slices skipped: invalid JSON in ${path}${lineOfJsonError(text)}: ${(err as Error).message}` };
  }
  if (!isObject(json) || !Array.isArray(json.timeslices)) return { note: `time slices skipped: ${path} has no timeslices list` };
  const slices = json.timeslices.filter(isObject);
  const starts = slices.map((s) => (typeof s.start_ns === 'number' ? s.start_ns / 1e9 : NaN));
  const t0 = starts.find((s) => Number.isFinite(s)) ?? 0;
  const series: TimesliceSeries[] = [];
  for (const tag of TIMESLICE_TAGS) {
    const blocks = slices.map((s) => (isObject(s[tag]) ? (s[tag] as Record<string, unknown>) : null));
    const first = blocks.find((b) => b !== null);
    if (first === undefined || first === null) continue;
    const stats: Record<string, number[]> = {};
    for (const stat of STATS) {
      const values = blocks.map((b) => (b !== null && typeof b[stat] === 'number' ? (b[stat] as number) : NaN));
      if (values.some((v) => Number.isFinite(v))) stats[stat] = values;
    }
    if (Object.keys(stats).length === 0) continue;
    series.push({ tag, unit: typeof first.unit === 'string' ? first.unit : '', t: starts.map((s) => s - t0), stats });
  }
  const sliceSeconds = typeof json.slice_duration_seconds === 'number' ? json.slice_duration_seconds : NaN;
  return { slices: { sliceSeconds, series } };
}
