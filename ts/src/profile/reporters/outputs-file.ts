// `outputs.json` (docs/exports.md §16), with `--export-outputs-json`: the generated text of every
// profiling request.
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { MetricRecord } from '../../metrics/record-processor.js';
import { OutputsCollector } from '../../report/outputs-json.js';
import type { ProfileReporter, RunContext } from '../reporter.js';

export class OutputsFileReporter implements ProfileReporter {
  #run: RunContext | null = null;
  #outputs: OutputsCollector | null = null;

  start(run: RunContext): void {
    this.#run = run;
    if (run.config.responses.exportOutputsJson) this.#outputs = new OutputsCollector(run.toWallNs, (t) => run.scrubber.scrub(t));
  }

  onMetricRecord(record: MetricRecord): void {
    this.#outputs?.add(record);
  }

  async finish(): Promise<void> {
    const run = this.#run!;
    const outputs = this.#outputs;
    if (outputs === null) return;
    try {
      await writeFileAtomic(run.path('outputs'), outputs.parts());
      run.written.set('outputs', run.path('outputs'));
    } finally {
      outputs.close();
    }
  }
}
