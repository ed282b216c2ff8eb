// The OpenAI-compatible mock inference server (docs/serve-mock.md): composes request validation
// (./request-validation.ts), the latency models, response writing (./response-writer.ts), routing
// (./routes.ts), Prometheus metrics and the ground-truth recorder.
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { RandomStream } from '../random/index.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { EngineModel } from './engine.js';
import { FakeGpus } from './fake-gpus.js';
import type { Job, LatencyModel } from './job.js';
import { type EngineMetrics, type FinishedReason, MetricsRegistry } from './metrics.js';
import { type ServerLogLevel, type MockServerOptions, resolveMockOptions } from './options.js';
import { type RecorderSummary, Recorder, type RequestRecord } from './recorder.js';
import {
  apiRoute,
  HttpError,
  type InferenceEndpoint,
  type InferenceRequest,
  type ValidationContext,
  type ValidationLimits,
  validateInferenceRequest,
} from './request-validation.js';
import { INLINE_BODY_BYTES, INLINE_BODY_BYTES_NO_TOKENIZER, PromptWorkers, promptWorkerEntry } from './prompt-workers.js';
import {
  type AnswerStream,
  ApiAnswerStream,
  CompletionStream,
  type CompletionShape,
  sendApiCompletion,
  sendCompletion,
  sendEndpointError,
  sendJson,
} from './response-writer.js';
import { createRouter } from './routes.js';
import {
  parseRetrievalRequest,
  type RetrievalApi,
  RetrievalHttpError,
  type RetrievalServerContext,
  sendRetrievalError,
  serveRetrieval,
} from './retrieval-handlers.js';
import { NoneModel, SimpleModel } from './simple-model.js';
import { TextSource } from './text-source.js';

export { renderChatMl } from './request-validation.js';

export interface MockServerHandle {
  /** `http://HOST:PORT` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Stop accepting, abort in-flight streams, write the recorder summary. */
  close(): Promise<void>;
  /** The recorder summary so far (docs/serve-mock.md §8), per endpoint. */
  stats(): RecorderSummary;
  /** The Prometheus exposition `/metrics` would return now. */
  metricsText(): string;
}

const ENDPOINT_PATH: Record<string, string> = { chat: '/v1/chat/completions', completions: '/v1/completions' };
const LOG_ORDER: Record<ServerLogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

const textSources = new Map<string, Promise<TextSource>>();

/** One TextSource per tokenizer spec per process: corpus preparation takes ~0.5 s. */
function textSourceFor(tokenizer: string | false): Promise<TextSource> {
  const key = tokenizer === false ? '\u0000none' : tokenizer;
  let p = textSources.get(key);
  if (!p) {
    p =
      tokenizer === false
        ? Promise.resolve(TextSource.withoutTokenizer())
        : loadTokenizer(tokenizer).then((t) => TextSource.withTokenizer(t));
    textSources.set(key, p);
    p.catch(() => textSources.delete(key));
  }
  return p;
}

/** Loopback addresses need no warning (docs/serve-mock.md §1.1). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startMockServer(partial: Partial<MockServerOptions> = {}): Promise<MockServerHandle> {
  const opts = resolveMockOptions(partial);
  const log =
    opts.log ??
    ((level: ServerLogLevel, line: string): void => {
      if (level === 'error' || level === 'warn') process.stderr.write(`${line}\n`);
    });
  const logAt = (level: ServerLogLevel, line: string): void => {
    if (LOG_ORDER[level] <= LOG_ORDER[opts.logLevel]) log(level, line);
  };
  // docs/serve-mock.md §3.5: long bodies are parsed and tokenised on worker threads. Started
  // here when asked, so that they load their tokenizer while this thread loads its own.
  const entry = opts.tokenizerThreads > 0 ? promptWorkerEntry() : null;
  if (opts.tokenizerThreads > 0 && entry === null) {
    logAt(
      'warn',
      'warning: dist/server/prompt-worker.js not found (run `npm run build:ts`): long prompts are tokenised on the serving thread',
    );
  }
  const workers =
    entry === null
      ? null
      : new PromptWorkers(entry, opts.tokenizer, opts.tokenizerThreads, (err) =>
          logAt('error', `error: ${err.message}; long prompts are tokenised on the serving thread from now on`),
        );
  const warm = opts.startTokenizerThreads ? workers?.start() : undefined;
  let source: TextSource;
  let recorder: Recorder;
  try {
    source = await textSourceFor(opts.tokenizer);
    recorder = new Recorder(opts.recordRequests);
    // A thread that cannot load the tokenizer is reported and leaves the work to this one.
    await warm?.catch(() => undefined);
  } catch (err) {
    await workers?.close();
    throw err;
  }
  const replicas = opts.latencyModel === 'engine' ? opts.replicas : 1;
  // The first served model labels the metrics.
  const registry = new MetricsRegistry(opts.model[0]!, replicas);
  const seed = opts.randomSeed;
  const gpus =
    opts.fakeGpus > 0
      ? new FakeGpus(
          {
            gpus: opts.fakeGpus,
            replicas,
            idleWatts: opts.fakeGpuIdleWatts,
            joulesPerToken: opts.fakeGpuJoulesPerToken,
            joulesPerPrefillToken: opts.fakeGpuJoulesPerPrefillToken,
            seed,
            hostname: hostname(),
          },
          performance.now(),
        )
      : undefined;
  const model: LatencyModel =
    opts.latencyModel === 'engine'
      ? new EngineModel({ ...opts, seed }, registry.engines, undefined, gpus && ((...step) => gpus.recordStep(...step)))
      : opts.latencyModel === 'simple'
        ? new SimpleModel({ ...opts, seed }, registry.engines[0]!)
        : new NoneModel();
  const reportsCached = opts.latencyModel === 'engine' && opts.prefixCache;
  const startedAt = Date.now();
  const startedPerf = performance.now();
  const createdEpoch = Math.floor(startedAt / 1000);
  let nextRequestNum = 0;
  const live = new Set<Job>();

  const elapsedS = (): number => (performance.now() - startedPerf) / 1000;

  function models(res: ServerResponse): void {
    const ready = elapsedS() >= opts.modelsReadyDelaySeconds;
    const data = ready ? opts.model.map((id) => ({ id, object: 'model', created: createdEpoch, owned_by: 'infermark' })) : [];
    sendJson(res, 200, JSON.stringify({ object: 'list', data }));
  }

  function health(res: ServerResponse): void {
    if (elapsedS() < opts.inferenceReadyDelaySeconds) {
      sendJson(res, 503, '{"status":"starting"}');
      return;
    }
    // The seed is a u64: written as raw digits because JSON.stringify cannot take a bigint.
    sendJson(res, 200, `{"status":"ok","latency_model":"${opts.latencyModel}","seed":${seed.toString()},"uptime_s":${elapsedS()}}`);
  }

  const validation: ValidationContext = {
    servedModels: opts.model,
    strictModel: opts.strictModel,
    maxModelLen: opts.maxModelLen,
    prompts: source.prompts,
  };

  let closing: Promise<void> | null = null;
  const inlineBytes = opts.tokenizer === false ? INLINE_BODY_BYTES_NO_TOKENIZER : INLINE_BODY_BYTES;
  const limits: ValidationLimits = { servedModels: opts.model, strictModel: opts.strictModel, maxModelLen: opts.maxModelLen };

  /** `arrival`: performance.now() when the request's headers were parsed (docs/serve-mock.md §3.5). */
  function inference(endpoint: InferenceEndpoint, body: Buffer, res: ServerResponse, arrival: number): void | Promise<void> {
    if (elapsedS() < opts.inferenceReadyDelaySeconds) {
      sendEndpointError(res, endpoint, 503, 'Model is loading', 'service_unavailable');
      return;
    }
    if (workers === null || body.byteLength <= inlineBytes || !workers.usable) {
      serve(validateInferenceRequest(endpoint, body.toString('utf8'), validation), res, arrival, false);
      return;
    }
    // The client may leave while its prompt is tokenised: then it gets no number and no record.
    let gone = false;
    res.once('close', () => {
      gone = true;
    });
    return workers.validate(endpoint, body, limits).then(
      (request) => {
        if (!gone && closing === null) serve(request, res, arrival, true);
      },
      (err: unknown) => {
        // Closing ends the threads and fails what they held: nobody is left to answer.
        if (!gone && closing === null) throw err;
      },
    );
  }

  const retrievalContext: RetrievalServerContext = {
    model,
    registry,
    recorder,
    live,
    seed,
    errorRate: opts.errorRate,
    nextNum: () => nextRequestNum++,
    log: (line) => logAt('debug', line),
  };

  /** An embeddings or rankings request (docs/serve-mock.md §2.1): its errors in its API's shape. */
  function retrieval(api: RetrievalApi, body: Buffer, res: ServerResponse, arrival: number): void {
    if (elapsedS() < opts.inferenceReadyDelaySeconds) {
      sendRetrievalError(res, api, 503, 'Model is loading');
      return;
    }
    try {
      serveRetrieval(retrievalContext, parseRetrievalRequest(api, body.toString('utf8'), validation), res, arrival);
    } catch (err) {
      if (!(err instanceof RetrievalHttpError)) throw err;
      sendRetrievalError(res, api, err.status, err.message);
    }
  }

  /** Number, schedule and answer a valid request that arrived at `arrival` (`threaded`: tokenised on a thread). */
  function serve(request: InferenceRequest, res: ServerResponse, arrival: number, threaded: boolean): void {
    const { endpoint, modelName, stream, limit: m, minTokens } = request;
    const p = request.promptIds.length;

    // docs/serve-mock.md §3.3–3.4: content stream draws, natural length, output length.
    const { offset, u } = source.contentDraws(seed, request.promptHash);
    const natural = Math.max(16, Math.floor(p * (0.8 + 0.4 * u)));
    let n: number;
    let finishReason: 'stop' | 'length';
    if (m !== null) {
      n = opts.naturalStop && !request.ignoreEos ? Math.min(m, Math.max(minTokens ?? 0, natural)) : m;
      finishReason = n < m ? 'stop' : 'length';
    } else {
      n = Math.min(Math.max(natural, minTokens ?? 0), opts.maxModelLen - p);
      finishReason = 'stop';
    }
    let reasoning = 0;
    if (opts.reasoningTokens > 0) {
      const effort = request.reasoningEffort;
      reasoning = effort === 'low' ? 100 : effort === 'medium' ? 250 : effort === 'high' ? 500 : opts.reasoningTokens;
      reasoning = Math.min(reasoning, n);
    }
    const rejection = model.reject(p, n);
    if (rejection) throw new HttpError(400, rejection);

    const k = nextRequestNum++;
    if (profiling) registry.profiledRequests++;
    const httpFail = opts.errorRate > 0 && RandomStream.of(seed, 'infermark/mock/error', BigInt(k)).unit() < opts.errorRate / 100;
    const streamFail =
      !httpFail &&
      stream &&
      opts.streamErrorRate > 0 &&
      RandomStream.of(seed, 'infermark/mock/stream-error', BigInt(k)).unit() < opts.streamErrorRate / 100;
    const failAfter = Math.floor(n / 2);
    const output = source.output(offset, n);
    const shape: CompletionShape = {
      endpoint,
      num: k,
      modelName,
      output,
      reasoning,
      finishReason,
      chunking: { first: opts.firstChunkTokens, per: opts.tokensPerChunk },
      continuousUsagePrompt: request.continuousUsage ? p : null,
    };
    // An API of ts/src/endpoints writes its own events and bodies (docs/serve-mock.md §5.5).
    const route = apiRoute(endpoint);
    const answer = { num: k, model: modelName, created: Math.floor(Date.now() / 1000), promptTokens: p, outputTokens: n, finishReason };
    const mockUsage = () => ({
      prompt: p,
      completion: n,
      cached: reportsCached ? job.cachedTokens : null,
      reasoning: opts.reasoningTokens > 0 ? reasoning : null,
    });
    const events: AnswerStream | null =
      !stream || httpFail
        ? null
        : route === null
          ? new CompletionStream(res, shape)
          : new ApiAnswerStream(res, shape, route.api.mock.stream(answer), mockUsage);

    let emitted = 0;
    let firstAt = -1;
    let lastAt = -1;
    let finished = false;
    let metrics: EngineMetrics = registry.engines[0]!;

    const usage = (): Record<string, unknown> => {
      const usageObject: Record<string, unknown> = { prompt_tokens: p, completion_tokens: n, total_tokens: p + n };
      if (reportsCached) usageObject.prompt_tokens_details = { cached_tokens: job.cachedTokens };
      if (opts.reasoningTokens > 0) usageObject.completion_tokens_details = { reasoning_tokens: reasoning };
      return usageObject;
    };

    const record = (error: string | null, finish: string | null, outputTokens: number, now: number): void => {
      recorder.record({
        ts: Date.now(),
        request_num: k,
        endpoint: ENDPOINT_PATH[endpoint] ?? endpoint,
        model: modelName,
        stream,
        prompt_tokens: p,
        cached_tokens: reportsCached ? job.cachedTokens : null,
        max_tokens: request.maxTokens,
        max_completion_tokens: request.maxCompletionTokens,
        min_tokens: minTokens,
        ignore_eos: request.ignoreEos,
        output_tokens: outputTokens,
        reasoning_tokens: Math.min(reasoning, outputTokens),
        finish_reason: finish,
        queue_ms: job.admittedAt >= 0 ? job.admittedAt - arrival : null,
        ttft_ms: firstAt >= 0 ? firstAt - arrival : null,
        e2e_ms: now - arrival,
        replica: job.replica,
        error,
      } satisfies RequestRecord);
    };

    const finishMetrics = (reason: FinishedReason, now: number): void => {
      metrics.success[reason]++;
      metrics.promptTokens += p;
      metrics.requestPromptTokens.observe(p);
      metrics.requestGenerationTokens.observe(emitted);
      metrics.e2e.observe((now - arrival) / 1000);
      if (job.admittedAt >= 0) metrics.queue.observe((job.admittedAt - arrival) / 1000);
      if (firstAt >= 0) {
        metrics.prefill.observe((firstAt - Math.max(job.admittedAt, arrival)) / 1000);
        metrics.decode.observe((lastAt - firstAt) / 1000);
      }
    };

    const job: Job = {
      num: k,
      stream,
      promptTokens: p,
      outputTokens: n,
      promptIds: request.promptIds,
      outputIds: output.ids,
      submittedAt: performance.now(),
      replica: 0,
      cachedTokens: 0,
      admittedAt: -1,
      onStep(tokens: number, now: number, done: boolean): boolean {
        if (finished) return false;
        metrics = registry.engines[job.replica] ?? metrics;
        if (firstAt < 0) {
          firstAt = now;
          metrics.ttft.observe((now - arrival) / 1000);
          if (httpFail) {
            finished = true;
            live.delete(job);
            registry.injectedHttp++;
            sendEndpointError(res, endpoint, 500, 'Injected failure', 'server_error');
            record('Injected failure', null, 0, now);
            return false;
          }
        } else {
          metrics.itl.observe((now - lastAt) / 1000);
        }
        if (tokens > 1) metrics.itl.observe(0, tokens - 1);
        lastAt = now;
        const from = emitted;
        emitted += tokens;
        metrics.generationTokens += tokens;
        if (streamFail && emitted >= failAfter) {
          emitted = Math.max(from, failAfter);
          finished = true;
          live.delete(job);
          registry.injectedStream++;
          events!.tokens(from, emitted);
          events!.fail();
          metrics.generationTokens -= tokens - (emitted - from);
          record('Injected mid-stream failure', null, emitted, now);
          return false;
        }
        if (events) {
          events.tokens(from, emitted);
          if (done) events.end(request.includeUsage ? usage() : null);
          else events.flush();
        } else if (done) {
          if (route === null) sendCompletion(res, shape, usage());
          else sendApiCompletion(res, shape, answer, mockUsage());
        }
        if (done) {
          finished = true;
          live.delete(job);
          finishMetrics(finishReason, now);
          record(null, finishReason, n, now);
        }
        return true;
      },
    };

    res.on('close', () => {
      if (finished) return;
      finished = true;
      live.delete(job);
      model.cancel(job);
      const now = performance.now();
      metrics = registry.engines[job.replica] ?? metrics;
      finishMetrics('abort', now);
      record('client disconnected', 'abort', emitted, now);
    });

    events?.open();
    live.add(job);
    model.submit(job);
    // The role event goes out at once (engine/simple); with `none` it was coalesced into the single write.
    if (!finished) events?.flush();
    logAt(
      'debug',
      `request ${k} ${ENDPOINT_PATH[endpoint] ?? endpoint} prompt=${p}${threaded ? ' (tokenizer thread)' : ''} output=${n}${httpFail ? ' (injected failure)' : ''}`,
    );
  }

  /** The vLLM-named series, then the simulated GPUs' DCGM-named ones (docs/serve-mock.md §7). */
  function metricsText(): string {
    const text = registry.render();
    return gpus ? text + gpus.render(performance.now(), (r) => registry.engines[r]?.kvUsage ?? 0) : text;
  }

  let profiling = false;
  /** docs/serve-mock.md §2: the KV-cache reset and the profiler switch of vLLM and SGLang, counted in /metrics. */
  function control(path: string, res: ServerResponse): boolean {
    if (path === '/reset_prefix_cache') {
      const dropped = model.resetPrefixCache?.() ?? 0;
      registry.prefixCacheResets++;
      logAt('info', `prefix cache reset: ${dropped} cached blocks dropped`);
      sendJson(res, 200, `{"status":"ok","dropped_blocks":${dropped}}`);
      return true;
    }
    if (path === '/start_profile' || path === '/stop_profile') {
      profiling = path === '/start_profile';
      if (profiling) registry.profilerStarts++;
      else registry.profilerStops++;
      logAt('info', `profiler ${profiling ? 'started' : 'stopped'}`);
      sendJson(res, 200, `{"status":"ok","profiling":${profiling}}`);
      return true;
    }
    return false;
  }

  const route = createRouter({
    maxBodyBytes: opts.maxBodyBytes,
    apiKey: opts.apiKey,
    inference,
    retrieval,
    models,
    health,
    metrics: metricsText,
    control,
    onInternalError: (err) => logAt('error', `error: internal error: ${err.message}`),
  });

  // docs/serve-mock.md §2, limits on what a client sends. Node answers 408 and closes a connection
  // whose request is not in by these limits (counted from its first byte, or from the connection's
  // opening for the first one); a response, however long it streams, is not limited. Node checks
  // every `connectionsCheckingInterval` (30 s by default): every second here, oftener for short
  // limits, so that a limit holds within a second. A kept-alive connection may idle 65 s between
  // requests, longer than the benchmark client's own 60 s, so that the client closes it first.
  const requestTimeout = Math.ceil(opts.requestTimeoutSeconds * 1000);
  const headersTimeout = Math.ceil(opts.headersTimeoutSeconds * 1000);
  const server: Server = createServer(
    {
      keepAliveTimeout: 65_000,
      requestTimeout,
      headersTimeout,
      connectionsCheckingInterval: Math.max(1, Math.min(1000, Math.floor(headersTimeout / 2))),
    },
    route,
  );
  // Without this listener Node answers `Expect: 100-continue` itself, before the router can refuse the body.
  server.on('checkContinue', route);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      model.stop();
      void workers?.close();
      const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new UsageError(`cannot listen on ${opts.host}:${opts.port}: ${reason}`));
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  if (!isLoopback(opts.host)) {
    logAt(
      'warn',
      `warning: serve-mock is listening on ${opts.host}, which is not a loopback address: anyone who can reach this host can use it`,
    );
  }
  logAt('info', `infermark mock server listening on ${url} (latency model: ${opts.latencyModel}, seed ${seed})`);

  return {
    url,
    port: address.port,
    host: address.address,
    stats: () => recorder.summary(),
    metricsText,
    close(): Promise<void> {
      closing ??= (async () => {
        model.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await workers?.close();
        await recorder.close();
      })();
      return closing;
    },
  };
}
