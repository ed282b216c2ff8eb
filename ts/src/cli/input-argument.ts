// The input path of the trace commands: a positional INPUT_FILE or `--input-file`.
import { UsageError } from '../errors.js';

/** The input path of a trace command: the `INPUT_FILE` argument or `--input-file`, exactly one of the two. */
export function inputPathArgument(positional: string | undefined, flag: string | undefined): string {
  if (positional !== undefined && flag !== undefined) {
    throw new UsageError("argument 'INPUT_FILE' cannot be used with option '--input-file'");
  }
  const path = positional ?? flag;
  if (path === undefined) throw new UsageError("missing required argument 'INPUT_FILE' (or option '--input-file')");
  return path;
}
