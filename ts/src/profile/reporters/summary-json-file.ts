// `profile_export_aiperf.json` (docs/exports.md §4): every metric block, the configuration and the
// run's facts, written atomically at the end.
import { writeFileAtomic } from '../../io/atomic-write.js';
import { summaryJson, type RunInfo } from '../../report/summary-json.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

/** `run_info` of a single run (sweeps and trials set the other values). */
const SINGLE_RUN: Omit<RunInfo, 'random_seed'> = {
  sweep_id: null,
  trial: 0,
  run_label: null,
  variation_label: 'base',
  variation_index: null,
  variation_values: null,
};

export class SummaryJsonFileReporter implements ProfileReporter {
  #run: RunContext | null = null;

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
      runInfo: { ...SINGLE_RUN, random_seed: run.config.dataset.randomSeed },
      traceFidelity: end.metrics.traceFidelity,
      warmup: end.warmup,
      scrubber: run.scrubber,
    });
    await writeFileAtomic(run.path('summaryJson'), text);
    run.written.set('summaryJson', run.path('summaryJson'));
  }
}
