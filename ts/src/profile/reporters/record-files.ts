// The per-request files (docs/exports.md §3): `profile_export.jsonl` (one line per request as its
// metrics exist; not with `--export-level summary`) and `profile_export_raw.jsonl` (each request
// as sent and every response received; `--export-level raw` only). Streamed, flushed at least once
// per second.
import type { ExportLevel } from '../../config/defaults.js';
import { LineWriter } from '../../io/line-writer.js';
import type { MetricRecord } from '../../metrics/record-processor.js';
import { rawLine, recordLine, type LineContext } from '../../report/record-lines.js';
import type { ProfileReporter, RunContext } from '../reporter.js';

class RecordLinesFile implements ProfileReporter {
  #out: LineWriter | null = null;
  #line: LineContext | null = null;

  constructor(
    private readonly kind: 'records' | 'raw',
    private readonly levels: readonly ExportLevel[],
    private readonly format: (record: MetricRecord, ctx: LineContext) => string,
  ) {}

  start(run: RunContext): void {
    if (!this.levels.includes(run.config.output.exportLevel)) return;
    this.#line = {
      toWallNs: run.toWallNs,
      openLoop: run.config.load.mode.kind !== 'concurrency',
      scrubber: run.scrubber,
      shardIndex: run.config.load.shard?.index ?? null,
    };
    this.#out = new LineWriter(run.path(this.kind));
    run.written.set(this.kind, run.path(this.kind));
  }

  onMetricRecord(record: MetricRecord): void {
    this.#out?.writeLine(this.format(record, this.#line!));
  }

  async finish(): Promise<void> {
    await this.#out?.close();
  }

  flushNow(): void {
    this.#out?.flushSync();
  }
}

/** `profile_export.jsonl`. */
export function recordsFileReporter(): ProfileReporter {
  return new RecordLinesFile('records', ['records', 'raw'], recordLine);
}

/** `profile_export_raw.jsonl`. */
export function rawRecordsFileReporter(): ProfileReporter {
  return new RecordLinesFile('raw', ['raw'], rawLine);
}
