// infermark's programmatic API; the CLI is a thin client of it.
export * from './trace-core/index.js';
export { formatDecimal, formatFixedGrouped } from './report/decimal-format.js';
export { renderAnalysisConsole } from './report/analysis-console.js';
export * from './synthesis/index.js';
export { startMockServer, MOCK_DEFAULTS, type MockServerHandle, type MockServerOptions, type RecorderSummary } from './server/index.js';
