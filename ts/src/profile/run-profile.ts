// `runProfile`: one benchmark run as a library call. Usage errors (goodput syntax, the tokenizer,
// an artifact directory that cannot be written) are thrown before any traffic; then the engine
// (one event loop or worker threads) runs with every reporter subscribed, and the result carries
// the metrics, the files written and the exit code.
import type { ProfileConfig } from '../config/profile-config.js';
import { PROFILE_DEFAULTS } from '../config/defaults.js';
import { buildSessions, buildSyntheticDataset, type Dataset, inexactNotice, inexactPrompts } from '../dataset/synthetic.js';
import { LoadEngine, type EngineOptions, type EngineProgress, type EngineSummary, type Phase } from '../load/engine.js';
import { planLoadThreads, WorkerCoordinator } from '../load/workers.js';
import { parseGoodput } from '../metrics/goodput.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { loadTokenizer, type Tokenizer, tokenizerNotice } from '../tokenizer/index.js';
import { packageVersion } from '../version.js';
import type { ProfileReporter } from './reporter.js';
import { RunPipeline, type ProfileResult } from './run-pipeline.js';
import { standardReporters } from './standard-reporters.js';

export interface RunProfileOptions {
  /** The run's subscribers, called in this order (default: `standardReporters()`, every artifact, nothing printed). */
  reporters?: readonly ProfileReporter[];
  /**
   * Aborting it stops the run as Ctrl-C does: no new requests; in-flight ones get 2 s to finish,
   * then are cancelled; every artifact is written and the result says interrupted (exit 130).
   */
  signal?: AbortSignal;
  /** Written into the exports (default: this package's version). */
  version?: string;
}

/** Engine options of a resolved configuration (shared by the single-loop and worker paths). */
export function engineOptionsFor(config: ProfileConfig, dataset: Dataset): Omit<EngineOptions, 'beforeProfiling'> {
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
    },
    models: e.models,
    urls: e.urls,
    timeoutMs: e.timeoutSeconds * 1000,
    connectionReuse: e.connectionReuseStrategy,
    dataset,
    trace: null,
    scheduleZeroMs: 0,
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
  };
}

/** The synthetic dataset of a configuration (docs/cli.md §3.3). */
export function datasetFor(config: ProfileConfig, tokenizer: Tokenizer): Dataset {
  const d = config.dataset;
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

/** Run the benchmark `config` describes; resolves when every artifact is written. */
export async function runProfile(config: ProfileConfig, options: RunProfileOptions = {}): Promise<ProfileResult> {
  // Goodput syntax is a usage error too, so it is checked before the tokenizer loads.
  const goodput = config.output.goodput.length > 0 ? parseGoodput(config.output.goodput, { streaming: config.endpoint.streaming }) : null;
  const tokenizer = await loadTokenizer(config.tokenizer);
  const resolvedAs = tokenizerNotice(config.tokenizer);
  const dataset = datasetFor(config, tokenizer);
  // A prompt that cannot be made its requested length is sent as it is, but never silently
  // (docs/cli.md §3.3): each one in the log, their count in the console footer.
  const inexact = inexactNotice(dataset);
  const pipeline = await RunPipeline.open({
    config,
    reporters: options.reporters ?? standardReporters(),
    // Output tokenization runs on a record-processor thread, never on the loop that stamps
    // chunks (docs/metrics.md §2.2).
    tokens: tokenizer,
    tokenizer: { spec: config.tokenizer, resolvedPath: tokenizer.name },
    goodput,
    version: options.version ?? packageVersion(),
    preamble: [
      ...(resolvedAs === null ? [] : [['info', resolvedAs] as const]),
      ...inexactPrompts(dataset).map((line) => ['warning', line] as const),
    ],
    warnings: inexact === null ? [] : [inexact],
  });

  const engineOptions = engineOptionsFor(config, dataset);
  // Without --workers the engine runs on worker threads, so this thread's report pipeline never
  // holds the loop that stamps (ts/src/load/workers.ts).
  const loadThreads = planLoadThreads(config.load.workers, config.load.mode);
  const engine = loadThreads.mainThread ? new LoadEngine(engineOptions) : new WorkerCoordinator(engineOptions, loadThreads.threads);
  engine.on('record', (r: RawRequestRecord) => pipeline.record(r));
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
    pipeline.engineDone();
  }
  return pipeline.finish({
    interrupted: summary.reason === 'interrupted',
    thresholdExceeded: summary.reason === 'threshold',
    engine: summary,
  });
}
