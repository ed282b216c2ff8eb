// The report side of one `profile` run: clears the artifact directory, starts the reporters, turns
// the engine's raw records into metric records (token counting off the stamping loop, in batches)
// and hands every event to every reporter; at the end aggregates the metrics and finishes the
// reporters in order. The engine is not needed: tests and benchmarks feed records directly.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ProfileConfig } from '../config/profile-config.js';
import type { EngineProgress, EngineSummary, Phase } from '../load/engine.js';
import { aggregate, type RunMetrics } from '../metrics/aggregate.js';
import type { ClientHealthSamples } from '../metrics/client-health.js';
import { HeapPacer } from '../heap-pacer.js';
import { wallNs } from '../metrics/clock.js';
import type { GoodputSlos } from '../metrics/goodput.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { RecordProcessor, type MetricRecord } from '../metrics/record-processor.js';
import { RecordStore } from '../metrics/record-store.js';
import { PerUrlMetrics } from '../metrics/per-url.js';
import { createWorkerTokenCountService } from '../metrics/token-count-pool.js';
import { createInlineTokenCountService, type TokenCounter, type TokenCountService } from '../metrics/token-count.js';
import { exportFileNames, removeOwnedFiles, runDirectoryOf } from '../report/artifact-dir.js';
import { runWarnings } from '../report/console-summary.js';
import { inputConfigOf, type InputFileReport } from '../report/input-config.js';
import type { LogLevel } from '../report/log-file.js';
import { SecretScrubber, formatCliCommand } from '../report/redact.js';
import { nowWallNs } from '../report/time-format.js';
import { runVerdict, thresholdWarning } from './exit-code.js';
import type { ExportFileKind, ProfileReporter, RunContext, RunEnd } from './reporter.js';

export interface RunPipelineOptions {
  config: ProfileConfig;
  /** Called in this order; see ProfileReporter. */
  reporters: readonly ProfileReporter[];
  /** A tokenizer (counted in worker threads when it carries a loadable `name`) or a ready service. */
  tokens: TokenCounter | TokenCountService;
  /** The tokenizer as `input_config` names it: the spec given and the file it resolved to. */
  tokenizer: { spec: string; resolvedPath: string | null };
  /** Parsed `--goodput` SLOs. */
  goodput: GoodputSlos | null;
  /** What reading the `--input-file` found, for `input_config` (null for synthetic datasets). */
  inputFile?: InputFileReport | null;
  version: string;
  /** Lines for the run log before the first request, with their level (what a model id resolved to, each inexact prompt). */
  preamble?: ReadonlyArray<readonly [LogLevel, string]>;
  /** Warnings known before the first request (prompts that could not be made exact), for the console footer and the log. */
  warnings?: readonly string[];
  /** Token-counting worker threads (default 1; 0 counts on this thread, deferred to a macrotask). */
  recordProcessorThreads?: number;
  /** Monotonic → wall ns (default ts/src/metrics/clock.ts). Tests inject a fixed mapping. */
  toWallNs?: (monoNs: bigint) => bigint;
  /** Records per token-counting batch (default 256). */
  batchSize?: number;
  /**
   * Keep this thread's heap near what is live with paced full collections (ts/src/heap-pacer.ts);
   * only when the load engine runs on other threads, never on the loop that stamps (default off).
   */
  paceHeap?: boolean;
}

/** How the engine side ended, for `finish`. */
export interface RunStop {
  interrupted?: boolean;
  /** `--failed-request-threshold` stopped the run. */
  thresholdExceeded?: boolean;
  /** The engine's summary (client-health samples); absent when records were fed directly. */
  engine?: EngineSummary | null;
  /** Wall ns of the profiling start/end (default: earliest request start / now). */
  startWallNs?: bigint;
  endWallNs?: bigint;
}

/** What a finished run produced. */
export interface ProfileResult {
  /** 0, 1 or 130, decided in ./exit-code.ts. */
  exitCode: number;
  /** The `error: …` text when the run failed (exit 1), else null. */
  failure: string | null;
  metrics: RunMetrics;
  warmup: RunMetrics | null;
  /** An interrupt stopped the requests (the summaries' `was_cancelled`). */
  interrupted: boolean;
  benchmarkId: string;
  directory: string;
  /** Every file written, by kind. */
  files: Partial<Record<ExportFileKind, string>>;
}

function isService(t: TokenCounter | TokenCountService): t is TokenCountService {
  return typeof (t as TokenCountService).countBatch === 'function';
}

/**
 * The engine's loop samples in the shape the client-health judgement takes (docs/metrics.md §10):
 * the loops that stamp (with worker threads, theirs; the main thread then only reports) and the
 * process CPU.
 */
function clientHealthOf(summary: EngineSummary | null | undefined): ClientHealthSamples | null {
  if (!summary?.health) return null;
  const workers = summary.workerLoops ?? [];
  return {
    loops: workers.length > 0 ? workers : [summary.health.loop],
    cpuPercent: summary.health.cpuPercent,
    loadThreads: summary.loadThreads,
  };
}

/**
 * Finished requests waiting to be processed (token counting, lines, statistics) beyond which the
 * engine is asked to hold its closed-loop sends, and the level at which it may resume. Against a
 * fast server the engine finishes requests faster than they can be processed; without the hold
 * the waiting records (each with its whole response) grow without bound.
 */
export const BACKLOG_HOLD = 256;
export const BACKLOG_RESUME = 64;

export class RunPipeline {
  readonly context: RunContext;
  readonly #options: RunPipelineOptions;
  readonly #reporters: readonly ProfileReporter[];
  readonly #tokens: TokenCountService;
  readonly #processor: RecordProcessor;
  readonly #createdWallNs = nowWallNs();
  /** What the statistics need of each phase's records; the records themselves are dropped once reported. */
  readonly #profiling: RecordStore;
  readonly #warmup: RecordStore;
  #queue: RawRequestRecord[] = [];
  #draining: Promise<void> | null = null;
  #processingError: Error | null = null;
  #finished = false;
  /** Warnings of `warn` (known during the run), for the console footer. */
  #lateWarnings: string[] = [];
  /** The per-URL breakdown of a run with several `--url`s (docs/exports.md §4.2), else null. */
  #perUrl: PerUrlMetrics | null = null;
  /** Records received and not yet handed to the reporters. */
  #backlog = 0;
  #behind = false;
  #backlogListener: ((behind: boolean) => void) | null = null;
  readonly #pacer: HeapPacer | null;

  private constructor(options: RunPipelineOptions, context: RunContext, tokens: TokenCountService) {
    this.#options = options;
    this.#reporters = options.reporters;
    this.context = context;
    const urls = options.config.endpoint.urls;
    if (urls.length > 1) this.#perUrl = new PerUrlMetrics(urls);
    this.#tokens = tokens;
    const mode = options.config.load.mode;
    this.#processor = new RecordProcessor({
      tokens,
      toWallNs: context.toWallNs,
      useServerTokenCount: options.config.endpoint.useServerTokenCount,
      perChunkUsage: options.config.responses.perChunkUsage,
      template: options.config.endpoint.template,
      openLoop: mode.kind !== 'concurrency',
      // Trace replay adds replay_send_schedule_offset and the replay_* lag statistics (docs/metrics.md §8).
      fixedSchedule: mode.kind === 'fixed-schedule',
    });
    this.#profiling = new RecordStore({ goodput: options.goodput, fixedSchedule: mode.kind === 'fixed-schedule' });
    this.#warmup = new RecordStore({ goodput: options.goodput });
    this.#pacer = options.paceHeap ? new HeapPacer() : null;
  }

  /**
   * Resolve and clear the artifact directory, start token counting and every reporter (in
   * order). A reporter that cannot start (a file that cannot be created) fails the run here,
   * before any request is sent.
   */
  static async open(options: RunPipelineOptions): Promise<RunPipeline> {
    const config = options.config;
    const directory = runDirectoryOf(config);
    const names = exportFileNames(config.output.profileExportPrefix);
    await removeOwnedFiles(directory, names);

    const threads = options.recordProcessorThreads ?? 1;
    // Counting moves to worker threads when the tokenizer can be loaded there again: a Tokenizer
    // from ts/src/tokenizer carries the name it was loaded by.
    const named = (options.tokens as { name?: unknown }).name;
    const spec = typeof named === 'string' && named !== '' ? named : null;
    const pool = !isService(options.tokens) && spec !== null && threads > 0 ? createWorkerTokenCountService(spec, threads) : null;
    const tokens = isService(options.tokens) ? options.tokens : (pool ?? createInlineTokenCountService(options.tokens));

    const inputConfig = inputConfigOf(
      config,
      { name: options.tokenizer.spec, resolvedPath: options.tokenizer.resolvedPath },
      options.inputFile ?? null,
    );
    inputConfig.input.goodput = options.goodput;
    // Messages logged before every reporter has started are held back, so the run log (a reporter
    // too) receives them whatever its position.
    let held: Array<[LogLevel, string]> | null = [];
    const reporters = options.reporters;
    const context: RunContext = {
      config,
      version: options.version,
      benchmarkId: randomUUID(),
      directory,
      path: (kind) => join(directory, names[kind]),
      scrubber: SecretScrubber.from(config.endpoint.apiKey, config.endpoint.headers, [
        ...config.endpoint.basicAuthorization,
        ...config.output.serverMetricsAuthorization,
        ...config.output.gpuTelemetry.endpoints.map((e) => e.authorization),
      ]),
      inputConfig,
      goodput: options.goodput,
      toWallNs: options.toWallNs ?? wallNs,
      written: new Map(),
      log(level, message) {
        if (held) held.push([level, message]);
        else for (const r of reporters) r.onLog?.(level, message);
      },
    };
    context.log('info', `infermark ${options.version} run ${context.benchmarkId} writing to ${directory}`);
    context.log('info', `command: ${formatCliCommand(config.argv)}`);
    for (const [level, message] of options.preamble ?? []) context.log(level, message);
    if (!isService(options.tokens) && spec !== null && threads > 0 && pool === null) {
      context.log('warning', 'token-count worker entry not built; counting tokens on the main thread');
    }
    try {
      for (const r of reporters) await r.start?.(context);
    } catch (err) {
      await tokens.close();
      throw err;
    }
    const early = held;
    held = null;
    for (const [level, message] of early) context.log(level, message);
    return new RunPipeline(options, context, tokens);
  }

  /** A warning known during the run (a failed server-control call): the run log now, the console footer at the end. */
  warn(message: string): void {
    this.context.log('warning', message);
    this.#lateWarnings.push(message);
  }

  phaseStart(phase: Phase, startNs: bigint): void {
    for (const r of this.#reporters) r.onPhaseStart?.(phase, startNs);
  }

  progress(p: EngineProgress): void {
    for (const r of this.#reporters) r.onProgress?.(p);
  }

  engineDone(): void {
    for (const r of this.#reporters) r.onEngineDone?.();
  }

  /**
   * `listener(true)` when more than BACKLOG_HOLD records wait to be processed, `listener(false)`
   * once at most BACKLOG_RESUME do (the run wires it to the engine's `holdSends`).
   */
  onBacklog(listener: (behind: boolean) => void): void {
    this.#backlogListener = listener;
  }

  /** Records received and not yet processed. */
  get backlog(): number {
    return this.#backlog;
  }

  /** One finished request (warmup or profiling). Cheap: token counting runs later, in batches. */
  record(raw: RawRequestRecord): void {
    if (this.#finished) return;
    for (const r of this.#reporters) r.onRecord?.(raw);
    this.#queue.push(raw);
    this.#backlog++;
    if (!this.#behind && this.#backlog > BACKLOG_HOLD) {
      this.#behind = true;
      this.#backlogListener?.(true);
    }
    this.#kick();
  }

  #processed(n: number): void {
    this.#backlog -= n;
    if (this.#behind && this.#backlog <= BACKLOG_RESUME) {
      this.#behind = false;
      this.#backlogListener?.(false);
    }
  }

  /** Resolves when every record so far has been processed and handed to the reporters. */
  async whenIdle(): Promise<void> {
    while (this.#draining || this.#queue.length > 0) {
      if (!this.#draining) this.#kick();
      await this.#draining;
    }
  }

  /** Synchronously flush what the reporters buffer (a second Ctrl-C exits right after). */
  flushNow(): void {
    for (const r of this.#reporters) r.flushNow?.();
  }

  /** Drain, aggregate, finish every reporter in order; returns the run's result. Call once. */
  async finish(stop: RunStop = {}): Promise<ProfileResult> {
    if (this.#finished) throw new Error('RunPipeline.finish called twice');
    this.#finished = true;
    await this.whenIdle();
    if (this.#processingError) {
      await this.#tokens.close();
      throw this.#processingError;
    }
    const config = this.#options.config;
    const mode = config.load.mode;
    const interrupted = stop.interrupted ?? false;
    const metrics = aggregate(this.#profiling, {
      // A shard is asked for its own part of the rate (docs/cli.md §3.8).
      requestRate: mode.kind === 'rate' ? mode.rate / (config.load.shard?.count ?? 1) : null,
      clientHealth: clientHealthOf(stop.engine),
    });
    const warmup = this.#warmup.count > 0 ? aggregate(this.#warmup) : null;
    this.#warmup.close();
    // The earliest profiling request's start (docs/exports.md §4), not the set-up or the warmup
    // before it; the pipeline's creation when no profiling request was sent.
    const startWallNs = stop.startWallNs ?? this.#profiling.firstStartNs ?? this.#createdWallNs;
    const warnings = [
      ...(this.#options.warnings ?? []),
      ...this.#lateWarnings,
      ...runWarnings(metrics, config.endpoint.useServerTokenCount),
    ];
    if (stop.thresholdExceeded) warnings.push(thresholdWarning(config.load.failedRequestThreshold));
    const end: RunEnd = {
      metrics,
      warmup,
      profiling: this.#profiling,
      interrupted,
      startWallNs,
      endWallNs: stop.endWallNs ?? nowWallNs(),
      warnings,
      footerLines: [],
      gpuTelemetry: null,
      perUrl: this.#perUrl?.breakdown(metrics.durationSec) ?? null,
    };
    try {
      for (const r of this.#reporters) await r.finish?.(end);
    } finally {
      this.#profiling.close();
      await this.#tokens.close();
    }
    const verdict = runVerdict({
      metrics,
      interrupted,
      thresholdExceeded: stop.thresholdExceeded ?? false,
      failedRequestThreshold: config.load.failedRequestThreshold,
    });
    return {
      ...verdict,
      metrics,
      warmup,
      interrupted,
      benchmarkId: this.context.benchmarkId,
      directory: this.context.directory,
      files: Object.fromEntries(this.context.written),
    };
  }

  #kick(): void {
    if (this.#draining) return;
    this.#draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drain())
      .finally(() => {
        this.#draining = null;
        if (this.#queue.length > 0) this.#kick();
      });
  }

  /**
   * Several batches in flight (one per counting thread and one more) keep a worker pool busy;
   * results still reach the reporters strictly in completion (queue) order.
   */
  async #drain(): Promise<void> {
    const batchSize = this.#options.batchSize ?? 256;
    const maxInFlight = (this.#options.recordProcessorThreads ?? 1) + 1;
    const inFlight: Array<Promise<MetricRecord[] | number>> = [];
    while (this.#queue.length > 0 || inFlight.length > 0) {
      while (this.#queue.length > 0 && inFlight.length < maxInFlight) {
        const batch = this.#queue.slice(0, batchSize);
        this.#queue = this.#queue.slice(batch.length);
        inFlight.push(
          this.#processor.processBatch(batch).catch((err: unknown) => {
            this.#processingError ??= err instanceof Error ? err : new Error(String(err));
            this.context.log('error', `record processing failed: ${this.#processingError.message}`);
            return batch.length;
          }),
        );
      }
      const done = await inFlight.shift()!;
      if (typeof done === 'number') {
        this.#processed(done);
        continue;
      }
      for (const record of done) {
        for (const r of this.#reporters) r.onMetricRecord?.(record);
        const e = record.error;
        if (e) this.context.log('debug', `request ${record.raw.requestNum} failed: ${e.code ?? '-'} ${e.type}: ${e.message}`);
        try {
          (record.phase === 'warmup' ? this.#warmup : this.#profiling).append(record);
          if (record.phase === 'profiling') this.#perUrl?.add(record);
        } catch (err) {
          // A spill file that cannot be written (a full temp directory) fails the run at `finish`, with its reason.
          this.#processingError ??= err instanceof Error ? err : new Error(String(err));
        }
      }
      this.#processed(done.length);
      this.#pacer?.tick();
    }
  }
}
