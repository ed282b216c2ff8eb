// The data a report page shows (report.html and the dashboard, docs/cli.md §7), made from a
// PlotModel on the Node side: summary values formatted as the console prints them, configuration
// redacted again, charts made interactive. The page script only lays this out, so what the page
// shows is decided, and tested, here.
import { metricDef } from '../metrics/metric-defs.js';
import { formatConsole2 } from '../report/number-format.js';
import { redactConfigForDisplay } from '../report/redact.js';
import type { ChartSpec, ErrorRow, PlotModel, PlotRun, PlotTheme, SummaryRow } from './plot-model.js';

/** The statistics of a summary table, in the console's column order (docs/exports.md §9). */
export const SUMMARY_STATS = ['avg', 'min', 'max', 'p99', 'p90', 'p50', 'std'] as const;

/** One metric of a run's summary table, its values already formatted. */
export interface ReportSummaryRow {
  tag: string;
  /** `Header (unit)` as the console and CSV label it; the tag and the file's unit for a metric we do not know (AIPerf's). */
  label: string;
  /** Statistic → display text; a statistic the run did not produce is absent. */
  values: Partial<Record<(typeof SUMMARY_STATS)[number], string>>;
}

export interface ReportRun {
  name: string;
  dir: string;
  producer: PlotRun['producer'];
  records: number;
  summary: ReportSummaryRow[];
  /** `input_config`, secrets redacted again. */
  config: unknown;
  errors: ErrorRow[];
  /** What `plot` left out of the run and why. */
  notes: string[];
}

/** Where a dashboard page asks whether the runs changed, and fetches them again. */
export interface LiveSource {
  /** The version of the data on the page. */
  version: string;
  /** Answers `{"version": "…"}`; a new version means new data. */
  versionUrl: string;
  /** Answers the ReportData of now. */
  dataUrl: string;
  intervalMs: number;
}

export interface ReportData {
  theme: PlotTheme;
  gpus: number;
  stats: readonly string[];
  runs: ReportRun[];
  charts: ChartSpec[];
  /** Null in report.html (a file that asks nothing of anyone); set by the dashboard. */
  live: LiveSource | null;
}

function rowLabel(row: SummaryRow): string {
  let header = row.tag;
  try {
    header = metricDef(row.tag).header;
  } catch {
    // A metric of another producer (AIPerf writes some we do not): its tag is its name.
  }
  return row.unit === 'count' || row.unit === 'requests' || row.unit === '' ? header : `${header} (${row.unit})`;
}

function summaryRow(row: SummaryRow): ReportSummaryRow {
  const values: ReportSummaryRow['values'] = {};
  for (const stat of SUMMARY_STATS) {
    const v = row.stats[stat];
    if (typeof v === 'number' && Number.isFinite(v)) values[stat] = formatConsole2(v);
  }
  return { tag: row.tag, label: rowLabel(row), values };
}

/** Series kinds drawn along an axis (an axis tooltip names every series at the hovered x). */
const AXIS_SERIES = new Set(['line', 'bar']);

function seriesOf(option: Record<string, unknown>): Array<Record<string, unknown>> {
  const s = option.series;
  if (Array.isArray(s)) return s.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object');
  return s !== null && typeof s === 'object' ? [s as Record<string, unknown>] : [];
}

/** Whether an axis option (or the first of a list) is a value axis, the kind zoom and a box zoom make sense on. */
function isValueAxis(axis: unknown): boolean {
  const a = Array.isArray(axis) ? axis[0] : axis;
  if (a === null || typeof a !== 'object') return false;
  const type = (a as Record<string, unknown>).type;
  return type === undefined || type === 'value' || type === 'log' || type === 'time';
}

/**
 * The chart's option with what a page adds to a static chart: a tooltip with the values under the
 * pointer, zoom (wheel and drag on x) on charts whose axes are both values, box zoom and reset in a
 * toolbox wherever zoom is on, and a legend that toggles series. What the option sets is kept: a
 * chart that defines its own zoom, or none on a category axis, stays as it is.
 */
export function interactiveOption(option: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...option };
  const series = seriesOf(option);
  const axisOnly = series.length > 0 && series.every((s) => AXIS_SERIES.has(String(s.type)));
  const tooltip = option.tooltip !== null && typeof option.tooltip === 'object' ? (option.tooltip as Record<string, unknown>) : {};
  out.tooltip = { trigger: axisOnly ? 'axis' : 'item', confine: true, ...tooltip, show: true };
  if (option.dataZoom === undefined && isValueAxis(option.xAxis) && isValueAxis(option.yAxis)) {
    out.dataZoom = [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }];
  }
  if (out.dataZoom !== undefined && option.toolbox === undefined) {
    out.toolbox = { right: 12, top: 4, feature: { dataZoom: { yAxisIndex: 'none' }, restore: {} } };
  }
  if (option.legend === undefined && series.length > 1) out.legend = { type: 'scroll', bottom: 0 };
  // Thousands of points animate slowly and help no one read them.
  out.animation = false;
  return out;
}

/** The page data of `model`; `live` is set by the dashboard only. */
export function reportData(model: PlotModel, live: LiveSource | null = null): ReportData {
  return {
    theme: model.theme,
    gpus: model.gpus,
    stats: SUMMARY_STATS,
    runs: model.runs.map((r) => ({
      name: r.name,
      dir: r.dir,
      producer: r.producer,
      records: r.records,
      summary: r.summary.map(summaryRow),
      config: redactConfigForDisplay(r.config),
      errors: r.errors,
      notes: r.notes ?? [],
    })),
    charts: model.charts.map((c) => ({ ...c, option: interactiveOption(c.option) })),
    live,
  };
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` (so no
 * `</script>` or `<!--` can end or bend the element) and U+2028/2029 are written as `\u` escapes,
 * which JSON.parse reads back as the same characters.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
