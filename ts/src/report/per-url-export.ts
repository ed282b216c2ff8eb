// The per-URL breakdown of a run with several `--url`s in the summary JSON (`per_url`), the summary
// CSV (a third part) and the console (a table after the metrics table), docs/exports.md §4.2, §5, §9.
import type { UrlBreakdown } from '../metrics/per-url.js';
import { metricDef, metricLabel } from '../metrics/metric-defs.js';
import type { StatKey } from '../metrics/stats.js';
import type { JsonValue } from './json-writer.js';
import { formatConsole2 } from './number-format.js';
import { blocksJson } from './summary-json.js';
import { csvField, statCell } from './summary-csv.js';

export const PER_URL_TITLE = 'infermark | Per URL';

/** `per_url`: one object per URL, in `--url` order: `url`, `url_index`, then blocks as the top level has them. */
export function perUrlJson(breakdown: readonly UrlBreakdown[]): JsonValue {
  return breakdown.map((b) => ({ url: b.url, url_index: b.urlIndex, ...blocksJson(b.blocks) }));
}

const CSV_STATS: StatKey[] = ['avg', 'min', 'max', 'sum', 'p1', 'p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99', 'std'];

/** Part 3 of the summary CSV: `URL,Metric,avg,…,std`; a single value sits in `avg`. Starts with the empty separator line. */
export function perUrlCsv(breakdown: readonly UrlBreakdown[]): string {
  const EOL = '\r\n';
  const line = (fields: readonly string[]): string => fields.map(csvField).join(',') + EOL;
  let out = EOL + line(['URL', 'Metric', ...CSV_STATS]);
  for (const b of breakdown) {
    for (const [tag, block] of b.blocks) {
      const single = metricDef(tag).kind === 'aggregate';
      out += line([b.url, metricLabel(tag), ...CSV_STATS.map((k) => (single && k !== 'avg' ? '' : statCell(tag, k, block.stats[k])))]);
    }
  }
  return out;
}

/** The console's per-URL table: requests, errors, throughput, and latency and TTFT (avg, p99) per URL. */
export function perUrlTable(breakdown: readonly UrlBreakdown[], options: { colour?: boolean } = {}): string {
  const bold = (s: string): string => (options.colour ? `\x1b[1m${s}\x1b[22m` : s);
  const columns: Array<[string, (b: UrlBreakdown) => string]> = [
    ['URL', (b) => b.url],
    ['Requests', (b) => cell(b, 'request_count', 'avg', true)],
    ['Errors', (b) => cell(b, 'error_request_count', 'avg', true)],
    ['Requests/s', (b) => cell(b, 'request_throughput', 'avg')],
    ['Request Latency avg (ms)', (b) => cell(b, 'request_latency', 'avg')],
    ['p99', (b) => cell(b, 'request_latency', 'p99')],
    ['TTFT avg (ms)', (b) => cell(b, 'time_to_first_token', 'avg')],
    ['p99 ', (b) => cell(b, 'time_to_first_token', 'p99')],
  ];
  const rows = breakdown.map((b) => columns.map(([, f]) => f(b)));
  const widths = columns.map(([h], i) => Math.max(h.trim().length, ...rows.map((r) => r[i]!.length)));
  const W = 1 + widths.reduce((s, w) => s + w + 3, 0);
  const bar = (l: string, fill: string, mid: string, r: string): string => l + widths.map((w) => fill.repeat(w + 2)).join(mid) + r;
  const lines = [
    ' '.repeat(Math.max(0, Math.floor((W - PER_URL_TITLE.length) / 2))) + bold(PER_URL_TITLE),
    bar('┏', '━', '┳', '┓'),
    `┃${columns.map(([h], i) => ` ${h.trim().padStart(widths[i]!)} `).join('┃')}┃`,
    bar('┡', '━', '╇', '┩'),
    ...rows.map((r) => `│${r.map((t, i) => ` ${i === 0 ? t.padEnd(widths[i]!) : t.padStart(widths[i]!)} `).join('│')}│`),
    bar('└', '─', '┴', '┘'),
  ];
  return `${lines.join('\n')}\n`;
}

function cell(b: UrlBreakdown, tag: string, key: StatKey, integer = false): string {
  const v = b.blocks.get(tag)?.stats[key];
  if (v === undefined || !Number.isFinite(v)) return 'N/A';
  return integer ? String(v) : formatConsole2(v);
}
