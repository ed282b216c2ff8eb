// `profile --num-profile-runs N` with N > 1 (docs/cli.md §3.10): every run with the standard
// reporters (its console table included), each into its own directory, then the aggregate table
// and the paths of the aggregate files. Ctrl-C stops the run in progress and starts no further
// run; the aggregate of the runs that ended is written all the same, marked partial.
import type { ProfileConfig } from '../config/profile-config.js';
import { UsageError } from '../errors.js';
import type { ProfileReporter } from '../profile/index.js';
import { packageVersion } from '../version.js';
import { handleInterrupts } from './interrupt.js';

/** Flags that do not combine with repeated runs (exit 2). */
export function checkRepeatedRuns(config: ProfileConfig): void {
  if (config.repeat.numProfileRuns === 1) return;
  if (config.load.shard !== null) {
    throw new UsageError(
      "option '--num-profile-runs' cannot be used with option '--shard-index': repeat the sharded run as a whole instead",
    );
  }
  if (config.output.metricsEndpoint !== null) {
    throw new UsageError(
      "option '--num-profile-runs' cannot be used with option '--metrics-port': each run would serve and linger in turn",
    );
  }
}

export async function profileRepeated(config: ProfileConfig, verbose: boolean): Promise<void> {
  const { standardReporters } = await import('../profile/index.js');
  const { runRepeated } = await import('../sweep/run-repeated.js');
  const { aggregateConsoleTable } = await import('../report/confidence-aggregate.js');
  let current: readonly ProfileReporter[] = [];
  const interrupts = handleInterrupts({
    message: () =>
      'interrupted: stopping the repeated runs; in-flight requests get a moment to finish, then the aggregate of the finished runs is written (Ctrl-C again to quit now)',
    flushNow: () => {
      for (const r of current) r.flushNow?.();
    },
  });
  try {
    const result = await runRepeated(config, {
      reporters: (_label, placement) => {
        current = standardReporters({
          stdout: process.stdout,
          progress: { ui: config.output.ui, stderr: process.stderr },
          dashboard: config.output.dashboard,
          logLevel: verbose ? 'debug' : 'info',
          plot: config.output.plot,
          placement,
        });
        return current;
      },
      signal: interrupts.signal,
      version: packageVersion(),
      stderr: process.stderr,
      onRunStart: (label, index, of) => process.stderr.write(`profile: ${label} (${index + 1}/${of})\n`),
      onRunEnd: (run) => {
        if (!run.ok)
          process.stderr.write(
            `profile: ${run.label} ${run.failure === 'interrupted' ? 'interrupted' : `FAILED: ${run.failure ?? 'the run failed'}`}\n`,
          );
      },
    });
    const s = result.summary;
    const stopLine =
      s.stop === 'converged' && s.convergence !== null
        ? [
            `Converged: ${s.convergence.metric} ${s.convergence.stat} (${s.convergence.mode} < ${s.convergence.threshold}) after ${s.runs.length} runs`,
          ]
        : [];
    process.stdout.write(
      `\n${aggregateConsoleTable(s)}${[...stopLine, `Aggregate JSON: ${result.files.json}`, `Aggregate CSV: ${result.files.csv}`].join('\n')}\n`,
    );
    if (result.exitCode !== 0) process.exitCode = result.exitCode;
  } finally {
    interrupts.dispose();
  }
}
