// `infermark plot [PATH ...]`: charts of finished runs (docs/cli.md §7); the work is plot/plot-runs.ts.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { MAX_GPUS } from '../config/limits.js';
import type { PlotFormat, PlotTheme } from '../plot/plot-model.js';
import { DEFAULT_PLOT_FORMATS, type HtmlWriter, plotRuns } from '../plot/plot-runs.js';
import { ProgressLine } from '../report/progress-line.js';
import { integerIn, parseChoice, parsePath } from './option-types.js';

export interface PlotCliOptions {
  paths?: string[];
  output?: string;
  theme: PlotTheme;
  format: PlotFormat[];
  gpus: number;
}

const FORMATS: readonly PlotFormat[] = ['png', 'svg', 'html'];
const THEMES: readonly PlotTheme[] = ['light', 'dark'];

/** `--format png,svg,html`: a comma-separated list of known formats, each checked (docs/cli.md §1.3 message shape). */
export function parseFormats(value: string): PlotFormat[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    throw new InvalidArgumentError(`expected a comma-separated list of ${FORMATS.join(', ')}, got '${value}'`);
  for (const p of parts) {
    if (!(FORMATS as readonly string[]).includes(p))
      throw new InvalidArgumentError(`expected one of ${FORMATS.join(', ')} (comma-separated), got '${p}'`);
  }
  return [...new Set(parts as PlotFormat[])];
}

/** A variadic path option (`--paths A B`): each value checked like a path. */
function collectPaths(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parsePath(value)];
}

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Run plot with parsed options. `writeHtml` writes report.html when `--format` has `html`
 * (plot-runs.ts `HtmlWriter`); without one, `--format html` is refused with a clear message.
 */
export async function runPlot(
  positional: readonly string[],
  opts: PlotCliOptions,
  streams: Streams,
  writeHtml?: HtmlWriter,
): Promise<void> {
  const paths = [...positional, ...(opts.paths ?? [])];
  const bar = new ProgressLine(streams.stderr);
  let result: Awaited<ReturnType<typeof plotRuns>>;
  try {
    result = await plotRuns({
      paths: paths.length > 0 ? paths : ['artifacts'],
      ...(opts.output !== undefined ? { output: opts.output } : {}),
      theme: opts.theme,
      formats: opts.format,
      gpus: opts.gpus,
      ...(writeHtml ? { writeHtml } : {}),
      onProgress: (text) => bar.update(text),
    });
  } finally {
    bar.clear();
  }
  for (const note of result.notes) streams.stderr.write(`warning: ${note}\n`);
  const runs = result.model.runs.length;
  streams.stdout.write(`Plotted ${runs} run${runs === 1 ? '' : 's'}: ${result.model.runs.map((r) => r.name).join(', ')}\n`);
  for (const file of result.files) streams.stdout.write(`${file}\n`);
}

/** Add `plot` to the program. */
export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('charts of finished runs: per-request values over time, throughput, time slices, Pareto curves across runs')
    .argument('[PATH...]', 'directories searched recursively for runs (default: ./artifacts)')
    .addOption(new Option('--paths <path...>', 'the same as PATH (AIPerf spelling)').argParser(collectPaths))
    .addOption(new Option('-o, --output <dir>', 'where the charts go (default: <first PATH>/plots)').argParser(parsePath))
    .addOption(new Option('--theme <theme>', 'colour scheme: light or dark').argParser(parseChoice(THEMES)).default('light'))
    .addOption(
      new Option('--format <list>', 'comma-separated: png, svg, html')
        .argParser(parseFormats)
        .default([...DEFAULT_PLOT_FORMATS], DEFAULT_PLOT_FORMATS.join(',')),
    )
    .addOption(
      new Option('--gpus <n>', 'GPUs of the server: divides throughput on the per-GPU axes').argParser(integerIn(1, MAX_GPUS)).default(1),
    )
    .action(async function (this: Command, positional: string[]) {
      await runPlot(positional, this.opts<PlotCliOptions>(), { stdout: process.stdout, stderr: process.stderr });
    });
}
