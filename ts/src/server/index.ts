// The mock inference server's programmatic API (docs/serve-mock.md §11).
export { type MockServerHandle, renderChatMl, startMockServer } from './mock-server.js';
export { MOCK_DEFAULTS, type LatencyModelName, type ServerLogLevel, type MockServerOptions } from './options.js';
export type { EndpointSummary, RecorderSummary, RequestRecord } from './recorder.js';
