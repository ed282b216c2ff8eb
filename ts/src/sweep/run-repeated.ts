// `runRepeated`: `profile --num-profile-runs N` (docs/cli.md §3.10). The same configuration runs N
// times through `runProfile`, each into `<run dir>/profile_runs/run_NNNN/` (AIPerf 0.13's layout),
// with a cooldown between runs and an optional early stop once a metric has converged; then the
// aggregate across runs (per-metric mean, std and Student-t intervals) is written into
// `<run dir>/aggregate/` (docs/exports.md §15). An abort stops the run in progress (as Ctrl-C does
// `profile`) and starts no further run; the aggregate of the runs that ended is written, marked partial.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProfileConfig } from '../config/profile-config.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME, InfermarkError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { cooldown } from './cooldown.js';
import { runProfile, standardReporters, type ProfileReporter, type ProfileResult, type RunPlacement } from '../profile/index.js';
import { runDirectoryOf } from '../report/artifact-dir.js';
import {
  AGGREGATE_CSV,
  AGGREGATE_JSON,
  aggregateCsv,
  aggregateJson,
  aggregateRuns,
  type AggregatedRun,
  type AggregateStop,
  type AggregateSummary,
  type RunSummaryMetrics,
} from '../report/confidence-aggregate.js';
import { runSeed } from '../config/repeat-config.js';
import { hasConverged } from '../report/convergence.js';
import { SecretScrubber } from '../report/redact.js';
import { packageVersion } from '../version.js';

export const PROFILE_RUNS_DIR = 'profile_runs';
export const AGGREGATE_DIR = 'aggregate';

export interface RunRepeatedOptions {
  /**
   * The reporters of one run (default: every artifact, nothing printed); called once per run. The
   * aggregate is read from each run's summary JSON, so they must include its writer.
   */
  reporters?(label: string, placement: RunPlacement): readonly ProfileReporter[];
  /** Aborting it interrupts the run in progress and starts no further run. */
  signal?: AbortSignal;
  version?: string;
  /** Where profile prints what an `--input-file` makes known (the first run only). */
  stderr?: { write(text: string): unknown } | null;
  onRunStart?(label: string, index: number, of: number): void;
  onRunEnd?(run: AggregatedRun, result: ProfileResult | null, of: number): void;
}

export interface RepeatedResult {
  summary: AggregateSummary;
  /** The run directory holding `profile_runs/` and `aggregate/`. */
  directory: string;
  files: { json: string; csv: string };
  /** 130 when interrupted, else 1 when a run failed, else 0. */
  exitCode: number;
}

/** `run_0001`, … (AIPerf's labels). */
export function runLabel(index: number): string {
  return `run_${String(index + 1).padStart(4, '0')}`;
}

/** The metrics of a run's summary JSON (the same figures the run printed), or {} when it is missing. */
async function summaryMetrics(result: ProfileResult): Promise<RunSummaryMetrics> {
  const path = result.files.summaryJson;
  if (path === undefined) return {};
  const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const out: Record<string, { unit?: string } & Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(doc)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'unit' in v)
      out[name] = v as { unit?: string } & Record<string, unknown>;
  }
  return out;
}

/** One run's configuration: the same flags, its own directory (given, so no run name is appended). */
function runConfig(config: ProfileConfig, directory: string, index: number): ProfileConfig {
  // As AIPerf does by default, only the first run warms up: the later ones measure the warm server.
  const first = index === 0 || !config.repeat.warmupFirstRunOnly;
  const load = first ? config.load : { ...config.load, warmupRequestCount: 0, warmupDuration: null };
  const shaping = first ? config.shaping : { ...config.shaping, warmup: { ...config.shaping.warmup, sessions: null } };
  const dataset =
    config.repeat.seeds === 'same' ? config.dataset : { ...config.dataset, randomSeed: runSeed(config.dataset.randomSeed, index) };
  return { ...config, load, shaping, dataset, output: { ...config.output, artifactDir: directory, artifactDirGiven: true } };
}

/**
 * Run `config` `config.repeat.numProfileRuns` times and write the aggregate. An error before the
 * first run sent anything (the tokenizer, an input file, a directory that cannot be written) is the
 * same for every run and is thrown with nothing written; a later error fails its run only.
 */
export async function runRepeated(config: ProfileConfig, options: RunRepeatedOptions = {}): Promise<RepeatedResult> {
  const { numProfileRuns, cooldownSeconds, confidenceLevel, convergence } = config.repeat;
  const signal = options.signal;
  const version = options.version ?? packageVersion();
  const directory = runDirectoryOf(config);
  const scrubber = SecretScrubber.from(config.endpoint.apiKey, config.endpoint.headers, [
    ...config.endpoint.basicAuthorization,
    ...config.output.serverMetricsAuthorization,
    ...config.output.gpuTelemetry.endpoints.map((e) => e.authorization),
  ]);
  const runs: AggregatedRun[] = [];
  const judged: number[] = [];
  let stop: AggregateStop = 'completed';
  let converged = false;
  for (let index = 0; index < numProfileRuns; index++) {
    if (index > 0) await cooldown(cooldownSeconds * 1000, signal);
    if (signal?.aborted) break;
    const label = runLabel(index);
    options.onRunStart?.(label, index, numProfileRuns);
    const placement: RunPlacement = {
      sweep_id: null,
      trial: index,
      run_label: label,
      variation_label: 'base',
      variation_index: null,
      variation_values: null,
    };
    const reporters = [...(options.reporters?.(label, placement) ?? standardReporters({ placement }))];
    let started = false;
    reporters.push({ onPhaseStart: () => (started = true) });
    let run: AggregatedRun;
    let result: ProfileResult | null = null;
    try {
      result = await runProfile(runConfig(config, join(directory, PROFILE_RUNS_DIR, label), index), {
        reporters,
        ...(signal === undefined ? {} : { signal }),
        version,
        stderr: index === 0 ? (options.stderr ?? null) : null,
      });
      run = { label, ok: result.exitCode === EXIT_OK, failure: result.failure, metrics: await summaryMetrics(result) };
    } catch (err) {
      if (!started && index === 0) throw err;
      const message = err instanceof Error ? err.message : String(err);
      run = {
        label,
        ok: false,
        failure: scrubber.scrub(err instanceof InfermarkError ? message : `internal error: ${message.split('\n')[0]}`),
        metrics: {},
      };
    }
    // An interrupted run measured part of a load only: it is kept on disk but not aggregated.
    if (result?.exitCode === EXIT_INTERRUPTED) run = { ...run, ok: false, failure: 'interrupted' };
    runs.push(run);
    options.onRunEnd?.(run, result, numProfileRuns);
    if (signal?.aborted) break;
    if (convergence !== null && run.ok) {
      const v = run.metrics[convergence.metric]?.[convergence.stat];
      if (typeof v === 'number' && Number.isFinite(v)) judged.push(v);
      if (hasConverged(judged, convergence)) {
        converged = true;
        stop = 'converged';
        break;
      }
    }
  }
  if (signal?.aborted) stop = 'interrupted';
  const summary: AggregateSummary = {
    version,
    confidenceLevel,
    requestedRuns: numProfileRuns,
    runs,
    stop,
    convergence:
      convergence === null
        ? null
        : { metric: convergence.metric, stat: convergence.stat, mode: convergence.mode, threshold: convergence.threshold, converged },
    metrics: aggregateRuns(runs, confidenceLevel),
  };
  const files = { json: join(directory, AGGREGATE_DIR, AGGREGATE_JSON), csv: join(directory, AGGREGATE_DIR, AGGREGATE_CSV) };
  await mkdir(join(directory, AGGREGATE_DIR), { recursive: true });
  await writeFileAtomic(files.json, aggregateJson(summary));
  await writeFileAtomic(files.csv, aggregateCsv(summary));
  const failed = runs.some((r) => !r.ok);
  return { summary, directory, files, exitCode: stop === 'interrupted' ? EXIT_INTERRUPTED : failed ? EXIT_RUNTIME : EXIT_OK };
}
