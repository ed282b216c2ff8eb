// Trace synthesis (synthesis.md §3–4) and hash-prompts (§5) as a library: streams bytes through the Rust core.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { BackendName } from '../trace-core/backend.js';
import { TraceAnalyzer } from '../trace-core/analyzer.js';
import type { AnalysisReport } from '../trace-core/report.js';
import { TraceCoreError } from '../trace-core/errors.js';
import { call, synthesisBackend, type BackendSynthesisOptions } from './backend.js';

export { hashPrompts, type HashPromptsOptions, type HashPromptsResult } from './hash-prompts.js';

/** Options of transform and generate mode (synthesis.md §3.1, §4.1). Multipliers are decimal text, kept exact. */
export interface SynthesisOptions {
  blockSize?: number;
  speedupRatio?: string;
  prefixLenMultiplier?: string;
  prefixRootMultiplier?: string | number;
  promptLenMultiplier?: string;
  outputLenMultiplier?: string;
  maxIsl?: number;
  maxOsl?: number;
  minIsl?: number;
  minOsl?: number;
  /** `--random-seed` in [0, 2^64 − 1] (default 0). */
  seed?: string | bigint | number;
  skipInvalid?: boolean;
  /** FILE in error messages (the path as given by the user). */
  sourceName?: string;
  /** Force a backend (tests, benchmarks); default: the loader's choice. */
  backend?: BackendName;
}

/** The §3.5 facts; ids and the seed are decimal strings (they may exceed 2^53). */
export interface TransformReport {
  mode: 'transform';
  rows_in: number;
  rows_out: number;
  skipped_max_isl: number;
  sessions_affected: number;
  capped_max_osl: number;
  inconsistent_repaired: number;
  fresh_ids: [string, string] | null;
  trees: string;
  seed: string;
  /** The one stderr line of §3.5. */
  summary: string;
}

export interface SkippedSummary {
  total: number;
  reasons: { reason: string; count: number; lines: number[] }[];
}

/** The §4.5 facts plus warnings (§4.1) and lenient skips. */
export interface GenerateReport {
  mode: 'generate';
  learned_rows: number;
  path_ids: number;
  radix_nodes: number;
  generated: number;
  rejected: number;
  trees: string;
  seed: string;
  summary: string;
  warnings: string[];
  skipped: SkippedSummary;
}

function bindingOptions(o: SynthesisOptions): BackendSynthesisOptions {
  const out: BackendSynthesisOptions = {};
  if (o.blockSize !== undefined) out.blockSize = o.blockSize;
  if (o.speedupRatio !== undefined) out.speedupRatio = o.speedupRatio;
  if (o.prefixLenMultiplier !== undefined) out.prefixLenMultiplier = o.prefixLenMultiplier;
  if (o.prefixRootMultiplier !== undefined) out.prefixRootMultiplier = String(o.prefixRootMultiplier);
  if (o.promptLenMultiplier !== undefined) out.promptLenMultiplier = o.promptLenMultiplier;
  if (o.outputLenMultiplier !== undefined) out.outputLenMultiplier = o.outputLenMultiplier;
  if (o.maxIsl !== undefined) out.maxIsl = o.maxIsl;
  if (o.maxOsl !== undefined) out.maxOsl = o.maxOsl;
  if (o.minIsl !== undefined) out.minIsl = o.minIsl;
  if (o.minOsl !== undefined) out.minOsl = o.minOsl;
  if (o.seed !== undefined) out.seed = String(o.seed);
  if (o.skipInvalid !== undefined) out.skipInvalid = o.skipInvalid;
  if (o.sourceName !== undefined) out.sourceName = o.sourceName;
  return out;
}

/** Where output bytes go, chunk by chunk (a temp file, stdout, memory). */
export interface ByteSink {
  write(chunk: Uint8Array): void;
}

/** A source of input bytes that can be read more than once (transform reads it twice). */
export interface ByteSource {
  /** Calls `onChunk` for consecutive chunks of the whole input. */
  forEachChunk(onChunk: (chunk: Uint8Array) => void): void;
  /** Total size if known (progress). */
  readonly size?: number;
}

/** An in-memory source. */
export function bytesSource(bytes: Uint8Array, chunkBytes = 4 * 1024 * 1024): ByteSource {
  return {
    size: bytes.length,
    forEachChunk(onChunk) {
      for (let i = 0; i < bytes.length; i += chunkBytes) onChunk(bytes.subarray(i, Math.min(bytes.length, i + chunkBytes)));
    },
  };
}

const FILE_CHUNK = 4 * 1024 * 1024;

/** A file read in fixed-size chunks, reopened per pass; never held whole in memory. */
export function fileSource(path: string): ByteSource {
  const size = fstatSafe(path);
  return {
    size,
    forEachChunk(onChunk) {
      const fd = openSync(path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(FILE_CHUNK);
        for (;;) {
          const n = readSync(fd, buffer, 0, FILE_CHUNK, null);
          if (n === 0) break;
          onChunk(buffer.subarray(0, n));
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

function fstatSafe(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** Progress callbacks for long runs. */
export interface SynthesisHooks {
  /** `phase` 'learn' | 'emit' | 'generate'; `done`/`total` in bytes (learn/emit) or rows (generate). */
  progress?(phase: 'learn' | 'emit' | 'generate', done: number, total: number): void;
  /** Also analyse input and output (the side-by-side summary) with this block size. */
  analyse?: boolean;
}

export interface SynthesisRun<R> {
  report: R;
  backend: BackendName;
  /** The §4.2 warning line when rows were skipped, else null. */
  skippedWarning: string | null;
  inputAnalysis: AnalysisReport | null;
  outputAnalysis: AnalysisReport | null;
}

function analyzer(o: SynthesisOptions, sourceName: string, backend: BackendName): TraceAnalyzer {
  return new TraceAnalyzer({ blockSize: o.blockSize ?? 512, skipInvalid: o.skipInvalid ?? false, sourceName, backend });
}

/** Transform mode over a re-readable source, writing output chunks to `sink` (synthesis.md §3). */
export function transformStream(source: ByteSource, sink: ByteSink, options: SynthesisOptions = {}, hooks: SynthesisHooks = {}): SynthesisRun<TransformReport> {
  const { name, bindings } = synthesisBackend(options.backend);
  const t = call(() => new bindings.TransformStream(bindingOptions(options)));
  const total = source.size ?? 0;
  const inA = hooks.analyse ? analyzer(options, options.sourceName ?? 'input', name) : null;
  const outA = hooks.analyse ? analyzer({ ...options, skipInvalid: false }, 'output', name) : null;
  let done = 0;
  source.forEachChunk((chunk) => {
    call(() => t.pushLearn(chunk));
    inA?.push(chunk);
    done += chunk.length;
    hooks.progress?.('learn', done, total);
  });
  call(() => t.finishLearn());
  done = 0;
  const emit = (bytes: Uint8Array): void => {
    if (bytes.length === 0) return;
    sink.write(bytes);
    outA?.push(bytes);
  };
  source.forEachChunk((chunk) => {
    emit(call(() => t.pushEmit(chunk)));
    done += chunk.length;
    hooks.progress?.('emit', done, total);
  });
  emit(call(() => t.finishEmit()));
  const report = JSON.parse(call(() => t.reportJson())) as TransformReport;
  return {
    report,
    backend: name,
    skippedWarning: call(() => t.skippedWarning(options.sourceName ?? 'input')) ?? null,
    inputAnalysis: inA ? inA.finish() : null,
    outputAnalysis: outA ? outA.finish() : null,
  };
}

/** Generate mode: learn from `source` once, write `numRequests` rows to `sink` (synthesis.md §4). */
export function generateStream(
  source: ByteSource,
  numRequests: number,
  sink: ByteSink,
  options: SynthesisOptions = {},
  hooks: SynthesisHooks = {},
): SynthesisRun<GenerateReport> {
  if (!Number.isSafeInteger(numRequests) || numRequests < 1) {
    throw new TraceCoreError('INVALID_ARG', `option '--num-requests': expected a positive integer, got '${numRequests}'`);
  }
  const { name, bindings } = synthesisBackend(options.backend);
  const g = call(() => new bindings.GenerateStream(bindingOptions(options)));
  const total = source.size ?? 0;
  const inA = hooks.analyse ? analyzer(options, options.sourceName ?? 'input', name) : null;
  const outA = hooks.analyse ? analyzer({ ...options, skipInvalid: false }, 'output', name) : null;
  let done = 0;
  source.forEachChunk((chunk) => {
    call(() => g.push(chunk));
    inA?.push(chunk);
    done += chunk.length;
    hooks.progress?.('learn', done, total);
  });
  call(() => g.finish(numRequests));
  for (;;) {
    const bytes = call(() => g.nextChunk(1 << 20));
    if (bytes.length === 0) break;
    sink.write(bytes);
    outA?.push(bytes);
    hooks.progress?.('generate', g.produced, numRequests);
  }
  const report = JSON.parse(call(() => g.reportJson())) as GenerateReport;
  return {
    report,
    backend: name,
    skippedWarning: call(() => g.skippedWarning(options.sourceName ?? 'input')) ?? null,
    inputAnalysis: inA ? inA.finish() : null,
    outputAnalysis: outA ? outA.finish() : null,
  };
}

function collect(): { sink: ByteSink; bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  let n = 0;
  return {
    sink: {
      write(chunk) {
        parts.push(chunk.slice());
        n += chunk.length;
      },
    },
    bytes() {
      const out = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    },
  };
}

/** Transform an in-memory trace; returns the output bytes and the §3.5 report. */
export function transformTrace(input: Uint8Array, options: SynthesisOptions = {}): { output: Uint8Array; report: TransformReport; backend: BackendName; skippedWarning: string | null } {
  const c = collect();
  const run = transformStream(bytesSource(input), c.sink, options);
  return { output: c.bytes(), report: run.report, backend: run.backend, skippedWarning: run.skippedWarning };
}

/** Generate `numRequests` rows from an in-memory trace; returns the output bytes and the §4.5 report. */
export function generateTrace(
  input: Uint8Array,
  numRequests: number,
  options: SynthesisOptions = {},
): { output: Uint8Array; report: GenerateReport; backend: BackendName; skippedWarning: string | null } {
  const c = collect();
  const run = generateStream(bytesSource(input), numRequests, c.sink, options);
  return { output: c.bytes(), report: run.report, backend: run.backend, skippedWarning: run.skippedWarning };
}
