// Artifact directory and file naming (docs/exports.md §1–§2) and removal of this run's stale files.
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import type { LoadMode, ProfileConfig } from '../config/profile-config.js';
import type { EndpointType } from '../config/defaults.js';
import { formatAiperfFloat } from './number-format.js';

/** The load stimulus, as it appears in the run name. */
export type Stimulus =
  | { kind: 'concurrency'; concurrency: number }
  | { kind: 'request_rate'; rate: number /** a `--concurrency` ceiling, if given */; concurrency?: number | null }
  | { kind: 'fixed_schedule' }
  | { kind: 'user_centric'; users: number; rate: number };

export interface RunNameInput {
  models: readonly string[];
  endpointType: EndpointType;
  stimulus: Stimulus;
}

/** The stimulus of a load mode. */
export function stimulusOf(mode: LoadMode): Stimulus {
  switch (mode.kind) {
    case 'concurrency':
      return { kind: 'concurrency', concurrency: mode.concurrency };
    case 'rate':
      return { kind: 'request_rate', rate: mode.rate, concurrency: mode.concurrency };
    case 'fixed-schedule':
      return { kind: 'fixed_schedule' };
    case 'user-centric':
      return { kind: 'user_centric', users: mode.users, rate: mode.rate };
  }
}

function rate(r: number): string {
  return formatAiperfFloat(r);
}

/** `<model>-openai-<endpoint-type>-<stimulus>` (docs/exports.md §1). */
export function runName(input: RunNameInput): string {
  if (input.models.length === 0) throw new Error('runName: at least one model is required');
  let model = input.models[0]!.replace(/\//g, '_');
  if (input.models.length > 1) model += '_multi';
  model = model.replace(/[^A-Za-z0-9._-]/g, '_');
  const s = input.stimulus;
  let stimulus: string;
  switch (s.kind) {
    case 'concurrency':
      stimulus = `concurrency${s.concurrency}`;
      break;
    case 'request_rate':
      stimulus = s.concurrency != null ? `concurrency${s.concurrency}-request_rate${rate(s.rate)}` : `request_rate${rate(s.rate)}`;
      break;
    case 'fixed_schedule':
      stimulus = 'fixed_schedule';
      break;
    case 'user_centric':
      stimulus = `user_centric-users${s.users}-qps${rate(s.rate)}`;
      break;
  }
  return `${model}-openai-${input.endpointType}-${stimulus}`;
}

/**
 * The directory files go to: `DIR` itself when the user passed `--artifact-dir`, else
 * `<DIR>/<run-name>` (DIR defaults to `artifacts`).
 */
export function resolveArtifactDir(options: { artifactDir?: string | null; explicit: boolean } & RunNameInput): string {
  const dir = options.artifactDir ?? 'artifacts';
  return options.explicit ? dir : join(dir, runName(options));
}

/** The run directory of a `profile` configuration (docs/exports.md §1). */
export function runDirectoryOf(config: ProfileConfig): string {
  return resolveArtifactDir({
    artifactDir: config.output.artifactDir,
    explicit: config.output.artifactDirGiven,
    models: config.endpoint.models,
    endpointType: config.endpoint.type,
    stimulus: stimulusOf(config.load.mode),
  });
}

/** File names of one run (relative to the artifact directory). */
export interface ExportFileNames {
  records: string;
  raw: string;
  summaryJson: string;
  summaryCsv: string;
  timeslicesCsv: string;
  timeslicesJson: string;
  serverMetricsJson: string;
  serverMetricsCsv: string;
  /** The GPU telemetry samples (docs/exports.md §14). */
  gpuTelemetry: string;
  /** `--network-latency-automatic`'s probes (docs/exports.md §17). */
  networkLatency: string;
  console: string;
  inputs: string;
  /** `--export-outputs-json` (docs/exports.md §16); never prefixed, like AIPerf's. */
  outputs: string;
  log: string;
  /** `profile --plot`'s report; its charts are written next to it (docs/cli.md §7). */
  report: string;
}

const STRIP = ['.jsonl', '.json', '.csv', '_aiperf', '_timeslices', '_raw'];

/** Strip known extensions and suffixes from a `--profile-export-prefix` value, repeatedly. */
export function normalizePrefix(prefix: string): string {
  let p = prefix;
  for (;;) {
    const s = STRIP.find((x) => p.endsWith(x) && p.length > x.length);
    if (!s) return p;
    p = p.slice(0, -s.length);
  }
}

/** Names per docs/exports.md §2, with or without `--profile-export-prefix`. */
export function exportFileNames(prefix?: string | null): ExportFileNames {
  const common = {
    inputs: 'inputs.json',
    outputs: 'outputs.json',
    log: join('logs', 'infermark.log'),
    report: join('plots', 'report.html'),
  };
  if (prefix == null || prefix === '') {
    return {
      records: 'profile_export.jsonl',
      raw: 'profile_export_raw.jsonl',
      summaryJson: 'profile_export_aiperf.json',
      summaryCsv: 'profile_export_aiperf.csv',
      timeslicesCsv: 'profile_export_aiperf_timeslices.csv',
      timeslicesJson: 'profile_export_aiperf_timeslices.json',
      serverMetricsJson: 'server_metrics_export.json',
      serverMetricsCsv: 'server_metrics_export.csv',
      gpuTelemetry: 'gpu_telemetry_export.jsonl',
      networkLatency: 'profile_export_network_latency.jsonl',
      console: 'profile_export_console.txt',
      ...common,
    };
  }
  const p = normalizePrefix(prefix);
  return {
    records: `${p}.jsonl`,
    raw: `${p}_raw.jsonl`,
    summaryJson: `${p}.json`,
    summaryCsv: `${p}.csv`,
    timeslicesCsv: `${p}_timeslices.csv`,
    timeslicesJson: `${p}_timeslices.json`,
    serverMetricsJson: `${p}_server_metrics.json`,
    serverMetricsCsv: `${p}_server_metrics.csv`,
    gpuTelemetry: `${p}_gpu_telemetry.jsonl`,
    networkLatency: `${p}_network_latency.jsonl`,
    console: `${p}_console.txt`,
    ...common,
  };
}

/**
 * Delete this run's files (by name) and their leftover temporary files from `dir`, so stale
 * results of an earlier run cannot be mistaken for this run's. Other files are left alone. A
 * symlink is kept: every command writes through a symlinked output (docs/cli.md §1.6), and its
 * target is not this run's to delete.
 */
export async function removeOwnedFiles(dir: string, names: ExportFileNames): Promise<void> {
  for (const name of Object.values(names)) {
    const path = join(dir, name);
    try {
      const link = await fsp.lstat(path).then(
        (s) => s.isSymbolicLink(),
        () => false,
      );
      if (!link) await fsp.rm(path, { force: true });
    } catch (err) {
      // A parent that is not a directory cannot hold our file; the writers report the path.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
      continue;
    }
    const parent = join(path, '..');
    const tmpPrefix = `.${basename(path)}.tmp-`;
    let entries: string[] = [];
    try {
      entries = await fsp.readdir(parent);
    } catch {
      continue;
    }
    for (const e of entries) if (e.startsWith(tmpPrefix)) await fsp.rm(join(parent, e), { force: true });
  }
}
