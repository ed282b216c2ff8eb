// Trace synthesis (docs/synthesis.md §3–4) and hash-prompts (§5) as a library: streams bytes through the Rust core.
import { bytesSource, type ByteSink, type ByteSource } from '../io/chunked-reader.js';
import type { BackendName } from '../trace-core/backend.js';
import type { TransformReport } from '../trace-core/report.js';
import { callBackend as call } from '../trace-core/errors.js';
import { backendFor } from '../trace-core/loader.js';
import { hashPromptsWith, type HashPromptsOptions, type HashPromptsResult } from './hash-prompts.js';
import {
  bindingOptions,
  generateWith,
  transformWith,
  type GenerateReport,
  type SynthesisHooks,
  type SynthesisOptions,
  type SynthesisRun,
} from './streams.js';

export type { HashPromptsOptions, HashPromptsResult } from './hash-prompts.js';
export type { TransformReport } from '../trace-core/report.js';
export type { GenerateReport, SkippedSummary, SynthesisHooks, SynthesisOptions, SynthesisRun } from './streams.js';
export { bytesSource, fileSource, type ByteSink, type ByteSource } from '../io/chunked-reader.js';

/**
 * Checks `options` as transform and generate would, without reading any input: throws a
 * `TraceCoreError` (`INVALID_ARG`, the message naming the option) for a bad value. The core's
 * parser is the one source of these rules (exact decimals: at most 12 integer and 9
 * fractional digits, docs/synthesis.md §1).
 */
export function validateSynthesisOptions(options: SynthesisOptions): void {
  const { bindings } = backendFor(options.backend);
  call(() => bindings.validateSynthesisOptions(bindingOptions(options)));
}

/**
 * Transform mode over a re-readable source, writing output chunks to `sink` (docs/synthesis.md §3).
 * Resolves when the last chunk has been handed to the sink (a file sink is flushed by its owner).
 */
export function transformStream(
  source: ByteSource,
  sink: ByteSink,
  options: SynthesisOptions = {},
  hooks: SynthesisHooks = {},
): Promise<SynthesisRun<TransformReport>> {
  return transformWith(backendFor(options.backend), source, sink, options, hooks);
}

/** Generate mode: learn from `source` once, write `numRequests` rows to `sink` (docs/synthesis.md §4). */
export function generateStream(
  source: ByteSource,
  numRequests: number,
  sink: ByteSink,
  options: SynthesisOptions = {},
  hooks: SynthesisHooks = {},
): Promise<SynthesisRun<GenerateReport>> {
  return generateWith(backendFor(options.backend), source, numRequests, sink, options, hooks);
}

/** Turn a JSONL file of prompts into a Mooncake trace (docs/synthesis.md §5); output rows go to `sink`. */
export function hashPrompts(source: ByteSource, sink: ByteSink, options: HashPromptsOptions): Promise<HashPromptsResult> {
  return hashPromptsWith(backendFor(options.backend), source, sink, options);
}

/** A sink that keeps every chunk in memory (the chunks are fresh arrays, so no copy). */
function collect(): { sink: ByteSink; bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  let n = 0;
  return {
    sink: {
      write(chunk) {
        parts.push(chunk);
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

/** Transform an in-memory trace; resolves to the output bytes and the §3.5 report. */
export async function transformTrace(
  input: Uint8Array,
  options: SynthesisOptions = {},
): Promise<{ output: Uint8Array; report: TransformReport; backend: BackendName; skippedWarning: string | null }> {
  const c = collect();
  const run = await transformStream(bytesSource(input), c.sink, options);
  return { output: c.bytes(), report: run.report, backend: run.backend, skippedWarning: run.skippedWarning };
}

/** Generate `numRequests` rows from an in-memory trace; resolves to the output bytes and the §4.5 report. */
export async function generateTrace(
  input: Uint8Array,
  numRequests: number,
  options: SynthesisOptions = {},
): Promise<{ output: Uint8Array; report: GenerateReport; backend: BackendName; skippedWarning: string | null }> {
  const c = collect();
  const run = await generateStream(bytesSource(input), numRequests, c.sink, options);
  return { output: c.bytes(), report: run.report, backend: run.backend, skippedWarning: run.skippedWarning };
}
