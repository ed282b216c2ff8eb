// What a `profile` run hands its reporters: the events they subscribe to and the run's context.
// The engine emits; the run pipeline (./run-pipeline.ts) turns raw records into metric records and
// calls every reporter in order; each artifact, the console summary, the server-metrics scraper
// and the progress display is one reporter in ./reporters/.
import type { ProfileConfig } from '../config/profile-config.js';
import type { EngineProgress, Phase } from '../load/engine.js';
import type { RunMetrics } from '../metrics/aggregate.js';
import type { GoodputSlos } from '../metrics/goodput.js';
import type { GpuWindowResult } from '../metrics/gpu-telemetry.js';
import type { GpuEndpointStats } from '../metrics/gpu-telemetry-collector.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import type { MetricRecord } from '../metrics/record-processor.js';
import type { RecordStore } from '../metrics/record-store.js';
import type { UrlBreakdown } from '../metrics/per-url.js';
import type { ExportFileNames } from '../report/artifact-dir.js';
import type { LogLevel } from '../report/log-file.js';
import type { SecretScrubber } from '../report/redact.js';
import type { InputConfig } from '../report/summary-json.js';

/** One of a run's files (docs/exports.md §2). */
export type ExportFileKind = keyof ExportFileNames;

/** The run as every reporter sees it; created before the first request. */
export interface RunContext {
  readonly config: ProfileConfig;
  readonly version: string;
  readonly benchmarkId: string;
  /** The artifact directory (docs/exports.md §1), already cleared of this run's stale files. */
  readonly directory: string;
  /** Where the file of `kind` goes. */
  path(kind: ExportFileKind): string;
  /** Removes the API key and secret header values from any text written. */
  readonly scrubber: SecretScrubber;
  /** `input_config` of the summaries, secrets in clear (the writers redact them). */
  readonly inputConfig: InputConfig;
  readonly goodput: GoodputSlos | null;
  /** Monotonic ns → wall-clock epoch ns. */
  readonly toWallNs: (monoNs: bigint) => bigint;
  /** Files written so far, by kind (the console footer lists them). */
  readonly written: Map<ExportFileKind, string>;
  /** A line for the run log (docs/exports.md §2: `logs/infermark.log`). */
  log(level: LogLevel, message: string): void;
}

/** The end of a run, handed to every reporter's `finish` in order. */
export interface RunEnd {
  /** The profiling phase's metrics. */
  readonly metrics: RunMetrics;
  /** The warmup phase's metrics, when there was a warmup. */
  readonly warmup: RunMetrics | null;
  /** What the statistics keep of the profiling records (time slices read it). */
  readonly profiling: RecordStore;
  /** The run was interrupted (Ctrl-C, SIGTERM, an aborted signal). */
  readonly interrupted: boolean;
  readonly startWallNs: bigint;
  readonly endWallNs: bigint;
  /** Warnings for the console footer and the log; a reporter may add its own. */
  readonly warnings: string[];
  /** Extra console footer lines a reporter contributes (the server's prefix-cache hit rate). */
  readonly footerLines: string[];
  /**
   * The GPU telemetry of the profiling window (docs/exports.md §14), set by the GPU telemetry
   * reporter's `finish` for the reporters after it; null when GPU telemetry was off or no exporter answered.
   */
  gpuTelemetry: GpuTelemetryOutcome | null;
  /** With several `--url`s, each URL's share of the run (docs/exports.md §4.2); absent or null with one. */
  readonly perUrl?: readonly UrlBreakdown[] | null;
}

/** What GPU telemetry gathered: the window's figures and how each exporter's scrapes went. */
export interface GpuTelemetryOutcome {
  readonly window: GpuWindowResult;
  readonly endpoints: readonly GpuEndpointStats[];
}

/**
 * A subscriber of a `profile` run. Every method is optional. Calls come in this order: `start`
 * (before any traffic, awaited; a failure ends the run before it sends anything), then the
 * events, then `finish` (awaited, in the order the reporters were given). Event handlers must
 * be cheap and must not throw: they run on the loop that stamps chunk arrivals.
 */
export interface ProfileReporter {
  start?(run: RunContext): void | Promise<void>;
  onLog?(level: LogLevel, message: string): void;
  /** A phase began: warmup (if any), then profiling. */
  onPhaseStart?(phase: Phase, startNs: bigint): void;
  /** The engine's progress, every 250 ms. */
  onProgress?(progress: EngineProgress): void;
  /** A finished request as the engine stamped it (success or failure, warmup or profiling). */
  onRecord?(record: RawRequestRecord): void;
  /** The same request with its metrics (after token counting, in completion order). */
  onMetricRecord?(record: MetricRecord): void;
  /** The engine stopped sending and every request finished; records may still be in processing. */
  onEngineDone?(): void;
  finish?(end: RunEnd): void | Promise<void>;
  /** Write what is buffered now, synchronously (a second Ctrl-C exits right after). */
  flushNow?(): void;
}
