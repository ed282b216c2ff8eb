// `profile_export_raw.jsonl` (docs/exports.md §3.3): each request as sent and every response
// received, with `--export-level raw` only.
import { LineWriter } from '../../io/line-writer.js';
import type { MetricRecord } from '../../metrics/record-processor.js';
import { rawLine, type LineContext } from '../../report/record-lines.js';
import type { ProfileReporter, RunContext } from '../reporter.js';

export class RawRecordsFileReporter implements ProfileReporter {
  #out: LineWriter | null = null;
  #line: LineContext | null = null;

  start(run: RunContext): void {
    if (run.config.output.exportLevel !== 'raw') return;
    this.#line = { toWallNs: run.toWallNs, openLoop: run.config.load.mode.kind !== 'concurrency', scrubber: run.scrubber };
    this.#out = new LineWriter(run.path('raw'));
    run.written.set('raw', run.path('raw'));
  }

  onMetricRecord(record: MetricRecord): void {
    this.#out?.writeLine(rawLine(record, this.#line!));
  }

  async finish(): Promise<void> {
    await this.#out?.close();
  }

  flushNow(): void {
    this.#out?.flushSync();
  }
}
