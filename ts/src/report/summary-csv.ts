// `profile_export_aiperf.csv` (docs/exports.md §5) and the tidy time-slice CSV (§6).
import type { MetricBlock } from '../metrics/aggregate.js';
import { metricDef, metricLabel } from '../metrics/metric-defs.js';
import { STAT_KEYS, type StatKey } from '../metrics/stats.js';
import type { TimeSlice } from '../metrics/timeslices.js';
import { formatFixed2 } from './number-format.js';

const EOL = '\r\n';

/** RFC 4180 field quoting. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + EOL;
}

/** A statistic's cell: integers plain for integer metrics' min/max/sum and counts. */
export function statCell(tag: string, key: StatKey, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  const def = metricDef(tag);
  const integral =
    key === 'count' ||
    (def.integer === true && (def.kind === 'aggregate' ? key === 'avg' : key === 'min' || key === 'max' || key === 'sum'));
  return integral && Number.isInteger(value) ? String(value) : formatFixed2(value);
}

const SECTION1: StatKey[] = ['avg', 'min', 'max', 'sum', 'p1', 'p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99', 'std'];

function byTag(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The two-section summary CSV. */
export function summaryCsv(blocks: ReadonlyMap<string, MetricBlock>): string {
  const records = [...blocks.keys()].filter((t) => metricDef(t).kind === 'record').sort(byTag);
  const singles = [...blocks.keys()].filter((t) => metricDef(t).kind === 'aggregate').sort(byTag);
  let out = csvLine(['Metric', ...SECTION1]);
  for (const tag of records) {
    const s = blocks.get(tag)!.stats;
    out += csvLine([metricLabel(tag), ...SECTION1.map((k) => statCell(tag, k, s[k]))]);
  }
  out += EOL;
  out += csvLine(['Metric', 'Value']);
  for (const tag of singles) out += csvLine([metricLabel(tag), statCell(tag, 'avg', blocks.get(tag)!.stats.avg)]);
  return out;
}

/** `Timeslice,Metric,Unit,Stat,Value`, one row per (slice, metric, statistic) with a value. */
export function timeslicesCsv(slices: readonly TimeSlice[]): string {
  let out = csvLine(['Timeslice', 'Metric', 'Unit', 'Stat', 'Value']);
  for (const slice of slices) {
    for (const tag of [...slice.blocks.keys()].sort(byTag)) {
      const block = slice.blocks.get(tag)!;
      for (const key of STAT_KEYS) {
        const v = block.stats[key];
        if (v === undefined || !Number.isFinite(v)) continue;
        out += csvLine([String(slice.timesliceIndex), tag, block.unit, key, statCell(tag, key, v)]);
      }
    }
  }
  return out;
}
