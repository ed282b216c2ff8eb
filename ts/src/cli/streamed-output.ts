// How the trace-writing commands (synthesize, hash-prompts) finish their output file, Ctrl-C included.
import { EXIT_INTERRUPTED } from '../errors.js';
import type { OutputTarget } from '../io/output-target.js';

/**
 * Run `produce` into `out` and commit it (a failure removes the partial output). Ctrl-C or
 * SIGTERM meanwhile removes the partial output at once and exits 130 (docs/cli.md §1.2): a
 * transform or generate run has no partial result worth keeping.
 */
export async function writeStreamedOutput<T>(out: OutputTarget, path: string, produce: () => Promise<T>): Promise<T> {
  const onSignal = (): void => {
    out.discard();
    process.stderr.write(`interrupted: ${path} was not written\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await out.complete(produce);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
