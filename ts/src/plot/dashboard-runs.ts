// What `plot --dashboard` shows (docs/cli.md §7): the runs under its PATHs, found and read the way
// `plot` finds and reads them. The fingerprint is the cheap part of a look (one directory walk and
// a stat of each run's summary, records and GPU telemetry files), so that runs are read again only
// when one was added, removed or rewritten.
import { statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { loadRun } from './load-run.js';
import type { PlotModel, PlotTheme } from './plot-model.js';
import { buildPlotModel } from './plot-model-builder.js';
import { type DiscoveredRun, discoverRuns } from './run-discovery.js';

export interface DashboardRuns {
  fingerprint(): Promise<string>;
  load(): Promise<PlotModel>;
}

/**
 * The runs under `paths`. No run yet is not an error here (the dashboard waits for runs to appear);
 * a PATH that does not exist still is.
 */
export function dashboardRuns(
  paths: readonly string[],
  options: { theme: PlotTheme; gpus: number; onSkip?: (run: DiscoveredRun, err: unknown) => void },
): DashboardRuns {
  const find = (): DiscoveredRun[] => {
    try {
      return discoverRuns(paths);
    } catch (err) {
      // Every PATH is a directory, so what is missing is runs: there are none yet.
      if (err instanceof UsageError && paths.every(isDirectory)) return [];
      throw err;
    }
  };
  const stamp = (path: string): string => {
    try {
      const s = statSync(path);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return 'gone';
    }
  };
  return {
    fingerprint: async () =>
      find()
        .map((r) =>
          // The GPU telemetry export may be finished after the summary: its arrival counts too.
          [r.name, r.dir, stamp(r.summaryFile), stamp(r.recordsFile), r.gpuTelemetryFile === null ? '-' : stamp(r.gpuTelemetryFile)].join(
            '\0',
          ),
        )
        .join('\n'),
    load: async () => {
      const loaded = [];
      for (const run of find()) {
        try {
          loaded.push(await loadRun(run));
        } catch (err) {
          // One unreadable run (half-copied, edited) must not hide the others.
          options.onSkip?.(run, err);
        }
      }
      const model = { theme: options.theme, gpus: options.gpus };
      return loaded.length === 0 ? { ...model, runs: [], charts: [] } : buildPlotModel(loaded, model);
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
