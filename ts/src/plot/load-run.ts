// Reading everything `plot` uses from one discovered run: summary, records (streamed), time
// slices and server metrics. Files that are unusable become notes on the run, not failures.
import type { DiscoveredRun } from './run-discovery.js';
import { readRunRecords, type RunRecords } from './run-records.js';
import { readRunSummary, type RunSummary } from './run-summary.js';
import { readServerMetrics, type ServerMetrics } from './server-metrics-file.js';
import { readTimeslices, type Timeslices } from './timeslices-file.js';

export interface LoadedRun {
  run: DiscoveredRun;
  summary: RunSummary;
  records: RunRecords;
  timeslices: Timeslices | null;
  serverMetrics: ServerMetrics | null;
  /** What was left out and why, for the console and the report. */
  notes: string[];
}

export interface LoadRunOptions {
  /** Progress of the records file: bytes read, its size, profiling records so far. */
  onProgress?: (bytesRead: number, totalBytes: number, records: number) => void;
}

/** Load one run. A summary that cannot be read is a usage error naming it (callers may skip the run). */
export async function loadRun(run: DiscoveredRun, options: LoadRunOptions = {}): Promise<LoadedRun> {
  const summary = readRunSummary(run.summaryFile);
  const records = await readRunRecords(run.recordsFile, options.onProgress ? { onProgress: options.onProgress } : {});
  const notes: string[] = [];
  if (records.skipped > 0) {
    notes.push(
      `${records.skipped} unusable line${records.skipped === 1 ? '' : 's'} of ${run.recordsFile} skipped (first: ${records.firstSkip})`,
    );
  }
  if (records.partialLastLine) notes.push(`the unfinished last line of ${run.recordsFile} was left out`);
  let timeslices: Timeslices | null = null;
  if (run.timeslicesFile !== null) {
    const t = readTimeslices(run.timeslicesFile);
    if ('note' in t) notes.push(t.note);
    else timeslices = t.slices;
  }
  let serverMetrics: ServerMetrics | null = null;
  if (run.serverMetricsFile !== null) {
    const s = readServerMetrics(run.serverMetricsFile);
    if ('note' in s) notes.push(s.note);
    else serverMetrics = s.metrics;
  }
  return { run, summary, records, timeslices, serverMetrics, notes };
}
