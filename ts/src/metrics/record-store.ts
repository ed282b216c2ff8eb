// What the statistics of one phase need from its records, in compact typed storage: each finished
// record appends its metric values and the few facts the summary, the time slices and goodput use,
// and is then dropped (its lines are on disk by then). Memory is a few bytes per record and metric;
// list metrics (inter-chunk latencies) beyond a few chunks go to a spill file.
//
// Order matters for exactness: values are kept in record order, successes and errors apart, which
// is the order the fold over whole records (docs/metrics.md §6) sums them in.
import { meetsSlos, type GoodputSlos } from './goodput.js';
import { CHUNK, ValueColumn } from './list-values.js';
import { METRICS } from './metric-defs.js';
import type { RawRequestRecord, RequestError } from './raw-record.js';
import type { MetricRecord } from './record-processor.js';
import type { ValueSource } from './streamed-stats.js';
import type { FidelityRow } from './trace-fidelity.js';

/**
 * What the store reads of a record: a MetricRecord has all of it, and `infermark merge` rebuilds it
 * from a records line (ts/src/merge/record-line.ts). Only the difference of `raw.requestStartNs`
 * and `raw.scheduledNs` is read, so they may be monotonic or wall-clock stamps.
 */
export type StoredRecord = Pick<
  MetricRecord,
  | 'startWallNs'
  | 'contentEndWallNs'
  | 'endWallNs'
  | 'error'
  | 'metrics'
  | 'materialisedIsl'
  | 'usageDiscrepancy'
  | 'oslMismatch'
  | 'serverCountFallback'
> & { raw: Pick<RawRequestRecord, 'waitedForSlot' | 'connectionResends' | 'scheduledNs' | 'requestStartNs' | 'requestedIsl'> };

type Typed = Uint8Array | Uint32Array | BigInt64Array;

/** A growable typed array in chunks of CHUNK elements; unwritten elements read as 0. */
class ChunkedArray<T extends Typed> {
  private readonly chunks: T[] = [];
  constructor(private readonly make: (n: number) => T) {}

  set(i: number, v: T[number]): void {
    const c = Math.floor(i / CHUNK);
    while (this.chunks.length <= c) this.chunks.push(this.make(CHUNK));
    (this.chunks[c]! as { [k: number]: T[number] })[i - c * CHUNK] = v;
  }

  get(i: number): T[number] | undefined {
    const c = Math.floor(i / CHUNK);
    return this.chunks[c]?.[i - c * CHUNK];
  }
}

/** One metric over one kind of record (successes or errors): its values, and how many each record gave. */
export class MetricColumn {
  readonly values: ValueColumn;
  /**
   * Values per record (by success or error index): 0/1 for a scalar metric, the list length for a
   * list metric. A scalar metric that every record so far has (most of them) needs no counts:
   * they are written only from the first record without it on (`dense` records have one each).
   */
  private readonly counts: ChunkedArray<Uint8Array> | ChunkedArray<Uint32Array>;
  private dense = 0;
  private sparse = false;
  /** Value offset at the start of each CHUNK of records, built on first use by `sliceSource`. */
  private offsets: Float64Array | null = null;

  constructor(
    readonly list: boolean,
    spill: { memoryChunks?: number; spillDir?: string },
  ) {
    this.values = new ValueColumn(list ? spill : {});
    this.counts = list ? new ChunkedArray((n) => new Uint32Array(n)) : new ChunkedArray((n) => new Uint8Array(n));
  }

  add(record: number, v: number | number[]): void {
    if (Array.isArray(v)) {
      for (const x of v) this.values.push(x);
      this.counts.set(record, v.length);
      this.sparse = true;
      return;
    }
    this.values.push(v);
    if (!this.sparse && record === this.dense) {
      this.dense++;
      return;
    }
    if (!this.sparse) {
      // The first gap: the dense prefix gets its counts now.
      for (let r = 0; r < this.dense; r++) this.counts.set(r, 1);
      this.sparse = true;
    }
    this.counts.set(record, 1);
  }

  countOf(record: number): number {
    if (!this.sparse) return record < this.dense ? 1 : 0;
    return this.counts.get(record) ?? 0;
  }

  /**
   * The values of the records `r` in `[first, last]` with `member(r)`, in record order: one time
   * slice's values. `records` is how many records the column's kind has.
   */
  sliceSource(first: number, last: number, member: (r: number) => boolean, records: number): ValueSource {
    if (this.offsets === null) {
      const chunks = Math.ceil(records / CHUNK);
      const offsets = new Float64Array(chunks + 1);
      let total = 0;
      for (let r = 0; r < records; r++) {
        if (r % CHUNK === 0) offsets[r / CHUNK] = total;
        total += this.countOf(r);
      }
      offsets[chunks] = total;
      this.offsets = offsets;
    }
    let start = this.offsets[Math.floor(first / CHUNK)]!;
    for (let r = Math.floor(first / CHUNK) * CHUNK; r < first; r++) start += this.countOf(r);
    let length = 0;
    let end = start;
    for (let r = first; r <= last; r++) {
      const c = this.countOf(r);
      if (member(r)) length += c;
      end += c;
    }
    const values = this.values;
    const countOf = (r: number): number => this.countOf(r);
    return {
      length,
      *chunks() {
        const out = new Float64Array(CHUNK);
        let filled = 0;
        let r = first;
        let left = 0;
        let keep = false;
        for (const c of values.chunks(start, end)) {
          for (let i = 0; i < c.length; i++) {
            while (left === 0) {
              left = countOf(r);
              keep = member(r);
              r++;
            }
            left--;
            if (!keep) continue;
            out[filled++] = c[i]!;
            if (filled === CHUNK) {
              yield out;
              filled = 0;
            }
          }
        }
        if (filled > 0) yield out.subarray(0, filled);
      },
    };
  }
}

/** Facts kept per record kind for time slices: request start (wall ns). */
interface Starts {
  starts: ChunkedArray<BigInt64Array>;
}

export interface RecordStoreOptions {
  goodput?: GoodputSlos | null;
  /** Fixed-schedule replay: keep each record's send offset for the `replay_*` lag statistics (docs/metrics.md §8). */
  fixedSchedule?: boolean;
  /** Full chunks of a list metric kept in memory before the rest spills to a temp file (default 16, 8 MiB). */
  listMemoryChunks?: number;
  spillDir?: string;
}

export interface ErrorGroup {
  error: RequestError;
  count: number;
}

/** Running sum of a scalar metric in record order, as `sum += v` over the records that have it. */
interface RunningSum {
  sum: number;
  present: number;
}

const SUMMED = [
  'input_sequence_length',
  'output_sequence_length',
  'output_token_count',
  'reasoning_token_count',
  'usage_prompt_tokens',
  'usage_completion_tokens',
  'usage_prompt_cache_read_tokens',
  // Inputs of the embeddings and rankings types (docs/metrics.md §5.1).
  'num_embeddings',
  'num_passages',
] as const;

/** One phase's records, reduced to what aggregation (./aggregate.ts) and time slices (./timeslices.ts) read. */
export class RecordStore {
  readonly goodput: GoodputSlos | null;
  readonly fixedSchedule: boolean;
  successCount = 0;
  errorCount = 0;
  cancelledCount = 0;
  /** Metric columns over successes, by tag, in first-seen order. */
  readonly successMetrics = new Map<string, MetricColumn>();
  /** `error_isl` over errors. */
  readonly errorIsl: MetricColumn;
  readonly successSums = new Map<string, RunningSum>();
  errorIslSum = 0;
  usageDiscrepancyCount = 0;
  oslMismatchCount = 0;
  serverCountFallbacks = 0;
  goodCount = 0;
  readonly errorGroups = new Map<string, ErrorGroup>();
  /** Per success: met every goodput SLO (1) or not (0); only with goodput. */
  private readonly good = new ChunkedArray((n) => new Uint8Array(n));
  private readonly okStarts: Starts = { starts: new ChunkedArray((n) => new BigInt64Array(n)) };
  private readonly errStarts: Starts = { starts: new ChunkedArray((n) => new BigInt64Array(n)) };
  /** Successes with a content end: earliest start and latest content end (benchmark duration, §5). */
  durationStartNs: bigint | null = null;
  durationEndNs: bigint | null = null;
  /** Every record: earliest start, latest start, latest end (content end for successes that have one). */
  firstStartNs: bigint | null = null;
  lastStartNs: bigint | null = null;
  lastEndNs: bigint | null = null;
  waitedCount = 0;
  connectionResends = 0;
  /** `schedule_lag` of requests that did not wait for a slot (client health, §10). */
  readonly unqueuedScheduleLag = new ValueColumn();
  /** Successes with a schedule lag and an intended send time: how many, earliest and latest intended time. */
  scheduledCount = 0;
  scheduledFirstNs: bigint | null = null;
  scheduledLastNs: bigint | null = null;
  /** Fixed schedule: `request start − intended send` (ms) of every record that has one. */
  readonly replayOffsets = new ValueColumn();
  /** Trace rows materialised for the run: requested and materialised ISL, in record order. */
  private readonly fidelityRequested = new ValueColumn();
  private readonly fidelityMaterialised = new ValueColumn();
  private readonly spill: { memoryChunks: number; spillDir?: string };

  constructor(options: RecordStoreOptions = {}) {
    this.goodput = options.goodput && Object.keys(options.goodput).length > 0 ? options.goodput : null;
    this.fixedSchedule = options.fixedSchedule ?? false;
    this.spill = {
      memoryChunks: options.listMemoryChunks ?? 16,
      ...(options.spillDir === undefined ? {} : { spillDir: options.spillDir }),
    };
    this.errorIsl = new MetricColumn(false, this.spill);
  }

  get count(): number {
    return this.successCount + this.errorCount;
  }

  /** Takes what the statistics need from `r`; the record itself is not kept. */
  append(r: StoredRecord): void {
    const start = r.startWallNs;
    if (this.firstStartNs === null || start < this.firstStartNs) this.firstStartNs = start;
    if (this.lastStartNs === null || start > this.lastStartNs) this.lastStartNs = start;
    const end = r.error === null && r.contentEndWallNs !== null ? r.contentEndWallNs : r.endWallNs;
    if (this.lastEndNs === null || end > this.lastEndNs) this.lastEndNs = end;
    if (r.raw.waitedForSlot) this.waitedCount++;
    this.connectionResends += r.raw.connectionResends;
    if (this.fixedSchedule && r.raw.scheduledNs !== null) this.replayOffsets.push(Number(r.raw.requestStartNs - r.raw.scheduledNs) / 1e6);
    if (r.materialisedIsl !== null && r.raw.requestedIsl !== null) {
      this.fidelityRequested.push(r.raw.requestedIsl);
      this.fidelityMaterialised.push(r.materialisedIsl);
    }
    const lag = r.metrics['schedule_lag'];
    if (typeof lag === 'number') {
      if (!r.raw.waitedForSlot) this.unqueuedScheduleLag.push(lag);
      const s = r.raw.scheduledNs;
      if (s !== null) {
        this.scheduledCount++;
        if (this.scheduledFirstNs === null || s < this.scheduledFirstNs) this.scheduledFirstNs = s;
        if (this.scheduledLastNs === null || s > this.scheduledLastNs) this.scheduledLastNs = s;
      }
    }
    if (r.error !== null) this.appendError(r, r.error);
    else this.appendSuccess(r);
  }

  private appendError(r: StoredRecord, e: RequestError): void {
    const i = this.errorCount++;
    this.errStarts.starts.set(i, r.startWallNs);
    if (e.type === 'RequestCancellationError') this.cancelledCount++;
    const key = JSON.stringify([e.code, e.type, e.message]);
    const g = this.errorGroups.get(key);
    if (g) g.count++;
    else this.errorGroups.set(key, { error: { code: e.code, type: e.type, message: e.message }, count: 1 });
    const isl = r.metrics['error_isl'];
    if (typeof isl === 'number') {
      this.errorIsl.add(i, isl);
      this.errorIslSum += isl;
    }
  }

  private appendSuccess(r: StoredRecord): void {
    const i = this.successCount++;
    this.okStarts.starts.set(i, r.startWallNs);
    for (const [tag, v] of Object.entries(r.metrics)) {
      if (!METRICS.has(tag)) continue;
      let col = this.successMetrics.get(tag);
      if (!col) {
        col = new MetricColumn(METRICS.get(tag)!.list === true, this.spill);
        this.successMetrics.set(tag, col);
      }
      col.add(i, v);
    }
    for (const tag of SUMMED) {
      const v = r.metrics[tag];
      if (typeof v !== 'number') continue;
      let s = this.successSums.get(tag);
      if (!s) {
        s = { sum: 0, present: 0 };
        this.successSums.set(tag, s);
      }
      s.sum += v;
      s.present++;
    }
    if (r.contentEndWallNs !== null) {
      if (this.durationStartNs === null || r.startWallNs < this.durationStartNs) this.durationStartNs = r.startWallNs;
      if (this.durationEndNs === null || r.contentEndWallNs > this.durationEndNs) this.durationEndNs = r.contentEndWallNs;
    }
    if (r.usageDiscrepancy) this.usageDiscrepancyCount++;
    if (r.oslMismatch) this.oslMismatchCount++;
    if (r.serverCountFallback) this.serverCountFallbacks++;
    if (this.goodput !== null && meetsSlos(r.metrics, this.goodput)) {
      this.goodCount++;
      this.good.set(i, 1);
    }
  }

  sumOf(tag: (typeof SUMMED)[number]): RunningSum {
    return this.successSums.get(tag) ?? { sum: 0, present: 0 };
  }

  /** Request start (wall ns) of success `i` or error `i`. */
  successStart(i: number): bigint {
    return this.okStarts.starts.get(i)!;
  }
  errorStart(i: number): bigint {
    return this.errStarts.starts.get(i)!;
  }
  isGood(i: number): boolean {
    return this.good.get(i) === 1;
  }

  *fidelityRows(): Generator<FidelityRow> {
    const req = this.fidelityRequested.chunks();
    const mat = this.fidelityMaterialised.chunks();
    for (;;) {
      const a = req.next();
      const b = mat.next();
      if (a.done || b.done) return;
      for (let i = 0; i < a.value.length; i++) yield { requested: a.value[i]!, materialised: b.value[i]! };
    }
  }

  /** Releases the spill files. */
  close(): void {
    for (const col of this.successMetrics.values()) col.values.close();
    this.errorIsl.values.close();
  }
}
