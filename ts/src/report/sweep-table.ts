// The Pareto table `sweep` prints on stdout (docs/cli.md §8), in the geometry of the profile console
// table (docs/exports.md §9), and the lines under it.
import { formatConsole2 } from './number-format.js';
import {
  paretoFlags,
  type SweepFigure,
  type SweepPointSummary,
  type SweepSummary,
  sweepValueText,
  tokensPerUserMetric,
} from './sweep-summary.js';

export const SWEEP_TABLE_TITLE = 'infermark | Sweep';

interface Column {
  header: string;
  figure: SweepFigure;
}

/** The metric columns of docs/cli.md §8 in order; the per-GPU and goodput columns only when asked for. */
function figureColumns(s: Pick<SweepSummary, 'gpus' | 'goodput'>): Column[] {
  const columns: Array<Column | null> = [
    { header: 'req/s', figure: 'request_throughput' },
    { header: 'output tok/s', figure: 'output_token_throughput' },
    s.gpus === null ? null : { header: 'output tok/s/GPU', figure: 'output_token_throughput_per_gpu' },
    { header: 'tok/s/user', figure: 'tokens_per_user' },
    { header: 'TTFT avg', figure: 'time_to_first_token_avg' },
    { header: 'TTFT p99', figure: 'time_to_first_token_p99' },
    { header: 'ITL avg', figure: 'inter_token_latency_avg' },
    { header: 'ITL p99', figure: 'inter_token_latency_p99' },
    { header: 'latency p99', figure: 'request_latency_p99' },
    s.goodput ? { header: 'goodput', figure: 'goodput' } : null,
    { header: 'errors %', figure: 'request_error_rate' },
  ];
  return columns.filter((c): c is Column => c !== null);
}

/** The table's header row: the swept flag, the metric columns, `client`, `pareto`. */
export function sweepTableHeaders(s: Pick<SweepSummary, 'dimension' | 'gpus' | 'goodput'>): string[] {
  return [s.dimension, ...figureColumns(s).map((c) => c.header), 'client', 'pareto'];
}

/** The `client` cell: the client-health verdict of a run that ended, else how the point ended. */
function clientCell(p: SweepPointSummary): string {
  switch (p.status) {
    case 'ok':
      return p.saturated ? 'SATURATED' : 'ok';
    case 'failed':
      return 'FAILED';
    case 'interrupted':
      return 'INTERRUPTED';
    case 'not_run':
      return 'NOT RUN';
  }
}

type Style = 'value' | 'na' | 'alert' | 'mark' | null;
interface Cell {
  text: string;
  style: Style;
}

const ANSI: Record<Exclude<Style, null>, [string, string]> = {
  value: ['\x1b[32m', '\x1b[39m'],
  na: ['\x1b[2m', '\x1b[22m'],
  alert: ['\x1b[31m', '\x1b[39m'],
  mark: ['\x1b[1m', '\x1b[22m'],
};

/** The rows as cells: numbers as `{:,.2f}`, `N/A` where the run has no value, `-` where it has no figures at all. */
export function sweepTableRows(s: SweepSummary): string[][] {
  return cellRows(s).map((r) => r.map((c) => c.text));
}

function cellRows(s: SweepSummary): Cell[][] {
  const pareto = paretoFlags(s.points);
  const columns = figureColumns(s);
  return s.points.map((p, i) => {
    const figures = columns.map(({ figure }): Cell => {
      if (p.figures === null) return { text: '-', style: 'na' };
      const v = p.figures[figure];
      return v === null ? { text: 'N/A', style: 'na' } : { text: formatConsole2(v), style: 'value' };
    });
    const client = clientCell(p);
    return [
      { text: sweepValueText(s.dimension, p.value), style: null },
      ...figures,
      { text: client, style: client === 'ok' ? null : 'alert' },
      { text: pareto[i] ? '*' : '', style: 'mark' },
    ];
  });
}

/** The table (title, header, one row per point in the given order), ending with a newline. */
export function sweepTable(s: SweepSummary, options: { colour?: boolean } = {}): string {
  const headers = sweepTableHeaders(s);
  const rows = cellRows(s);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.text.length)));
  const paint = (cell: Cell, width: number): string => {
    const pad = ' '.repeat(width - cell.text.length);
    if (!options.colour || cell.style === null || cell.text === '') return ` ${pad}${cell.text} `;
    const [on, off] = ANSI[cell.style];
    return ` ${pad}${on}${cell.text}${off} `;
  };
  const rule = (left: string, fill: string, join: string, right: string): string =>
    left + widths.map((w) => fill.repeat(w + 2)).join(join) + right;
  const tableWidth = 1 + widths.reduce((sum, w) => sum + w + 3, 0);
  const title = options.colour ? `\x1b[1m${SWEEP_TABLE_TITLE}\x1b[22m` : SWEEP_TABLE_TITLE;
  const lines = [
    ' '.repeat(Math.max(0, Math.floor((tableWidth - SWEEP_TABLE_TITLE.length) / 2))) + title,
    rule('┏', '━', '┳', '┓'),
    `┃${headers.map((h, i) => ` ${h.padStart(widths[i]!)} `).join('┃')}┃`,
    rule('┡', '━', '╇', '┩'),
    ...rows.map((r) => `│${r.map((cell, i) => paint(cell, widths[i]!)).join('│')}│`),
    rule('└', '─', '┴', '┘'),
  ];
  return `${lines.join('\n')}\n`;
}

/** The lines under the table: what the columns mean, then each point that did not finish and why. */
export function sweepFooterLines(s: SweepSummary): string[] {
  const lines = [
    `Latencies (TTFT, ITL, latency) in ms; tok/s/user: mean ${tokensPerUserMetric(s.streaming)}; errors %: request_error_rate`,
    'pareto *: no other point has both higher-or-equal output tok/s and tok/s/user with at least one strictly higher',
  ];
  const ran = s.points.filter((p) => p.status !== 'not_run').length;
  if (s.interrupted) lines.push(`Sweep interrupted: ${ran} of ${s.points.length} points ran`);
  for (const p of s.points) {
    const name = `${s.dimension} ${sweepValueText(s.dimension, p.value)}`;
    if (p.status === 'failed') lines.push(`${name}: FAILED: ${p.failure ?? 'the run failed'} (${p.directory})`);
    else if (p.status === 'interrupted') lines.push(`${name}: INTERRUPTED (${p.directory})`);
    else if (p.status === 'not_run') lines.push(`${name}: NOT RUN`);
  }
  return lines;
}
