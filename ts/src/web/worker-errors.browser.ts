// What the worker sends for a thrown error: the core's errors carry code, file, line, field and
// reason (the same properties ts/src/trace-core/errors.ts reads); anything else is internal.
import type { JobError } from './protocol.browser.js';

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function toJobError(err: unknown): JobError {
  const obj = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const message = err instanceof Error ? err.message : String(err);
  const code = str(obj.code);
  const line = typeof obj.line === 'number' ? obj.line : typeof obj.line === 'bigint' ? Number(obj.line) : null;
  return {
    // The CLI's wording for an error that is not the core's (cli/errors.ts).
    message: code === null ? `internal error: ${message.split('\n')[0] ?? ''}` : message,
    code,
    file: str(obj.file),
    line,
    field: str(obj.field),
    reason: str(obj.reason),
  };
}
