// `profile` after validation: the engine run wired to the metrics/report side (one subscriber
// per concern: progress in ./progress.ts, records → ts/src/report/run-reporter.ts).
import type { EventEmitter } from 'node:events';
import { inputConfigOf } from '../report/input-config.js';
import type { ProfileConfig } from '../config/profile-config.js';
import type { Dataset } from '../dataset/synthetic.js';
import type { ClientHealthSamples } from '../metrics/client-health.js';
import { parseGoodput } from '../metrics/goodput.js';
import type { Stimulus } from '../report/artifact-dir.js';
import { createRunReporter } from '../report/run-reporter.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { EngineSummary } from './engine.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { runProfile, type RunReporter } from './run-profile.js';

/** Run a validated configuration with every reporter attached; returns the exit code. */
export async function runProfileCommand(config: ProfileConfig, version: string): Promise<number> {
  // Goodput syntax is a usage error too, so it is checked before the tokenizer loads.
  const goodput = config.output.goodput.length > 0 ? parseGoodput(config.output.goodput, { streaming: config.endpoint.streaming }) : null;
  return runProfile(config, { createReporter: (c, ctx) => createReporter(c, ctx, goodput, version) });
}

function stimulusOf(config: ProfileConfig): Stimulus {
  const m = config.load.mode;
  return m.kind === 'concurrency'
    ? { kind: 'concurrency', concurrency: m.concurrency }
    : { kind: 'request_rate', rate: m.rate, concurrency: m.concurrency };
}

/**
 * The engine's loop samples in the shape the client-health judgement takes: the loops that stamp
 * (with worker threads, theirs; the main thread then only reports) and the process CPU.
 */
export function clientHealthOf(summary: EngineSummary): ClientHealthSamples | null {
  if (!summary.health) return null;
  const workers = summary.workerLoops ?? [];
  return { loops: workers.length > 0 ? workers : [summary.health.loop], cpuPercent: summary.health.cpuPercent, loadThreads: summary.loadThreads };
}

/** Subscribe the metrics/report side (ts/src/report/run-reporter.ts) to the engine. */
async function createReporter(
  config: ProfileConfig,
  context: { tokenizer: Tokenizer; dataset: Dataset },
  goodput: Record<string, number> | null,
  version: string,
): Promise<RunReporter> {
  const inputConfig = inputConfigOf(config, { name: config.tokenizer, resolvedPath: context.tokenizer.name });
  inputConfig.input.goodput = goodput;
  const m = config.load.mode;
  const reporter = await createRunReporter({
    artifactDir: config.output.artifactDir,
    artifactDirExplicit: config.output.artifactDirGiven,
    models: config.endpoint.models,
    endpointType: config.endpoint.type,
    stimulus: stimulusOf(config),
    mode: m.kind === 'concurrency' ? 'concurrency' : 'request_rate',
    requestRate: m.kind === 'rate' ? m.rate : null,
    streaming: config.endpoint.streaming,
    useServerTokenCount: config.endpoint.useServerTokenCount,
    profileExportPrefix: config.output.profileExportPrefix,
    exportLevel: config.output.exportLevel,
    sliceDuration: config.output.sliceDuration,
    goodput,
    // Output tokenization runs on a record_processor thread (the reporter's pool, from the
    // spec), never on the loop that stamps chunks (metrics.md §2.2).
    tokens: context.tokenizer,
    tokenizerSpec: config.tokenizer,
    serverMetrics: config.output.serverMetricsEnabled ? { baseUrls: config.endpoint.urls, extraUrls: config.output.serverMetricsUrls } : null,
    inputConfig,
    argv: config.argv,
    apiKey: config.endpoint.apiKey,
    headers: config.endpoint.headers,
    randomSeed: config.dataset.randomSeed,
    version,
  });
  return {
    attach(engine: EventEmitter) {
      engine.on('record', (r: RawRequestRecord) => reporter.onRecord(r));
      // The server-metrics baseline scrape belongs just before profiling (exports.md §8.1).
      engine.on('start', (e: { phase: string }) => {
        if (e.phase === 'profiling') {
          reporter.markProfilingStart().catch((err: unknown) => reporter.log('warning', `server metrics baseline failed: ${String(err)}`));
        }
      });
    },
    async finish(outcome) {
      const warnings: string[] = [];
      if (outcome.thresholdExceeded) {
        warnings.push(`--failed-request-threshold ${config.load.failedRequestThreshold} exceeded: the run was stopped early`);
      }
      await reporter.finish({ interrupted: outcome.interrupted, clientHealth: clientHealthOf(outcome.summary), warnings });
    },
    emergencyFlush: () => reporter.emergencyFlush(),
  };
}
