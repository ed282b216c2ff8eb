// Options of `serve-mock` (docs/serve-mock.md §1): one typed table of defaults shared by the CLI and startMockServer.
import { constants as bufferConstants } from 'node:buffer';
import { UsageError } from '../errors.js';
import type { EngineConfig } from './engine.js';
import { defaultTokenizerThreads } from './prompt-workers.js';
import type { SimpleConfig } from './simple-model.js';

export const LATENCY_MODELS = ['engine', 'simple', 'none'] as const;
export type LatencyModelName = (typeof LATENCY_MODELS)[number];
export const SERVER_LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type ServerLogLevel = (typeof SERVER_LOG_LEVELS)[number];

/** Every option; the latency-model settings are those of `SimpleConfig` (§1.2, milliseconds) and `EngineConfig` (§1.3). */
export interface MockServerOptions extends Omit<SimpleConfig, 'seed'>, Omit<EngineConfig, 'seed'> {
  host: string;
  port: number;
  /** Served model names; the first labels the metrics. */
  model: string[];
  strictModel: boolean;
  apiKey: string | undefined;
  /** `builtin`, a path or HF model id; `false` = ≈4 characters per token, whitespace-separated output. */
  tokenizer: string | false;
  /** Worker threads that parse and tokenise long bodies (docs/serve-mock.md §3.5); 0 = the serving thread does. */
  tokenizerThreads: number;
  randomSeed: bigint;
  recordRequests: string | undefined;
  modelsReadyDelaySeconds: number;
  inferenceReadyDelaySeconds: number;
  errorRate: number;
  streamErrorRate: number;
  maxModelLen: number;
  naturalStop: boolean;
  reasoningTokens: number;
  /** Output tokens in the first streamed content event (docs/serve-mock.md §5.1). */
  firstChunkTokens: number;
  /** Output tokens in each later streamed content event. */
  tokensPerChunk: number;
  latencyModel: LatencyModelName;
  logLevel: ServerLogLevel;
  /**
   * Largest request body accepted; a longer one gets 413 unread (docs/serve-mock.md §2). Unless
   * given, `BODY_BYTES_PER_TOKEN` per token of `maxModelLen`, at least `MIN_DEFAULT_BODY_BYTES`.
   */
  maxBodyBytes: number;
  /** Time to receive a whole request, headers and body; the response is not limited (docs/serve-mock.md §2). */
  requestTimeoutSeconds: number;
  /** Time to receive a request's headers, counted from its first byte or from the connection's opening. */
  headersTimeoutSeconds: number;
  /** Simulated GPUs whose DCGM-named series `/metrics` adds (docs/serve-mock.md §7.1); 0 = none. Engine model only. */
  fakeGpus: number;
  /** Power of one simulated GPU with nothing to compute (W). */
  fakeGpuIdleWatts: number;
  /** Energy of each output token the engine computes (J), shared by the GPUs of its replica. */
  fakeGpuJoulesPerToken: number;
  /** Energy of each uncached prompt token the engine prefills (J). */
  fakeGpuJoulesPerPrefillToken: number;
  /** Where the listening line and warnings go (default: stdout / stderr of the process). */
  log?: (level: ServerLogLevel, line: string) => void;
  /**
   * Start the tokenizer threads with the server, which then resolves once they have loaded the
   * tokenizer (about a second of CPU each), instead of at the first long body. The CLI does.
   */
  startTokenizerThreads?: boolean;
}

export const MOCK_DEFAULTS: Readonly<Omit<MockServerOptions, 'log' | 'startTokenizerThreads'>> = Object.freeze({
  host: '127.0.0.1',
  port: 8000,
  model: ['mock-model'],
  strictModel: false,
  apiKey: undefined,
  tokenizer: 'builtin',
  tokenizerThreads: defaultTokenizerThreads(),
  randomSeed: 0n,
  recordRequests: undefined,
  modelsReadyDelaySeconds: 0,
  inferenceReadyDelaySeconds: 0,
  errorRate: 0,
  streamErrorRate: 0,
  maxModelLen: 32768,
  naturalStop: false,
  reasoningTokens: 0,
  firstChunkTokens: 1,
  tokensPerChunk: 1,
  latencyModel: 'engine',
  logLevel: 'info',
  // What the rule of `maxBodyBytes` gives for the default maxModelLen.
  maxBodyBytes: 1024 * 1024,
  requestTimeoutSeconds: 60,
  headersTimeoutSeconds: 10,
  ttft: 20,
  itl: 5,
  ttftPerIslTokenMs: 0,
  ttftConcurrencyQuadMs: 0,
  itlPerOslTokenMs: 0,
  itlConcurrencyLinMs: 0,
  ttftJitterCv: 0,
  itlJitterCv: 0,
  maxNumSeqs: 64,
  maxNumBatchedTokens: 8192,
  stepBaseMs: 5.0,
  decodeMsPerSeq: 0.05,
  prefillMsPerToken: 0.02,
  stepJitterCv: 0,
  kvBlockSize: 16,
  kvCacheBlocks: 16384,
  prefixCache: true,
  replicas: 1,
  fakeGpus: 0,
  // About an H100's idle draw, and its energy per token for a small model at full batch
  // (≈ 700 W at ≈ 8,000 output tokens/s); a prefilled token costs about an eighth of that.
  fakeGpuIdleWatts: 70,
  fakeGpuJoulesPerToken: 0.08,
  fakeGpuJoulesPerPrefillToken: 0.01,
});

/** The most simulated GPUs (`--fake-gpus`). */
export const MAX_FAKE_GPUS = 64;

/** Settings of the simulated GPUs, which mean nothing without `--fake-gpus`. */
export const FAKE_GPU_ONLY: readonly (readonly [keyof MockServerOptions, string])[] = [
  ['fakeGpuIdleWatts', '--fake-gpu-idle-watts'],
  ['fakeGpuJoulesPerToken', '--fake-gpu-joules-per-token'],
  ['fakeGpuJoulesPerPrefillToken', '--fake-gpu-joules-per-prefill-token'],
];

/**
 * The longest string Node can hold (V8's limit, about 512 MiB): a body is decoded into one string
 * before it is parsed, so no longer body could be answered anyway.
 */
export const MAX_BODY_BYTES_LIMIT = bufferConstants.MAX_STRING_LENGTH;

/**
 * The default body limit per token of --max-model-len: a body much longer than the longest prompt
 * the server accepts is refused before it is parsed and tokenised. 32 bytes is several times what
 * a token takes in a request: about 4 bytes of English text, up to 7 in a token-id array, about 12
 * for text whose non-ASCII characters the client escaped as `\uXXXX`.
 */
export const BODY_BYTES_PER_TOKEN = 32;
/** The default body limit is never below this, whatever --max-model-len. */
export const MIN_DEFAULT_BODY_BYTES = 1024 * 1024;

/** The longest Node timer, 2^31 − 1 ms, in whole seconds: the bound of both request timeouts. */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/** Options of the `simple` model only, with their CLI spelling (usage errors with engine/none, §1.2). */
export const SIMPLE_ONLY: readonly (readonly [keyof MockServerOptions, string])[] = [
  ['ttft', '--ttft'],
  ['itl', '--itl'],
  ['ttftPerIslTokenMs', '--ttft-per-isl-token-ms'],
  ['ttftConcurrencyQuadMs', '--ttft-concurrency-quad-ms'],
  ['itlPerOslTokenMs', '--itl-per-osl-token-ms'],
  ['itlConcurrencyLinMs', '--itl-concurrency-lin-ms'],
  ['ttftJitterCv', '--ttft-jitter-cv'],
  ['itlJitterCv', '--itl-jitter-cv'],
];

/** Options of the `engine` model only (rejected with simple/none for the same reason). */
export const ENGINE_ONLY: readonly (readonly [keyof MockServerOptions, string])[] = [
  ['maxNumSeqs', '--max-num-seqs'],
  ['maxNumBatchedTokens', '--max-num-batched-tokens'],
  ['stepBaseMs', '--step-base-ms'],
  ['decodeMsPerSeq', '--decode-ms-per-seq'],
  ['prefillMsPerToken', '--prefill-ms-per-token'],
  ['stepJitterCv', '--step-jitter-cv'],
  ['kvBlockSize', '--kv-block-size'],
  ['kvCacheBlocks', '--kv-cache-blocks'],
  ['prefixCache', '--no-prefix-cache'],
  ['replicas', '--replicas'],
];

/**
 * Fill defaults and check cross-option rules. `given` lists the option keys the user set
 * explicitly (the CLI knows; programmatically a key counts when its value is not the default).
 */
export function resolveMockOptions(partial: Partial<MockServerOptions>, given?: ReadonlySet<string>): MockServerOptions {
  // Programmatically a latency-model option counts as set when it differs from its default.
  const explicit =
    given ??
    new Set(
      Object.keys(partial).filter((k) => {
        const v = (partial as Record<string, unknown>)[k];
        return v !== undefined && v !== (MOCK_DEFAULTS as Record<string, unknown>)[k];
      }),
    );
  const opts = { ...MOCK_DEFAULTS, ...stripUndefined(partial) } as MockServerOptions;
  if (opts.model.length === 0) opts.model = [...MOCK_DEFAULTS.model];
  const checkFamily = (family: typeof SIMPLE_ONLY, owner: LatencyModelName): void => {
    if (opts.latencyModel === owner) return;
    for (const [key, flag] of family) {
      if (explicit.has(key)) {
        throw new UsageError(
          `option '${flag}' cannot be used with option '--latency-model ${opts.latencyModel}' (it configures the ${owner} latency model)`,
        );
      }
    }
  };
  checkFamily(SIMPLE_ONLY, 'simple');
  checkFamily(ENGINE_ONLY, 'engine');
  const intAtLeast = (key: keyof MockServerOptions, flag: string, min: number): void => {
    const v = opts[key] as number;
    if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`option '${flag}': expected an integer >= ${min}, got '${v}'`);
  };
  const nonNegative = (key: keyof MockServerOptions, flag: string): void => {
    const v = opts[key] as number;
    if (!(Number.isFinite(v) && v >= 0)) throw new UsageError(`option '${flag}': expected a non-negative number, got '${v}'`);
  };
  intAtLeast('port', '--port', 0);
  if (opts.port > 65535) throw new UsageError(`option '--port': expected an integer between 0 and 65535, got '${opts.port}'`);
  for (const [key, flag] of [
    ['maxModelLen', '--max-model-len'],
    ['maxNumSeqs', '--max-num-seqs'],
    ['maxNumBatchedTokens', '--max-num-batched-tokens'],
    ['kvBlockSize', '--kv-block-size'],
    ['kvCacheBlocks', '--kv-cache-blocks'],
    ['replicas', '--replicas'],
  ] as const) {
    intAtLeast(key, flag, 1);
  }
  intAtLeast('reasoningTokens', '--reasoning-tokens', 0);
  intAtLeast('firstChunkTokens', '--first-chunk-tokens', 1);
  intAtLeast('tokensPerChunk', '--tokens-per-chunk', 1);
  intAtLeast('fakeGpus', '--fake-gpus', 0);
  if (opts.fakeGpus > MAX_FAKE_GPUS) {
    throw new UsageError(`option '--fake-gpus': expected an integer between 0 and ${MAX_FAKE_GPUS}, got '${opts.fakeGpus}'`);
  }
  // The GPUs draw power from the engine's steps: the other models have none.
  if (opts.fakeGpus > 0 && opts.latencyModel !== 'engine') {
    throw new UsageError(
      `option '--fake-gpus' cannot be used with option '--latency-model ${opts.latencyModel}' (the simulated GPUs follow the engine model's steps)`,
    );
  }
  if (opts.fakeGpus === 0) {
    for (const [key, flag] of FAKE_GPU_ONLY) {
      if (explicit.has(key)) throw new UsageError(`option '${flag}' needs option '--fake-gpus' (it configures the simulated GPUs)`);
    }
  }
  intAtLeast('tokenizerThreads', '--tokenizer-threads', 0);
  if (!explicit.has('maxBodyBytes')) {
    opts.maxBodyBytes = Math.min(MAX_BODY_BYTES_LIMIT, Math.max(MIN_DEFAULT_BODY_BYTES, BODY_BYTES_PER_TOKEN * opts.maxModelLen));
  }
  intAtLeast('maxBodyBytes', '--max-body-bytes', 1);
  if (opts.maxBodyBytes > MAX_BODY_BYTES_LIMIT) {
    throw new UsageError(`option '--max-body-bytes': expected a positive integer <= ${MAX_BODY_BYTES_LIMIT}, got '${opts.maxBodyBytes}'`);
  }
  for (const [key, flag] of [
    ['requestTimeoutSeconds', '--request-timeout-seconds'],
    ['headersTimeoutSeconds', '--headers-timeout-seconds'],
  ] as const) {
    const v = opts[key];
    if (!(v > 0 && v <= MAX_TIMEOUT_SECONDS)) {
      throw new UsageError(`option '${flag}': expected a positive number <= ${MAX_TIMEOUT_SECONDS}, got '${v}'`);
    }
  }
  // Like Node's own default: the headers limit is never above the whole request's.
  if (!explicit.has('headersTimeoutSeconds')) opts.headersTimeoutSeconds = Math.min(opts.headersTimeoutSeconds, opts.requestTimeoutSeconds);
  if (opts.headersTimeoutSeconds > opts.requestTimeoutSeconds) {
    throw new UsageError(
      `option '--headers-timeout-seconds' (${opts.headersTimeoutSeconds}) cannot be above option '--request-timeout-seconds' (${opts.requestTimeoutSeconds}): the headers are part of the request`,
    );
  }
  for (const [key, flag] of [
    ['modelsReadyDelaySeconds', '--models-ready-delay-seconds'],
    ['inferenceReadyDelaySeconds', '--inference-ready-delay-seconds'],
    ...SIMPLE_ONLY,
    ['stepBaseMs', '--step-base-ms'],
    ['decodeMsPerSeq', '--decode-ms-per-seq'],
    ['prefillMsPerToken', '--prefill-ms-per-token'],
    ['stepJitterCv', '--step-jitter-cv'],
    ...FAKE_GPU_ONLY,
  ] as const) {
    nonNegative(key, flag);
  }
  for (const [key, flag] of [
    ['errorRate', '--error-rate'],
    ['streamErrorRate', '--stream-error-rate'],
  ] as const) {
    const v = opts[key];
    if (!(Number.isFinite(v) && v >= 0 && v <= 100)) throw new UsageError(`option '${flag}': expected a number in [0, 100], got '${v}'`);
  }
  if (opts.randomSeed < 0n || opts.randomSeed >= 1n << 64n) {
    throw new UsageError(`option '--random-seed': expected an integer between 0 and 18446744073709551615, got '${opts.randomSeed}'`);
  }
  return opts;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
