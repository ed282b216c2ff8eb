// The console summary (docs/exports.md §9): the metrics table and its footer, written to
// `profile_export_console.txt` and, when given a stream, printed (in colour on a terminal).
import { writeFileAtomic } from '../../io/atomic-write.js';
import { consoleSummary, type FooterInput } from '../../report/console-summary.js';
import { gpuTelemetryTable } from '../../report/gpu-telemetry-export.js';
import { perUrlTable } from '../../report/per-url-export.js';
import { formatCliCommand } from '../../report/redact.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export interface ConsoleSummaryOptions {
  /** Where the summary is printed; null writes only the file. */
  stdout: { write(text: string): unknown; isTTY?: boolean } | null;
  /** ANSI colour on the printed table (never in the file); default: a TTY without NO_COLOR, or FORCE_COLOR. */
  colour?: boolean;
}

function defaultColour(stdout: { isTTY?: boolean }): boolean {
  if (process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0') return true;
  return stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
}

export class ConsoleSummaryReporter implements ProfileReporter {
  #run: RunContext | null = null;
  /** The summary as written to the file (tests and the library read it). */
  text: string | null = null;

  constructor(private readonly options: ConsoleSummaryOptions) {}

  start(run: RunContext): void {
    this.#run = run;
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    const files = run.written;
    const footer: Omit<FooterInput, 'run'> = {
      interrupted: end.interrupted,
      randomSeed: run.config.dataset.randomSeed,
      traceFidelity: end.metrics.traceFidelity,
      serverLines: end.footerLines,
      cliCommand: formatCliCommand(run.config.argv),
      paths: {
        csv: files.get('summaryCsv'),
        json: files.get('summaryJson'),
        records: files.get('records'),
        timeslices: files.get('timeslicesCsv'),
        serverMetrics: files.get('serverMetricsJson'),
        gpuTelemetry: files.get('gpuTelemetry'),
        log: files.get('log'),
        report: files.get('report'),
      },
      warnings: end.warnings,
    };
    const streaming = run.config.endpoint.streaming;
    const gpu = end.gpuTelemetry;
    const perUrl = end.perUrl;
    // With several `--url`s their table follows the metrics table (docs/exports.md §9); GPU telemetry's comes after both.
    const gpuTable = (colour: boolean): string | null =>
      [perUrl ? perUrlTable(perUrl, { colour }) : null, gpu ? gpuTelemetryTable(gpu.window, { colour }) : null]
        .filter((t) => t !== null)
        .join('\n') || null;
    this.text = run.scrubber.scrub(consoleSummary(end.metrics, footer, { streaming, gpuTable: gpuTable(false) }));
    await writeFileAtomic(run.path('console'), this.text);
    files.set('console', run.path('console'));
    const out = this.options.stdout;
    if (!out) return;
    const colour = this.options.colour ?? defaultColour(out);
    out.write(
      colour ? run.scrubber.scrub(consoleSummary(end.metrics, footer, { streaming, colour: true, gpuTable: gpuTable(true) })) : this.text,
    );
  }
}
