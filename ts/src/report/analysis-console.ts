// The analyze-trace console report (docs/trace-analysis.md §6): summary lines and the statistics table.
// Pure text, no Node APIs: the browser app (ts/src/web) shows the same lines.
import type { AnalysisReport, MetricStats } from '../trace-core/report.js';
import { formatCount, formatDecimal, formatFixedGrouped } from './decimal-format.js';

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', green: '\x1b[32m', cyan: '\x1b[36m', reset: '\x1b[0m' } as const;

/** The table's header (docs/trace-analysis.md §6.1). */
export const COLUMNS = ['Metric', 'Mean', 'Std Dev', 'Min', 'P25', 'Median', 'P75', 'Max'] as const;
const STAT_KEYS = ['mean', 'std_dev', 'min', 'p25', 'median', 'p75', 'max'] as const satisfies readonly (keyof MetricStats)[];
const ROWS: readonly [string, keyof AnalysisReport][] = [
  ['Input Length', 'isl_stats'],
  ['Context Length', 'context_length_stats'],
  ['Unique Prompt Length', 'unique_prompt_length_stats'],
  ['Output Length', 'osl_stats'],
  ['Theoretical Hit Rates', 'hit_rate_stats'],
];
const TITLE = 'Trace Statistics';

interface Cell {
  text: string;
  style: keyof typeof ANSI | null;
}

/** The table's rows as text, one per metric: its label, then the cells under COLUMNS[1..] (`N/A` without values). */
export function statisticsRows(report: AnalysisReport): string[][] {
  return ROWS.map(([label, key]) => {
    const stats = report[key] as MetricStats | null;
    return [label, ...STAT_KEYS.map((k) => (stats === null ? 'N/A' : formatFixedGrouped(stats[k], 2)))];
  });
}

/** Render the table of §6.1; `colour` adds ANSI styles without changing the geometry. */
export function renderStatisticsTable(report: AnalysisReport, colour: boolean): string[] {
  const header: Cell[] = COLUMNS.map((text) => ({ text, style: null }));
  const rows: Cell[][] = statisticsRows(report).map(([label, ...values]) => [
    { text: label!, style: 'cyan' },
    ...values.map((text): Cell => ({ text, style: text === 'N/A' ? 'dim' : 'green' })),
  ]);
  const widths = COLUMNS.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.text.length)));
  const paint = (cell: Cell, width: number): string => {
    const padded = cell.text.padStart(width);
    if (!colour || cell.style === null) return ` ${padded} `;
    const pad = padded.slice(0, width - cell.text.length);
    return ` ${pad}${ANSI[cell.style]}${cell.text}${ANSI.reset} `;
  };
  const rule = (left: string, fill: string, join: string, right: string): string =>
    left + widths.map((w) => fill.repeat(w + 2)).join(join) + right;
  const line = (cells: Cell[], edge: string): string => edge + cells.map((cell, c) => paint(cell, widths[c]!)).join(edge) + edge;
  const tableWidth = 1 + widths.reduce((sum, w) => sum + w + 3, 0);
  const title = colour ? `${ANSI.bold}${TITLE}${ANSI.reset}` : TITLE;
  return [
    ' '.repeat(Math.max(0, Math.floor((tableWidth - TITLE.length) / 2))) + title,
    rule('┏', '━', '┳', '┓'),
    line(header, '┃'),
    rule('┡', '━', '╇', '┩'),
    ...rows.map((r) => line(r, '│')),
    rule('└', '─', '┴', '┘'),
  ];
}

/** `{fraction × 100:.1f}%` with the product taken in double precision, as AIPerf's Python does. */
function percent(fraction: number): string {
  return `${formatDecimal(fraction * 100, 1)}%`;
}

/** The summary lines of §6 as [label, value], in order (the console pads the labels to align). */
export function summaryFields(report: AnalysisReport): [string, string][] {
  return [
    ['Total requests', formatCount(report.total_requests)],
    ['Unique prefixes', formatCount(report.unique_prefixes)],
    ['Prefix groups', formatCount(report.num_prefix_groups)],
    ['Cache hit rate', percent(report.cache_hit_rate)],
    ['Prefix reuse ratio', percent(report.prefix_reuse_ratio)],
  ];
}

/**
 * The full console report of §6, as the exact text to write on stdout (ending with `\n`).
 * `outputFile` adds the `Analysis report saved to PATH` line.
 */
export function renderAnalysisConsole(report: AnalysisReport, options: { colour?: boolean; outputFile?: string } = {}): string {
  const colour = options.colour ?? false;
  const heading = colour ? `${ANSI.bold}Trace Analysis Report${ANSI.reset}` : 'Trace Analysis Report';
  const lines = [
    '',
    heading,
    // AIPerf aligns the first four values and not the last.
    ...summaryFields(report).map(([label, value], i) => `${`${label}:`.padEnd(i < 4 ? 17 : 0)} ${value}`),
    '',
    ...renderStatisticsTable(report, colour),
    '',
  ];
  if (options.outputFile !== undefined) lines.push(`Analysis report saved to ${options.outputFile}`);
  return `${lines.join('\n')}\n`;
}
