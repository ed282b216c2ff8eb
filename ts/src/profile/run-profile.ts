// `runProfile`: one benchmark run as a library call. Usage errors (goodput syntax, the tokenizer,
// an input file and its rows, an artifact directory that cannot be written) are thrown before any
// traffic; then the engine (one event loop or worker threads) runs with every reporter subscribed,
// and the result carries the metrics, the files written and the exit code.
import { readFile } from 'node:fs/promises';
import { isRankingsType } from '../config/retrieval-config.js';
import { buildRankingsDataset } from '../dataset/rankings-dataset.js';
import type { ProfileConfig } from '../config/profile-config.js';
import { PROFILE_DEFAULTS } from '../config/defaults.js';
import { buildSessions, buildSyntheticDataset, type Dataset, inexactNotice, inexactPrompts } from '../dataset/synthetic.js';
import { LoadEngine, type EngineOptions, type EngineProgress, type EngineSummary, type Phase } from '../load/engine.js';
import { planLoadThreads, WorkerCoordinator } from '../load/workers.js';
import { ShardRendezvous } from '../load/shard-rendezvous.js';
import type { ShardConfig } from '../config/shard-config.js';
import { EXIT_INTERRUPTED, InfermarkError, UsageError } from '../errors.js';
import { osReason } from '../io/os-reason.js';
import { parseGoodput } from '../metrics/goodput.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import type { TokenCounter } from '../metrics/token-count.js';
import { tokenCountWorkerEntry } from '../metrics/token-count-pool.js';
import { type LazyTokenizer, lazyTokenizer, resolveTokenizer, type Tokenizer, tokenizerNotice } from '../tokenizer/index.js';
import { packageVersion } from '../version.js';
import type { ProfileReporter } from './reporter.js';
import { INTERRUPTED } from './exit-code.js';
import { RunPipeline, type ProfileResult } from './run-pipeline.js';
import type { ProgressSink } from '../report/progress-line.js';
import { standardReporters } from './standard-reporters.js';
import { openRunFile, type RunFileDataset } from './file-dataset.js';
import { compiledWorkerEntry } from '../worker-threads.js';
import { prepareServer, ServerProfiler } from './server-control.js';

export interface RunProfileOptions {
  /** The run's subscribers, called in this order (default: `standardReporters()`, every artifact, nothing printed). */
  reporters?: readonly ProfileReporter[];
  /**
   * Aborting it stops the run as Ctrl-C does: no new requests; in-flight ones get 2 s to finish,
   * then are cancelled; every artifact is written and the result says interrupted (exit 130).
   * Aborted after the last request ended (while the files are written), it changes only the exit
   * code to 130: `interrupted` and the summaries' `was_cancelled` stay false.
   */
  signal?: AbortSignal;
  /** Written into the exports (default: this package's version). */
  version?: string;
  /**
   * Where what an `--input-file` makes known before the first request is printed (the lenient
   * skip warning, the transform summary, the automatic fixed-schedule notice); the CLI passes
   * stderr. Default: nowhere (the lines are in the run log either way).
   */
  stderr?: { write(text: string): unknown } | null;
}

/** A run's dataset: synthetic prompts, or a file read by the core. */
export interface RunDataset {
  /** The configuration settled with what the file holds (the given one for synthetic datasets). */
  config: ProfileConfig;
  /** The synthetic dataset; empty for a file (the engine reads its turns from `file.source`). */
  dataset: Dataset;
  file: RunFileDataset | null;
}

/** Engine options of a resolved configuration (shared by the single-loop and worker paths). */
export function engineOptionsFor(
  config: ProfileConfig,
  dataset: Dataset,
  file: Pick<RunFileDataset, 'spec' | 'scheduleZeroMs'> | null = null,
): Omit<EngineOptions, 'beforeProfiling'> {
  const e = config.endpoint;
  const l = config.load;
  return {
    endpoint: {
      type: e.type,
      path: e.path,
      streaming: e.streaming,
      apiKey: e.apiKey,
      headers: e.headers,
      extra: e.extra,
      streamUsage: e.streamUsage,
      useLegacyMaxTokens: e.useLegacyMaxTokens,
      sessionHeader: e.sessionHeader,
      inputsPerRequest: config.retrieval.batchSize,
      continuousUsage: config.responses.perChunkUsage,
      template: e.template,
    },
    models: e.models,
    modelSelection: e.modelSelection,
    urls: e.urls,
    basicAuthorization: e.basicAuthorization,
    timeoutMs: e.timeoutSeconds * 1000,
    connectionReuse: e.connectionReuseStrategy,
    httpTrace: config.network.exportHttpTrace,
    dataset,
    trace: file?.spec ?? null,
    scheduleZeroMs: file?.scheduleZeroMs ?? 0,
    seed: config.dataset.randomSeed,
    mode: l.mode,
    requestCount: l.requestCount,
    benchmarkDurationMs: l.benchmarkDuration === null ? null : l.benchmarkDuration * 1000,
    gracePeriodMs: l.benchmarkGracePeriod * 1000,
    warmupRequestCount: l.warmupRequestCount,
    warmupDurationMs: l.warmupDuration === null ? null : l.warmupDuration * 1000,
    cancellationRate: l.requestCancellationRate,
    cancellationDelayMs: l.requestCancellationDelay * 1000,
    failedRequestThreshold: l.failedRequestThreshold,
    interruptGraceMs: PROFILE_DEFAULTS.interruptGraceMs,
    shaping: config.shaping,
  };
}

/** A file dataset's empty synthetic part (the engine reads the file's turns from its TurnSource). */
const NO_ENTRIES: Dataset = { entries: [], systemPrompt: null, inexact: [] };

/** The dataset of a configuration (docs/cli.md §3.3): the `--input-file`, else synthetic prompts. */
export async function datasetFor(given: ProfileConfig, tokenizer: LazyTokenizer, stderr: ProgressSink | null = null): Promise<RunDataset> {
  const config = await withSystemPromptRead(given);
  if (config.dataset.file !== null) {
    const file = await openRunFile(config, tokenizer, stderr);
    return { config: file.config, dataset: NO_ENTRIES, file };
  }
  return { config, dataset: syntheticDataset(config, await tokenizer.get()), file: null };
}

/**
 * The configuration with the text of `--system-prompt-file` read (docs/cli.md §3.3): once, before
 * the first request, so a missing or unreadable file fails the run at its start (exit 2).
 */
async function withSystemPromptRead(config: ProfileConfig): Promise<ProfileConfig> {
  const prompt = config.dataset.systemPrompt;
  if (prompt === null || prompt.text !== null || prompt.file === null) return config;
  let text: string;
  try {
    text = await readFile(prompt.file, 'utf8');
  } catch (err) {
    throw new UsageError(`option '--system-prompt-file <path>': cannot read ${prompt.file}: ${osReason(err)}`);
  }
  if (text.trim() === '') throw new UsageError(`option '--system-prompt-file <path>': ${prompt.file} is empty`);
  return { ...config, dataset: { ...config.dataset, systemPrompt: { ...prompt, text } } };
}

/** The synthetic dataset of a configuration (docs/cli.md §3.3). */
export function syntheticDataset(config: ProfileConfig, tokenizer: Tokenizer): Dataset {
  const d = config.dataset;
  if (isRankingsType(config.endpoint.type)) {
    const r = config.retrieval;
    return buildRankingsDataset(tokenizer, { numDatasetEntries: d.numDatasetEntries, seed: d.randomSeed, ...r });
  }
  const dataset = buildSyntheticDataset(
    tokenizer,
    {
      isl: d.isl,
      islStddev: d.islStddev,
      osl: d.osl,
      oslStddev: d.oslStddev,
      numDatasetEntries: d.numDatasetEntries,
      seed: d.randomSeed,
      sharedSystemPromptLength: d.sharedSystemPromptLength,
      prefixPrompts: d.prefixPrompts,
      systemPromptText: d.systemPrompt?.text ?? null,
      seqDist: d.seqDist,
      replies: config.load.mode.kind === 'user-centric',
    },
    config.endpoint.type,
  );
  if (d.multiTurn) {
    dataset.sessions = buildSessions({
      numSessions: d.numSessions ?? d.numDatasetEntries,
      turnsMean: d.sessionTurnsMean,
      turnsStddev: d.sessionTurnsStddev,
      delayMeanMs: d.sessionTurnDelayMean,
      delayStddevMs: d.sessionTurnDelayStddev,
      seed: d.randomSeed,
    });
  }
  return dataset;
}

/**
 * The token counter of a run whose tokenizer this thread never loaded: it only names the tokenizer
 * for the counting threads (ts/src/metrics/token-count-pool.ts), which load it themselves.
 */
function countedElsewhere(name: string): TokenCounter & { name: string } {
  return {
    name,
    count() {
      throw new Error('token counting runs on worker threads for this run; the tokenizer is not loaded on the main thread');
    },
  };
}

/** Run the benchmark `config` describes; resolves when every artifact is written. */
export async function runProfile(given: ProfileConfig, options: RunProfileOptions = {}): Promise<ProfileResult> {
  // Goodput syntax is a usage error too, so it is checked before the tokenizer loads.
  const goodput = given.output.goodput.length > 0 ? parseGoodput(given.output.goodput, { streaming: given.endpoint.streaming }) : null;
  const resolvedAs = tokenizerNotice(given.tokenizer);
  const tokenizer = lazyTokenizer(given.tokenizer);
  // Token counting runs on worker threads that load the tokenizer themselves; this thread loads it
  // only for what it makes itself (synthetic prompts, tables not in the cache, prompts decoded
  // whole) or when counting has to stay here. A replay with cached tables then sends its first
  // request without waiting ~1.2 s for a tokenizer.
  if (given.dataset.file === null || tokenCountWorkerEntry() === null) await tokenizer.get();
  // An input file is read (and every input error found) here, before the artifact directory exists.
  const { config, dataset, file } = await datasetFor(given, tokenizer, options.stderr ?? null);
  for (const m of file?.messages ?? []) if (m.printed !== '') options.stderr?.write(`${m.printed}\n`);
  // A prompt that cannot be made its requested length is sent as it is, but never silently
  // (docs/cli.md §3.3): each one in the log, their count in the console footer.
  const inexact = inexactNotice(dataset);
  const shard = config.load.shard;
  const loadThreads = planLoadThreads(config.load.workers, config.load.mode, undefined, shard, config.shaping.threadLimit);
  // Once the synthetic prompts are built, this thread needs the tokenizer (tens of MiB) only to count
  // tokens itself; with counting threads it lets go of it for the rest of the run. A file dataset
  // may still materialise prompts here, so it keeps it.
  if (file === null && tokenCountWorkerEntry() !== null) tokenizer.release();
  // The server is ready (or the run fails here, leaving no run directory) and its KV cache reset
  // before anything is sent (docs/cli.md §3.12).
  const prepared = await prepareServer(config, engineOptionsFor(config, NO_ENTRIES).endpoint, options.stderr ?? null, options.signal);
  // A sharded run meets its other shards before anything is sent (docs/cli.md §3.8): a shard that
  // cannot fails here, and leaves no run directory behind.
  const rendezvous = shard === null ? null : await meetShards(shard, options.signal);
  let pipeline: RunPipeline;
  try {
    pipeline = await RunPipeline.open({
      config,
      reporters: options.reporters ?? standardReporters(),
      // Output tokenization runs on a record-processor thread, never on the loop that stamps
      // chunks (docs/metrics.md §2.2).
      tokens: tokenizer.loaded() ?? countedElsewhere(resolveTokenizer(config.tokenizer).name),
      tokenizer: { spec: config.tokenizer, resolvedPath: resolveTokenizer(config.tokenizer).name },
      goodput,
      version: options.version ?? packageVersion(),
      inputFile:
        file === null ? null : { synthesisReport: file.summary.synthesisReport, skippedInvalidRows: file.summary.skippedInvalidRows },
      preamble: [
        ...config.notices.map((notice) => ['info', notice] as const),
        ...(resolvedAs === null ? [] : [['info', resolvedAs] as const]),
        ...(file?.messages ?? []).map((m) => [m.level, m.text] as const),
        ...inexactPrompts(dataset).map((line) => ['warning', line] as const),
        ...(shard === null || rendezvous === null ? [] : [['info', shardNotice(shard, rendezvous)] as const]),
        ...prepared.said,
      ],
      warnings: [
        ...(inexact === null ? [] : [inexact]),
        ...prepared.warnings,
        ...(file?.messages ?? []).filter((m) => m.level === 'warning').map((m) => m.text),
      ],
      // The report side's heap is kept near what is live, unless this thread also stamps (--workers 1).
      paceHeap: !loadThreads.mainThread,
    });
  } catch (err) {
    await rendezvous?.close();
    throw err;
  }

  // Without --workers the engine runs on worker threads, so this thread's report pipeline never
  // holds the loop that stamps (ts/src/load/workers.ts). Each worker thread opens the file with
  // ./dataset/trace-file.ts's openTraceTurnSource (its trace opener), from the snapshot of the
  // dataset read here: the file is read once.
  const engineOptions = engineOptionsFor(
    config,
    dataset,
    file === null ? null : { spec: loadThreads.mainThread ? file.spec : file.sharedSpec(), scheduleZeroMs: file.scheduleZeroMs },
  );
  // A shard's profiling phase starts at the instant the shards agree on, once every one finished its
  // warmup; its records carry its clock's offset to shard 0 (docs/cli.md §3.8).
  let rendezvousFailure: unknown = null;
  const agreeShards =
    rendezvous === null
      ? null
      : (): Promise<bigint> =>
          rendezvous.start().catch((err: unknown) => {
            rendezvousFailure = err;
            throw err;
          });
  // `--server-profiler` starts once warmup is over, before the profiling phase's start is agreed on,
  // and stops once its last request ended (docs/cli.md §3.12).
  const profiler = ServerProfiler.of(config, engineOptions.endpoint, ([level, message], warning) =>
    warning ? pipeline.warn(message) : pipeline.context.log(level, message),
  );
  const agreeStart =
    profiler === null
      ? agreeShards
      : async (): Promise<bigint> => {
          await profiler.start();
          // Worker threads need the start announced a little ahead (ts/src/load/workers.ts); one loop starts now.
          return agreeShards === null ? process.hrtime.bigint() + (loadThreads.mainThread ? 0n : 20_000_000n) : agreeShards();
        };
  const shardOptions =
    shard === null ? {} : { shardIndex: shard.index, shardCount: shard.count, clockOffsetNs: rendezvous?.clockOffsetNs ?? 0n };
  const engine = loadThreads.mainThread
    ? new LoadEngine(
        {
          ...engineOptions,
          ...shardOptions,
          ...(agreeStart === null
            ? {}
            : {
                // The engine stops before profiling when the rendezvous fails (reported after the files are written).
                beforeProfiling: () =>
                  agreeStart().catch(() => {
                    engine.stop('interrupted');
                    return process.hrtime.bigint();
                  }),
              }),
        },
        file?.source ?? null,
      )
    : new WorkerCoordinator(
        { ...engineOptions, ...shardOptions },
        loadThreads.threads,
        file === null ? null : compiledWorkerEntry('dataset/trace-file.js'),
        agreeStart,
      );
  engine.on('record', (r: RawRequestRecord) => pipeline.record(r));
  // Closed-loop sends wait while the records pile up faster than they are processed (a fast server).
  pipeline.onBacklog((behind) => engine.holdSends(behind));
  engine.on('start', (e: { phase: Phase; startNs: bigint }) => pipeline.phaseStart(e.phase, e.startNs));
  engine.on('progress', (p: EngineProgress) => pipeline.progress(p));
  const signal = options.signal;
  const onAbort = (): void => engine.interrupt();
  if (signal?.aborted) engine.interrupt();
  signal?.addEventListener('abort', onAbort, { once: true });
  let summary: EngineSummary;
  try {
    summary = { ...(await engine.run()), loadThreads };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await profiler?.stop();
    pipeline.engineDone();
    await rendezvous?.close();
  }
  const result = await pipeline.finish({
    interrupted: summary.reason === 'interrupted',
    thresholdExceeded: summary.reason === 'threshold',
    engine: summary,
  });
  // The run directory stays (its summary says it was cancelled, so `merge` marks it partial); the
  // command fails with the rendezvous's reason.
  if (rendezvousFailure !== null) throw rendezvousFailure;
  // An abort after the last request ended stops nothing (every file is still written, and the
  // summaries say nothing was cancelled), but the run was interrupted all the same: exit 130.
  return signal?.aborted ? { ...result, ...INTERRUPTED } : result;
}

/**
 * The rendezvous of a sharded run (ts/src/load/shard-rendezvous.ts); Ctrl-C while waiting there ends
 * the command with exit 130 before anything was sent or written.
 */
async function meetShards(shard: ShardConfig, signal: AbortSignal | undefined): Promise<ShardRendezvous> {
  try {
    return await ShardRendezvous.open(shard, signal);
  } catch (err) {
    if (signal?.aborted) {
      throw new InfermarkError(
        `interrupted while shard ${shard.index} of ${shard.count} waited at the rendezvous; nothing was sent`,
        EXIT_INTERRUPTED,
      );
    }
    throw err;
  }
}

/** The run log's line about this shard's place and clock (docs/cli.md §3.8). */
function shardNotice(shard: ShardConfig, rendezvous: ShardRendezvous): string {
  const ms = (ns: bigint): string => (Number(ns) / 1e6).toFixed(3);
  return rendezvous.rttNs === null
    ? `shard ${shard.index} of ${shard.count}: served the rendezvous on port ${shard.rendezvousPort}; every shard is ready`
    : `shard ${shard.index} of ${shard.count}: clock offset to shard 0 ${ms(rendezvous.clockOffsetNs)} ms (round trip ${ms(rendezvous.rttNs)} ms); every shard is ready`;
}
