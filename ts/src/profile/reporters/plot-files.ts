// `profile --plot` (docs/cli.md §7): once the run's result files are committed, `plot`'s charts and
// report.html for this run directory, in `<run dir>/plots/`. The results come first: a plot that
// fails is a warning in the footer and the log, never a lost result or another exit code.
import { dirname, resolve } from 'node:path';
import { DEFAULT_PLOT_FORMATS, plotRuns } from '../../plot/plot-runs.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export class PlotFilesReporter implements ProfileReporter {
  #run: RunContext | null = null;

  start(run: RunContext): void {
    this.#run = run;
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    const later = `\`infermark plot ${run.directory}\` draws them later`;
    if (end.interrupted) {
      // Ctrl-C asked for the end: the results are written, drawing can wait.
      end.warnings.push(`--plot: the run was interrupted, so no charts were drawn; ${later}`);
      return;
    }
    const output = dirname(run.path('report'));
    try {
      const result = await plotRuns({ paths: [run.directory], output, formats: DEFAULT_PLOT_FORMATS });
      for (const note of result.notes) end.warnings.push(`--plot: ${note}`);
      if (result.files.includes(resolve(run.path('report')))) run.written.set('report', run.path('report'));
      run.log('info', `--plot: wrote ${result.files.length} files to ${output}`);
    } catch (err) {
      end.warnings.push(`--plot: the charts could not be drawn: ${err instanceof Error ? err.message : String(err)}; ${later}`);
    }
  }
}
