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
import type { HashPromptsForm } from './hash-prompts-job.browser.js';
import type { SynthesizeForm, SynthesizeJobResult } from './synthesize-job.browser.js';
import type { HashPromptsResult } from '../synthesis/hash-prompts.js';
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

/** `synthesize` (docs/synthesis.md §3–4): the form's flags as typed, checked in the worker as the CLI checks them. */
export interface SynthesizeRequest {
  kind: 'synthesize';
  /** The input trace; read with `File.stream()` (twice in transform mode). */
  file: Blob;
  form: SynthesizeForm;
}

/** The run's outcome and the output trace: the bytes `infermark synthesize` writes. */
export interface SynthesizeResult extends SynthesizeJobResult {
  output: Blob;
}

/** `hash-prompts` (docs/synthesis.md §5) with the bundled Qwen3 tokenizer. */
export interface HashPromptsRequest {
  kind: 'hash-prompts';
  file: Blob;
  form: HashPromptsForm;
}

export interface HashPromptsJobOutcome {
  result: HashPromptsResult;
  /** The lines the CLI writes to stderr after the run (notice, skip warning, summary). */
  messages: string[];
  /** The trace: the bytes `infermark hash-prompts` writes. */
  output: Blob;
}

/** Every job: its request and what it resolves to. Other jobs add their entries here. */
export interface JobKinds {
  analyze: { request: AnalyzeRequest; result: AnalyzeResult };
  synthesize: { request: SynthesizeRequest; result: SynthesizeResult };
  'hash-prompts': { request: HashPromptsRequest; result: HashPromptsJobOutcome };
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
