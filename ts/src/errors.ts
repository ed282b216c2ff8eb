// The ground floor: infermark's error classes and the exit codes of docs/cli.md §1.2. Every layer
// may throw these; only the CLI (ts/src/cli/errors.ts) turns them into an `error: …` line.

/** Exit codes of docs/cli.md §1.2. */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface InfermarkErrorOptions {
  /** Extra `hint: …` lines printed under the error. */
  hints?: readonly string[];
  cause?: unknown;
}

/**
 * An error with a one-line message meant for the user and the exit code it ends a command
 * with. `message` is the text after `error: `.
 */
export class InfermarkError extends Error {
  readonly exitCode: number;
  readonly hints: readonly string[];
  constructor(message: string, exitCode: number, options: InfermarkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InfermarkError';
    this.exitCode = exitCode;
    this.hints = options.hints ?? [];
  }
}

/** Usage or input error (exit 2): bad flags, missing/unreadable input, invalid rows. */
export class UsageError extends InfermarkError {
  constructor(message: string, options: InfermarkErrorOptions = {}) {
    super(message, EXIT_USAGE, options);
    this.name = 'UsageError';
  }
}

/** Runtime failure not caused by the input (exit 1): I/O while writing, internal errors. */
export class RuntimeFailure extends InfermarkError {
  constructor(message: string, options: InfermarkErrorOptions = {}) {
    super(message, EXIT_RUNTIME, options);
    this.name = 'RuntimeFailure';
  }
}
