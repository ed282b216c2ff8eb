// TypeScript face of the streaming analysis (docs/trace-analysis.md §8), identical on both backends.
import type { BackendAnalyzerOptions, BackendName, BackendTraceAnalyzer } from './backend.js';
import { callBackend as call } from './errors.js';
import { backendFor } from './loader.js';
import type { AnalysisReport, SkipSummary } from './report.js';

export interface TraceAnalyzerOptions extends BackendAnalyzerOptions {
  /** Use this backend instead of the loader's choice (tests, benchmarks). */
  backend?: BackendName;
}

function bindingOptions(options: TraceAnalyzerOptions): BackendAnalyzerOptions {
  const { backend: _backend, ...rest } = options;
  return rest;
}

/**
 * Streaming analyzer: `push` byte chunks split anywhere, then `finish()` (object) or
 * `finishJson()` (exact analysis.json text) once. Errors are `TraceCoreError`s.
 */
export class TraceAnalyzer {
  /** Which backend computes the numbers. */
  readonly backend: BackendName;
  readonly #inner: BackendTraceAnalyzer;
  #skipped: SkipSummary | null = null;

  constructor(options: TraceAnalyzerOptions = {}) {
    const backend = backendFor(options.backend);
    this.backend = backend.name;
    this.#inner = call(() => new backend.bindings.TraceAnalyzer(bindingOptions(options)));
  }

  /** Feed the next chunk of the file. In strict mode throws on the first invalid row. */
  push(chunk: Uint8Array): void {
    call(() => this.#inner.push(chunk));
  }

  /** Finish and return the exact analysis.json text (no trailing newline). */
  finishJson(): string {
    return call(() => this.#inner.finishJson());
  }

  /** Finish and return the parsed analysis.json. */
  finish(): AnalysisReport {
    return JSON.parse(this.finishJson()) as AnalysisReport;
  }

  /** Lenient-mode skip summary (per-reason counts, first line numbers); meaningful after finishing. */
  get skipped(): SkipSummary {
    this.#skipped ??= JSON.parse(call(() => this.#inner.skippedJson())) as SkipSummary;
    return this.#skipped;
  }

  /** The docs/trace-format.md §4.2 warning line for `path`, or null when nothing was skipped. */
  skippedWarning(path: string): string | null {
    return call(() => this.#inner.skippedWarning(path)) ?? null;
  }

  /** docs/trace-format.md §7's inconsistent-layout warning line, or null; after finishing. */
  inconsistentWarning(): string | null {
    return call(() => this.#inner.inconsistentWarning()) ?? null;
  }

  /** Bytes accepted by `push` so far. */
  get bytesConsumed(): number {
    return this.#inner.bytesConsumed;
  }

  /** Rows parsed so far (valid and skipped, not blank lines). */
  get rowsParsed(): number {
    return this.#inner.rowsParsed;
  }
}

/** One-shot analysis of an in-memory trace; returns the exact analysis.json text. */
export function analyzeTraceJson(bytes: Uint8Array, options: TraceAnalyzerOptions = {}): string {
  const backend = backendFor(options.backend);
  return call(() => backend.bindings.analyzeTrace(bytes, bindingOptions(options)));
}

/** One-shot analysis of an in-memory trace; returns the parsed analysis.json. */
export function analyzeTrace(bytes: Uint8Array, options: TraceAnalyzerOptions = {}): AnalysisReport {
  return JSON.parse(analyzeTraceJson(bytes, options)) as AnalysisReport;
}
