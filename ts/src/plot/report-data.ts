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

/**
 * The chart's option with what a page adds to a static chart: a tooltip with the values under the
 * pointer, zoom (wheel and a slider on x, box zoom and reset in the toolbox) on charts with
 * axes, and a scrolling legend that toggles series. What the option already sets is kept.
 */
export function interactiveOption(option: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...option };
  const series = seriesOf(option);
  const axisOnly = series.length > 0 && series.every((s) => AXIS_SERIES.has(String(s.type)));
  const tooltip = option.tooltip !== null && typeof option.tooltip === 'object' ? (option.tooltip as Record<string, unknown>) : {};
  out.tooltip = { trigger: axisOnly ? 'axis' : 'item', confine: true, ...tooltip, show: true };
  const cartesian = option.xAxis !== undefined && option.yAxis !== undefined;
  if (cartesian && option.dataZoom === undefined) {
    out.dataZoom = [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 18, bottom: 6 },
    ];
    const grid = option.grid !== null && typeof option.grid === 'object' && !Array.isArray(option.grid) ? option.grid : {};
    // Room below the x axis name for the slider.
    out.grid = { containLabel: true, bottom: 64, ...(grid as Record<string, unknown>) };
    out.toolbox = { right: 8, feature: { dataZoom: { yAxisIndex: 'none' }, restore: {} }, ...(option.toolbox as object) };
  }
  if (option.legend === undefined && series.length > 1) out.legend = { type: 'scroll', bottom: 30 };
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
