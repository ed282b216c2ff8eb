// One streaming pass over a run's records JSONL (docs/exports.md §3): every profiling record feeds
// the statistics (median lines, dispersed throughput, counts) and a bounded, evenly spread sample
// keeps the points drawn. Memory does not grow with the record count.
import { DispersedThroughput, type ThroughputBin } from './dispersed-throughput.js';
import { DisplaySample } from './display-sample.js';
import { readLines } from './jsonl-lines.js';
import { parseRecordLine } from './record-fields.js';
import { type MedianPoint, TimeBinnedMedians } from './time-binned-medians.js';

/** Most points drawn per scatter. */
export const DISPLAY_POINTS = 5000;

/** One drawn request: seconds from the run's start, values in display units (NaN when the record has none). */
export interface RecordPoint {
  t: number;
  ttft: number;
  itl: number;
  latency: number;
  isl: number;
  osl: number;
  scheduleLag: number;
}

/** The series of the median lines, in {@link TimeBinnedMedians} order. */
export const MEDIAN_SERIES = ['ttft', 'itl', 'latency', 'scheduleLag'] as const;
export type MedianSeries = (typeof MEDIAN_SERIES)[number];

/** What a run's records give the charts. */
export interface RunRecords {
  /** Wall-clock ms that time 0 of every chart stands for: the run's start. */
  originMs: number;
  /** Profiling records read (successes and failures; warmup left out). */
  records: number;
  successes: number;
  failures: number;
  /** Warmup records, not plotted. */
  warmup: number;
  /** Lines that could not be used, with the first one's line number and reason. */
  skipped: number;
  firstSkip: string | null;
  /** A last line without `\n` (a run that was stopped mid-write), left out. */
  partialLastLine: boolean;
  /** At most DISPLAY_POINTS successful requests, evenly spread over the file. */
  sample: RecordPoint[];
  /** Median lines over time from every successful request. */
  medians: Record<MedianSeries, MedianPoint[]>;
  /** Output tokens per second per 1 s bin. */
  throughput: ThroughputBin[];
}

export interface ReadRecordsOptions {
  /** Called after each chunk read. */
  onProgress?: (bytesRead: number, totalBytes: number, records: number) => void;
  sampleSize?: number;
}

/** Read a run's records. A missing or unreadable file is a usage error naming it; bad lines are counted, never fatal. */
export async function readRunRecords(path: string, options: ReadRecordsOptions = {}): Promise<RunRecords> {
  const sample = new DisplaySample<RecordPoint>(options.sampleSize ?? DISPLAY_POINTS);
  // Bins are aligned to the first record in the file; time 0 of the charts is the earliest start
  // (records are in finishing order, so that is known only at the end).
  let origin: number | null = null;
  let earliest = Infinity;
  let medians: TimeBinnedMedians | null = null;
  let throughput: DispersedThroughput | null = null;
  const out = { records: 0, successes: 0, failures: 0, warmup: 0, skipped: 0, firstSkip: null as string | null };
  const skip = (lineNo: number, reason: string): void => {
    out.skipped++;
    out.firstSkip ??= `line ${lineNo}: ${reason}`;
  };

  const { partialLastLine } = await readLines(path, {
    line(text, lineNo) {
      if (text.trim() === '') return;
      const rec = parseRecordLine(text);
      if ('skip' in rec) {
        skip(lineNo, rec.skip);
        return;
      }
      if (rec.warmup) {
        out.warmup++;
        return;
      }
      const startMs = rec.startNs / 1e6;
      origin ??= startMs;
      earliest = Math.min(earliest, startMs);
      medians ??= new TimeBinnedMedians(MEDIAN_SERIES.length, origin);
      throughput ??= new DispersedThroughput(origin);
      out.records++;
      if (rec.failed) {
        out.failures++;
        return;
      }
      out.successes++;
      const { ttft, itl, latency, isl, osl, scheduleLag } = rec;
      medians.add(0, startMs, ttft);
      medians.add(1, startMs, itl);
      medians.add(2, startMs, latency);
      medians.add(3, startMs, scheduleLag);
      // [first token, last content]; an answer without a first-token time (non-streaming) arrived at once.
      const last = startMs + latency;
      throughput.add(Number.isFinite(ttft) ? startMs + ttft : last, last, osl);
      const base = origin;
      sample.offer(() => ({ t: (startMs - base) / 1000, ttft, itl, latency, isl, osl, scheduleLag }));
    },
    tooLong(lineNo) {
      skip(lineNo, 'longer than 64 MiB');
    },
    progress(bytes, total) {
      options.onProgress?.(bytes, total, out.records);
    },
  });

  const m = medians as TimeBinnedMedians | null;
  const tp = throughput as DispersedThroughput | null;
  // Everything moves by the earliest start's distance from the origin.
  const base = origin ?? 0;
  const shift = Number.isFinite(earliest) ? (earliest - base) / 1000 : 0;
  const line = (points: MedianPoint[]): MedianPoint[] => points.map((p) => ({ ...p, t: p.t - shift }));
  return {
    originMs: Number.isFinite(earliest) ? earliest : base,
    ...out,
    partialLastLine,
    sample: sample.items().map((p) => ({ ...p, t: p.t - shift })),
    medians: {
      ttft: line(m?.medianLine(0) ?? []),
      itl: line(m?.medianLine(1) ?? []),
      latency: line(m?.medianLine(2) ?? []),
      scheduleLag: line(m?.medianLine(3) ?? []),
    },
    throughput: tp?.series(Number.isFinite(earliest) ? earliest : base) ?? [],
  };
}
