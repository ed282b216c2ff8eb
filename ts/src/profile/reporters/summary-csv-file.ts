// `profile_export_aiperf.csv` (docs/exports.md §5), written atomically at the end.
import { writeFileAtomic } from '../../io/atomic-write.js';
import { perUrlCsv } from '../../report/per-url-export.js';
import { summaryCsv } from '../../report/summary-csv.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export class SummaryCsvFileReporter implements ProfileReporter {
  #run: RunContext | null = null;

  start(run: RunContext): void {
    this.#run = run;
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    // With several `--url`s a third part breaks the run down per URL (docs/exports.md §5).
    const perUrl = end.perUrl ? perUrlCsv(end.perUrl) : '';
    await writeFileAtomic(run.path('summaryCsv'), run.scrubber.scrub(summaryCsv(end.metrics.blocks) + perUrl));
    run.written.set('summaryCsv', run.path('summaryCsv'));
  }
}
