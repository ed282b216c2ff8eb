// `infermark serve-mock`: run the mock inference server (docs/serve-mock.md §1, §11). The option
// table is keyed by MockServerOptions, defaults come from MOCK_DEFAULTS.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import { startMockServer } from '../server/mock-server.js';
import { defaultTokenizerThreads } from '../server/prompt-workers.js';
import { tokenizerNotice } from '../tokenizer/index.js';
import {
  BODY_BYTES_PER_TOKEN,
  LATENCY_MODELS,
  MAX_BODY_BYTES_LIMIT,
  MAX_FAKE_GPUS,
  MIN_DEFAULT_BODY_BYTES,
  MAX_TIMEOUT_SECONDS,
  SERVER_LOG_LEVELS,
  MOCK_DEFAULTS,
  type ServerLogLevel,
  type MockServerOptions,
  resolveMockOptions,
} from '../server/options.js';
import { addOptionTable, givenByUser, type OptionSpec } from './option-table.js';
import { integerIn, numberIn, parseChoice, parsePath, parseSeed, positiveNumberAtMost, type OptionParser } from './option-types.js';
import { MAX_CONCURRENCY, MAX_DURATION_MS, MAX_DURATION_SECONDS, MAX_SEQUENCE_TOKENS, MAX_WORKERS } from '../config/limits.js';

/** A percentage that may be 0 (error rates default to 0). */
const parseRate = numberIn(0, 100);
/** Seconds for a request timeout: positive, and at most what Node's HTTP server takes. */
const parseTimeoutSeconds = positiveNumberAtMost(MAX_TIMEOUT_SECONDS);
/** An absolute latency in ms (any length: the model's timers are chained, ts/src/long-timeout.ts). */
const parseLatencyMs = numberIn(0, MAX_DURATION_MS);
/** A latency per token, per sequence or per unit of load, in ms. */
const parseCostMs = numberIn(0, 1_000_000);
/** A lognormal jitter's coefficient of variation. */
const parseCv = numberIn(0, 100);
/** A token budget of one step or one request (prompt + output); the default body limit is 32 bytes per token of it. */
const MAX_MODEL_TOKENS = 16_777_216;

const parseModels: OptionParser<string[]> = (value, previous) => {
  const names = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  // An empty name would silently serve the default model.
  if (names.length === 0) throw new InvalidArgumentError(`expected a model name, got '${value}'`);
  return [...(previous ?? []), ...names];
};

/** The server's options plus the flags that only the command has. */
interface ServeMockFlags extends Omit<MockServerOptions, 'log'> {
  /** `--fast`: `--latency-model none`. */
  fast?: boolean;
  /** Serving processes sharing the port. */
  workers: number;
}

const SERVE_MOCK_OPTIONS: readonly OptionSpec<ServeMockFlags>[] = [
  { key: 'host', flags: '--host <address>', description: 'bind address (a non-loopback address prints a warning)' },
  { key: 'port', flags: '--port <n>', description: 'port; 0 picks a free port', parser: integerIn(0, 65535) },
  // Shown, not applied: a default array would be the `previous` value of the first --model.
  {
    key: 'model',
    flags: '--model <name>',
    description: 'served model name; repeatable or comma-separated',
    parser: parseModels,
    shownDefault: MOCK_DEFAULTS.model.join(','),
  },
  { key: 'strictModel', flags: '--strict-model', description: 'reject requests whose model is not served (404)' },
  { key: 'apiKey', flags: '--api-key <key>', description: 'require Authorization: Bearer <key> on /v1/*' },
  {
    key: 'tokenizer',
    flags: '--tokenizer <name>',
    description:
      "tokenizer: 'builtin', a bundled model id (Qwen/Qwen3-8B, meta-llama/Llama-3.1-8B-Instruct, …), a tokenizer.json or its folder, or a cached HF model id",
  },
  {
    key: 'tokenizer',
    flags: '--no-tokenizer',
    description: 'count ≈4 characters per token and emit whitespace-separated words',
    negate: true,
  },
  {
    key: 'tokenizerThreads',
    flags: '--tokenizer-threads <n>',
    description: 'worker threads that parse and tokenise long prompts, off the serving thread (0: the serving thread does)',
    parser: integerIn(0, 64),
    // The default depends on the machine (and on --workers): say the rule, not this machine's value.
    shownDefault: 'cores − 1, between 1 and 4, per worker process',
  },
  { key: 'randomSeed', flags: '--random-seed <seed>', description: 'seed of every random choice', parser: parseSeed },
  {
    key: 'recordRequests',
    flags: '--record-requests <path>',
    description: 'append one ground-truth JSONL line per request; PATH.summary.json on shutdown',
    parser: parsePath,
  },
  {
    key: 'modelsReadyDelaySeconds',
    flags: '--models-ready-delay-seconds <s>',
    description: '/v1/models lists no model until then',
    parser: numberIn(0, MAX_DURATION_SECONDS),
  },
  {
    key: 'inferenceReadyDelaySeconds',
    flags: '--inference-ready-delay-seconds <s>',
    description: 'inference endpoints answer 503 until then',
    parser: numberIn(0, MAX_DURATION_SECONDS),
  },
  { key: 'errorRate', flags: '--error-rate <pct>', description: 'percentage of requests answered with HTTP 500', parser: parseRate },
  {
    key: 'streamErrorRate',
    flags: '--stream-error-rate <pct>',
    description: 'percentage of streaming requests that fail mid-stream',
    parser: parseRate,
  },
  {
    key: 'maxModelLen',
    flags: '--max-model-len <n>',
    description: 'prompt + max tokens limit (400 beyond it)',
    parser: integerIn(1, MAX_MODEL_TOKENS),
  },
  { key: 'naturalStop', flags: '--natural-stop', description: 'let requests with a max tokens value stop at their natural length' },
  {
    key: 'reasoningTokens',
    flags: '--reasoning-tokens <n>',
    description: 'reasoning tokens emitted before the answer (0 = off)',
    parser: integerIn(0, MAX_SEQUENCE_TOKENS),
  },
  {
    key: 'firstChunkTokens',
    flags: '--first-chunk-tokens <n>',
    description: 'output tokens bundled into the first streamed chunk (a server that sends its first tokens together)',
    parser: integerIn(1, MAX_SEQUENCE_TOKENS),
  },
  {
    key: 'tokensPerChunk',
    flags: '--tokens-per-chunk <n>',
    description: 'output tokens bundled into each later streamed chunk',
    parser: integerIn(1, MAX_SEQUENCE_TOKENS),
  },
  { key: 'latencyModel', flags: '--latency-model <model>', description: LATENCY_MODELS.join(', '), parser: parseChoice(LATENCY_MODELS) },
  { key: 'fast', flags: '--fast', description: 'alias of --latency-model none' },
  { key: 'logLevel', flags: '--log-level <level>', description: SERVER_LOG_LEVELS.join(', '), parser: parseChoice(SERVER_LOG_LEVELS) },
  {
    key: 'workers',
    flags: '--workers <n>',
    description: 'serving processes sharing the port (each with its own engine and counters)',
    parser: integerIn(1, MAX_WORKERS),
    default: 1,
  },
  // limits on what a client may send (docs/serve-mock.md §2)
  {
    key: 'maxBodyBytes',
    flags: '--max-body-bytes <n>',
    description: 'largest request body; a longer one gets 413 and is never parsed',
    parser: integerIn(1, MAX_BODY_BYTES_LIMIT),
    // Applied by resolveMockOptions, which knows --max-model-len.
    shownDefault: `${BODY_BYTES_PER_TOKEN} bytes per token of --max-model-len, at least ${MIN_DEFAULT_BODY_BYTES}`,
  },
  {
    key: 'requestTimeoutSeconds',
    flags: '--request-timeout-seconds <s>',
    description: 'time to receive a whole request, headers and body (408 after it); responses are not limited',
    parser: parseTimeoutSeconds,
  },
  {
    key: 'headersTimeoutSeconds',
    flags: '--headers-timeout-seconds <s>',
    description:
      "time to receive a request's headers, from its first byte or the connection's opening (408 after it; not above the request timeout)",
    parser: parseTimeoutSeconds,
  },
  // simple model (docs/serve-mock.md §1.2)
  { key: 'ttft', flags: '--ttft <ms>', description: 'simple: base time to first token', parser: parseLatencyMs },
  { key: 'itl', flags: '--itl <ms>', description: 'simple: base time between tokens', parser: parseLatencyMs },
  {
    key: 'ttftPerIslTokenMs',
    flags: '--ttft-per-isl-token-ms <k>',
    description: 'simple: TTFT += k · prompt tokens',
    parser: parseCostMs,
  },
  {
    key: 'ttftConcurrencyQuadMs',
    flags: '--ttft-concurrency-quad-ms <k>',
    description: 'simple: TTFT += k · inflight²',
    parser: parseCostMs,
  },
  {
    key: 'itlPerOslTokenMs',
    flags: '--itl-per-osl-token-ms <k>',
    description: 'simple: ITL += k · output tokens',
    parser: parseCostMs,
  },
  {
    key: 'itlConcurrencyLinMs',
    flags: '--itl-concurrency-lin-ms <k>',
    description: 'simple: ITL += k · inflight',
    parser: parseCostMs,
  },
  {
    key: 'ttftJitterCv',
    flags: '--ttft-jitter-cv <cv>',
    description: 'simple: lognormal TTFT jitter (coefficient of variation)',
    parser: parseCv,
  },
  {
    key: 'itlJitterCv',
    flags: '--itl-jitter-cv <cv>',
    description: 'simple: lognormal ITL jitter (coefficient of variation)',
    parser: parseCv,
  },
  // engine model (docs/serve-mock.md §1.3)
  {
    key: 'maxNumSeqs',
    flags: '--max-num-seqs <n>',
    description: 'engine: maximum running sequences',
    parser: integerIn(1, MAX_CONCURRENCY),
    aliases: ['--max-batch-size'],
  },
  {
    key: 'maxNumBatchedTokens',
    flags: '--max-num-batched-tokens <n>',
    description: 'engine: token budget of one step',
    parser: integerIn(1, MAX_MODEL_TOKENS),
  },
  { key: 'stepBaseMs', flags: '--step-base-ms <ms>', description: 'engine: fixed cost of every step', parser: parseLatencyMs },
  { key: 'decodeMsPerSeq', flags: '--decode-ms-per-seq <ms>', description: 'engine: cost per decoding sequence', parser: parseCostMs },
  {
    key: 'prefillMsPerToken',
    flags: '--prefill-ms-per-token <ms>',
    description: 'engine: cost per uncached prompt token',
    parser: parseCostMs,
  },
  { key: 'stepJitterCv', flags: '--step-jitter-cv <cv>', description: 'engine: lognormal jitter on each step', parser: parseCv },
  { key: 'kvBlockSize', flags: '--kv-block-size <n>', description: 'engine: tokens per KV block', parser: integerIn(1, 65_536) },
  { key: 'kvCacheBlocks', flags: '--kv-cache-blocks <n>', description: 'engine: KV capacity in blocks', parser: integerIn(1, 10_000_000) },
  { key: 'prefixCache', flags: '--no-prefix-cache', description: 'engine: disable prefix caching', negate: true },
  { key: 'replicas', flags: '--replicas <n>', description: 'engine: independent engines, round-robin', parser: integerIn(1, 64) },
  // simulated GPUs (docs/serve-mock.md §7.1)
  {
    key: 'fakeGpus',
    flags: '--fake-gpus <n>',
    description: 'engine: add DCGM exporter series for N simulated GPUs to /metrics (0: none)',
    parser: integerIn(0, MAX_FAKE_GPUS),
  },
  {
    key: 'fakeGpuIdleWatts',
    flags: '--fake-gpu-idle-watts <w>',
    description: 'simulated GPUs: power of one GPU with nothing to compute',
    parser: numberIn(0, 1_000_000),
  },
  {
    key: 'fakeGpuJoulesPerToken',
    flags: '--fake-gpu-joules-per-token <j>',
    description: "simulated GPUs: energy of each output token, shared by its replica's GPUs",
    parser: numberIn(0, 1_000_000),
  },
  {
    key: 'fakeGpuJoulesPerPrefillToken',
    flags: '--fake-gpu-joules-per-prefill-token <j>',
    description: 'simulated GPUs: energy of each uncached prompt token prefilled',
    parser: numberIn(0, 1_000_000),
  },
];

/** The server option fields the table fills (everything but the command-only flags). */
const SERVER_KEYS = [...new Set(SERVE_MOCK_OPTIONS.map((s) => s.key))].filter(
  (k): k is Exclude<keyof ServeMockFlags, 'fast' | 'workers'> => k !== 'fast' && k !== 'workers',
);

export function registerServeMock(program: Command): void {
  const cmd = program
    .command('serve-mock')
    .description('run an OpenAI-compatible mock inference server (engine, simple or no latency model)');
  const { model: _model, maxBodyBytes: _maxBodyBytes, ...defaults } = MOCK_DEFAULTS;
  addOptionTable<ServeMockFlags>(cmd, SERVE_MOCK_OPTIONS, defaults);
  cmd.action(async (_opts: unknown, command: Command) => {
    const { options, workers } = serveMockOptionsFrom(command);
    // Once, from the process the user started (cluster workers run this action too).
    const resolvedAs = options.tokenizer === false ? null : tokenizerNotice(options.tokenizer);
    if (resolvedAs !== null && cluster.isPrimary) process.stderr.write(`notice: ${resolvedAs}\n`);
    await runServeMock(options, workers);
  });
}

/** Map parsed flags to MockServerOptions, applying the cross-option rules (usage errors, exit 2). */
export function serveMockOptionsFrom(command: Command): { options: MockServerOptions; workers: number } {
  const raw = command.opts<ServeMockFlags & { maxBatchSize?: number }>();
  const given = new Set<string>(SERVER_KEYS.filter((k) => givenByUser(command, k)));
  if (givenByUser(command, 'maxBatchSize')) {
    if (given.has('maxNumSeqs')) throw new UsageError("option '--max-batch-size' cannot be used with option '--max-num-seqs'");
    given.add('maxNumSeqs');
  }
  const partial: Partial<MockServerOptions> = {};
  for (const key of SERVER_KEYS) (partial as Record<string, unknown>)[key] = raw[key];
  partial.maxNumSeqs = raw.maxBatchSize ?? raw.maxNumSeqs;
  if (raw.fast) {
    if (given.has('latencyModel') && raw.latencyModel !== 'none') {
      throw new UsageError(`option '--fast' cannot be used with option '--latency-model ${raw.latencyModel}'`);
    }
    partial.latencyModel = 'none';
  }
  if (raw.workers > 1 && raw.recordRequests !== undefined) {
    throw new UsageError(
      "option '--record-requests' cannot be used with option '--workers' above 1 (each worker would write its own summary)",
    );
  }
  if (raw.workers > 1 && raw.fakeGpus > 0) {
    // Each worker would report the same GPUs with its own share of the load.
    throw new UsageError("option '--fake-gpus' cannot be used with option '--workers' above 1 (each worker has its own engine)");
  }
  // Each serving process has its own tokenizer threads: share the cores among them.
  if (raw.workers > 1 && !given.has('tokenizerThreads')) {
    partial.tokenizerThreads = defaultTokenizerThreads(Math.floor(availableParallelism() / raw.workers));
  }
  return { options: resolveMockOptions(partial, given), workers: raw.workers };
}

function consoleLog(level: ServerLogLevel, line: string): void {
  if (level === 'info' || level === 'debug') process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

/** Resolve when SIGINT or SIGTERM arrives. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * Serve until SIGINT/SIGTERM, then shut down cleanly (exit 0). With `workers` > 1 the primary
 * forks that many processes sharing the port; each runs its own server and engine.
 */
export async function runServeMock(options: MockServerOptions, workers = 1): Promise<void> {
  if (workers > 1 && cluster.isPrimary) {
    await runPrimary(workers, options);
    return;
  }
  const isWorker = !cluster.isPrimary;
  const server = await startMockServer({
    ...options,
    // A long-running server: the first long prompt should not wait for its threads to start.
    startTokenizerThreads: true,
    // Workers stay quiet at info level: the primary prints the one listening line.
    log: isWorker ? (level, line) => (level === 'info' ? undefined : consoleLog(level, line)) : consoleLog,
  });
  if (isWorker) process.send?.({ type: 'infermark-mock-listening', url: server.url });
  await untilSignal();
  if (!isWorker) {
    await server.close();
    return;
  }
  // In a cluster worker server.close() can wait on the primary's shared handle indefinitely;
  // workers keep no recorder (see --record-requests), so a bounded wait then exit is safe.
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
  process.exit(0);
}

async function runPrimary(workers: number, options: MockServerOptions): Promise<void> {
  const children = Array.from({ length: workers }, () => cluster.fork());
  const listening = new Promise<string>((resolve, reject) => {
    for (const child of children) {
      child.on('message', (msg: { type?: string; url?: string }) => {
        if (msg?.type === 'infermark-mock-listening' && msg.url) resolve(msg.url);
      });
      child.on('exit', (code) => {
        if (code !== 0) reject(new UsageError(`a serve-mock worker exited with code ${code} before listening`));
      });
    }
  });
  const url = await listening;
  process.stdout.write(
    `infermark mock server listening on ${url} (latency model: ${options.latencyModel}, seed ${options.randomSeed}, ${workers} workers)\n`,
  );
  await untilSignal();
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.isDead()) return resolve();
          child.once('exit', () => resolve());
          // Signal the process itself: cluster's worker.kill() disconnects IPC first, which can
          // leave a worker with open keep-alive sockets waiting instead of running its shutdown.
          child.process.kill('SIGTERM');
        }),
    ),
  );
}
