// The side-by-side input/output analysis printed after synthesize (ISL, context, unique prompt, hit rate).
import { formatFixedGrouped } from '../report/decimal-format.js';
import type { AnalysisReport, MetricStats } from '../trace-core/report.js';

type StatsKey = 'isl_stats' | 'context_length_stats' | 'unique_prompt_length_stats' | 'hit_rate_stats';

const ROWS: { label: string; key: StatsKey; percent: boolean }[] = [
  { label: 'ISL', key: 'isl_stats', percent: false },
  { label: 'Context length', key: 'context_length_stats', percent: false },
  { label: 'Unique prompt length', key: 'unique_prompt_length_stats', percent: false },
  { label: 'Hit rate', key: 'hit_rate_stats', percent: true },
];

function cell(stats: MetricStats | null, which: 'mean' | 'median', percent: boolean): string {
  if (!stats) return 'N/A';
  const v = stats[which];
  return percent ? `${formatFixedGrouped(v * 100, 1)}%` : formatFixedGrouped(v, 2);
}

/** A small fixed-width table: one row per statistic and aggregate, input and output columns. */
export function renderSideBySide(input: AnalysisReport, output: AnalysisReport): string {
  const lines: string[][] = [['', '', 'input', 'output']];
  lines.push(['Rows', '', formatFixedGrouped(input.total_requests, 0), formatFixedGrouped(output.total_requests, 0)]);
  for (const r of ROWS) {
    for (const which of ['mean', 'median'] as const) {
      lines.push([which === 'mean' ? r.label : '', which, cell(input[r.key], which, r.percent), cell(output[r.key], which, r.percent)]);
    }
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return `${lines
    .map((l) =>
      [
        (l[0] ?? '').padEnd(widths[0] ?? 0),
        (l[1] ?? '').padEnd(widths[1] ?? 0),
        (l[2] ?? '').padStart(widths[2] ?? 0),
        (l[3] ?? '').padStart(widths[3] ?? 0),
      ]
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
