// The console summary of docs/exports.md §9: the `infermark | LLM Metrics` table and its footer.
import type { MetricBlock, RunMetrics } from '../metrics/aggregate.js';
import { clientHealthLine, connectionResendsLine, loadThreadsLine } from '../metrics/client-health.js';
import { CONSOLE_ORDER, metricDef, metricLabel } from '../metrics/metric-defs.js';
import type { StatKey } from '../metrics/stats.js';
import { formatCount } from './decimal-format.js';
import { formatConsole2, formatFixed2 } from './number-format.js';
import type { TraceFidelity } from './summary-json.js';

export const TABLE_TITLE = 'infermark | LLM Metrics';
export const EMBEDDINGS_TABLE_TITLE = 'infermark | Embeddings Metrics';
export const RANKINGS_TABLE_TITLE = 'infermark | Rankings Metrics';
const COLUMNS: Array<[string, StatKey | null]> = [
  ['Metric', null],
  ['avg', 'avg'],
  ['min', 'min'],
  ['max', 'max'],
  ['p99', 'p99'],
  ['p90', 'p90'],
  ['p50', 'p50'],
  ['std', 'std'],
];

/** The table rows: docs/exports.md §9 order, the single list in metric-defs. */
const ROWS = CONSOLE_ORDER;

interface Colour {
  label(s: string): string;
  value(s: string): string;
  na(s: string): string;
  title(s: string): string;
}
const NO_COLOUR: Colour = { label: (s) => s, value: (s) => s, na: (s) => s, title: (s) => s };
const ANSI: Colour = {
  label: (s) => `\x1b[36m${s}\x1b[39m`,
  value: (s) => `\x1b[32m${s}\x1b[39m`,
  na: (s) => `\x1b[2m${s}\x1b[22m`,
  title: (s) => `\x1b[1m${s}\x1b[22m`,
};

/** Which rows appear, with docs/exports.md §9's conditions. */
function tableRows(blocks: ReadonlyMap<string, MetricBlock>, streaming: boolean): string[] {
  return ROWS.filter((tag) => {
    const b = blocks.get(tag);
    if (!b || b.stats.avg === undefined) return false;
    if (tag === 'time_to_first_output_token' || tag === 'network_adjusted_time_to_first_output_token') {
      return blocks.has('reasoning_token_count');
    }
    if (tag === 'e2e_output_token_throughput') return !streaming;
    if (tag === 'error_request_count') return (b.stats.avg ?? 0) > 0;
    return true;
  });
}

/** The metrics table (docs/trace-analysis.md §6.1 geometry). */
export function metricsTable(blocks: ReadonlyMap<string, MetricBlock>, options: { streaming: boolean; colour?: boolean }): string {
  const c = options.colour ? ANSI : NO_COLOUR;
  const rows = tableRows(blocks, options.streaming).map((tag) => {
    const b = blocks.get(tag)!;
    const single = metricDef(tag).kind === 'aggregate';
    return COLUMNS.map(([, key], i) => {
      if (i === 0) return { text: metricLabel(tag), na: false };
      const v = key === null ? undefined : b.stats[key];
      if (single && key !== 'avg') return { text: 'N/A', na: true };
      return v === undefined || !Number.isFinite(v) ? { text: 'N/A', na: true } : { text: formatConsole2(v), na: false };
    });
  });
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...rows.map((r) => r[i]!.text.length)));
  const W = 1 + widths.reduce((s, w) => s + w + 3, 0);
  const bar = (l: string, fill: string, mid: string, r: string): string => l + widths.map((w) => fill.repeat(w + 2)).join(mid) + r;
  const lines: string[] = [];
  // AIPerf titles the table by what the endpoint measures (docs/exports.md §9).
  const title = blocks.has('num_embeddings') ? EMBEDDINGS_TABLE_TITLE : blocks.has('num_passages') ? RANKINGS_TABLE_TITLE : TABLE_TITLE;
  lines.push(' '.repeat(Math.floor((W - title.length) / 2)) + c.title(title));
  lines.push(bar('┏', '━', '┳', '┓'));
  lines.push(`┃${COLUMNS.map(([h], i) => ` ${h.padStart(widths[i]!)} `).join('┃')}┃`);
  lines.push(bar('┡', '━', '╇', '┩'));
  for (const r of rows) {
    const cells = r.map((cell, i) => {
      const padded = cell.text.padStart(widths[i]!);
      const styled = i === 0 ? c.label(padded) : cell.na ? c.na(padded) : c.value(padded);
      return ` ${styled} `;
    });
    lines.push(`│${cells.join('│')}│`);
  }
  lines.push(bar('└', '─', '┴', '┘'));
  return `${lines.join('\n')}\n`;
}

/** `100·success/(success+errors)` with at most 2 decimals, trailing zeros removed. */
export function successRateText(success: number, errors: number): string {
  const total = success + errors;
  const pct = total === 0 ? 0 : (100 * success) / total;
  const s = formatFixed2(pct).replace(/\.?0+$/, '');
  return `${s}% (${errors} ${errors === 1 ? 'error' : 'errors'})`;
}

export interface FooterInput {
  run: RunMetrics;
  interrupted: boolean;
  randomSeed: bigint | number | null;
  traceFidelity: TraceFidelity | null;
  /** `Server prefix cache hit rate: …` when available. */
  serverLines?: readonly string[];
  cliCommand: string;
  paths: {
    csv?: string;
    json?: string;
    records?: string;
    timeslices?: string;
    serverMetrics?: string;
    gpuTelemetry?: string;
    log?: string;
    report?: string;
  };
  warnings: readonly string[];
}

/** The footer lines of docs/exports.md §9, in order, then warnings. */
export function footerLines(f: FooterInput): string[] {
  const lines: string[] = [];
  const run = f.run;
  if (f.interrupted) lines.push(`Run interrupted: results cover ${run.successCount + run.errorCount} completed requests`);
  if (run.durationSec !== null) lines.push(`Benchmark Duration: ${formatConsole2(run.durationSec)} sec`);
  if (run.successCount + run.errorCount > 0) lines.push(`Success Rate: ${successRateText(run.successCount, run.errorCount)}`);
  if (f.randomSeed !== null) lines.push(`Random Seed: ${f.randomSeed}`);
  lines.push(clientHealthLine(run.clientHealth));
  const resends = connectionResendsLine(run.clientHealth);
  if (resends !== null) lines.push(resends);
  if (run.clientHealth.loadThreads) lines.push(loadThreadsLine(run.clientHealth.loadThreads));
  if (f.traceFidelity) lines.push(traceFidelityLine(f.traceFidelity));
  for (const l of f.serverLines ?? []) lines.push(l);
  if (run.errorSummary.length > 0) {
    lines.push('Errors:');
    for (const g of run.errorSummary.slice(0, 5)) {
      const code = g.error.code === null ? '' : `${g.error.code} `;
      lines.push(`  ${g.count} × ${code}${g.error.type}: ${g.error.message.split('\n')[0]}`);
    }
    if (run.errorSummary.length > 5) lines.push(`  … and ${run.errorSummary.length - 5} more error kinds (see the JSON export)`);
  }
  lines.push(`CLI Command: ${f.cliCommand}`);
  const p = f.paths;
  if (p.csv) lines.push(`CSV Export: ${p.csv}`);
  if (p.json) lines.push(`JSON Export: ${p.json}`);
  if (p.records) lines.push(`Records Export: ${p.records}`);
  if (p.timeslices) lines.push(`Timeslices: ${p.timeslices}`);
  if (p.serverMetrics) lines.push(`Server Metrics: ${p.serverMetrics}`);
  if (p.gpuTelemetry) lines.push(`GPU Telemetry: ${p.gpuTelemetry}`);
  if (p.log) lines.push(`Log File: ${p.log}`);
  if (p.report) lines.push(`Report: ${p.report}`);
  for (const w of f.warnings) lines.push(`warning: ${w}`);
  return lines;
}

const rows = (n: number): string => `${formatCount(n)} ${n === 1 ? 'row' : 'rows'}`;

/** The footer line of docs/synthesis.md §6.5. */
export function traceFidelityLine(t: TraceFidelity): string {
  return (
    `Trace ISL fidelity: ${rows(t.rows)}; requested mean ${formatConsole2(t.requested_isl_mean)}, ` +
    `materialised mean ${formatConsole2(t.materialised_isl_mean)}; |diff| mean ${formatConsole2(t.abs_diff_mean)}, ` +
    `max ${formatCount(t.abs_diff_max)}; ${rows(t.rows_off_by_more_than_1pct)} off by more than 1%`
  );
}

/** Warnings derived from the run's metrics (docs/metrics.md §4.3, §4.5, §8). */
export function runWarnings(run: RunMetrics, useServerTokenCount: boolean): string[] {
  const w: string[] = [];
  if (run.oslMismatchCount > 0) {
    w.push(
      `${run.oslMismatchCount} request(s) returned an output length more than min(5%, 50 tokens) away from the requested max tokens; ` +
        `consider --extra-inputs ignore_eos:true or min_tokens`,
    );
  }
  if (useServerTokenCount && run.serverCountFallbacks > 0) {
    w.push(`${run.serverCountFallbacks} response(s) carried no usage; their token counts come from the client tokenizer`);
  }
  if (run.replayDegraded) {
    const p99 = run.blocks.get('replay_sched_lag_p99')?.stats.avg ?? 0;
    w.push(`fixed-schedule replay fell behind: schedule lag p99 ${formatFixed2(p99)} ms > 500 ms`);
  }
  return w;
}

/** The complete console summary (table + footer), without colour unless asked. */
export function consoleSummary(
  run: RunMetrics,
  footer: Omit<FooterInput, 'run'>,
  options: { streaming: boolean; colour?: boolean; gpuTable?: string | null },
): string {
  const gpu = options.gpuTable ? `\n${options.gpuTable}` : '';
  return `${metricsTable(run.blocks, options)}${gpu}\n${footerLines({ ...footer, run }).join('\n')}\n`;
}
