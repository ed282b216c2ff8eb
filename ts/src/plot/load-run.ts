// Reading everything `plot` uses from one discovered run: summary, records (streamed), time
// slices, server metrics and GPU telemetry (streamed). Files that are unusable become notes on the run, not failures.
import { UsageError } from '../errors.js';
import { osReason } from '../io/os-reason.js';
import { type GpuTelemetry, MAX_GPU_SERIES, readGpuTelemetry } from './gpu-telemetry-file.js';
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
  gpuTelemetry: GpuTelemetry | null;
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
  let gpuTelemetry: GpuTelemetry | null = null;
  if (run.gpuTelemetryFile !== null) {
    const file = run.gpuTelemetryFile;
    try {
      gpuTelemetry = await readGpuTelemetry(file);
    } catch (err) {
      // The reader names the file in its UsageError (`cannot read input file: PATH: reason`).
      notes.push(`GPU telemetry skipped: ${err instanceof UsageError ? err.message : `cannot read ${file}: ${osReason(err)}`}`);
    }
    if (gpuTelemetry !== null) {
      const g = gpuTelemetry;
      if (g.skipped > 0) notes.push(`${g.skipped} unusable line${g.skipped === 1 ? '' : 's'} of ${file} skipped (first: ${g.firstSkip})`);
      if (g.partialLastLine) notes.push(`the unfinished last line of ${file} was left out`);
      if (g.gpusLeftOut > 0)
        notes.push(
          `${g.gpusLeftOut} GPU${g.gpusLeftOut === 1 ? '' : 's'} of ${file} left out of the charts (at most ${MAX_GPU_SERIES} are drawn)`,
        );
    }
  }
  return { run, summary, records, timeslices, serverMetrics, gpuTelemetry, notes };
}
