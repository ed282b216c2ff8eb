// `inputs.json` (docs/exports.md §7): the exact bodies sent during profiling, grouped by session.
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { RawRequestRecord } from '../../metrics/raw-record.js';
import { InputsCollector } from '../../report/inputs-json.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export class InputsFileReporter implements ProfileReporter {
  readonly #inputs = new InputsCollector();
  #run: RunContext | null = null;

  start(run: RunContext): void {
    this.#run = run;
  }

  onRecord(record: RawRequestRecord): void {
    this.#inputs.add(record);
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    const text = this.#inputs.text();
    if (text === null) {
      end.warnings.push('inputs.json skipped: the request payloads exceed 256 MiB');
      return;
    }
    await writeFileAtomic(run.path('inputs'), run.scrubber.scrub(text));
    run.written.set('inputs', run.path('inputs'));
  }
}
