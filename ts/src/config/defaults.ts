// Every default and every fixed set of choices of the commands, in one place. The CLI's help texts
// are generated from these tables (ts/src/cli/option-table.ts), so a default is written once.
// serve-mock's defaults live with its option type in ts/src/server/options.ts (MOCK_DEFAULTS).

/** Tokens per hash block of a Mooncake trace (docs/trace-format.md §3). */
export const DEFAULT_BLOCK_SIZE = 512;
/** The largest block size a trace can use: it is a 32-bit quantity in the core. */
export const MAX_BLOCK_SIZE = 4_294_967_295;

/**
 * chat and completions, then the generative types of ts/src/endpoints (docs/cli.md §3.1.1), then
 * the non-generative ones (§3.14): one JSON answer, no output tokens.
 */
export const ENDPOINT_TYPES = [
  'chat',
  'completions',
  'responses',
  'messages',
  'huggingface-generate',
  'template',
  'embeddings',
  'nim-embeddings',
  'cohere-rankings',
  'hf-tei-rankings',
  'nim-rankings',
] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/**
 * `--model-selection-strategy` (docs/cli.md §3.1): which of several `--model`s a request (or a
 * session) names. AIPerf's `weighted` needs weights that its flags cannot give; it is not offered.
 */
export const MODEL_SELECTION_STRATEGIES = ['round-robin', 'random'] as const;
export type ModelSelectionStrategy = (typeof MODEL_SELECTION_STRATEGIES)[number];

export const ARRIVAL_PATTERNS = ['poisson', 'constant', 'gamma'] as const;
export type ArrivalPattern = (typeof ARRIVAL_PATTERNS)[number];

export const EXPORT_LEVELS = ['summary', 'records', 'raw'] as const;
/** What `profile` writes per request: nothing, the records, or the records and the raw exchanges (docs/exports.md §2). */
export type ExportLevel = (typeof EXPORT_LEVELS)[number];

export const CUSTOM_DATASET_TYPES = ['mooncake_trace', 'single_turn', 'multi_turn'] as const;
export type CustomDatasetType = (typeof CUSTOM_DATASET_TYPES)[number];

/**
 * `--connection-reuse-strategy` values (docs/cli.md §3.1), AIPerf 0.13's, whose `sticky-user-sessions`
 * is spelled `sticky` here (that spelling is accepted too).
 */
export const CONNECTION_REUSE_STRATEGIES = ['pooled', 'never', 'sticky'] as const;
export type ConnectionReuseStrategy = (typeof CONNECTION_REUSE_STRATEGIES)[number];

/** `--ui` values (docs/cli.md §3.5). */
export const UI_TYPES = ['none', 'simple', 'dashboard'] as const;
/** The progress line's mode: `simple` redraws it (a terminal), `none` writes a line every 10 s. */
export type UiType = 'none' | 'simple';

/**
 * `--dashboard-port`: the live dashboard's port on 127.0.0.1 (docs/cli.md §3.5), next to
 * `plot --dashboard`'s 8050 so that both can be open at once.
 */
export const LIVE_DASHBOARD_DEFAULT_PORT = 8051;

/** Every default of `profile` (docs/cli.md §3). */
export const PROFILE_DEFAULTS = {
  url: 'http://localhost:8000',
  endpointType: 'chat' as EndpointType,
  modelSelectionStrategy: 'round-robin' as ModelSelectionStrategy,
  chatEndpoint: '/v1/chat/completions',
  completionsEndpoint: '/v1/completions',
  requestTimeoutSeconds: 21600,
  /** AIPerf's default; pooled connections stay out of TTFT once opened (docs/cli.md §3.1). */
  connectionReuseStrategy: 'pooled' as ConnectionReuseStrategy,
  tokenizer: 'builtin',
  isl: 550,
  islStddev: 0,
  oslStddev: 0,
  numDatasetEntries: 100,
  randomSeed: 0n,
  blockSize: DEFAULT_BLOCK_SIZE,
  sessionTurnsMean: 1,
  sessionTurnsStddev: 0,
  sessionTurnDelayMean: 0,
  sessionTurnDelayStddev: 0,
  concurrency: 1,
  arrivalPattern: 'poisson' as ArrivalPattern,
  arrivalSmoothness: 1.0,
  benchmarkGracePeriod: 30,
  warmupRequestCount: 0,
  requestCancellationDelay: 0,
  artifactDir: 'artifacts',
  exportLevel: 'records' as ExportLevel,
  /** Requests sent without `--request-count` or `--benchmark-duration`: max(this, 2 · concurrency). */
  minRequestCount: 10,
  /** `--metrics-host`: loopback, so the endpoint is reachable from other machines only when asked for (docs/cli.md §3.5). */
  metricsHost: '127.0.0.1',
  /** `--metrics-linger`: seconds the metrics endpoint stays up after the run's files are written. */
  metricsLinger: 0,
  /** How long in-flight requests get after the first Ctrl-C before they are aborted. */
  interruptGraceMs: 2000,
} as const;

/**
 * GPU telemetry of `profile` (docs/cli.md §3.5, `--gpu-telemetry`): the DCGM exporter addresses
 * tried when no URL is given (AIPerf 0.13's two; one that does not answer is skipped silently),
 * about three scrapes a second, and how long one scrape may take before it counts as failed.
 */
export const GPU_TELEMETRY_DEFAULTS = {
  urls: ['http://localhost:9400/metrics', 'http://localhost:9401/metrics'] as readonly string[],
  intervalMs: 333,
  timeoutMs: 2000,
} as const;

export const ANALYZE_TRACE_FORMATS = ['text', 'json'] as const;

/** Defaults of `analyze-trace` (docs/trace-analysis.md §1). */
export const ANALYZE_TRACE_DEFAULTS = { blockSize: DEFAULT_BLOCK_SIZE, format: 'text' as (typeof ANALYZE_TRACE_FORMATS)[number] } as const;

export const SYNTHESIZE_MODES = ['transform', 'generate'] as const;

/** Defaults of `synthesize` (docs/synthesis.md §3.1). */
export const SYNTHESIZE_DEFAULTS = {
  mode: 'transform' as (typeof SYNTHESIZE_MODES)[number],
  blockSize: DEFAULT_BLOCK_SIZE,
  randomSeed: 0n,
} as const;

/** Defaults of `hash-prompts` (docs/synthesis.md §5). */
export const HASH_PROMPTS_DEFAULTS = { blockSize: DEFAULT_BLOCK_SIZE, tokenizer: 'builtin' } as const;

/**
 * Sharded runs (docs/cli.md §3.8): the environment variables a shard reads its place from when the
 * flags are absent (a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX in every pod), and the
 * rendezvous defaults.
 */
export const SHARD_ENV = {
  index: 'JOB_COMPLETION_INDEX',
  count: 'INFERMARK_SHARD_COUNT',
  rendezvous: 'INFERMARK_SHARD_RENDEZVOUS',
} as const;
export const SHARD_DEFAULTS = {
  /** The port shard 0 serves the rendezvous on. */
  rendezvousPort: 9470,
  /** How long each barrier waits for every shard, in seconds (pods may start minutes apart). */
  rendezvousTimeout: 300,
} as const;
