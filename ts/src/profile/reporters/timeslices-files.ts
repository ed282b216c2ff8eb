// `profile_export_aiperf_timeslices.{csv,json}` (docs/exports.md §6), with `--slice-duration` only.
import { writeFileAtomic } from '../../io/atomic-write.js';
import { computeTimeSlices, timeSliceCount } from '../../metrics/timeslices.js';
import { MAX_TIME_SLICES } from '../../config/limits.js';
import { timeslicesCsv } from '../../report/summary-csv.js';
import { redactInputConfig } from '../../report/summary-json.js';
import { timeslicesJson } from '../../report/timeslices-export.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export class TimeslicesFilesReporter implements ProfileReporter {
  #run: RunContext | null = null;

  start(run: RunContext): void {
    this.#run = run;
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    const seconds = run.config.output.sliceDuration;
    if (seconds === null) return;
    // The flag's range cannot know the run's length: a 1 ms slice of a 20-minute run is skipped, said.
    const count = timeSliceCount(end.profiling, seconds);
    if (count > MAX_TIME_SLICES) {
      end.warnings.push(
        `time slices skipped: --slice-duration ${seconds} cuts the profiling phase into ${count} slices; at most ${MAX_TIME_SLICES} are written`,
      );
      return;
    }
    const slices = computeTimeSlices(end.profiling, seconds);
    await writeFileAtomic(run.path('timeslicesCsv'), run.scrubber.scrub(timeslicesCsv(slices)));
    const json = timeslicesJson(slices, seconds, redactInputConfig(run.inputConfig, run.config.argv));
    await writeFileAtomic(run.path('timeslicesJson'), run.scrubber.scrub(json));
    run.written.set('timeslicesCsv', run.path('timeslicesCsv'));
    run.written.set('timeslicesJson', run.path('timeslicesJson'));
  }
}
