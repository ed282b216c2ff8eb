// One error class for both backends: the core's TraceError as it reaches TypeScript.

/** Stable codes of the Rust core's `ErrorCode`, plus `BACKEND_UNAVAILABLE` from the loader. */
export type TraceCoreErrorCode =
  | 'INVALID_ROW'
  | 'INVALID_ARG'
  | 'ANALYZER_STATE'
  | 'SIZE_CONFLICT'
  | 'OUTPUT_LIMIT'
  | 'INTERNAL'
  | 'BACKEND_UNAVAILABLE';

/** `OUTPUT_LIMIT`: synthesis would write a row the readers reject, or more than a run may (docs/synthesis.md §7). */
const CORE_CODES: ReadonlySet<string> = new Set([
  'INVALID_ROW',
  'INVALID_ARG',
  'ANALYZER_STATE',
  'SIZE_CONFLICT',
  'OUTPUT_LIMIT',
  'INTERNAL',
]);

export interface TraceCoreErrorDetails {
  /** Reason code of docs/trace-format.md §4.3 (`invalid_json`, `bad_type`, …) for row errors. */
  reason?: string | null;
  /** The analyzer's `sourceName` (the path as given on the command line). */
  file?: string | null;
  /** 1-based physical line number. */
  line?: number | null;
  /** Canonical field name, `row`, `json` or `hash_ids[K]`. */
  field?: string | null;
  cause?: unknown;
}

/**
 * An error from the trace core, whichever backend raised it. Match on `code`, never on
 * `message`. For `INVALID_ROW`, `message` is the docs/trace-format.md §4.1 line without `error: `.
 */
export class TraceCoreError extends Error {
  readonly code: TraceCoreErrorCode;
  readonly reason: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly field: string | null;

  constructor(code: TraceCoreErrorCode, message: string, details: TraceCoreErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TraceCoreError';
    this.code = code;
    this.reason = details.reason ?? null;
    this.file = details.file ?? null;
    this.line = details.line ?? null;
    this.field = details.field ?? null;
  }
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function optionalLine(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  return null;
}

/**
 * Turn whatever a backend threw into a `TraceCoreError`. Both bindings throw an `Error` with
 * `code`, `reason`, `file`, `line` and `field` properties; anything else (a WASM trap, a
 * binding bug) becomes `INTERNAL` so callers still get a coded error.
 */
export function normaliseBackendError(err: unknown): TraceCoreError {
  if (err instanceof TraceCoreError) return err;
  const obj = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof obj.code === 'string' && CORE_CODES.has(obj.code) ? (obj.code as TraceCoreErrorCode) : null;
  if (code === null) {
    return new TraceCoreError('INTERNAL', `trace core failed: ${message}`, { cause: err });
  }
  return new TraceCoreError(code, message, {
    reason: optionalString(obj.reason),
    file: optionalString(obj.file),
    line: optionalLine(obj.line),
    field: optionalString(obj.field),
    cause: err,
  });
}

/** Run a binding call, rethrowing whatever it throws as a `TraceCoreError` (the one place both backends' errors are mapped). */
export function callBackend<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw normaliseBackendError(err);
  }
}
