// `infermark analyze-trace`: stream a Mooncake trace through the core and report (trace-analysis.md §1, §6).
import { closeSync, read } from 'node:fs';
import { Command, Option } from 'commander';
import { TraceAnalyzer } from '../trace-core/analyzer.js';
import { backendAttempts } from '../trace-core/loader.js';
import type { AnalysisReport } from '../trace-core/report.js';
import { colourEnabled, renderAnalysisConsole } from '../report/analysis-console.js';
import { formatCount, formatDecimal } from '../report/decimal-format.js';
import { UsageError } from './errors.js';
import { checkOutputPath, inputPathArgument, openInputFile, osReason, writeFileAtomicSync } from './files.js';
import { parseChoice, positiveIntegerAtMost } from './option-types.js';
import type { GlobalOptions } from './program.js';

/** Defaults of trace-analysis.md §1. */
export const ANALYZE_TRACE_DEFAULTS = { blockSize: 512, format: 'text' } as const;

const FORMATS = ['text', 'json'] as const;
const MAX_BLOCK_SIZE = 4_294_967_295;
/** Read size: large enough that the per-call FFI cost vanishes, small enough to stay cache-friendly. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Files smaller than this finish before a progress bar would be readable. */
const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export interface AnalyzeTraceOptions {
  inputFile?: string;
  blockSize: number;
  outputFile?: string;
  skipInvalid?: boolean;
  format: (typeof FORMATS)[number];
  checkMaterialisation?: boolean;
}

interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A one-line progress bar on a TTY stderr: bytes, rows, throughput (redrawn at most every 100 ms). */
export class ProgressBar {
  #last = 0;
  readonly #start = performance.now();
  constructor(
    private readonly stream: Pick<Streams['stderr'], 'write'>,
    private readonly total: number,
  ) {}

  update(bytes: number, rows: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    const fraction = this.total > 0 ? Math.min(1, bytes / this.total) : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = Math.max((now - this.#start) / 1000, 1e-9);
    const mb = (n: number): string => formatDecimal(n / 1e6, 1);
    this.stream.write(
      `\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${formatDecimal(fraction * 100, 0)}%  ` +
        `${mb(bytes)}/${mb(this.total)} MB  ${formatCount(rows)} rows  ${mb(bytes / seconds)} MB/s`,
    );
  }

  clear(): void {
    this.stream.write('\r\x1b[K');
  }
}

/** Read the next chunk of `fd` into `buffer` on libuv's thread pool. */
function readChunk(fd: number, buffer: Buffer, path: string): Promise<number> {
  return new Promise((done, fail) => {
    read(fd, buffer, 0, buffer.length, null, (err, n) => {
      if (err) fail(new UsageError(`cannot read input file: ${path}: ${osReason(err)}`));
      else done(n);
    });
  });
}

/**
 * Stream `path` through a `TraceAnalyzer` in fixed-size chunks; never holds the whole file.
 * Two buffers: chunk k + 1 is read on libuv's thread pool while the core analyses chunk k
 * (the synchronous `push`), so the kernel's copy does not cost main-thread time.
 */
export async function analyzeTraceFile(
  path: string,
  options: { blockSize: number; skipInvalid: boolean; checkMaterialisation: boolean; progress?: Streams['stderr'] | null },
): Promise<{ json: string; analyzer: TraceAnalyzer }> {
  const { fd, size } = openInputFile(path);
  let inFlight: Promise<number> | null = null;
  try {
    const analyzer = new TraceAnalyzer({
      blockSize: options.blockSize,
      skipInvalid: options.skipInvalid,
      sourceName: path,
      checkMaterialisation: options.checkMaterialisation,
    });
    const bar = options.progress && size >= PROGRESS_MIN_BYTES ? new ProgressBar(options.progress, size) : null;
    let current = Buffer.allocUnsafe(CHUNK_BYTES);
    let next = Buffer.allocUnsafe(CHUNK_BYTES);
    try {
      inFlight = readChunk(fd, current, path);
      for (;;) {
        const n: number = await inFlight;
        inFlight = null;
        if (n === 0) break;
        inFlight = readChunk(fd, next, path);
        analyzer.push(current.subarray(0, n));
        [current, next] = [next, current];
        bar?.update(analyzer.bytesConsumed, analyzer.rowsParsed);
      }
      const json = analyzer.finishJson();
      return { json, analyzer };
    } finally {
      bar?.clear();
    }
  } finally {
    // never close the descriptor under a read still in flight (after a failed push)
    if (inFlight) await inFlight.catch(() => 0);
    closeSync(fd);
  }
}

/** Run analyze-trace with parsed options; writes to `streams`. */
export async function runAnalyzeTrace(inputPath: string, opts: AnalyzeTraceOptions, verbose: boolean, streams: Streams): Promise<void> {
  if (opts.outputFile !== undefined) checkOutputPath(opts.outputFile);
  const { json, analyzer } = await analyzeTraceFile(inputPath, {
    blockSize: opts.blockSize,
    skipInvalid: Boolean(opts.skipInvalid),
    checkMaterialisation: Boolean(opts.checkMaterialisation),
    progress: streams.stderr.isTTY ? streams.stderr : null,
  });
  const report = JSON.parse(json) as AnalysisReport;
  const stderrColour = colourEnabled(streams.stderr);
  if (verbose) {
    for (const attempt of backendAttempts()) {
      streams.stderr.write(`debug: ${attempt.backend} backend ${attempt.ok ? `loaded from ${attempt.detail}` : `unavailable: ${attempt.detail}`}\n`);
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
    streams.stdout.write(renderAnalysisConsole(report, { colour, ...(opts.outputFile !== undefined ? { outputFile: opts.outputFile } : {}) }));
  }
}

/** Add `analyze-trace` to the program. */
export function registerAnalyzeTrace(program: Command): void {
  program
    .command('analyze-trace')
    .description('analyse a Mooncake trace: length distributions and prefix-reuse structure')
    .argument('[INPUT_FILE]', 'trace file (or use --input-file)')
    .option('--input-file <path>', 'trace file (instead of INPUT_FILE)')
    .addOption(
      new Option('--block-size <n>', 'tokens per hash block')
        .argParser(positiveIntegerAtMost(MAX_BLOCK_SIZE))
        .default(ANALYZE_TRACE_DEFAULTS.blockSize),
    )
    .option('--output-file <path>', 'write analysis.json there (atomically; parent directories are created)')
    .option('--skip-invalid', 'skip and count invalid rows instead of stopping at the first')
    .addOption(
      new Option('--format <format>', 'text: console report; json: analysis.json on stdout')
        .argParser(parseChoice(FORMATS))
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
