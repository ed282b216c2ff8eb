// `synthesize` in the browser (docs/synthesis.md §3–4): the CLI's pipeline (ts/src/synthesis/streams.ts)
// on the WASM backend, with the form's flags checked as the CLI checks them and the lines the CLI
// prints after a run (skip warning, generate warnings, summary, side-by-side analysis).
import type { ByteSink, ByteSource } from '../io/byte-stream.js';
import { DEFAULT_BLOCK_SIZE, MAX_BLOCK_SIZE, SYNTHESIZE_DEFAULTS } from '../config/defaults.js';
import { MAX_REQUEST_COUNT, MAX_U32 } from '../config/limits.js';
import { TRANSFORM_FLAGS, type CoreTransformOptions } from '../config/synthesis-flags.js';
import { renderSideBySide } from '../synthesis/summary.js';
import {
  generateWith,
  transformWith,
  validateSynthesisOptionsWith,
  type GenerateReport,
  type SynthesisOptions,
  type SynthesisRun,
} from '../synthesis/streams.js';
import type { TraceCoreBackend } from '../trace-core/backend.js';
import type { AnalysisReport, TransformReport } from '../trace-core/report.js';
import { TraceCoreError } from '../trace-core/errors.js';

/** The synthesize form as typed: each field under the CLI's long flag (without `--`), blank for not given. */
export interface SynthesizeForm {
  mode: 'transform' | 'generate';
  /** `synthesis-speedup-ratio`, `synthesis-max-isl`, …, `num-requests`, `block-size`, `random-seed`, `synthesis-min-isl`, `synthesis-min-osl`. */
  fields: Readonly<Record<string, string | undefined>>;
  skipInvalid: boolean;
  /** False as `--no-analysis`: no side-by-side analysis. */
  analysis: boolean;
  /** The input's name: FILE in messages (the file's name in the browser). */
  sourceName: string;
}

/** What a job runs with: the core's options plus mode and row count. */
export interface SynthesizeJobOptions {
  mode: 'transform' | 'generate';
  numRequests: number | null;
  options: SynthesisOptions;
  analysis: boolean;
}

/** A form field (synthesize or hash-prompts) the CLI would refuse as a flag: the message is the CLI's (`option '--x <n>': expected …`). */
export class FormFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormFlagError';
  }
}

const INTEGER = /^\d+$/;
const U64_MAX = 18_446_744_073_709_551_615n;

function text(form: SynthesizeForm, name: string): string | undefined {
  const v = form.fields[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function integer(form: SynthesizeForm, name: string, min: number, max: number): number | undefined {
  const raw = form.fields[name];
  const v = text(form, name);
  if (v === undefined) return undefined;
  const n = INTEGER.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new FormFlagError(`option '--${name} <n>': expected an integer in [${min}, ${max}], got '${raw}'`);
  }
  return n;
}

/** The transform flags that take an integer (the others are decimal text the core parses exactly). */
const INTEGER_FLAGS = new Set<keyof CoreTransformOptions>(['prefixRootMultiplier', 'maxIsl', 'maxOsl']);

/**
 * The form's values as `synthesize` would take them from its flags (docs/cli.md §5): integers in
 * their ranges, multipliers left to the core (which names the option in its message), the
 * generate-only options refused in transform mode. Throws FormFlagError or TraceCoreError.
 */
export function synthesizeJobOptions(backend: TraceCoreBackend, form: SynthesizeForm): SynthesizeJobOptions {
  const core: Record<string, string | number> = {};
  for (const row of TRANSFORM_FLAGS) {
    const name = row.flag.slice(2);
    if (INTEGER_FLAGS.has(row.core)) {
      const n = integer(form, name, 1, MAX_U32);
      if (n !== undefined) core[row.core] = row.core === 'prefixRootMultiplier' ? String(n) : n;
    } else {
      const v = text(form, name);
      if (v !== undefined) core[row.core] = v;
    }
  }
  const seedText = text(form, 'random-seed');
  if (seedText !== undefined && (!INTEGER.test(seedText) || BigInt(seedText) > U64_MAX)) {
    throw new FormFlagError(`option '--random-seed <seed>': expected an integer in [0, ${U64_MAX}], got '${form.fields['random-seed']}'`);
  }
  const options: SynthesisOptions = {
    ...(core as CoreTransformOptions),
    blockSize: integer(form, 'block-size', 1, MAX_BLOCK_SIZE) ?? DEFAULT_BLOCK_SIZE,
    seed: seedText ?? String(SYNTHESIZE_DEFAULTS.randomSeed),
    skipInvalid: form.skipInvalid,
    sourceName: form.sourceName,
  };
  const numRequests = integer(form, 'num-requests', 1, MAX_REQUEST_COUNT);
  const minIsl = integer(form, 'synthesis-min-isl', 1, MAX_U32);
  const minOsl = integer(form, 'synthesis-min-osl', 1, MAX_U32);
  if (form.mode === 'generate') {
    if (numRequests === undefined) throw new FormFlagError("option '--mode generate' requires option '--num-requests'");
    if (minIsl !== undefined) options.minIsl = minIsl;
    if (minOsl !== undefined) options.minOsl = minOsl;
  } else {
    if (numRequests !== undefined) throw new FormFlagError("option '--num-requests' requires '--mode generate'");
    if (minIsl !== undefined) throw new FormFlagError("option '--synthesis-min-isl' requires '--mode generate'");
    if (minOsl !== undefined) throw new FormFlagError("option '--synthesis-min-osl' requires '--mode generate'");
  }
  validateSynthesisOptionsWith(backend, options);
  return { mode: form.mode, numRequests: numRequests ?? null, options, analysis: form.analysis };
}

/** The outcome of a run, as the page shows it. */
export interface SynthesizeJobResult {
  mode: 'transform' | 'generate';
  report: TransformReport | GenerateReport;
  /** The run summary line (docs/synthesis.md §3.5, §4.5). */
  summary: string;
  /** Everything the CLI writes to stderr after the run, in its order, one line each (the side-by-side table last). */
  messages: string[];
  /** The side-by-side table as the CLI prints it, or null with analysis off. */
  sideBySide: string | null;
  inputAnalysis: AnalysisReport | null;
  outputAnalysis: AnalysisReport | null;
}

export type SynthesizeProgress = (phase: 'learn' | 'emit' | 'generate', done: number, total: number) => void;

/** Run synthesize over `source`, writing the output trace to `sink` (the bytes `infermark synthesize` writes). */
export async function runSynthesizeJob(
  backend: TraceCoreBackend,
  source: ByteSource,
  sink: ByteSink,
  job: SynthesizeJobOptions,
  progress?: SynthesizeProgress,
): Promise<SynthesizeJobResult> {
  const hooks = { analyse: job.analysis, ...(progress ? { progress } : {}) };
  let run: SynthesisRun<TransformReport> | SynthesisRun<GenerateReport>;
  if (job.mode === 'generate') {
    if (job.numRequests === null) throw new TraceCoreError('INVALID_ARG', "option '--mode generate' requires option '--num-requests'");
    run = await generateWith(backend, source, job.numRequests, sink, job.options, hooks);
  } else {
    run = await transformWith(backend, source, sink, job.options, hooks);
  }
  const messages: string[] = [];
  if (run.skippedWarning) messages.push(run.skippedWarning);
  if (run.report.mode === 'generate') messages.push(...run.report.warnings);
  messages.push(run.report.summary);
  const sideBySide = run.inputAnalysis && run.outputAnalysis ? renderSideBySide(run.inputAnalysis, run.outputAnalysis) : null;
  return {
    mode: job.mode,
    report: run.report,
    summary: run.report.summary,
    messages,
    sideBySide,
    inputAnalysis: run.inputAnalysis,
    outputAnalysis: run.outputAnalysis,
  };
}
