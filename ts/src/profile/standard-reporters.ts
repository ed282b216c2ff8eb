// The reporters of a `profile` run, in the order they finish: the progress line first (it ends
// before the summary prints), then every artifact, then `--plot`'s charts (drawn from those
// files) and `--ui dashboard`'s page (its final figures are the summary JSON's), then the console
// summary that lists them, the log (it records every warning the others added), and last
// `--metrics-port`'s endpoint, which stays up until all of that is written.
import type { UiType } from '../config/defaults.js';
import type { LogLevel } from '../report/log-file.js';
import type { ProgressSink } from '../report/progress-line.js';
import type { ProfileReporter } from './reporter.js';
import { ConsoleSummaryReporter, type ConsoleSummaryOptions } from './reporters/console-summary.js';
import { GpuTelemetryReporter } from './reporters/gpu-telemetry.js';
import type { LiveGpuSource } from '../live/live-snapshot.js';
import { InputsFileReporter } from './reporters/inputs-file.js';
import { LiveDashboardReporter } from './reporters/live-dashboard.js';
import { OutputsFileReporter } from './reporters/outputs-file.js';
import { PerChunkUsageReporter } from './reporters/per-chunk-usage.js';
import { MetricsEndpointReporter, type MetricsEndpointOptions } from './reporters/metrics-endpoint.js';
import { NetworkLatencyReporter } from './reporters/network-latency.js';
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
  /**
   * `--ui dashboard`: serve the live page on this port for the duration of the run (its URL is
   * printed on the progress stream, or stderr); default: none.
   */
  dashboard?: { port: number } | null;
  /** GPU power and utilisation for the live page (default: the run's GPU telemetry reporter). */
  liveGpus?: LiveGpuSource | null;
  /** `profile --plot`: draw the charts and report.html once the result files are written. */
  plot?: boolean;
  /** `run_info` of the summary JSON for a run that is part of a sweep (default: a single run). */
  placement?: RunPlacement;
  /** The GPU telemetry reporter to use (the live dashboard reads its `latestGpus`); default: a new one. */
  gpuTelemetry?: GpuTelemetryReporter;
  /** Where `--metrics-port`'s address is announced and what ends its linger (it serves only when the config asks). */
  metricsEndpoint?: MetricsEndpointOptions;
}

/** Every artifact of docs/exports.md, plus the printed summary and progress line when asked for. */
export function standardReporters(options: StandardReporterOptions = {}): ProfileReporter[] {
  const reporters: ProfileReporter[] = [];
  if (options.progress) reporters.push(new ProgressDisplay(options.progress.ui, options.progress.stderr));
  const serverMetrics = new ServerMetricsReporter();
  const gpuTelemetry = options.gpuTelemetry ?? new GpuTelemetryReporter();
  reporters.push(
    // First of the artifacts: their figures go into the summary JSON and the console summary.
    gpuTelemetry,
    new NetworkLatencyReporter(),
    recordsFileReporter(),
    rawRecordsFileReporter(),
    new InputsFileReporter(),
    new OutputsFileReporter(),
    new PerChunkUsageReporter(),
    new SummaryJsonFileReporter(options.placement),
    new SummaryCsvFileReporter(),
    new TimeslicesFilesReporter(),
    serverMetrics,
    ...(options.plot ? [new PlotFilesReporter()] : []),
    // After the summary JSON (the page's final figures are that file's), before the console summary.
    ...(options.dashboard
      ? [
          new LiveDashboardReporter({
            port: options.dashboard.port,
            stderr: options.progress?.stderr ?? process.stderr,
            serverMetrics,
            gpus: options.liveGpus ?? gpuTelemetry,
          }),
        ]
      : []),
    new ConsoleSummaryReporter({ stdout: options.stdout ?? null, ...(options.colour === undefined ? {} : { colour: options.colour }) }),
    new RunLogReporter(options.logLevel),
    new MetricsEndpointReporter(options.metricsEndpoint),
  );
  return reporters;
}
