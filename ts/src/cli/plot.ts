// `infermark plot [PATH ...]`: charts of finished runs (docs/cli.md §7); the work is plot/plot-runs.ts.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { MAX_GPUS } from '../config/limits.js';
import { EXIT_INTERRUPTED, UsageError } from '../errors.js';
import { DASHBOARD_DEFAULT_PORT, DASHBOARD_HOST, startDashboard } from '../plot/dashboard.js';
import { dashboardRuns } from '../plot/dashboard-runs.js';
import type { PlotFormat, PlotTheme } from '../plot/plot-model.js';
import { DEFAULT_PLOT_FORMATS, plotRuns } from '../plot/plot-runs.js';
import { ProgressLine } from '../report/progress-line.js';
import { untilStopSignal } from './interrupt.js';
import { givenByUser } from './option-table.js';
import { integerIn, parseChoice, parsePath } from './option-types.js';

export interface PlotCliOptions {
  paths?: string[];
  output?: string;
  theme: PlotTheme;
  format: PlotFormat[];
  gpus: number;
  dashboard?: boolean;
  port: number;
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

/** Run plot with parsed options. */
export async function runPlot(positional: readonly string[], opts: PlotCliOptions, streams: Streams): Promise<void> {
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

/** The reason of an error, for a warning line. */
function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `plot --dashboard`: serve the report of every run under the PATHs on 127.0.0.1 until Ctrl-C
 * (or SIGTERM), then stop listening and end with 130 (docs/cli.md §1.2).
 */
export async function runDashboard(positional: readonly string[], opts: PlotCliOptions, streams: Streams): Promise<void> {
  const given = [...positional, ...(opts.paths ?? [])];
  const paths = given.length > 0 ? given : ['artifacts'];
  const runs = dashboardRuns(paths, {
    theme: opts.theme,
    gpus: opts.gpus,
    onSkip: (run, err) => streams.stderr.write(`warning: run ${run.name} left out: ${reasonOf(err)}\n`),
  });
  // Listening for Ctrl-C before the listening line is printed: a signal right after it still ends with 130.
  const stopped = untilStopSignal();
  const dashboard = await startDashboard({
    port: opts.port,
    fingerprint: runs.fingerprint,
    load: runs.load,
    onError: (err) => streams.stderr.write(`warning: the runs could not be read again: ${reasonOf(err)}\n`),
  });
  streams.stdout.write(`infermark dashboard listening on ${dashboard.url} (${DASHBOARD_HOST} only; Ctrl-C to stop)\n`);
  await stopped;
  await dashboard.close();
  process.exitCode = EXIT_INTERRUPTED;
}

/**
 * AIPerf's `--host`: the dashboard serves run files, configurations and error messages without
 * authentication, so it listens on loopback only (docs/cli.md §7.6); any other address is refused
 * rather than silently served on 127.0.0.1.
 */
function parseLoopbackHost(value: string): string {
  if (value === DASHBOARD_HOST || value === 'localhost') return DASHBOARD_HOST;
  throw new InvalidArgumentError(
    `the dashboard listens on ${DASHBOARD_HOST} only, got '${value}' (to view it from another machine, forward the port: ssh -L 8050:127.0.0.1:8050 HOST)`,
  );
}

/** `--dashboard` serves; the flags that only shape written files cannot go with it, and `--port` needs it. */
function checkDashboardFlags(command: Command, opts: PlotCliOptions): void {
  if (!opts.dashboard) {
    for (const name of ['port', 'host'] as const) {
      if (givenByUser(command, name)) throw new UsageError(`option '--${name}' requires option '--dashboard'`);
    }
    return;
  }
  for (const [name, flag] of [
    ['output', '--output'],
    ['format', '--format'],
  ] as const) {
    if (givenByUser(command, name)) throw new UsageError(`option '${flag}' cannot be used with option '--dashboard'`);
  }
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
    .addOption(
      new Option('--dashboard', `serve the interactive report of every run under PATH on ${DASHBOARD_HOST}, updated as runs appear`),
    )
    .addOption(
      new Option('--host <host>', `accepted for AIPerf's command lines: only ${DASHBOARD_HOST} (or localhost) is served`).argParser(
        parseLoopbackHost,
      ),
    )
    .addOption(
      new Option('--port <n>', `the dashboard's port on ${DASHBOARD_HOST} (0: any free port)`)
        .argParser(integerIn(0, 65535))
        .default(DASHBOARD_DEFAULT_PORT),
    )
    // A hook, not the action: flag checks run before any action (and tests parse without running it).
    .hook('preAction', (command) => checkDashboardFlags(command, command.opts<PlotCliOptions>()))
    .action(async function (this: Command, positional: string[]) {
      const opts = this.opts<PlotCliOptions>();
      const streams = { stdout: process.stdout, stderr: process.stderr };
      if (opts.dashboard) await runDashboard(positional, opts, streams);
      else await runPlot(positional, opts, streams);
    });
}
