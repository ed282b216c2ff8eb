// `infermark synthesize`: transform or generate Mooncake traces (docs/cli.md §5, docs/synthesis.md §3–4).
import { type Command, Option } from 'commander';
import { renderSideBySide } from '../synthesis/summary.js';
import { OutputTarget } from '../io/output-target.js';
import { ProgressLine } from '../report/progress-line.js';
import { writeStreamedOutput } from './streamed-output.js';
import {
  fileSource,
  generateStream,
  transformStream,
  validateSynthesisOptions,
  type GenerateReport,
  type SynthesisOptions,
  type SynthesisRun,
  type TransformReport,
} from '../synthesis/index.js';
import { formatDecimal } from '../report/decimal-format.js';
import { UsageError } from '../errors.js';
import { MAX_BLOCK_SIZE, SYNTHESIZE_DEFAULTS, SYNTHESIZE_MODES } from '../config/defaults.js';
import { inputPathArgument } from './input-argument.js';
import { integerIn, parseChoice, parsePath, parseSeed } from './option-types.js';
import { MAX_REQUEST_COUNT } from '../config/limits.js';
import { addOptionTable, type OptionSpec } from './option-table.js';
import { aliasPairs, GENERATE_OPTIONS, TRANSFORM_OPTIONS } from './synthesis-options.js';
import { coreTransformOptions, type GenerateFlags, type TransformFlags } from '../config/synthesis-flags.js';
import type { GlobalOptions } from './program.js';

/** What commander collects for `synthesize`; the Dynamo-style alias attributes are folded in by `resolveSynthesizeFlags`. */
interface SynthesizeFlags extends TransformFlags, GenerateFlags {
  inputFile?: string;
  outputFile?: string;
  mode: (typeof SYNTHESIZE_MODES)[number];
  numRequests?: number;
  blockSize: number;
  randomSeed: bigint;
  skipInvalid?: boolean;
  force?: boolean;
  /** `--no-analysis` sets this false: skip the side-by-side input/output analysis. */
  analysis: boolean;
  // The attributes commander fills for the Dynamo-style aliases of the table below.
  speedupRatio?: string;
  prefixLenMultiplier?: string;
  prefixRootMultiplier?: number;
  promptLenMultiplier?: string;
  oslMultiplier?: string;
  maxIsl?: number;
  maxOsl?: number;
  minIsl?: number;
  minOsl?: number;
}

/** The `--synthesis-*` flags of `synthesize`, aliases included (ts/src/cli/synthesis-options.ts). */
const SYNTHESIS_TABLE: readonly OptionSpec<TransformFlags & GenerateFlags>[] = [...TRANSFORM_OPTIONS, ...GENERATE_OPTIONS];
const ALIASES = aliasPairs<TransformFlags & GenerateFlags>(SYNTHESIS_TABLE);

/** Merge Dynamo aliases into canonical options and apply the cross-option rules of docs/cli.md §5. */
export function resolveSynthesizeFlags(flags: SynthesizeFlags): SynthesizeFlags {
  const f = { ...flags } as Record<string, unknown>;
  for (const [canon, alias, canonFlag, aliasFlag] of ALIASES) {
    if (f[alias] !== undefined) {
      if (f[canon] !== undefined) throw new UsageError(`option '${aliasFlag}' cannot be used with option '${canonFlag}'`);
      f[canon] = f[alias];
    }
  }
  const r = f as unknown as SynthesizeFlags;
  if (r.outputFile === undefined) throw new UsageError("required option '--output-file <path>' not specified");
  if (r.mode === 'generate') {
    if (r.numRequests === undefined) throw new UsageError("option '--mode generate' requires option '--num-requests'");
  } else {
    if (r.numRequests !== undefined) throw new UsageError("option '--num-requests' requires '--mode generate'");
    if (r.synthesisMinIsl !== undefined) throw new UsageError("option '--synthesis-min-isl' requires '--mode generate'");
    if (r.synthesisMinOsl !== undefined) throw new UsageError("option '--synthesis-min-osl' requires '--mode generate'");
  }
  return r;
}

function coreOptions(f: SynthesizeFlags, sourceName: string): SynthesisOptions {
  const o: SynthesisOptions = {
    blockSize: f.blockSize,
    seed: f.randomSeed,
    skipInvalid: Boolean(f.skipInvalid),
    sourceName,
    ...coreTransformOptions(f),
  };
  if (f.synthesisMinIsl !== undefined) o.minIsl = f.synthesisMinIsl;
  if (f.synthesisMinOsl !== undefined) o.minOsl = f.synthesisMinOsl;
  return o;
}

type Stderr = NodeJS.WritableStream & { isTTY?: boolean };

/** Run synthesize with resolved flags. */
export async function runSynthesize(inputPath: string, flags: SynthesizeFlags, verbose: boolean, stderr: Stderr): Promise<void> {
  const f = resolveSynthesizeFlags(flags);
  const options = coreOptions(f, inputPath);
  // The core's parser is the one source of the multiplier rules: a bad value is INVALID_ARG (exit 2)
  // naming the option, found here, before the output file exists.
  validateSynthesisOptions(options);
  const source = fileSource(inputPath);
  const out = new OutputTarget(f.outputFile as string, { force: Boolean(f.force) });
  const bar = new ProgressLine(stderr);
  const pct = (d: number, t: number): string => (t > 0 ? `${formatDecimal((100 * d) / t, 0)}%` : '');
  const hooks = {
    analyse: f.analysis !== false,
    progress(phase: 'learn' | 'emit' | 'generate', done: number, total: number) {
      const what = phase === 'learn' ? 'reading' : phase === 'emit' ? 'writing' : 'generating';
      bar.update(
        `synthesize: ${what} ${pct(done, total)} (${phase === 'generate' ? `${done}/${total} rows` : `${formatDecimal(done / 1e6, 1)} MB`})`,
      );
    },
  };
  let run: SynthesisRun<TransformReport> | SynthesisRun<GenerateReport>;
  try {
    run = await writeStreamedOutput<SynthesisRun<TransformReport> | SynthesisRun<GenerateReport>>(out, f.outputFile as string, () =>
      f.mode === 'generate'
        ? generateStream(source, f.numRequests as number, out, options, hooks)
        : transformStream(source, out, options, hooks),
    );
  } finally {
    bar.clear();
  }
  if (verbose) stderr.write(`debug: backend ${run.backend}\n`);
  if (run.skippedWarning) stderr.write(`${run.skippedWarning}\n`);
  if (run.report.mode === 'generate') for (const w of run.report.warnings) stderr.write(`${w}\n`);
  stderr.write(`${run.report.summary}\n`);
  if (run.inputAnalysis && run.outputAnalysis) stderr.write(renderSideBySide(run.inputAnalysis, run.outputAnalysis));
  if (f.outputFile !== '-') stderr.write(`Output written to ${f.outputFile}\n`);
}

/** Add `synthesize` to the program. */
export function registerSynthesize(program: Command): void {
  const cmd = program
    .command('synthesize')
    .description('transform a Mooncake trace row by row (AIPerf-compatible) or generate new rows from a learned model')
    .argument('[INPUT_FILE]', 'Mooncake trace (or use --input-file)')
    .addOption(new Option('--input-file <path>', 'Mooncake trace (instead of INPUT_FILE)').argParser(parsePath))
    .addOption(
      new Option(
        '-o, --output-file <path>',
        "output trace ('-' for stdout); written to a temporary file and renamed when complete",
      ).argParser(parsePath),
    )
    .addOption(
      new Option('--mode <mode>', 'transform or generate').argParser(parseChoice(SYNTHESIZE_MODES)).default(SYNTHESIZE_DEFAULTS.mode),
    )
    .addOption(new Option('--num-requests <n>', 'rows to generate (generate mode)').argParser(integerIn(1, MAX_REQUEST_COUNT)));
  addOptionTable(cmd, SYNTHESIS_TABLE);
  const options: Option[] = [
    new Option('--block-size <n>', 'tokens per hash block').argParser(integerIn(1, MAX_BLOCK_SIZE)).default(SYNTHESIZE_DEFAULTS.blockSize),
    new Option('--random-seed <seed>', 'seed of every random draw')
      .argParser(parseSeed)
      .default(SYNTHESIZE_DEFAULTS.randomSeed, String(SYNTHESIZE_DEFAULTS.randomSeed)),
    new Option('--skip-invalid', 'skip and count invalid rows instead of stopping at the first'),
    new Option('--force', 'replace an existing output file'),
    new Option('--no-analysis', 'skip the side-by-side analysis of input and output (saves two analysis passes on large traces)'),
  ];
  for (const o of options) cmd.addOption(o);
  cmd.action(async function (this: Command, positional: string | undefined) {
    const flags = this.opts<SynthesizeFlags>();
    const verbose = Boolean(this.optsWithGlobals<GlobalOptions>().verbose);
    const path = inputPathArgument(positional, flags.inputFile);
    await runSynthesize(path, flags, verbose, process.stderr);
  });
}
