// `profile` as a library: run a benchmark, subscribe reporters, read the result.
export { runProfile, engineOptionsFor, datasetFor, type RunProfileOptions } from './run-profile.js';
export { RunPipeline, type ProfileResult, type RunPipelineOptions, type RunStop } from './run-pipeline.js';
export { standardReporters, type StandardReporterOptions } from './standard-reporters.js';
export type { ExportFileKind, ProfileReporter, RunContext, RunEnd } from './reporter.js';
export { runVerdict, type RunVerdict } from './exit-code.js';
export type { RunPlacement } from './reporters/summary-json-file.js';
export { GpuTelemetryReporter } from './reporters/gpu-telemetry.js';
export { LiveDashboardReporter, type LiveDashboardOptions } from './reporters/live-dashboard.js';
export type { LiveGpuSource } from '../live/live-snapshot.js';
