// `runSweep`: the points of a sweep plan run one after the other through `runProfile`, each into its
// own run directory, with a cooldown between them; a failed point is recorded and the sweep goes on
// (unless fail-fast); an abort stops it after the current point. At the end `sweep_summary.json` and
// `sweep_summary.csv` are written into the artifact directory (docs/cli.md §8, docs/exports.md §12).
import { join } from 'node:path';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME, InfermarkError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { cooldown } from './cooldown.js';
import type { PlotFormat } from '../plot/plot-model.js';
import { runProfile, type ProfileReporter, type ProfileResult, type RunPlacement } from '../profile/index.js';
import { SecretScrubber } from '../report/redact.js';
import { sweepFigures, sweepSummaryCsv, sweepSummaryJson, type SweepPointSummary, type SweepSummary } from '../report/sweep-summary.js';
import { nowWallNs } from '../report/time-format.js';
import { packageVersion } from '../version.js';
import type { SweepPlan, SweepPoint } from './sweep-plan.js';

export const SWEEP_SUMMARY_JSON = 'sweep_summary.json';
export const SWEEP_SUMMARY_CSV = 'sweep_summary.csv';
/** Where the sweep's charts and report go: `plot`'s default output for the artifact directory (docs/cli.md §7). */
export const SWEEP_PLOTS_DIR = 'plots';

/** The sweep's plots, made by `plot`'s own code once the last point has ended. */
export interface SweepPlotOptions {
  /** Default: `plot`'s (`png,html`). */
  formats?: readonly PlotFormat[];
  /** `plot`'s progress text while it reads runs and renders charts. */
  onProgress?: (text: string) => void;
}

/** What the plotting step did. */
export interface SweepPlots {
  /** `<artifact-dir>/plots`. */
  directory: string;
  /** Every file written. */
  files: string[];
  /** What `plot` left out, run by run. */
  notes: string[];
  /** Why no plot was made (no point ran to its end; interrupted), or null. */
  skipped: string | null;
  /** Why plotting failed (the summary files are written all the same), or null. */
  failure: string | null;
}

export interface RunSweepOptions {
  /** The reporters of one point's run (default: every artifact, nothing printed); called once per point. */
  reporters?(point: SweepPoint, placement: RunPlacement): readonly ProfileReporter[];
  /** Aborting it interrupts the point in progress (as Ctrl-C does `profile`) and runs no further point. */
  signal?: AbortSignal;
  /** Seconds to wait between two points (default 0). */
  cooldownSeconds?: number;
  /** Stop at the first failed point (default: record it and go on). */
  failFast?: boolean;
  /** `--gpus`: the per-GPU figure (default: none). */
  gpus?: number | null;
  version?: string;
  /** Where profile prints what an `--input-file` makes known (the first point only: every point reads the same file). */
  stderr?: { write(text: string): unknown } | null;
  /** Called as each point starts and ends (the CLI prints a line). */
  onPointStart?(point: SweepPoint, of: number): void;
  onPointEnd?(point: SweepPointSummary, of: number): void;
  /** Make the sweep's charts (and report) with `plot`'s code into `<artifact-dir>/plots` (default: none). */
  plots?: SweepPlotOptions | null;
}

export interface SweepResult {
  summary: SweepSummary;
  /** 130 when interrupted, else 1 when a point failed, else 0 (docs/cli.md §8). */
  exitCode: number;
  /** The two summary files written. */
  files: { json: string; csv: string };
  /** The plotting step, when `plots` was asked for. */
  plots: SweepPlots | null;
}

/** What a point's run reports, turned into its summary entry. */
function pointSummary(point: SweepPoint, result: ProfileResult, gpus: number | null): SweepPointSummary {
  const status = result.exitCode === EXIT_OK ? 'ok' : result.exitCode === EXIT_INTERRUPTED ? 'interrupted' : 'failed';
  return {
    ...pointBase(point),
    status,
    failure: result.failure,
    benchmarkId: result.benchmarkId,
    figures: sweepFigures(result.metrics, { streaming: point.config.endpoint.streaming, gpus }),
    saturated: result.metrics.clientHealth.saturated,
  };
}

function pointBase(point: SweepPoint): Pick<SweepPointSummary, 'index' | 'value' | 'label' | 'runName' | 'directory'> {
  return { index: point.index, value: point.value, label: point.label, runName: point.runName, directory: point.directory };
}

function notRun(point: SweepPoint): SweepPointSummary {
  return { ...pointBase(point), status: 'not_run', failure: null, benchmarkId: null, figures: null, saturated: null };
}

/**
 * Run every point of `plan` in order and write the sweep summary. An error before the first point
 * sent anything (the tokenizer, an `--input-file` and its rows, an artifact directory that cannot
 * be written) is the same for every point and is thrown, with nothing written; any later error
 * fails its point only.
 */
export async function runSweep(plan: SweepPlan, options: RunSweepOptions = {}): Promise<SweepResult> {
  const startWallNs = nowWallNs();
  const gpus = options.gpus ?? null;
  const signal = options.signal;
  const version = options.version ?? packageVersion();
  const first = plan.points[0]!.config;
  const scrubber = SecretScrubber.from(first.endpoint.apiKey, first.endpoint.headers, [
    ...first.endpoint.basicAuthorization,
    ...first.output.serverMetricsAuthorization,
    ...first.output.gpuTelemetry.endpoints.map((e) => e.authorization),
  ]);
  const done: SweepPointSummary[] = [];
  let stopped = false;
  for (const point of plan.points) {
    if (stopped || signal?.aborted) {
      done.push(notRun(point));
      continue;
    }
    if (done.length > 0) await cooldown((options.cooldownSeconds ?? 0) * 1000, signal);
    if (signal?.aborted) {
      done.push(notRun(point));
      continue;
    }
    options.onPointStart?.(point, plan.points.length);
    const placement: RunPlacement = {
      sweep_id: plan.sweepId,
      trial: 0,
      run_label: null,
      variation_label: point.label,
      variation_index: point.index,
      variation_values: { [plan.dimension]: point.value },
    };
    const reporters = [...(options.reporters?.(point, placement) ?? [])];
    // Whether the run got as far as its first phase: an error before that is the same for every point.
    let started = false;
    reporters.push({ onPhaseStart: () => (started = true) });
    let entry: SweepPointSummary;
    try {
      const result = await runProfile(point.config, {
        reporters,
        ...(signal === undefined ? {} : { signal }),
        version,
        stderr: done.length === 0 ? (options.stderr ?? null) : null,
      });
      entry = pointSummary(point, result, gpus);
    } catch (err) {
      if (!started && done.length === 0) throw err;
      const message = err instanceof Error ? err.message : String(err);
      entry = {
        ...notRun(point),
        status: 'failed',
        failure: scrubber.scrub(err instanceof InfermarkError ? message : `internal error: ${message.split('\n')[0]}`),
      };
    }
    done.push(entry);
    options.onPointEnd?.(entry, plan.points.length);
    if (entry.status === 'interrupted') stopped = true;
    if (entry.status === 'failed' && options.failFast) stopped = true;
  }
  const interrupted = signal?.aborted === true;
  const summary: SweepSummary = {
    sweepId: plan.sweepId,
    version,
    dimension: plan.dimension,
    startWallNs,
    endWallNs: nowWallNs(),
    interrupted,
    randomSeed: first.dataset.randomSeed,
    gpus,
    goodput: first.output.goodput.length > 0,
    streaming: first.endpoint.streaming,
    argv: first.argv,
    points: done,
  };
  const files = { json: join(plan.artifactDir, SWEEP_SUMMARY_JSON), csv: join(plan.artifactDir, SWEEP_SUMMARY_CSV) };
  await writeFileAtomic(files.json, sweepSummaryJson(summary));
  await writeFileAtomic(files.csv, sweepSummaryCsv(summary));
  const plots = options.plots ? await plotSweep(plan, summary, options.plots, gpus) : null;
  const failed = done.some((p) => p.status === 'failed') || (plots?.failure ?? null) !== null;
  // A signal while the plots were drawn stopped nothing, but the user asked to stop all the same:
  // exit 130, as profile does for a signal while its files are written.
  const stoppedBySignal = signal?.aborted === true;
  return { summary, exitCode: stoppedBySignal ? EXIT_INTERRUPTED : failed ? EXIT_RUNTIME : EXIT_OK, files, plots };
}

/**
 * The charts of the points that ran to their end, from their run directories (a failed run's
 * figures would stand next to the others on the Pareto charts as if it had been measured), with
 * `plot`'s code and defaults. After an interrupt nothing is plotted: the user asked to stop.
 */
async function plotSweep(plan: SweepPlan, summary: SweepSummary, options: SweepPlotOptions, gpus: number | null): Promise<SweepPlots> {
  const directory = join(plan.artifactDir, SWEEP_PLOTS_DIR);
  const base = { directory, files: [], notes: [], skipped: null, failure: null };
  if (summary.interrupted) return { ...base, skipped: 'the sweep was interrupted' };
  const runs = summary.points.filter((p) => p.status === 'ok').map((p) => p.directory);
  if (runs.length === 0) return { ...base, skipped: 'no point ran to its end' };
  // The chart renderer and rasteriser are heavy to load; a sweep without plots never pays for them.
  const { DEFAULT_PLOT_FORMATS, plotRuns } = await import('../plot/plot-runs.js');
  const formats = options.formats ?? DEFAULT_PLOT_FORMATS;
  try {
    const result = await plotRuns({
      paths: runs,
      output: directory,
      formats,
      gpus: gpus ?? 1,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    return { ...base, files: result.files, notes: result.notes };
  } catch (err) {
    return { ...base, failure: err instanceof Error ? err.message : String(err) };
  }
}
