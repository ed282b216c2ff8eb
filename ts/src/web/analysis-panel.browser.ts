// The Analyse tab: a trace from the file picker or a drop, analysed in the worker with a
// progress bar and Cancel; the report shows the same text as `analyze-trace` (the console
// report's summary lines and table, from ts/src/report/analysis-console.ts), errors as the CLI
// states them.
import { COLUMNS, statisticsRows, summaryFields } from '../report/analysis-console.js';
import type { AnalysisReport } from '../trace-core/report.js';
import { renderAnalysisCharts } from './analysis-charts.browser.js';
import { progressText } from './progress-text.browser.js';
import type { TraceShape } from './trace-shape.browser.js';
import { type RunningJob, startJob } from './worker-client.browser.js';

/** data-testid of each summary line, in summaryFields' order. */
const SUMMARY_TEST_IDS = ['total-requests', 'unique-prefixes', 'prefix-groups', 'cache-hit-rate', 'prefix-reuse-ratio'] as const;

function byId<T extends HTMLElement>(root: Document, id: string): T {
  const el = root.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el as T;
}

export function setUpAnalysisPanel(root: Document): void {
  const input = byId<HTMLInputElement>(root, 'analyse-file');
  const dropZone = byId<HTMLElement>(root, 'drop-zone');
  const skipInvalid = byId<HTMLInputElement>(root, 'analyse-skip-invalid');
  const blockSize = byId<HTMLInputElement>(root, 'analyse-block-size');
  const job = byId<HTMLElement>(root, 'analyse-job');
  const bar = byId<HTMLProgressElement>(root, 'analyse-progress-bar');
  const progress = byId<HTMLElement>(root, 'analyse-progress');
  const cancel = byId<HTMLButtonElement>(root, 'analyse-cancel');
  const error = byId<HTMLElement>(root, 'analyse-error');
  const warnings = byId<HTMLElement>(root, 'analyse-warnings');
  const result = byId<HTMLElement>(root, 'analyse-result');
  const table = byId<HTMLTableElement>(root, 'analyse-table');
  const charts = byId<HTMLElement>(root, 'analyse-charts');
  let running: RunningJob<'analyze'> | null = null;

  const showError = (text: string): void => {
    error.textContent = text;
    error.hidden = false;
  };

  const analyse = async (file: File): Promise<void> => {
    running?.cancel();
    error.hidden = true;
    warnings.hidden = true;
    result.hidden = true;
    const size = /^\d+$/.test(blockSize.value.trim()) ? Number(blockSize.value.trim()) : Number.NaN;
    if (!Number.isInteger(size) || size < 1 || size > 4294967295) {
      // The CLI's wording for a bad --block-size (cli/option-types.ts integerIn).
      showError(`error: option '--block-size <n>': expected an integer in [1, 4294967295], got '${blockSize.value}'`);
      return;
    }
    const started = performance.now();
    bar.value = 0;
    progress.textContent = 'starting…';
    job.hidden = false;
    cancel.hidden = false;
    const current = startJob<'analyze'>(
      { kind: 'analyze', file, sourceName: file.name, blockSize: size, skipInvalid: skipInvalid.checked },
      (p) => {
        bar.value = p.totalBytes > 0 ? p.bytes / p.totalBytes : 1;
        progress.textContent = progressText(p, (performance.now() - started) / 1000);
      },
    );
    running = current;
    const outcome = await current.outcome;
    if (running !== current) return;
    running = null;
    if (outcome.status === 'cancelled') {
      // Not an error: the bar stays where it stopped, and the line says so.
      cancel.hidden = true;
      progress.textContent = `cancelled at ${progress.textContent ?? ''}`;
      return;
    }
    if (outcome.status === 'failed') {
      job.hidden = true;
      showError(`error: ${outcome.error.message}`);
      return;
    }
    bar.value = 1;
    cancel.hidden = true;
    if (outcome.result.warnings.length > 0) {
      warnings.textContent = outcome.result.warnings.join('\n');
      warnings.hidden = false;
    }
    showReport(outcome.result.report, outcome.result.shape);
  };

  const showReport = (report: AnalysisReport, shape: TraceShape): void => {
    summaryFields(report).forEach(([, value], i) => {
      const dd = root.querySelector<HTMLElement>(`[data-testid="${SUMMARY_TEST_IDS[i]}"]`);
      if (dd) dd.textContent = value;
    });
    table.replaceChildren();
    const head = table.createTHead().insertRow();
    for (const c of COLUMNS) {
      const th = root.createElement('th');
      th.textContent = c;
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of statisticsRows(report)) {
      const tr = body.insertRow();
      for (const cell of row) tr.insertCell().textContent = cell;
    }
    result.hidden = false;
    renderAnalysisCharts(charts, report, shape);
  };

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void analyse(file);
  });
  cancel.addEventListener('click', () => running?.cancel());
  dropZone.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropZone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void analyse(file);
  });
}
