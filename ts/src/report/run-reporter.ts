// The single entry point between the load engine and every `profile` export.
//
// Usage (ts/src/cli/profile.ts):
//
//   const reporter = await createRunReporter({ ...options });   // resolves + cleans the dir,
//                                                               // opens the JSONL streams and log,
//                                                               // starts server-metrics scraping
//   engine.on('record', (raw) => reporter.onRecord(raw));       // sync, cheap; warmup + profiling
//   await reporter.markProfilingStart();                        // after warmup: server-metrics baseline
//   ...
//   const result = await reporter.finish({ interrupted, clientHealth, warnings });
//   process.exitCode = result.exitCode;                         // 0, 1 (no success) or 130
//
// `onRecord` only queues: parsing and tokenization run in batches on a later macrotask, in
// worker threads when `tokenizerSpec` is given, so the engine's chunk stamping is never
// delayed. Records are appended to `profile_export.jsonl` as soon as their metrics exist and
// flushed at least once per second. `finish` drains the queue, closes the streams, writes every
// summary atomically (`.<name>.tmp-<pid>` + rename), prints the console summary and returns the
// numbers that decide the exit code. On a second SIGINT call `emergencyFlush()` (synchronous)
// before exiting.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { wallNs as defaultWallNs } from '../metrics/clock.js';
import { aggregate, type RunMetrics } from '../metrics/aggregate.js';
import type { ClientHealthSamples } from '../metrics/client-health.js';
import type { GoodputSlos } from '../metrics/goodput.js';
import { RecordProcessor, type MetricRecord } from '../metrics/record-processor.js';
import { computeTimeSlices } from '../metrics/timeslices.js';
import { createWorkerTokenCountService } from '../metrics/token-count-pool.js';
import { createInlineTokenCountService, type TokenCounter, type TokenCountService } from '../metrics/token-count.js';
import { exportFileNames, removeOwnedFiles, resolveArtifactDir, type ExportFileNames, type Stimulus } from './artifact-dir.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { consoleSummary, runWarnings } from './console-summary.js';
import { InputsCollector } from './inputs-json.js';
import { jf, toJson } from './json-writer.js';
import { LineWriter } from '../io/line-writer.js';
import { RunLog, type LogLevel } from './log-file.js';
import { rawLine, recordLine, type LineContext } from './record-lines.js';
import { SecretScrubber, formatCliCommand } from './redact.js';
import { summaryCsv, timeslicesCsv } from './summary-csv.js';
import { blocksJson, redactInputConfig, summaryJson, type InputConfig, type RunInfo, type TraceFidelity } from './summary-json.js';
import { nowWallNs } from './time-format.js';
import { ServerMetricsCollector, metricsUrlOfBase, normalizeServerMetricsUrl } from './server-metrics-collector.js';
import { prefixCacheLine, serverMetricsCsv, serverMetricsJson } from './server-metrics-export.js';

export type ExportLevel = 'summary' | 'records' | 'raw';
export type LoadMode = 'concurrency' | 'request_rate' | 'fixed_schedule' | 'user_centric';

export interface RunReporterOptions {
  /** `--artifact-dir` value (default `artifacts`). */
  artifactDir?: string | null;
  /** The user passed `--artifact-dir` explicitly: files go directly into it. */
  artifactDirExplicit: boolean;
  /** `--model` names (run name uses the first; `_multi` when several). */
  models: readonly string[];
  endpointType: 'chat' | 'completions';
  /** For the run name (exports.md §1). */
  stimulus: Stimulus;
  /** Which metrics apply: open-loop modes get `schedule_lag`, fixed schedule the replay metrics. */
  mode: LoadMode;
  /** `--request-rate` in rate mode (client-health rule 4). */
  requestRate?: number | null;
  streaming: boolean;
  useServerTokenCount?: boolean;
  /** `--profile-export-prefix`. */
  profileExportPrefix?: string | null;
  exportLevel?: ExportLevel;
  /** `--slice-duration` seconds. */
  sliceDuration?: number | null;
  /** Parsed `--goodput` (see `parseGoodput` in ts/src/metrics/goodput.ts). */
  goodput?: GoodputSlos | null;
  /** A tokenizer (counted in-process, batched) or a ready token-count service (worker threads). */
  tokens: TokenCounter | TokenCountService;
  /**
   * `--tokenizer` spec as `loadTokenizer` takes it (default: `tokens.name`, which a Tokenizer
   * from ts/src/tokenizer carries). With a spec, counting runs in `recordProcessorThreads`
   * worker threads (`record_processor_<k>`), falling back to `tokens` in-process when the
   * compiled worker entry is unavailable (running from sources without a build).
   */
  tokenizerSpec?: string | null;
  /** Worker threads for token counting (default 1; 0 counts on the main thread). */
  recordProcessorThreads?: number;
  /** The resolved configuration for `input_config` (secrets in clear are redacted here). */
  inputConfig: InputConfig;
  /** The command line as typed, e.g. `['infermark', 'profile', '-m', …]`; written redacted. */
  argv: readonly string[];
  /** `--api-key` and `-H` headers, so their values are scrubbed from every file. */
  apiKey?: string | null;
  headers?: Readonly<Record<string, string>>;
  randomSeed: bigint | number;
  runInfo?: Partial<RunInfo>;
  /**
   * Server metrics (exports.md §8): the `--url` bases (their `/metrics` is scraped) and the
   * `--server-metrics` URLs. Omit or pass null for `--no-server-metrics`.
   */
  serverMetrics?: { baseUrls: readonly string[]; extraUrls?: readonly string[] } | null;
  /** Trace inputs only (exports.md §4 item 7). */
  traceFidelity?: TraceFidelity | null;
  version: string;
  logLevel?: LogLevel;
  /** Where the summary is printed; null to not print (default `process.stdout`). */
  stdout?: { write(s: string): unknown } | null;
  /** Colour on the printed table (never in the file). Default: stdout is a TTY and NO_COLOR unset, or FORCE_COLOR. */
  colour?: boolean;
  /** Monotonic → wall ns (default: ts/src/load/clock.ts). Tests inject a fixed mapping. */
  toWallNs?: (monoNs: bigint) => bigint;
  /** Records per processing batch (default 256). */
  batchSize?: number;
}

export interface FinishOptions {
  /** The run was interrupted (SIGINT/SIGTERM): summaries say `was_cancelled: true`, exit 130. */
  interrupted?: boolean;
  /** The engine's event-loop / CPU samples over the profiling phase. */
  clientHealth?: ClientHealthSamples | null;
  /** Wall ns of the profiling start/end (default: earliest start / now). */
  startWallNs?: bigint;
  endWallNs?: bigint;
  /** Extra lines for the console footer (e.g. threshold exceeded). */
  warnings?: readonly string[];
}

export interface RunResult {
  /** 0 success, 1 no successful request, 130 interrupted. */
  exitCode: number;
  successCount: number;
  errorCount: number;
  cancelledCount: number;
  /** The profiling-phase metrics (blocks by tag). */
  metrics: RunMetrics;
  /** The console summary exactly as written to `profile_export_console.txt`. */
  consoleText: string;
  /** Absolute or relative paths of the files written. */
  paths: Partial<Record<keyof ExportFileNames, string>>;
  directory: string;
}

export interface RunReporter {
  readonly directory: string;
  readonly benchmarkId: string;
  /** Queue one finished request (warmup or profiling). Never throws; never blocks on tokenization. */
  onRecord(raw: RawRequestRecord): void;
  /** Completed profiling requests so far (successes, errors), for progress and thresholds. */
  progress(): { completed: number; errors: number };
  log(level: LogLevel, message: string): void;
  /**
   * Call just before the profiling phase starts (after warmup): re-takes the server-metrics
   * baseline so the window covers profiling only. Without it the window starts at creation.
   */
  markProfilingStart(): Promise<void>;
  /** Resolves when every queued record has been processed and handed to the JSONL writers. */
  whenIdle(): Promise<void>;
  /** Drain, write every file, print the summary. Call once. */
  finish(options?: FinishOptions): Promise<RunResult>;
  /** Synchronously flush the streamed records and log (second SIGINT, fatal paths). */
  emergencyFlush(): void;
}

function isService(t: TokenCounter | TokenCountService): t is TokenCountService {
  return typeof (t as TokenCountService).countBatch === 'function';
}

function defaultColour(): boolean {
  if (process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0') return true;
  return process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
}

/** Create the reporter: resolves and cleans the artifact directory, opens streams and log. */
export async function createRunReporter(options: RunReporterOptions): Promise<RunReporter> {
  const directory = resolveArtifactDir({
    artifactDir: options.artifactDir ?? null,
    explicit: options.artifactDirExplicit,
    models: options.models,
    endpointType: options.endpointType,
    stimulus: options.stimulus,
  });
  const names = exportFileNames(options.profileExportPrefix);
  await removeOwnedFiles(directory, names);
  const path = (k: keyof ExportFileNames): string => join(directory, names[k]);
  const exportLevel = options.exportLevel ?? 'records';
  const toWallNs = options.toWallNs ?? defaultWallNs;
  const openLoop = options.mode !== 'concurrency';
  const scrubber = SecretScrubber.from(options.apiKey, { ...(options.inputConfig.endpoint.headers ?? {}), ...(options.headers ?? {}) });
  // Worker threads by default when the tokenizer can be re-loaded there by name (a
  // `Tokenizer` from ts/src/tokenizer carries its resolvable `name`).
  const named = (options.tokens as { name?: unknown }).name;
  const spec = options.tokenizerSpec ?? (typeof named === 'string' && named !== '' ? named : null);
  const threads = options.recordProcessorThreads ?? 1;
  const pool = !isService(options.tokens) && spec !== null && threads > 0 ? createWorkerTokenCountService(spec, threads) : null;
  const tokens = isService(options.tokens) ? options.tokens : pool ?? createInlineTokenCountService(options.tokens);
  const processor = new RecordProcessor({
    tokens,
    toWallNs,
    useServerTokenCount: options.useServerTokenCount ?? false,
    openLoop,
    fixedSchedule: options.mode === 'fixed_schedule',
  });
  const log = new RunLog(path('log'), options.logLevel ?? 'info', scrubber);
  const recordsOut = exportLevel === 'summary' ? null : new LineWriter(path('records'));
  const rawOut = exportLevel === 'raw' ? new LineWriter(path('raw')) : null;
  const ctx: LineContext = { toWallNs, openLoop, scrubber };
  const inputs = new InputsCollector();
  const benchmarkId = randomUUID();
  const createdWallNs = nowWallNs();
  const batchSize = options.batchSize ?? 256;
  let serverCollector: ServerMetricsCollector | null = null;
  if (options.serverMetrics) {
    const urls = [
      ...options.serverMetrics.baseUrls.map(metricsUrlOfBase),
      ...(options.serverMetrics.extraUrls ?? []).map(normalizeServerMetricsUrl),
    ];
    if (urls.length > 0) {
      serverCollector = new ServerMetricsCollector(urls, { log: (level, m) => log.log(level, m) });
      await serverCollector.start();
    }
  }

  const profiling: MetricRecord[] = [];
  const warmup: MetricRecord[] = [];
  let queue: RawRequestRecord[] = [];
  let draining: Promise<void> | null = null;
  let processingError: Error | null = null;
  let completed = 0;
  let errors = 0;
  let finished = false;

  log.log('info', `infermark ${options.version} run ${benchmarkId} writing to ${directory}`);
  log.log('info', `command: ${formatCliCommand(options.argv)}`);
  if (spec !== null && threads > 0 && !isService(options.tokens) && pool === null) {
    log.log('warning', 'token-count worker entry not built; counting tokens on the main thread');
  }

  const slim = (r: MetricRecord): MetricRecord => {
    // Keep only what aggregation needs; bodies and responses are already on disk.
    r.raw = { ...r.raw, responses: [], request: { url: r.raw.request.url, headers: {}, body: {} } };
    return r;
  };

  // Several batches in flight (one per counting thread and one more) so a worker pool is kept
  // busy; results are still written strictly in completion (queue) order.
  const maxInFlight = (options.recordProcessorThreads ?? 1) + 1;
  const drain = async (): Promise<void> => {
    const inFlight: Array<Promise<MetricRecord[] | null>> = [];
    while (queue.length > 0 || inFlight.length > 0) {
      while (queue.length > 0 && inFlight.length < maxInFlight) {
        const batch = queue.slice(0, batchSize);
        queue = queue.slice(batch.length);
        inFlight.push(
          processor.processBatch(batch).catch((err: unknown) => {
            processingError ??= err instanceof Error ? err : new Error(String(err));
            log.log('error', `record processing failed: ${processingError.message}`);
            return null;
          }),
        );
      }
      const done = await inFlight.shift()!;
      if (done === null) continue;
      for (const r of done) {
        recordsOut?.writeLine(recordLine(r, ctx));
        rawOut?.writeLine(rawLine(r, ctx));
        if (r.error) log.log('debug', `request ${r.raw.requestNum} failed: ${r.error.code ?? '-'} ${r.error.type}: ${r.error.message}`);
        (r.phase === 'warmup' ? warmup : profiling).push(slim(r));
      }
    }
  };
  const kick = (): void => {
    if (draining) return;
    draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(drain)
      .finally(() => {
        draining = null;
        if (queue.length > 0) kick();
      });
  };
  const idle = async (): Promise<void> => {
    while (draining || queue.length > 0) {
      if (!draining) kick();
      await draining;
    }
  };

  return {
    directory,
    benchmarkId,
    onRecord(raw) {
      if (finished) return;
      if (raw.phase === 'profiling') {
        completed++;
        if (raw.error) errors++;
      }
      inputs.add(raw);
      queue.push(raw);
      kick();
    },
    progress: () => ({ completed, errors }),
    log: (level, message) => log.log(level, message),
    whenIdle: idle,
    async markProfilingStart() {
      await serverCollector?.markBaseline();
    },
    emergencyFlush() {
      recordsOut?.flushSync();
      rawOut?.flushSync();
      log.flushSync();
    },
    async finish(fin = {}) {
      if (finished) throw new Error('RunReporter.finish called twice');
      finished = true;
      await idle();
      await recordsOut?.close();
      await rawOut?.close();
      if (processingError) throw processingError;
      const interrupted = fin.interrupted ?? false;
      const goodput = options.goodput ?? null;
      const run = aggregate(profiling, {
        goodput,
        fixedSchedule: options.mode === 'fixed_schedule',
        requestRate: options.mode === 'request_rate' ? options.requestRate ?? null : null,
        clientHealth: fin.clientHealth ?? null,
      });
      const warm = warmup.length > 0 ? aggregate(warmup, { goodput }) : null;
      let startWallNs = fin.startWallNs;
      if (startWallNs === undefined) {
        startWallNs = createdWallNs;
        for (const r of profiling) if (r.startWallNs < startWallNs) startWallNs = r.startWallNs;
      }
      const endWallNs = fin.endWallNs ?? nowWallNs();
      const paths: RunResult['paths'] = {
        summaryJson: path('summaryJson'),
        summaryCsv: path('summaryCsv'),
        console: path('console'),
        log: path('log'),
      };
      if (recordsOut) paths.records = path('records');
      if (rawOut) paths.raw = path('raw');

      const cliCommand = formatCliCommand(options.argv);
      await writeFileAtomic(
        path('summaryJson'),
        summaryJson({
          version: options.version,
          benchmarkId,
          startWallNs,
          endWallNs,
          wasCancelled: interrupted,
          run,
          inputConfig: options.inputConfig,
          argv: options.argv,
          runInfo: {
            sweep_id: null,
            random_seed: options.randomSeed,
            trial: 0,
            run_label: null,
            variation_label: 'base',
            variation_index: null,
            variation_values: null,
            ...options.runInfo,
          },
          traceFidelity: options.traceFidelity ?? null,
          warmup: warm,
          scrubber,
        }),
      );
      await writeFileAtomic(path('summaryCsv'), scrubber.scrub(summaryCsv(run.blocks)));

      if (options.sliceDuration != null) {
        const slices = computeTimeSlices(profiling, options.sliceDuration, goodput);
        await writeFileAtomic(path('timeslicesCsv'), scrubber.scrub(timeslicesCsv(slices)));
        const doc = {
          timeslices: slices.map((s) => ({
            timeslice_index: s.timesliceIndex,
            start_ns: s.startNs,
            end_ns: s.endNs,
            is_complete: s.isComplete,
            ...blocksJson(s.blocks),
          })),
          slice_duration_seconds: jf(options.sliceDuration),
          input_config: redactInputConfig(options.inputConfig, options.argv),
        };
        await writeFileAtomic(path('timeslicesJson'), scrubber.scrub(toJson(doc, 2)) + '\n');
        paths.timeslicesCsv = path('timeslicesCsv');
        paths.timeslicesJson = path('timeslicesJson');
      }

      const extraFooter: string[] = [];
      const warningsServer: string[] = [];
      if (serverCollector) {
        const sm = await serverCollector.stop();
        warningsServer.push(...sm.warnings);
        if (sm.endpointsSuccessful.length > 0) {
          await writeFileAtomic(path('serverMetricsJson'), scrubber.scrub(serverMetricsJson(sm, { version: options.version, benchmarkId })));
          await writeFileAtomic(path('serverMetricsCsv'), scrubber.scrub(serverMetricsCsv(sm)));
          paths.serverMetricsJson = path('serverMetricsJson');
          paths.serverMetricsCsv = path('serverMetricsCsv');
          const line = prefixCacheLine(sm);
          if (line) extraFooter.push(line);
        }
      }
      const inputsText = inputs.text();
      const warnings = [...warningsServer,...runWarnings(run, options.useServerTokenCount ?? false), ...(fin.warnings ?? [])];
      if (inputsText === null) {
        warnings.push('inputs.json skipped: the request payloads exceed 256 MiB');
      } else {
        await writeFileAtomic(path('inputs'), scrubber.scrub(inputsText));
        paths.inputs = path('inputs');
      }

      const footer = {
        interrupted,
        randomSeed: options.randomSeed,
        traceFidelity: options.traceFidelity ?? null,
        serverLines: extraFooter,
        cliCommand,
        paths: {
          csv: paths.summaryCsv,
          json: paths.summaryJson,
          records: paths.records,
          timeslices: paths.timeslicesCsv,
          serverMetrics: paths.serverMetricsJson,
          log: paths.log,
        },
        warnings,
      };
      const consoleText = scrubber.scrub(consoleSummary(run, footer, { streaming: options.streaming }));
      await writeFileAtomic(path('console'), consoleText);
      const out = options.stdout === undefined ? process.stdout : options.stdout;
      if (out) {
        const colour = options.colour ?? (options.stdout === undefined ? defaultColour() : false);
        out.write(colour ? scrubber.scrub(consoleSummary(run, footer, { streaming: options.streaming, colour: true })) : consoleText);
      }
      for (const w of warnings) log.log('warning', w);
      log.log(
        'info',
        `finished: ${run.successCount} succeeded, ${run.errorCount} failed${interrupted ? ' (interrupted)' : ''}`,
      );
      await log.close();
      await tokens.close();
      return {
        exitCode: interrupted ? 130 : run.successCount === 0 ? 1 : 0,
        successCount: run.successCount,
        errorCount: run.errorCount,
        cancelledCount: run.cancelledCount,
        metrics: run,
        consoleText,
        paths,
        directory,
      };
    },
  };
}
