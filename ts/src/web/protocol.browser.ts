// The message protocol between the page and the app's Web Worker (ts/src/web/worker.browser.ts).
//
// One worker runs one job at a time. The page posts `{type: 'start', id, request}`; `request.kind`
// names the job (a key of `JobKinds`) and the worker dispatches it to that job's module
// (jobs.browser.ts). While it runs the worker posts any number of `progress` messages, then
// exactly one of `result`, `error` or `cancelled`, all carrying the job's `id`. The page may post
// `{type: 'cancel', id}` at any time: the job stops at its next chunk and answers `cancelled`
// (the page may also terminate the worker outright; worker-client.browser.ts does both).
//
// Adding a job: declare its request and result in `JobKinds` below, write a module exporting a
// `JobRunner<'your-kind'>`, and register it in jobs.browser.ts.
import type { AnalysisReport } from '../trace-core/report.js';
import type { TraceShape } from './trace-shape.browser.js';

/** Options of the analysis, as `analyze-trace` takes them (docs/trace-analysis.md §1). */
export interface AnalyzeRequest {
  kind: 'analyze';
  /** The trace; read with `File.stream()` in chunks, never whole. */
  file: Blob;
  /** FILE in every message, as the CLI names the path it was given. */
  sourceName: string;
  blockSize: number;
  skipInvalid: boolean;
}

export interface AnalyzeResult {
  /** The exact `analysis.json` text of `analyze-trace --format json`. */
  json: string;
  report: AnalysisReport;
  /** The stderr warning lines the CLI prints (skipped rows, inconsistent hash ids). */
  warnings: string[];
  /** Arrivals over time and the length histograms, for the charts. */
  shape: TraceShape;
}

/** Every job: its request and what it resolves to. Other jobs add their entries here. */
export interface JobKinds {
  analyze: { request: AnalyzeRequest; result: AnalyzeResult };
}

export type JobKind = keyof JobKinds;
export type JobRequest<K extends JobKind = JobKind> = JobKinds[K]['request'];
export type JobResult<K extends JobKind = JobKind> = JobKinds[K]['result'];

/** How far a job is: bytes of its input read, rows done, the input's size. */
export interface JobProgress {
  bytes: number;
  rows: number;
  totalBytes: number;
  /** The worker's WASM linear memory (the core's working set; it never shrinks, so this is its peak). */
  memoryBytes?: number;
}

/**
 * A failure as the CLI states it: `message` is the CLI's error line without `error: `
 * (for an invalid row: FILE:LINE, field and reason, docs/trace-format.md §4.1).
 */
export interface JobError {
  message: string;
  code: string | null;
  file: string | null;
  line: number | null;
  field: string | null;
  reason: string | null;
}

export type ToWorker = { type: 'start'; id: number; request: JobRequest } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready' }
  | ({ type: 'progress'; id: number } & JobProgress)
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'error'; id: number; error: JobError }
  | { type: 'cancelled'; id: number };

/** What a running job gets from the worker. */
export interface JobContext {
  /** Aborted when the page cancels the job: stop at the next chunk. */
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

/** A job's module: runs one request to its result; throws to fail (see worker-errors.browser.ts). */
export type JobRunner<K extends JobKind> = (request: JobRequest<K>, context: JobContext) => Promise<JobResult<K>>;
