// Transform and generate as byte streams through a given trace-core backend (docs/synthesis.md §3–4):
// no Node import, so the CLI (./index.ts picks the backend) and the browser app (ts/src/web, the
// WASM web build) run the same pipeline and write the same bytes.
import { DEFAULT_BLOCK_SIZE } from '../config/defaults.js';
import type { ByteSink, ByteSource } from '../io/byte-stream.js';
import type { BackendName, BackendSynthesisOptions, BackendTraceAnalyzer, TraceCoreBackend } from '../trace-core/backend.js';
import type { AnalysisReport, SkipSummary, TransformReport } from '../trace-core/report.js';
import { TraceCoreError, callBackend as call } from '../trace-core/errors.js';

/** Options of transform and generate mode (docs/synthesis.md §3.1, §4.1). Multipliers are decimal text, kept exact. */
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

/** Lenient skips: the one summary the core keeps for every command. */
export type SkippedSummary = SkipSummary;

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

export function bindingOptions(o: SynthesisOptions): BackendSynthesisOptions {
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

/** Checks `options` against `backend` as its synthesis constructors would, reading nothing (see ./index.ts). */
export function validateSynthesisOptionsWith(backend: TraceCoreBackend, options: SynthesisOptions): void {
  call(() => backend.bindings.validateSynthesisOptions(bindingOptions(options)));
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

/** The side-by-side analysis of one side: the backend's streaming analyzer, pushed the same chunks. */
class SideAnalyzer {
  readonly #inner: BackendTraceAnalyzer;
  constructor(backend: TraceCoreBackend, o: SynthesisOptions, sourceName: string) {
    const options = { blockSize: o.blockSize ?? DEFAULT_BLOCK_SIZE, skipInvalid: o.skipInvalid ?? false, sourceName };
    this.#inner = call(() => new backend.bindings.TraceAnalyzer(options));
  }
  push(chunk: Uint8Array): void {
    call(() => this.#inner.push(chunk));
  }
  finish(): AnalysisReport {
    return JSON.parse(call(() => this.#inner.finishJson())) as AnalysisReport;
  }
}

function analyzer(backend: TraceCoreBackend, o: SynthesisOptions, sourceName: string): SideAnalyzer {
  return new SideAnalyzer(backend, o, sourceName);
}

/** Feeds every chunk of `source` to `push`, reporting progress in bytes after each; awaits what `push` returns. */
async function feed(
  source: ByteSource,
  phase: 'learn' | 'emit',
  hooks: SynthesisHooks,
  push: (chunk: Uint8Array) => void | Promise<void>,
): Promise<void> {
  const total = source.size ?? 0;
  let done = 0;
  await source.forEachChunk((chunk) => {
    const wait = push(chunk);
    done += chunk.length;
    hooks.progress?.(phase, done, total);
    return wait;
  });
}

/** Output bytes to the sink and, side by side, to the output analyzer (both see the same chunks). */
function emitter(sink: ByteSink, outA: SideAnalyzer | null): (bytes: Uint8Array) => void | Promise<void> {
  return (bytes) => {
    if (bytes.length === 0) return undefined;
    const wait = sink.write(bytes);
    outA?.push(bytes);
    return wait;
  };
}

/**
 * Lets I/O callbacks (a file sink's finished writes, a worker's messages) run between synchronous
 * core calls: setImmediate in Node, a zero timeout in a browser worker (which has no setImmediate).
 */
const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));

/**
 * Transform mode over a re-readable source, writing output chunks to `sink` (docs/synthesis.md §3).
 * Resolves when the last chunk has been handed to the sink (a file sink is flushed by its owner).
 */
export async function transformWith(
  backend: TraceCoreBackend,
  source: ByteSource,
  sink: ByteSink,
  options: SynthesisOptions = {},
  hooks: SynthesisHooks = {},
): Promise<SynthesisRun<TransformReport>> {
  const { name, bindings } = backend;
  const t = call(() => new bindings.TransformStream(bindingOptions(options)));
  const inA = hooks.analyse ? analyzer(backend, options, options.sourceName ?? 'input') : null;
  const outA = hooks.analyse ? analyzer(backend, { ...options, skipInvalid: false }, 'output') : null;
  await feed(source, 'learn', hooks, (chunk) => {
    call(() => t.pushLearn(chunk));
    inA?.push(chunk);
  });
  call(() => t.finishLearn());
  const emit = emitter(sink, outA);
  // One pushEmit returns at most about 32 MiB; rows that grow past it wait in the core until
  // drained (docs/synthesis.md §7), so memory stays bounded however large the output.
  await feed(source, 'emit', hooks, async (chunk) => {
    await emit(call(() => t.pushEmit(chunk)));
    for (;;) {
      const more = call(() => t.drainEmit());
      if (more.length === 0) break;
      await (emit(more) ?? yieldToEventLoop());
    }
  });
  const last = emit(call(() => t.finishEmit()));
  if (last) await last;
  const report = JSON.parse(call(() => t.reportJson())) as TransformReport;
  return {
    report,
    backend: name,
    skippedWarning: call(() => t.skippedWarning(options.sourceName ?? 'input')) ?? null,
    inputAnalysis: inA ? inA.finish() : null,
    outputAnalysis: outA ? outA.finish() : null,
  };
}

/** Generate mode: learn from `source` once, write `numRequests` rows to `sink` (docs/synthesis.md §4). */
export async function generateWith(
  backend: TraceCoreBackend,
  source: ByteSource,
  numRequests: number,
  sink: ByteSink,
  options: SynthesisOptions = {},
  hooks: SynthesisHooks = {},
): Promise<SynthesisRun<GenerateReport>> {
  if (!Number.isSafeInteger(numRequests) || numRequests < 1) {
    throw new TraceCoreError('INVALID_ARG', `option '--num-requests': expected a positive integer, got '${numRequests}'`);
  }
  const { name, bindings } = backend;
  const g = call(() => new bindings.GenerateStream(bindingOptions(options)));
  const inA = hooks.analyse ? analyzer(backend, options, options.sourceName ?? 'input') : null;
  const outA = hooks.analyse ? analyzer(backend, { ...options, skipInvalid: false }, 'output') : null;
  await feed(source, 'learn', hooks, (chunk) => {
    call(() => g.push(chunk));
    inA?.push(chunk);
  });
  call(() => g.finish(numRequests));
  const emit = emitter(sink, outA);
  for (;;) {
    const bytes = call(() => g.nextChunk(1 << 20));
    if (bytes.length === 0) break;
    const wait = emit(bytes);
    hooks.progress?.('generate', g.produced, numRequests);
    // Unlike transform's emit pass (which waits for its next read), nothing else here returns to
    // the event loop, so a file sink would start its next write only once its queue is full.
    await (wait ?? yieldToEventLoop());
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
