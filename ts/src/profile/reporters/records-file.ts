// `profile_export.jsonl` (docs/exports.md §3.1–3.2): one line per request as its metrics exist,
// streamed and flushed at least once per second; not written with `--export-level summary`.
import { LineWriter } from '../../io/line-writer.js';
import type { MetricRecord } from '../../metrics/record-processor.js';
import { recordLine, type LineContext } from '../../report/record-lines.js';
import type { ProfileReporter, RunContext } from '../reporter.js';

export class RecordsFileReporter implements ProfileReporter {
  #out: LineWriter | null = null;
  #line: LineContext | null = null;

  start(run: RunContext): void {
    if (run.config.output.exportLevel === 'summary') return;
    this.#line = { toWallNs: run.toWallNs, openLoop: run.config.load.mode.kind !== 'concurrency', scrubber: run.scrubber };
    this.#out = new LineWriter(run.path('records'));
    run.written.set('records', run.path('records'));
  }

  onMetricRecord(record: MetricRecord): void {
    this.#out?.writeLine(recordLine(record, this.#line!));
  }

  async finish(): Promise<void> {
    await this.#out?.close();
  }

  flushNow(): void {
    this.#out?.flushSync();
  }
}
