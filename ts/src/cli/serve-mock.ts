// `infermark serve-mock`: run the mock inference server (mock-server.md §1, §11).
import cluster from 'node:cluster';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startMockServer } from '../server/mock-server.js';
import { type LogLevel, MOCK_DEFAULTS, type MockServerOptions, resolveMockOptions } from '../server/options.js';
import { UsageError } from '../errors.js';
import {
  nonNegativeNumber,
  parseChoice,
  parseNonNegativeInteger,
  parsePositiveInteger,
  parseSeed,
} from './option-types.js';

const parseNonNegative = nonNegativeNumber();

/** A percentage that may be 0 (error rates default to 0). */
function parseRate(value: string): number {
  const n = /^[+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`expected a number in [0, 100], got '${value}'`);
  return n;
}

function parsePort(value: string): number {
  const n = parseNonNegativeInteger(value);
  if (n > 65535) throw new InvalidArgumentError(`expected an integer between 0 and 65535, got '${value}'`);
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

/** CLI flag → option key, for the options whose key differs from commander's camelCase of the flag. */
interface RawOptions extends Record<string, unknown> {
  model?: string[];
  fast?: boolean;
  maxBatchSize?: number;
  workers: number;
}

const LATENCY_MODELS = ['engine', 'simple', 'none'] as const;
const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export function registerServeMock(program: Command): void {
  const d = MOCK_DEFAULTS;
  const cmd = program
    .command('serve-mock')
    .description('run an OpenAI-compatible mock inference server (engine, simple or no latency model)')
    .addOption(new Option('--host <address>', 'bind address (a non-loopback address prints a warning)').default(d.host))
    .addOption(new Option('--port <n>', 'port; 0 picks a free port').argParser(parsePort).default(d.port))
    .addOption(new Option('--model <name>', 'served model name; repeatable or comma-separated').argParser(collect))
    .option('--strict-model', 'reject requests whose model is not served (404)')
    .option('--api-key <key>', 'require Authorization: Bearer <key> on /v1/*')
    .option('--tokenizer <name>', "tokenizer: 'builtin', a tokenizer.json path or directory, or a cached HF model id", d.tokenizer as string)
    .option('--no-tokenizer', 'count ≈4 characters per token and emit whitespace-separated words')
    .addOption(new Option('--random-seed <seed>', 'seed of every random choice').argParser(parseSeed).default(d.randomSeed, '0'))
    .option('--record-requests <path>', 'append one ground-truth JSONL line per request; PATH.summary.json on shutdown')
    .addOption(new Option('--models-ready-delay-seconds <s>', '/v1/models lists no model until then').argParser(parseNonNegative).default(0))
    .addOption(new Option('--inference-ready-delay-seconds <s>', 'inference endpoints answer 503 until then').argParser(parseNonNegative).default(0))
    .addOption(new Option('--error-rate <pct>', 'percentage of requests answered with HTTP 500').argParser(parseRate).default(0))
    .addOption(new Option('--stream-error-rate <pct>', 'percentage of streaming requests that fail mid-stream').argParser(parseRate).default(0))
    .addOption(new Option('--max-model-len <n>', 'prompt + max tokens limit (400 beyond it)').argParser(parsePositiveInteger).default(d.maxModelLen))
    .option('--natural-stop', 'let requests with a max tokens value stop at their natural length')
    .addOption(new Option('--reasoning-tokens <n>', 'reasoning tokens emitted before the answer (0 = off)').argParser(parseNonNegativeInteger).default(0))
    .addOption(new Option('--latency-model <model>', 'engine, simple or none').argParser(parseChoice(LATENCY_MODELS)).default(d.latencyModel))
    .option('--fast', 'alias of --latency-model none')
    .addOption(new Option('--log-level <level>', 'error, warn, info or debug').argParser(parseChoice(LOG_LEVELS)).default(d.logLevel))
    .addOption(new Option('--workers <n>', 'serving processes sharing the port (each with its own engine and counters)').argParser(parsePositiveInteger).default(1))
    // simple model
    .addOption(new Option('--ttft <ms>', 'simple: base time to first token').argParser(parseNonNegative).default(d.ttft))
    .addOption(new Option('--itl <ms>', 'simple: base time between tokens').argParser(parseNonNegative).default(d.itl))
    .addOption(new Option('--ttft-per-isl-token-ms <k>', 'simple: TTFT += k · prompt tokens').argParser(parseNonNegative).default(0))
    .addOption(new Option('--ttft-concurrency-quad-ms <k>', 'simple: TTFT += k · inflight²').argParser(parseNonNegative).default(0))
    .addOption(new Option('--itl-per-osl-token-ms <k>', 'simple: ITL += k · output tokens').argParser(parseNonNegative).default(0))
    .addOption(new Option('--itl-concurrency-lin-ms <k>', 'simple: ITL += k · inflight').argParser(parseNonNegative).default(0))
    .addOption(new Option('--ttft-jitter-cv <cv>', 'simple: lognormal TTFT jitter (coefficient of variation)').argParser(parseNonNegative).default(0))
    .addOption(new Option('--itl-jitter-cv <cv>', 'simple: lognormal ITL jitter (coefficient of variation)').argParser(parseNonNegative).default(0))
    // engine model
    .addOption(new Option('--max-num-seqs <n>', 'engine: maximum running sequences').argParser(parsePositiveInteger).default(d.maxNumSeqs))
    .addOption(new Option('--max-batch-size <n>', 'alias of --max-num-seqs').argParser(parsePositiveInteger).hideHelp())
    .addOption(new Option('--max-num-batched-tokens <n>', 'engine: token budget of one step').argParser(parsePositiveInteger).default(d.maxNumBatchedTokens))
    .addOption(new Option('--step-base-ms <ms>', 'engine: fixed cost of every step').argParser(parseNonNegative).default(d.stepBaseMs))
    .addOption(new Option('--decode-ms-per-seq <ms>', 'engine: cost per decoding sequence').argParser(parseNonNegative).default(d.decodeMsPerSeq))
    .addOption(new Option('--prefill-ms-per-token <ms>', 'engine: cost per uncached prompt token').argParser(parseNonNegative).default(d.prefillMsPerToken))
    .addOption(new Option('--step-jitter-cv <cv>', 'engine: lognormal jitter on each step').argParser(parseNonNegative).default(0))
    .addOption(new Option('--kv-block-size <n>', 'engine: tokens per KV block').argParser(parsePositiveInteger).default(d.kvBlockSize))
    .addOption(new Option('--kv-cache-blocks <n>', 'engine: KV capacity in blocks').argParser(parsePositiveInteger).default(d.kvCacheBlocks))
    .option('--no-prefix-cache', 'engine: disable prefix caching')
    .addOption(new Option('--replicas <n>', 'engine: independent engines, round-robin').argParser(parsePositiveInteger).default(d.replicas))
    .action(async (_opts: RawOptions, command: Command) => {
      const { options, workers } = serveMockOptionsFrom(command);
      await runServeMock(options, workers);
    });
  void cmd;
}

/** Map parsed flags to MockServerOptions, applying the cross-option rules (usage errors, exit 2). */
export function serveMockOptionsFrom(command: Command): { options: MockServerOptions; workers: number } {
  const raw = command.opts<RawOptions>();
  const fromCli = (name: string): boolean => {
    const src = command.getOptionValueSource(name);
    return src === 'cli' || src === 'env';
  };
  let latencyModel = raw.latencyModel as MockServerOptions['latencyModel'];
  if (raw.fast) {
    if (fromCli('latencyModel') && latencyModel !== 'none') {
      throw new UsageError(`option '--fast' cannot be used with option '--latency-model ${latencyModel}'`);
    }
    latencyModel = 'none';
  }
  if (fromCli('maxBatchSize') && fromCli('maxNumSeqs')) throw new UsageError("option '--max-batch-size' cannot be used with option '--max-num-seqs'");
  const given = new Set<string>();
  const keys: (keyof MockServerOptions)[] = [
    'ttft', 'itl', 'ttftPerIslTokenMs', 'ttftConcurrencyQuadMs', 'itlPerOslTokenMs', 'itlConcurrencyLinMs', 'ttftJitterCv', 'itlJitterCv',
    'maxNumSeqs', 'maxNumBatchedTokens', 'stepBaseMs', 'decodeMsPerSeq', 'prefillMsPerToken', 'stepJitterCv', 'kvBlockSize', 'kvCacheBlocks',
    'prefixCache', 'replicas',
  ];
  for (const key of keys) if (fromCli(key)) given.add(key);
  if (fromCli('maxBatchSize')) given.add('maxNumSeqs');
  const workers = raw.workers;
  if (workers > 1 && raw.recordRequests !== undefined) {
    throw new UsageError("option '--record-requests' cannot be used with option '--workers' above 1 (each worker would write its own summary)");
  }
  const partial: Partial<MockServerOptions> = {
    host: raw.host as string,
    port: raw.port as number,
    model: raw.model ?? [...MOCK_DEFAULTS.model],
    strictModel: Boolean(raw.strictModel),
    apiKey: raw.apiKey as string | undefined,
    tokenizer: raw.tokenizer as string | false,
    randomSeed: raw.randomSeed as bigint,
    recordRequests: raw.recordRequests as string | undefined,
    modelsReadyDelaySeconds: raw.modelsReadyDelaySeconds as number,
    inferenceReadyDelaySeconds: raw.inferenceReadyDelaySeconds as number,
    errorRate: raw.errorRate as number,
    streamErrorRate: raw.streamErrorRate as number,
    maxModelLen: raw.maxModelLen as number,
    naturalStop: Boolean(raw.naturalStop),
    reasoningTokens: raw.reasoningTokens as number,
    latencyModel,
    logLevel: raw.logLevel as LogLevel,
    ttft: raw.ttft as number,
    itl: raw.itl as number,
    ttftPerIslTokenMs: raw.ttftPerIslTokenMs as number,
    ttftConcurrencyQuadMs: raw.ttftConcurrencyQuadMs as number,
    itlPerOslTokenMs: raw.itlPerOslTokenMs as number,
    itlConcurrencyLinMs: raw.itlConcurrencyLinMs as number,
    ttftJitterCv: raw.ttftJitterCv as number,
    itlJitterCv: raw.itlJitterCv as number,
    maxNumSeqs: raw.maxBatchSize ?? (raw.maxNumSeqs as number),
    maxNumBatchedTokens: raw.maxNumBatchedTokens as number,
    stepBaseMs: raw.stepBaseMs as number,
    decodeMsPerSeq: raw.decodeMsPerSeq as number,
    prefillMsPerToken: raw.prefillMsPerToken as number,
    stepJitterCv: raw.stepJitterCv as number,
    kvBlockSize: raw.kvBlockSize as number,
    kvCacheBlocks: raw.kvCacheBlocks as number,
    prefixCache: raw.prefixCache !== false,
    replicas: raw.replicas as number,
  };
  return { options: resolveMockOptions(partial, given), workers };
}

function consoleLog(level: LogLevel, line: string): void {
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
