// infermark's programmatic API; the CLI is a thin client of it.
export * from './errors.js';
export * from './trace-core/index.js';
export { analyzeTraceFile, type AnalyzeFileOptions } from './analysis/analyze-file.js';
export { formatDecimal, formatFixedGrouped } from './report/decimal-format.js';
export { renderAnalysisConsole } from './report/analysis-console.js';
export * from './synthesis/index.js';
export { resolveProfileConfig, type ProfileConfig, type ProfileOptions, type LoadMode } from './config/profile-config.js';
export { PROFILE_DEFAULTS, DEFAULT_BLOCK_SIZE } from './config/defaults.js';
export * from './profile/index.js';
export { startMockServer, MOCK_DEFAULTS, type MockServerHandle, type MockServerOptions, type RecorderSummary } from './server/index.js';
export { plotRuns, type PlotRunsOptions, type PlotResult } from './plot/plot-runs.js';
// report.html: plotRuns writes it with `formats` including `html`; or render a model yourself.
export { renderReportHtml, writeReportHtml } from './plot/report-html.js';
export type { PlotModel, PlotRun, ChartSpec, PlotTheme, PlotFormat } from './plot/plot-model.js';
export * from './sweep/index.js';
export { mergeShards, type MergeOptions, type MergeResult } from './merge/merge-shards.js';
export { MergeInterrupted } from './merge/shard-records.js';
