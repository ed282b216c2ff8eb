// Ctrl-C and SIGTERM for the commands that run benchmarks (`profile`, `sweep`) and for `merge`: the first signal
// aborts the signal handed to the run and says what happens next; a second one flushes what the
// current run's reporters buffer, removes the temporary file of a summary still being written and
// exits 130 at once (docs/exports.md §10.3). The handlers stay until the command has written its
// last file, so a late signal is never the default "die without a word".
import { EXIT_INTERRUPTED } from '../errors.js';
import { removeUnfinishedTemporaryFilesSync } from '../io/atomic-write.js';

export interface InterruptHandling {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** Remove the handlers (call once the last file is written). */
  dispose(): void;
}

export interface InterruptOptions {
  /** The line printed on the first signal (it starts on a new line). */
  message(): string;
  /** Write synchronously what the reporters of the run in progress buffer (the second signal exits right after). */
  flushNow(): void;
  stderr?: { write(text: string): unknown };
}

export function handleInterrupts(options: InterruptOptions): InterruptHandling {
  const controller = new AbortController();
  const stderr = options.stderr ?? process.stderr;
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      // Buffered records and log lines are written, a summary still being written is dropped with
      // its temporary file, committed files stay.
      options.flushNow();
      removeUnfinishedTemporaryFilesSync();
      process.exit(EXIT_INTERRUPTED);
    }
    stderr.write(`\n${options.message()}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Resolves at the first SIGINT or SIGTERM, for commands that serve until stopped (`plot
 * --dashboard`, `web`); its handlers go with it. Call it before announcing the address, so a
 * signal right after the announcement is already caught.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
