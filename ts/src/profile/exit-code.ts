// The one place that decides how a `profile` run ends (docs/cli.md §1.2): 130 after an interrupt,
// 1 when the failed-request threshold stopped it or no request succeeded, else 0.
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME } from '../errors.js';
import type { RunMetrics } from '../metrics/aggregate.js';

export interface RunVerdict {
  exitCode: number;
  /** The text of the `error: …` line for a failed run (null when it exits 0 or 130). */
  failure: string | null;
}

/** How a run ends that a signal interrupted, whenever it came (docs/exports.md §10.3). */
export const INTERRUPTED: RunVerdict = { exitCode: EXIT_INTERRUPTED, failure: null };

export function runVerdict(run: {
  metrics: RunMetrics;
  interrupted: boolean;
  thresholdExceeded: boolean;
  failedRequestThreshold: number | null;
}): RunVerdict {
  const m = run.metrics;
  if (run.interrupted) return INTERRUPTED;
  if (run.thresholdExceeded) {
    return {
      exitCode: EXIT_RUNTIME,
      failure: `--failed-request-threshold ${run.failedRequestThreshold} exceeded (${m.errorCount} errors in ${m.successCount + m.errorCount} completed requests); results kept`,
    };
  }
  if (m.successCount === 0) {
    return { exitCode: EXIT_RUNTIME, failure: `no request succeeded (${m.errorCount} of ${m.successCount + m.errorCount} failed)` };
  }
  return { exitCode: EXIT_OK, failure: null };
}

/** The console footer's warning when the threshold stopped the run early. */
export function thresholdWarning(threshold: number | null): string {
  return `--failed-request-threshold ${threshold} exceeded: the run was stopped early`;
}
