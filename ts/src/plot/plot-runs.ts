// `plot` as a library call (docs/cli.md §7): find the runs under the PATHs, read them, build the
// model and write each chart as SVG and/or PNG; the HTML report is written by a writer handed in.
import { join, resolve } from 'node:path';
import { RuntimeFailure, UsageError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { makeDirectory } from '../io/directories.js';
import { osReason } from '../io/os-reason.js';
import { type LoadedRun, loadRun } from './load-run.js';
import type { ChartSpec, PlotFormat, PlotModel, PlotTheme } from './plot-model.js';
import { buildPlotModel } from './plot-model-builder.js';
import { svgToPng } from './png-render.js';
import { discoverRuns } from './run-discovery.js';
import { renderSvg } from './svg-render.js';
import { writeReportHtml } from './report-html.js';

/** Default of `--format` (docs/cli.md §7). */
export const DEFAULT_PLOT_FORMATS: readonly PlotFormat[] = ['png', 'html'];

export interface PlotRunsOptions {
  /** Where to look for runs (PATH …); default `./artifacts`. */
  paths?: readonly string[];
  /** `--output`; default `<first PATH>/plots`. */
  output?: string;
  theme?: PlotTheme;
  formats?: readonly PlotFormat[];
  /** `--gpus`, an integer ≥ 1 (default 1). */
  gpus?: number;
  /** Progress lines for long reads (`reading c8: 45% (1,234,567 records)`); called often, callers throttle. */
  onProgress?: (text: string) => void;
}

export interface PlotResult {
  model: PlotModel;
  /** Every file written, in order. */
  files: string[];
  /** Everything left out, run by run (the same as each run's `notes`). */
  notes: string[];
}

/** The directory of a chart's files: `<output>` for one run and for charts across runs, else `<output>/<run-name>`. */
export function chartDirectory(output: string, chart: ChartSpec, runCount: number): string {
  return chart.run === null || runCount === 1 ? output : join(output, ...chart.run.split('/'));
}

/** Run `plot`: discover, load, build, write. Usage errors (exit 2) come before any file is written. */
export async function plotRuns(options: PlotRunsOptions = {}): Promise<PlotResult> {
  const paths = options.paths && options.paths.length > 0 ? options.paths : ['artifacts'];
  const output = resolve(options.output ?? join(paths[0]!, 'plots'));
  const theme = options.theme ?? 'light';
  const formats = [...new Set(options.formats ?? DEFAULT_PLOT_FORMATS)];
  const gpus = options.gpus ?? 1;
  if (!Number.isSafeInteger(gpus) || gpus < 1) throw new UsageError(`--gpus must be an integer ≥ 1, got ${gpus}`);
  if (formats.length === 0) throw new UsageError('--format: expected at least one of png, svg, html');

  const discovered = discoverRuns(paths, { skip: [output] });
  const loaded: LoadedRun[] = [];
  for (const run of discovered) {
    loaded.push(
      await loadRun(run, {
        onProgress: (bytes, total, records) =>
          options.onProgress?.(
            `reading ${run.name}: ${total > 0 ? Math.floor((100 * bytes) / total) : 100}% (${records.toLocaleString('en-US')} records)`,
          ),
      }),
    );
  }
  const model = buildPlotModel(loaded, { theme, gpus });

  const files: string[] = [];
  if (formats.includes('svg') || formats.includes('png')) {
    for (const [i, chart] of model.charts.entries()) {
      options.onProgress?.(`rendering chart ${i + 1} of ${model.charts.length}: ${chart.id}`);
      const dir = chartDirectory(output, chart, model.runs.length);
      const svg = renderSvg(chart, theme);
      if (formats.includes('svg')) {
        const path = join(dir, `${chart.id}.svg`);
        writeFileAtomicSync(path, svg);
        files.push(path);
      }
      if (formats.includes('png')) {
        const path = join(dir, `${chart.id}.png`);
        writeFileAtomicSync(path, svgToPng(svg));
        files.push(path);
      }
    }
  }
  if (formats.includes('html')) {
    try {
      await makeDirectory(output);
    } catch (err) {
      throw new RuntimeFailure(`cannot write output file: ${output}: ${osReason(err)}`, { cause: err });
    }
    files.push(...(await writeReportHtml(model, output)));
  }
  return { model, files, notes: loaded.flatMap((r) => r.notes.map((n) => `${r.run.name}: ${n}`)) };
}
