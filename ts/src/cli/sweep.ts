// `infermark sweep`: profile's flags (the same table, parsers and config resolution) plus a swept
// `--concurrency LIST` or `--request-rate LIST` (docs/cli.md §8). Every point is validated before
// the first run; the points run in order with progress on stderr; the Pareto table goes to stdout.
import type { Command } from 'commander';
import { MAX_DURATION_SECONDS, MAX_GPUS } from '../config/limits.js';
import type { ProfileReporter } from '../profile/reporter.js';
import { colourEnabled } from '../report/colour.js';
import { ProgressLine } from '../report/progress-line.js';
import { sweepValueText } from '../report/sweep-summary.js';
import { sweepFooterLines, sweepTable } from '../report/sweep-table.js';
import type { SweepPlots } from '../sweep/run-sweep.js';
import { planSweep, sweepDimension } from '../sweep/sweep-plan.js';
import { tokenizerNotice } from '../tokenizer/index.js';
import { packageVersion } from '../version.js';
import { handleInterrupts } from './interrupt.js';
import { addOptionTable, type OptionSpec } from './option-table.js';
import { integerIn, listOf, numberIn, type OptionParser } from './option-types.js';
import { addProfileFlags, cliArgv, PROFILE_OPTIONS } from './profile.js';
import type { GlobalOptions } from './program.js';

/** The flags `sweep` adds to profile's. */
interface SweepFlags {
  concurrency?: number[];
  requestRate?: number[];
  cooldownSeconds?: number;
  gpus?: number;
  failFast?: boolean;
}

/** Profile's parser of a flag, so a swept value is validated exactly like the single value (docs/cli.md §1.5). */
function profileParser(key: 'concurrency' | 'requestRate'): OptionParser<number> {
  const parser = PROFILE_OPTIONS.find((spec) => spec.key === key)?.parser;
  if (parser === undefined) throw new Error(`profile option table: no parser for ${key}`);
  return parser as OptionParser<number>;
}

const SWEEP_OPTIONS: readonly OptionSpec<SweepFlags>[] = [
  {
    key: 'concurrency',
    flags: '--concurrency <list>',
    description: 'comma-separated concurrencies, one profile run each, in this order',
    parser: listOf(profileParser('concurrency')),
  },
  {
    key: 'requestRate',
    flags: '--request-rate <list>',
    description: 'comma-separated request rates (requests/s), one profile run each, in this order',
    parser: listOf(profileParser('requestRate')),
  },
  {
    key: 'cooldownSeconds',
    flags: '--cooldown-seconds <s>',
    description: 'seconds to wait between two runs',
    parser: numberIn(0, MAX_DURATION_SECONDS),
    shownDefault: 0,
  },
  {
    key: 'gpus',
    flags: '--gpus <n>',
    description: 'GPUs serving the model: adds the output tok/s/GPU column',
    parser: integerIn(1, MAX_GPUS),
  },
  { key: 'failFast', flags: '--fail-fast', description: 'stop at the first failed run (default: report it and go on)' },
];

/** The console lines about the sweep's plots. */
function plotLines(plots: SweepPlots | null): string[] {
  if (plots === null) return [];
  if (plots.skipped !== null) return [`Plots: none (${plots.skipped}; \`infermark plot\` draws them from the run directories)`];
  if (plots.failure !== null) return [];
  return [`Plots: ${plots.directory} (${plots.files.length} files)`];
}

/**
 * Profile's flags without the two that `sweep` takes as lists. `--artifact-dir` keeps its parser
 * but means the sweep's directory, which holds one run directory per point (docs/cli.md §8).
 */
const SHARED_PROFILE_OPTIONS = PROFILE_OPTIONS.filter((spec) => spec.key !== 'concurrency' && spec.key !== 'requestRate').map((spec) =>
  spec.key === 'artifactDir'
    ? {
        ...spec,
        description: 'the sweep directory: one <run-name> directory per point, the sweep summary, plots/',
        shownDefault: 'artifacts',
      }
    : spec,
);

export function registerSweep(program: Command): Command {
  const cmd = program
    .command('sweep')
    .description('run profile once per concurrency or request rate and print the Pareto table')
    .helpOption('-h, --help', 'show help');
  addOptionTable(cmd, SWEEP_OPTIONS);
  const readFlags = addProfileFlags(cmd, SHARED_PROFILE_OPTIONS);
  cmd.action(async (raw: Record<string, unknown>, command: Command) => {
    const options = readFlags(raw, command);
    const given = (key: keyof SweepFlags): boolean => command.getOptionValueSource(key) === 'cli';
    const flags = raw as SweepFlags;
    const sweep = sweepDimension({
      ...(given('concurrency') ? { concurrency: flags.concurrency! } : {}),
      ...(given('requestRate') ? { requestRate: flags.requestRate! } : {}),
    });
    const plan = planSweep(options, sweep, cliArgv());
    const first = plan.points[0]!.config;
    for (const notice of first.notices) process.stderr.write(`notice: ${notice}\n`);
    // An unknown tokenizer name fails here (exit 2), before the heavy imports and before any run.
    const resolvedAs = tokenizerNotice(first.tokenizer);
    if (resolvedAs !== null) process.stderr.write(`notice: ${resolvedAs}\n`);
    const { standardReporters } = await import('../profile/index.js');
    const { runSweep } = await import('../sweep/run-sweep.js');
    const verbose = Boolean(command.optsWithGlobals<GlobalOptions>().verbose);
    let current: readonly ProfileReporter[] = [];
    const interrupts = handleInterrupts({
      message: () =>
        'interrupted: stopping the sweep; in-flight requests get a moment to finish, then the finished points and the sweep summary are written (Ctrl-C again to quit now)',
      flushNow: () => {
        for (const r of current) r.flushNow?.();
      },
    });
    const plotProgress = new ProgressLine(process.stderr);
    const name = (value: number): string => `${plan.dimension} ${sweepValueText(plan.dimension, value)}`;
    try {
      const result = await runSweep(plan, {
        reporters: (_point, placement) => {
          current = standardReporters({
            stdout: null,
            progress: { ui: first.output.ui, stderr: process.stderr },
            // Each point serves the live page in turn, on the same port (a page open on it is reloaded by hand).
            dashboard: first.output.dashboard,
            logLevel: verbose ? 'debug' : 'info',
            placement,
            metricsEndpoint: { announce: process.stderr, signal: interrupts.signal },
          });
          return current;
        },
        signal: interrupts.signal,
        cooldownSeconds: flags.cooldownSeconds ?? 0,
        failFast: flags.failFast === true,
        gpus: flags.gpus ?? null,
        version: packageVersion(),
        stderr: process.stderr,
        onPointStart: (point, of) => process.stderr.write(`sweep: ${name(point.value)} (${point.index + 1}/${of}) → ${point.directory}\n`),
        onPointEnd: (point) => {
          if (point.status === 'failed') process.stderr.write(`sweep: ${name(point.value)} FAILED: ${point.failure ?? 'the run failed'}\n`);
          else if (point.status === 'interrupted') process.stderr.write(`sweep: ${name(point.value)} interrupted\n`);
        },
        // The charts and report.html of plot, by plot's code and defaults.
        plots: { onProgress: (text) => plotProgress.update(text) },
      });
      plotProgress.clear();
      const colour = colourEnabled(process.stdout);
      process.stdout.write(
        `${sweepTable(result.summary, { colour })}${[
          ...sweepFooterLines(result.summary),
          `Sweep Summary JSON: ${result.files.json}`,
          `Sweep Summary CSV: ${result.files.csv}`,
          ...plotLines(result.plots),
        ].join('\n')}\n`,
      );
      for (const note of result.plots?.notes ?? []) process.stderr.write(`warning: ${note}\n`);
      if (result.plots?.failure) process.stderr.write(`error: the sweep's plots were not written: ${result.plots.failure}\n`);
      if (result.exitCode !== 0) process.exitCode = result.exitCode;
    } finally {
      interrupts.dispose();
    }
  });
  return cmd;
}
