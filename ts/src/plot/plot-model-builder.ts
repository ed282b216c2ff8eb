// From loaded runs to the PlotModel every renderer reads (plot-model.ts): the runs as the report
// shows them and every chart, per run and across runs.
import { crossRunCharts } from './cross-run-charts.js';
import type { LoadedRun } from './load-run.js';
import type { PlotModel, PlotTheme } from './plot-model.js';
import { runCharts } from './run-charts.js';

export interface BuildPlotModelOptions {
  theme: PlotTheme;
  /** `--gpus`: divides throughput on the per-GPU axes. */
  gpus: number;
}

/** The model of `runs`: per-run charts in run order, then the charts across runs (when there are several runs). */
export function buildPlotModel(runs: readonly LoadedRun[], options: BuildPlotModelOptions): PlotModel {
  const { theme, gpus } = options;
  const charts = runs.flatMap((r) =>
    runCharts(theme, {
      name: r.run.name,
      records: r.records,
      outputTokenThroughput: r.summary.figures.outputTokenThroughput,
      timeslices: r.timeslices,
      serverMetrics: r.serverMetrics,
      gpuTelemetry: r.gpuTelemetry,
    }),
  );
  charts.push(
    ...crossRunCharts(
      theme,
      runs.map((r) => ({ name: r.run.name, figures: r.summary.figures })),
      gpus,
    ),
  );
  return {
    theme,
    gpus,
    runs: runs.map((r) => ({
      name: r.run.name,
      dir: r.run.dir,
      producer: r.summary.producer,
      records: r.records.records,
      summary: r.summary.rows,
      config: r.summary.config,
      errors: r.summary.errors,
      notes: r.notes,
    })),
    charts,
  };
}
