// The single place where every CLI error becomes one `error: …` line (docs/cli.md §1.2–1.3):
// commander's messages rewritten, infermark and trace-core errors mapped to exit codes.
import { CommanderError } from 'commander';
import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, InfermarkError } from '../errors.js';
import { TraceCoreError } from '../trace-core/errors.js';

/** `error: option '--flag <v>' argument 'x' is invalid. REASON` → `error: option '--flag <v>': REASON`. */
const INVALID_OPTION_VALUE = /^error: option '(.*?)' argument '[\s\S]*' is invalid\. ([\s\S]*)$/;
const INVALID_ENV_VALUE = /^error: option '(.*?)' value '[\s\S]*' from env '(.*?)' is invalid\. ([\s\S]*)$/;
const INVALID_ARGUMENT_VALUE = /^error: command-argument value '[\s\S]*' is invalid for argument '(.*?)'\. ([\s\S]*)$/;
const SUGGESTION = /\n\(Did you mean (one of )?(.*)\?\)$/;

/** Commander's long flag spelling `--foo <n>` → `--foo` (used in conflict/dependency messages). */
function bareFlags(message: string): string {
  return message.replace(/option '(-\w, )?(--[\w-]+)(?: [<[][^'>\]]*[>\]])?'/g, "option '$2'");
}

/**
 * Rewrite a commander error into docs/cli.md §1.3's one-line shape. Returns `null` for commander's
 * non-error exits (help, version).
 */
export function formatCommanderError(err: CommanderError): string | null {
  if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
    return null;
  }
  let message = err.message;
  const suggestion = SUGGESTION.exec(message);
  if (suggestion) {
    const names = (suggestion[2] ?? '').split(', ').map((n) => `'${n}'`);
    const text = suggestion[1] ? `one of ${names.join(', ')}` : names[0];
    message = `${message.slice(0, suggestion.index)} (did you mean ${text}?)`;
  }
  let m = INVALID_OPTION_VALUE.exec(message);
  if (m) return `error: option '${m[1]}': ${m[2]}`;
  m = INVALID_ENV_VALUE.exec(message);
  if (m) return `error: environment variable '${m[2]}' for option '${m[1]}': ${m[3]}`;
  m = INVALID_ARGUMENT_VALUE.exec(message);
  if (m) return `error: argument '${m[1]}': ${m[2]}`;
  if (err.code === 'commander.conflictingOption') message = bareFlags(message);
  // Any remaining commander message is already a single `error: …` line; guard against
  // multi-line text so the contract "exactly one line" holds.
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.startsWith('error: ') ? firstLine : `error: ${firstLine}`;
}

/**
 * TraceCoreError codes that are the input's fault (exit 2) rather than ours (exit 1). An
 * `OUTPUT_LIMIT` is a flag value too large for the input (docs/synthesis.md §7).
 */
const INPUT_ERROR_CODES = new Set(['INVALID_ROW', 'INVALID_ARG', 'SIZE_CONFLICT', 'OUTPUT_LIMIT']);

export interface ErrorSink {
  write(text: string): unknown;
}

/**
 * Print `err` as docs/cli.md §1.3 requires (one `error:` line, optional hints; the stack only when
 * `verbose`) and return the process exit code.
 */
export function reportCliError(err: unknown, options: { verbose: boolean; stderr?: ErrorSink }): number {
  const stderr = options.stderr ?? process.stderr;
  let line: string;
  let exitCode: number;
  let hints: readonly string[] = [];
  if (err instanceof CommanderError) {
    const formatted = formatCommanderError(err);
    // Help and version exit 0; help shown because no command was given is a usage error.
    if (formatted === null) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    line = formatted;
    exitCode = EXIT_USAGE;
  } else if (err instanceof InfermarkError) {
    line = `error: ${err.message}`;
    exitCode = err.exitCode;
    hints = err.hints;
  } else if (err instanceof TraceCoreError) {
    line = `error: ${err.message}`;
    exitCode = INPUT_ERROR_CODES.has(err.code) ? EXIT_USAGE : EXIT_RUNTIME;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    line = `error: internal error: ${message.split('\n')[0] ?? ''}`;
    exitCode = EXIT_RUNTIME;
  }
  let out = `${line}\n`;
  for (const hint of hints) out += `hint: ${hint}\n`;
  if (options.verbose && err instanceof Error && err.stack) out += `${err.stack}\n`;
  stderr.write(out);
  return exitCode;
}
