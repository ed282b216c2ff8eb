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
    const parts = this.#inputs.parts();
    if (parts === null) {
      end.warnings.push('inputs.json skipped: the request payloads exceed 256 MiB');
      return;
    }
    // Scrubbed part by part: a secret is a header or body value, never split between two payloads.
    await writeFileAtomic(
      run.path('inputs'),
      (function* () {
        for (const part of parts) yield run.scrubber.scrub(part);
      })(),
    );
    run.written.set('inputs', run.path('inputs'));
  }
}
