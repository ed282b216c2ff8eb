// Runs a validated profile configuration: tokenizer and dataset first (usage errors before any
// traffic), then the engine (one loop or worker threads) with progress and report subscribers,
// Ctrl-C handling, and the exit code of cli.md §1.2.
import type { EventEmitter } from 'node:events';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME } from '../errors.js';
import type { ProfileConfig } from '../config/profile-config.js';
import { PROFILE_DEFAULTS } from '../config/profile-config.js';
import { buildSessions, buildSyntheticDataset, type Dataset } from '../dataset/synthetic.js';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.js';
import { LoadEngine, type EngineOptions, type EngineSummary } from './engine.js';
import { ProgressReporter } from './progress.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { planLoadThreads, WorkerCoordinator } from './workers.js';

/** What the engine side hands to report writers when the run ends. */
export interface RunOutcome {
  summary: EngineSummary;
  interrupted: boolean;
  thresholdExceeded: boolean;
}

/**
 * A subscriber that turns records into artifacts (metrics/ + report/). `attach` is called before
 * the first request; `finish` after the last record, and returns the number of successful
 * profiling requests it saw.
 */
export interface RunReporter {
  attach(engine: EventEmitter): void;
  finish(outcome: RunOutcome): Promise<void>;
  /** Synchronously flush streamed files (second Ctrl-C, just before exiting). */
  emergencyFlush?(): void;
}

export interface RunProfileHooks {
  /** Build the report subscriber once tokenizer and dataset are ready (before any traffic). */
  createReporter?: (config: ProfileConfig, context: { tokenizer: Tokenizer; dataset: Dataset }) => Promise<RunReporter> | RunReporter;
  stderr?: { write(text: string): unknown; isTTY?: boolean };
  /** Install SIGINT/SIGTERM handlers (default true; tests driving the engine in-process pass false). */
  handleSignals?: boolean;
}

/** Engine options of a resolved configuration (shared by the single-loop and worker paths). */
export function engineOptionsFor(config: ProfileConfig, dataset: Dataset): Omit<EngineOptions, 'dispatcher' | 'beforeProfiling'> {
  const e = config.endpoint;
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
    dataset,
    seed: config.dataset.randomSeed,
    mode: config.load.mode,
    requestCount: config.load.requestCount,
    benchmarkDurationMs: config.load.benchmarkDuration === null ? null : config.load.benchmarkDuration * 1000,
    gracePeriodMs: config.load.benchmarkGracePeriod * 1000,
    warmupRequestCount: config.load.warmupRequestCount,
    warmupDurationMs: config.load.warmupDuration === null ? null : config.load.warmupDuration * 1000,
    cancellationRate: config.load.requestCancellationRate,
    cancellationDelayMs: config.load.requestCancellationDelay * 1000,
    failedRequestThreshold: config.load.failedRequestThreshold,
    interruptGraceMs: PROFILE_DEFAULTS.interruptGraceMs,
  };
}

/** Run the benchmark; returns the exit code (0, 1 or 130). Usage errors throw before any traffic. */
export async function runProfile(config: ProfileConfig, hooks: RunProfileHooks = {}): Promise<number> {
  const stderr = hooks.stderr ?? process.stderr;
  for (const notice of config.notices) stderr.write(`notice: ${notice}\n`);
  const tokenizer = await loadTokenizer(config.tokenizer);
  const dataset = buildSyntheticDataset(
    tokenizer,
    {
      isl: config.dataset.isl,
      islStddev: config.dataset.islStddev,
      osl: config.dataset.osl,
      oslStddev: config.dataset.oslStddev,
      numDatasetEntries: config.dataset.numDatasetEntries,
      seed: config.dataset.randomSeed,
      sharedSystemPromptLength: config.dataset.sharedSystemPromptLength,
    },
    config.endpoint.type,
  );
  if (config.dataset.multiTurn) {
    dataset.sessions = buildSessions({
      numSessions: config.dataset.numSessions ?? config.dataset.numDatasetEntries,
      turnsMean: config.dataset.sessionTurnsMean,
      turnsStddev: config.dataset.sessionTurnsStddev,
      delayMeanMs: config.dataset.sessionTurnDelayMean,
      delayStddevMs: config.dataset.sessionTurnDelayStddev,
      seed: config.dataset.randomSeed,
    });
  }
  const reporter = hooks.createReporter ? await hooks.createReporter(config, { tokenizer, dataset }) : null;

  const options = engineOptionsFor(config, dataset);
  const loadThreads = planLoadThreads(config.load.workers, config.load.mode);
  const engine = loadThreads.mainThread ? new LoadEngine(options) : new WorkerCoordinator(options, loadThreads.threads);
  let successes = 0;
  engine.on('record', (r: RawRequestRecord) => {
    if (r.phase === 'profiling' && r.error === null) successes += 1;
  });
  reporter?.attach(engine);
  const progress = new ProgressReporter(engine, config.output.ui, stderr);

  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) {
      // A second Ctrl-C exits at once; records already flushed remain (exports.md §10.3).
      reporter?.emergencyFlush?.();
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    stderr.write('\ninterrupted: stopping; in-flight requests get a moment to finish (Ctrl-C again to quit now)\n');
    engine.interrupt();
  };
  const handleSignals = hooks.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  let summary: EngineSummary;
  try {
    summary = { ...(await engine.run()), loadThreads };
  } finally {
    progress.stop();
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  const thresholdExceeded = summary.reason === 'threshold';
  if (reporter) await reporter.finish({ summary, interrupted: summary.reason === 'interrupted', thresholdExceeded });
  if (summary.reason === 'interrupted') return EXIT_INTERRUPTED;
  if (thresholdExceeded) {
    stderr.write(
      `error: --failed-request-threshold ${config.load.failedRequestThreshold} exceeded (${summary.errors} errors in ${summary.completed} completed requests); results kept\n`,
    );
    return EXIT_RUNTIME;
  }
  if (successes === 0) {
    stderr.write(`error: no request succeeded (${summary.errors} of ${summary.completed} failed)\n`);
    return EXIT_RUNTIME;
  }
  return EXIT_OK;
}
