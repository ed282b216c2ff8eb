// The records of several shards as one stream: each shard's file is read in its own (completion)
// order, and the shards are interleaved by `request_end_ns` on the common timeline, so the union
// comes out in the order one machine would have finished the requests, and a single shard comes
// out exactly as its own file. Lines that cannot be used are counted per shard, never fatal.
import { lineBatches, type LineBatch, type LineBatchesEnd } from '../io/line-batches.js';
import { parseRecordLine, type ShardRecord } from './record-line.js';

/** The merge was stopped by its signal (Ctrl-C) while the records were read: nothing is written. */
export class MergeInterrupted extends Error {
  constructor() {
    super('merge interrupted');
    this.name = 'MergeInterrupted';
  }
}

/** What reading one shard's records found besides the records. */
export interface ShardReadReport {
  records: number;
  /** Unusable lines and the first one's line number and reason. */
  skipped: number;
  firstSkip: string | null;
  /** A last line without `\n` (the run was killed mid-write), left out. */
  partialLastLine: boolean;
}

class Cursor {
  head: ShardRecord | null = null;
  readonly report: ShardReadReport = { records: 0, skipped: 0, firstSkip: null, partialLastLine: false };
  #lines: string[] = [];
  #at = 0;
  #lineNo = 0;
  #ended = false;
  readonly #batches: AsyncGenerator<LineBatch, LineBatchesEnd>;

  constructor(
    readonly shard: number,
    path: string,
  ) {
    this.#batches = lineBatches(path);
  }

  /** Moves `head` to the next usable record of the current batch; false when the batch ran out first. */
  next(): boolean {
    while (this.#at < this.#lines.length) {
      const text = this.#lines[this.#at++]!;
      this.#lineNo++;
      if (text.trim() === '') continue;
      const rec = parseRecordLine(text);
      if ('skip' in rec) {
        this.report.skipped++;
        this.report.firstSkip ??= `line ${this.#lineNo}: ${rec.skip}`;
        continue;
      }
      this.report.records++;
      this.head = rec;
      return true;
    }
    this.head = null;
    return this.#ended;
  }

  /** Reads batches until `head` is a record or the file has ended (head null). */
  async fill(): Promise<void> {
    while (!this.next()) {
      const r = await this.#batches.next();
      if (r.done) {
        this.#ended = true;
        this.report.partialLastLine = r.value.partialLastLine;
        this.head = null;
        return;
      }
      this.#lines = r.value.lines;
      this.#at = 0;
      this.#lineNo = r.value.firstLineNo - 1;
    }
  }

  async close(): Promise<void> {
    await this.#batches.return({ partialLastLine: false });
  }
}

/**
 * Hands every usable record of `paths` (shard i is `paths[i]`) to `onRecord` with its shard index,
 * interleaved by end time; returns each shard's read report. Holds one read buffer per shard.
 * Throws MergeInterrupted when `signal` is aborted before the end.
 */
export async function forEachShardRecord(
  paths: readonly string[],
  onRecord: (record: ShardRecord, shard: number) => void,
  signal?: AbortSignal,
): Promise<ShardReadReport[]> {
  const cursors = paths.map((p, i) => new Cursor(i, p));
  let n = 0;
  try {
    for (const c of cursors) await c.fill();
    for (;;) {
      // Checked now and then: between two file reads the loop never yields to a signal handler anyway.
      if ((++n & 1023) === 0 && signal?.aborted) throw new MergeInterrupted();
      let best: Cursor | null = null;
      for (const c of cursors) if (c.head !== null && (best === null || c.head.endNs < best.head!.endNs)) best = c;
      if (best === null) break;
      onRecord(best.head!, best.shard);
      if (!best.next()) await best.fill();
    }
  } finally {
    for (const c of cursors) await c.close();
  }
  return cursors.map((c) => c.report);
}
