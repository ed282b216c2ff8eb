// `infermark analyze-trace`: stream a Mooncake trace through the core and report (docs/trace-analysis.md §1, §6).
import { type Command, Option } from 'commander';
import { analyzeTraceFile } from '../analysis/analyze-file.js';
import { backendAttempts } from '../trace-core/loader.js';
import type { AnalysisReport } from '../trace-core/report.js';
import { renderAnalysisConsole } from '../report/analysis-console.js';
import { colourEnabled } from '../report/colour.js';
import { formatCount, formatDecimal } from '../report/decimal-format.js';
import { ANALYZE_TRACE_DEFAULTS, ANALYZE_TRACE_FORMATS, MAX_BLOCK_SIZE } from '../config/defaults.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { checkOutputPath } from '../io/output-target.js';
import { inputPathArgument } from './input-argument.js';
import { ProgressLine, progressBar } from '../report/progress-line.js';
import { integerIn, parseChoice, parsePath } from './option-types.js';
import type { GlobalOptions } from './program.js';

export interface AnalyzeTraceOptions {
  inputFile?: string;
  blockSize: number;
  outputFile?: string;
  skipInvalid?: boolean;
  format: (typeof ANALYZE_TRACE_FORMATS)[number];
  checkMaterialisation?: boolean;
}

interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The progress text: bar, percent, MB read of the total, rows and throughput. */
export function analysisProgressText(bytes: number, rows: number, total: number, seconds: number): string {
  const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
  const mb = (n: number): string => formatDecimal(n / 1e6, 1);
  return `${progressBar(fraction)} ${formatDecimal(fraction * 100, 0)}%  ${mb(bytes)}/${mb(total)} MB  ${formatCount(rows)} rows  ${mb(bytes / Math.max(seconds, 1e-9))} MB/s`;
}

/** Run analyze-trace with parsed options; writes to `streams`. */
export async function runAnalyzeTrace(inputPath: string, opts: AnalyzeTraceOptions, verbose: boolean, streams: Streams): Promise<void> {
  if (opts.outputFile !== undefined) checkOutputPath(opts.outputFile);
  const bar = new ProgressLine(streams.stderr);
  const started = performance.now();
  let result: Awaited<ReturnType<typeof analyzeTraceFile>>;
  try {
    result = await analyzeTraceFile(inputPath, {
      blockSize: opts.blockSize,
      skipInvalid: Boolean(opts.skipInvalid),
      checkMaterialisation: Boolean(opts.checkMaterialisation),
      onProgress: (bytes, rows, total) => bar.update(() => analysisProgressText(bytes, rows, total, (performance.now() - started) / 1000)),
    });
  } finally {
    bar.clear();
  }
  const { json, analyzer } = result;
  const report = JSON.parse(json) as AnalysisReport;
  const stderrColour = colourEnabled(streams.stderr);
  if (verbose) {
    for (const attempt of backendAttempts()) {
      streams.stderr.write(
        `debug: ${attempt.backend} backend ${attempt.ok ? `loaded from ${attempt.detail}` : `unavailable: ${attempt.detail}`}\n`,
      );
    }
  }
  if (opts.format === 'text' || verbose) {
    const line = `backend: ${analyzer.backend}`;
    streams.stderr.write(stderrColour ? `\x1b[2m${line}\x1b[0m\n` : `${line}\n`);
  }
  const warnings = [analyzer.skippedWarning(inputPath), analyzer.inconsistentWarning()];
  for (const warning of warnings) if (warning) streams.stderr.write(`${warning}\n`);

  if (opts.outputFile !== undefined) writeFileAtomicSync(opts.outputFile, json);
  if (opts.format === 'json') {
    streams.stdout.write(`${json}\n`);
    if (opts.outputFile !== undefined) streams.stderr.write(`Analysis report saved to ${opts.outputFile}\n`);
  } else {
    const colour = colourEnabled(streams.stdout);
    streams.stdout.write(
      renderAnalysisConsole(report, { colour, ...(opts.outputFile !== undefined ? { outputFile: opts.outputFile } : {}) }),
    );
  }
}

/** Add `analyze-trace` to the program. */
export function registerAnalyzeTrace(program: Command): void {
  program
    .command('analyze-trace')
    .description('analyse a Mooncake trace: length distributions and prefix-reuse structure')
    .argument('[INPUT_FILE]', 'trace file (or use --input-file)')
    .addOption(new Option('--input-file <path>', 'trace file (instead of INPUT_FILE)').argParser(parsePath))
    .addOption(
      new Option('--block-size <n>', 'tokens per hash block')
        .argParser(integerIn(1, MAX_BLOCK_SIZE))
        .default(ANALYZE_TRACE_DEFAULTS.blockSize),
    )
    .addOption(
      new Option('--output-file <path>', 'write analysis.json there (atomically; parent directories are created)').argParser(parsePath),
    )
    .option('--skip-invalid', 'skip and count invalid rows instead of stopping at the first')
    .addOption(
      new Option('--format <format>', 'text: console report; json: analysis.json on stdout')
        .argParser(parseChoice(ANALYZE_TRACE_FORMATS))
        .default(ANALYZE_TRACE_DEFAULTS.format),
    )
    .option('--check-materialisation', 'also fail on hash ids requested at two different block sizes')
    .action(async function (this: Command, positional: string | undefined) {
      const opts = this.opts<AnalyzeTraceOptions>();
      const verbose = Boolean(this.optsWithGlobals<GlobalOptions>().verbose);
      const path = inputPathArgument(positional, opts.inputFile);
      await runAnalyzeTrace(path, opts, verbose, { stdout: process.stdout, stderr: process.stderr });
    });
}
