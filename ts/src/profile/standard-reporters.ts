// The reporters of a `profile` run, in the order they finish: the progress line first (it ends
// before the summary prints), then every artifact, then `--plot`'s charts (drawn from those
// files), then the console summary that lists them, the log (it records every warning the others
// added), and last `--metrics-port`'s endpoint, which stays up until all of that is written.
import type { UiType } from '../config/defaults.js';
import type { LogLevel } from '../report/log-file.js';
import type { ProgressSink } from '../report/progress-line.js';
import type { ProfileReporter } from './reporter.js';
import { ConsoleSummaryReporter, type ConsoleSummaryOptions } from './reporters/console-summary.js';
import { InputsFileReporter } from './reporters/inputs-file.js';
import { MetricsEndpointReporter, type MetricsEndpointOptions } from './reporters/metrics-endpoint.js';
import { PlotFilesReporter } from './reporters/plot-files.js';
import { ProgressDisplay } from './reporters/progress-display.js';
import { rawRecordsFileReporter, recordsFileReporter } from './reporters/record-files.js';
import { RunLogReporter } from './reporters/run-log.js';
import { ServerMetricsReporter } from './reporters/server-metrics.js';
import { SummaryCsvFileReporter } from './reporters/summary-csv-file.js';
import { SummaryJsonFileReporter, type RunPlacement } from './reporters/summary-json-file.js';
import { TimeslicesFilesReporter } from './reporters/timeslices-files.js';

export interface StandardReporterOptions {
  /** Print the console summary here (it is always written to its file); default: not printed. */
  stdout?: ConsoleSummaryOptions['stdout'];
  colour?: boolean;
  /** Show the progress line on this stream with this `--ui` mode; default: no progress line. */
  progress?: { ui: UiType; stderr: ProgressSink } | null;
  logLevel?: LogLevel;
  /** `profile --plot`: draw the charts and report.html once the result files are written. */
  plot?: boolean;
  /** `run_info` of the summary JSON for a run that is part of a sweep (default: a single run). */
  placement?: RunPlacement;
  /** Where `--metrics-port`'s address is announced and what ends its linger (it serves only when the config asks). */
  metricsEndpoint?: MetricsEndpointOptions;
}

/** Every artifact of docs/exports.md, plus the printed summary and progress line when asked for. */
export function standardReporters(options: StandardReporterOptions = {}): ProfileReporter[] {
  const reporters: ProfileReporter[] = [];
  if (options.progress) reporters.push(new ProgressDisplay(options.progress.ui, options.progress.stderr));
  reporters.push(
    recordsFileReporter(),
    rawRecordsFileReporter(),
    new InputsFileReporter(),
    new SummaryJsonFileReporter(options.placement),
    new SummaryCsvFileReporter(),
    new TimeslicesFilesReporter(),
    new ServerMetricsReporter(),
    ...(options.plot ? [new PlotFilesReporter()] : []),
    new ConsoleSummaryReporter({ stdout: options.stdout ?? null, ...(options.colour === undefined ? {} : { colour: options.colour }) }),
    new RunLogReporter(options.logLevel),
    new MetricsEndpointReporter(options.metricsEndpoint),
  );
  return reporters;
}
