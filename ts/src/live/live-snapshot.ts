// What the live dashboard's server sends its page (docs/cli.md §3.5): a `snapshot` event once a
// second and one `final` event when the run ends. Types only: the page script (./live-app.ts) and
// the reporter that builds them (profile/reporters/live-dashboard.ts) share them.
import type { WindowSnapshot } from '../metrics/live-window.js';

export interface LiveGpu {
  label: string;
  powerW: number | null;
  utilizationPct: number | null;
}

/**
 * GPU power and utilisation as the GPU telemetry scraper last saw them; handed to the dashboard by
 * whoever runs that scraper (it stays optional: without it the page says there is no telemetry).
 */
export interface LiveGpuSource {
  latestGpus(): readonly LiveGpu[];
}

export interface LiveSnapshot {
  /** Increases by one per snapshot: the page shows it, tests read it. */
  seq: number;
  /** Wall-clock ms it was taken. */
  atMs: number;
  phase: 'warmup' | 'profiling';
  completed: number;
  /** The phase's request count, when it has one. */
  target: number | null;
  sent: number;
  errors: number;
  inFlight: number;
  elapsedSec: number;
  /** The sliding window's length (s). */
  windowSec: number;
  window: WindowSnapshot;
  /** Failed requests of the phase by error type, most frequent first. */
  errorsByType: Array<{ type: string; count: number }>;
  /** Null when server metrics are off or no endpoint answered yet. */
  server: {
    waiting: number | null;
    running: number | null;
    kvCacheUsagePct: number | null;
    prefixCacheHitRatePct: number | null;
    ageSec: number;
  } | null;
  /** Empty without a GPU telemetry source. */
  gpus: LiveGpu[];
  /** The reporting (main) thread and the process over the last second. */
  client: { loopLagP99Ms: number; loopLagMaxMs: number; cpuPercent: number; heapUsedMb: number };
}

/** The end of the run: the summary JSON's figures (profile_export_aiperf.json), as written there. */
export interface LiveFinal {
  interrupted: boolean;
  /** Metric tag → its block (`unit`, `avg`, `p50`, …) exactly as in the summary JSON, console metrics first. */
  metrics: Record<string, Record<string, number | string>>;
  errorSummary: Array<{ type: string; code: number | null; message: string; count: number }>;
  /** Where the summary JSON was written, when it was. */
  summaryPath: string | null;
}
