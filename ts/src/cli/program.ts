// The `infermark` commander program: global flags, docs/cli.md §1.3 error handling, one register call per command.
import { Command } from 'commander';
import { reportCliError } from './errors.js';
import { registerAnalyzeTrace } from './analyze-trace.js';
import { registerSynthesize } from './synthesize.js';
import { registerHashPrompts } from './hash-prompts.js';
import { registerProfile } from './profile.js';
import { registerServeMock } from './serve-mock.js';
import { registerPlot } from './plot.js';
import { registerSweep } from './sweep.js';
import { registerMerge } from './merge.js';
import { registerWeb } from './web.js';
import { registerK8s } from './k8s.js';
import { packageVersion } from '../version.js';

/** Global options every command can read with `command.optsWithGlobals<GlobalOptions>()`. */
export interface GlobalOptions {
  verbose?: boolean;
}

/**
 * Build the program. Settings that subcommands inherit (exit override, silenced commander
 * error output) are applied before any command is registered, because commander copies
 * them when `.command()` is called.
 */
export function createProgram(): Command {
  const program = new Command('infermark');
  program
    .description('Benchmarking toolkit for LLM inference servers: load testing, goodput, trace analysis and synthesis')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .option('-v, --verbose', 'debug logging and stack traces on errors')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander's own error printing is replaced by reportCliError's single line.
    .configureOutput({ outputError: () => {} });

  registerAnalyzeTrace(program);
  registerSynthesize(program);
  registerHashPrompts(program);
  registerProfile(program);
  registerServeMock(program);
  registerPlot(program);
  registerSweep(program);
  registerMerge(program);
  registerWeb(program);
  registerK8s(program);

  return program;
}

/** Run the CLI; returns the exit code (docs/cli.md §1.2). Never throws. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  // `infermark … | head` closes stdout early; the remaining output is unwanted, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    const verbose = Boolean(program.opts<GlobalOptions>().verbose) || argv.includes('--verbose') || argv.includes('-v');
    return reportCliError(err, { verbose });
  }
}
