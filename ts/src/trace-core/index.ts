// The trace core as TypeScript sees it: backend selection, errors, streaming analysis, replay datasets.
export { TraceAnalyzer, analyzeTrace, analyzeTraceJson, type TraceAnalyzerOptions } from './analyzer.js';
export {
  ReplayDataset,
  type ReplayDatasetOptions,
  type ReplayDatasetType,
  type ReplaySummary,
} from './replay-dataset.js';
export { TraceCoreError, normaliseBackendError, type TraceCoreErrorCode, type TraceCoreErrorDetails } from './errors.js';
export { getBackend, loadBackend, backendName, backendAttempts, packageRoot, BACKEND_NAMES, type BackendAttempt } from './loader.js';
export type { BackendName, TraceCoreBackend, TraceCoreBindings, BackendAnalyzerOptions, BackendReplayOptions } from './backend.js';
export type { AnalysisReport, MetricStats, InconsistentRowExample, InconsistentKind, SkipSummary, SkipReasonCount } from './report.js';
