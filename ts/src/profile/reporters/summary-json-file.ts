// `profile_export_aiperf.json` (docs/exports.md §4): every metric block, the configuration and the
// run's facts, written atomically at the end.
import { writeFileAtomic } from '../../io/atomic-write.js';
import { gpuTelemetryJson } from '../../report/gpu-telemetry-export.js';
import { perUrlJson } from '../../report/per-url-export.js';
import { summaryJson, type RunInfo } from '../../report/summary-json.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

/** What places a run in a larger plan (docs/exports.md §4 `run_info`); the seed is the run's own. */
export type RunPlacement = Omit<RunInfo, 'random_seed'>;

/** `run_info` of a single run (sweeps and trials set the other values). */
export const SINGLE_RUN: RunPlacement = {
  sweep_id: null,
  trial: 0,
  run_label: null,
  variation_label: 'base',
  variation_index: null,
  variation_values: null,
};

export class SummaryJsonFileReporter implements ProfileReporter {
  #run: RunContext | null = null;
  readonly #placement: RunPlacement;

  /** `placement`: a sweep point's `sweep_id` and variation (default: a single run). */
  constructor(placement: RunPlacement = SINGLE_RUN) {
    this.#placement = placement;
  }

  start(run: RunContext): void {
    this.#run = run;
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    const text = summaryJson({
      version: run.version,
      benchmarkId: run.benchmarkId,
      startWallNs: end.startWallNs,
      endWallNs: end.endWallNs,
      wasCancelled: end.interrupted,
      run: end.metrics,
      inputConfig: run.inputConfig,
      argv: run.config.argv,
      runInfo: { ...this.#placement, random_seed: run.config.dataset.randomSeed },
      traceFidelity: end.metrics.traceFidelity,
      warmup: end.warmup,
      scrubber: run.scrubber,
      gpuTelemetry: end.gpuTelemetry ? gpuTelemetryJson(end.gpuTelemetry.window, end.gpuTelemetry.endpoints) : null,
      // Only with several `--url`s (docs/exports.md §4.2).
      ...(end.perUrl ? { extra: { per_url: perUrlJson(end.perUrl) } } : {}),
    });
    await writeFileAtomic(run.path('summaryJson'), text);
    run.written.set('summaryJson', run.path('summaryJson'));
  }
}
