// `infermark merge SHARD_DIR ... -o DIR`: one result from the runs of several shards (docs/cli.md §9);
// the work is merge/merge-shards.ts.
import { type Command, Option } from 'commander';
import { MAX_DURATION_SECONDS, MIN_SLICE_SECONDS } from '../config/limits.js';
import { EXIT_INTERRUPTED } from '../errors.js';
import { mergeShards } from '../merge/merge-shards.js';
import { MergeInterrupted } from '../merge/shard-records.js';
import { handleInterrupts } from './interrupt.js';
import { packageVersion } from '../version.js';
import { numberIn, parsePath } from './option-types.js';

export interface MergeCliOptions {
  output: string;
  goodput?: string[];
  sliceDuration?: number;
  force?: boolean;
}

/** `--goodput` may be given several times, as for `profile`. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Add `merge` to the program. */
export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge the runs of several shards into one result, every metric recomputed from the union of their records')
    .argument('<SHARD_DIR...>', 'run directories of the shards (each with its records file and summary JSON)')
    .addOption(new Option('-o, --output <dir>', 'directory of the merged result').argParser(parsePath).makeOptionMandatory())
    .addOption(new Option('--goodput <slos>', '"tag:value …" SLOs (repeatable); default: the shards\' own').argParser(collect))
    .addOption(
      new Option('--slice-duration <s>', "time-slice length; default: the shards' own").argParser(
        numberIn(MIN_SLICE_SECONDS, MAX_DURATION_SECONDS),
      ),
    )
    .addOption(new Option('--force', 'merge shards that differ in model names, endpoint type or streaming'))
    .action(async function (this: Command, shards: string[]) {
      const opts = this.opts<MergeCliOptions>();
      let reading = true;
      const interrupts = handleInterrupts({
        message: () =>
          reading
            ? 'interrupted: stopping the merge; no result is written (Ctrl-C again to quit now)'
            : 'interrupted: every record is read; writing the remaining result files (Ctrl-C again to quit now)',
        flushNow: () => undefined,
      });
      try {
        const result = await mergeShards({
          shards,
          output: opts.output,
          ...(opts.goodput === undefined ? {} : { goodput: opts.goodput }),
          sliceDuration: opts.sliceDuration ?? null,
          force: opts.force === true,
          argv: ['infermark', ...process.argv.slice(2)],
          version: packageVersion(),
          stdout: process.stdout,
          colour: process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined,
          signal: interrupts.signal,
          onRecordsRead: () => (reading = false),
        });
        if (interrupts.signal.aborted) process.exitCode = EXIT_INTERRUPTED;
        else {
          if (result.failure !== null) process.stderr.write(`error: ${result.failure}\n`);
          if (result.exitCode !== 0) process.exitCode = result.exitCode;
        }
      } catch (err) {
        if (!(err instanceof MergeInterrupted)) throw err;
        process.exitCode = EXIT_INTERRUPTED;
      } finally {
        interrupts.dispose();
      }
    });
}
