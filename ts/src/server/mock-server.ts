// The OpenAI-compatible mock inference server (mock-server.md): HTTP routing, validation, SSE and JSON responses.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { RandomStream } from '../random/index.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { EngineModel } from './engine.js';
import type { Job, LatencyModel } from './job.js';
import { type EngineMetrics, type FinishedReason, MetricsRegistry } from './metrics.js';
import { type LogLevel, type MockServerOptions, resolveMockOptions } from './options.js';
import { type RecorderSummary, Recorder, type RequestRecord } from './recorder.js';
import { NoneModel, SimpleModel } from './simple-model.js';
import { TextSource } from './text-source.js';

export interface MockServerHandle {
  /** `http://HOST:PORT` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Stop accepting, abort in-flight streams, write the recorder summary. */
  close(): Promise<void>;
  /** The recorder summary so far (§8), per endpoint. */
  stats(): RecorderSummary;
  /** The Prometheus exposition `/metrics` would return now. */
  metricsText(): string;
}

type Endpoint = 'chat' | 'completions';
const ENDPOINT_PATH: Record<Endpoint, string> = { chat: '/v1/chat/completions', completions: '/v1/completions' };
const LOG_ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const MAX_BODY_BYTES = 256 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
  ) {
    super(message);
  }
}

function errorBody(status: number, message: string, type: string): string {
  return JSON.stringify({ error: { message, type, code: status } });
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string, type = 'invalid_request_error'): void {
  sendJson(res, status, errorBody(status, message, type));
}

const textSources = new Map<string, Promise<TextSource>>();

/** One TextSource per tokenizer spec per process: corpus preparation takes ~0.5 s. */
function textSourceFor(tokenizer: string | false): Promise<TextSource> {
  const key = tokenizer === false ? '\u0000none' : tokenizer;
  let p = textSources.get(key);
  if (!p) {
    p = tokenizer === false ? Promise.resolve(TextSource.withoutTokenizer()) : loadTokenizer(tokenizer).then((t) => TextSource.withTokenizer(t));
    textSources.set(key, p);
    p.catch(() => textSources.delete(key));
  }
  return p;
}

/** Loopback addresses need no warning (§1.1). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function nonNegativeIntOrNull(body: Record<string, unknown>, key: string, positive: boolean): number | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (positive ? 1 : 0)) {
    throw new HttpError(400, `'${key}' must be a ${positive ? 'positive' : 'non-negative'} integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function messageText(content: unknown, index: number): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' && typeof (part as { text?: unknown }).text === 'string') {
          return (part as { text: string }).text;
        }
        throw new HttpError(400, `messages[${index}].content: only text parts are supported`);
      })
      .join('');
  }
  throw new HttpError(400, `messages[${index}].content must be a string or an array of text parts`);
}

/** ChatML rendering of §3.2 (the Qwen3 template shape). */
export function renderChatMl(messages: readonly { role: string; content: string }[]): string {
  let out = '';
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return `${out}<|im_start|>assistant\n`;
}

export async function startMockServer(partial: Partial<MockServerOptions> = {}): Promise<MockServerHandle> {
  const opts = resolveMockOptions(partial);
  const log =
    opts.log ??
    ((level: LogLevel, line: string): void => {
      if (level === 'error' || level === 'warn') process.stderr.write(`${line}\n`);
    });
  const logAt = (level: LogLevel, line: string): void => {
    if (LOG_ORDER[level] <= LOG_ORDER[opts.logLevel]) log(level, line);
  };
  const source = await textSourceFor(opts.tokenizer);
  const servedModel = opts.model[0]!;
  const replicas = opts.latencyModel === 'engine' ? opts.replicas : 1;
  const registry = new MetricsRegistry(servedModel, replicas);
  const recorder = new Recorder(opts.recordRequests);
  const seed = opts.randomSeed;
  const model: LatencyModel =
    opts.latencyModel === 'engine'
      ? new EngineModel({ ...opts, seed }, registry.engines)
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

  function handleModels(res: ServerResponse): void {
    const ready = elapsedS() >= opts.modelsReadyDelaySeconds;
    const data = ready ? opts.model.map((id) => ({ id, object: 'model', created: createdEpoch, owned_by: 'infermark' })) : [];
    sendJson(res, 200, JSON.stringify({ object: 'list', data }));
  }

  function handleHealth(res: ServerResponse): void {
    if (elapsedS() < opts.inferenceReadyDelaySeconds) return sendJson(res, 503, '{"status":"starting"}');
    // The seed is a u64: written as raw digits because JSON.stringify cannot take a bigint.
    sendJson(res, 200, `{"status":"ok","latency_model":"${opts.latencyModel}","seed":${seed.toString()},"uptime_s":${elapsedS()}}`);
  }

  function handleInference(endpoint: Endpoint, raw: string, req: IncomingMessage, res: ServerResponse): void {
    const arrival = performance.now();
    if (elapsedS() < opts.inferenceReadyDelaySeconds) return sendError(res, 503, 'Model is loading', 'service_unavailable');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'request body must be a JSON object');
    const body = parsed as Record<string, unknown>;

    const requestedModel = body.model;
    if (requestedModel !== undefined && typeof requestedModel !== 'string') throw new HttpError(400, "'model' must be a string");
    if (opts.strictModel && (requestedModel === undefined || !opts.model.includes(requestedModel))) {
      throw new HttpError(404, `The model \`${requestedModel ?? ''}\` does not exist.`, 'not_found_error');
    }
    const modelName = requestedModel ?? servedModel;

    let promptText: string;
    let promptIds: ArrayLike<number>;
    if (endpoint === 'chat') {
      const messages = body.messages;
      if (!Array.isArray(messages) || messages.length === 0) throw new HttpError(400, "'messages' must be a non-empty array");
      const rendered = messages.map((m: unknown, i) => {
        if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
          throw new HttpError(400, `messages[${i}] must be an object with a string 'role'`);
        }
        return { role: (m as { role: string }).role, content: messageText((m as { content?: unknown }).content, i) };
      });
      promptText = renderChatMl(rendered);
      promptIds = source.promptIds(promptText, true);
    } else {
      const prompt = body.prompt;
      if (typeof prompt === 'string') {
        promptText = prompt;
        promptIds = source.promptIds(prompt, true);
      } else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => typeof t === 'string')) {
        // A batch of prompts is answered as one prompt: the mock has a single choice.
        promptText = prompt.join('');
        promptIds = source.promptIds(promptText, true);
      } else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => typeof t === 'number' && Number.isSafeInteger(t) && t >= 0)) {
        promptText = JSON.stringify(prompt);
        promptIds = Uint32Array.from(prompt as number[]);
      } else {
        throw new HttpError(400, "'prompt' must be a string, an array of strings or an array of token ids");
      }
    }
    const p = promptIds.length;
    if (p === 0) throw new HttpError(400, 'the prompt is empty');

    const maxTokens = nonNegativeIntOrNull(body, 'max_tokens', true);
    const maxCompletionTokens = nonNegativeIntOrNull(body, 'max_completion_tokens', true);
    const minTokens = nonNegativeIntOrNull(body, 'min_tokens', false);
    const m = maxCompletionTokens ?? maxTokens;
    if (minTokens !== null && m !== null && minTokens > m) {
      throw new HttpError(400, `'min_tokens' (${minTokens}) must be less than or equal to the max tokens (${m})`);
    }
    const ignoreEos = body.ignore_eos ?? false;
    if (typeof ignoreEos !== 'boolean') throw new HttpError(400, "'ignore_eos' must be a boolean");
    const stream = body.stream ?? false;
    if (typeof stream !== 'boolean') throw new HttpError(400, "'stream' must be a boolean");
    const streamOptions = body.stream_options;
    const includeUsage =
      stream && streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as { include_usage?: unknown }).include_usage === true;
    const asked = m ?? 1;
    if (p + asked > opts.maxModelLen) {
      throw new HttpError(
        400,
        `This model's maximum context length is ${opts.maxModelLen} tokens. However, you requested ${p + asked} tokens (${p} in the messages, ${asked} in the completion).`,
      );
    }

    // §3.3–3.4: content stream draws, natural length, output length.
    const { offset, u } = source.contentDraws(seed, promptText);
    const natural = Math.max(16, Math.floor(p * (0.8 + 0.4 * u)));
    let n: number;
    let finishReason: 'stop' | 'length';
    if (m !== null) {
      n = opts.naturalStop && !ignoreEos ? Math.min(m, Math.max(minTokens ?? 0, natural)) : m;
      finishReason = n < m ? 'stop' : 'length';
    } else {
      n = Math.min(Math.max(natural, minTokens ?? 0), opts.maxModelLen - p);
      finishReason = 'stop';
    }
    let reasoning = 0;
    if (opts.reasoningTokens > 0) {
      const effort = body.reasoning_effort;
      reasoning = effort === 'low' ? 100 : effort === 'medium' ? 250 : effort === 'high' ? 500 : opts.reasoningTokens;
      reasoning = Math.min(reasoning, n);
    }
    const rejection = model.reject(p, n);
    if (rejection) throw new HttpError(400, rejection);

    const k = nextRequestNum++;
    const httpFail = opts.errorRate > 0 && RandomStream.of(seed, 'infermark/mock/error', BigInt(k)).unit() < opts.errorRate / 100;
    const streamFail =
      !httpFail && stream && opts.streamErrorRate > 0 && RandomStream.of(seed, 'infermark/mock/stream-error', BigInt(k)).unit() < opts.streamErrorRate / 100;
    const failAfter = Math.floor(n / 2);
    const output = source.output(offset, n);

    const id = endpoint === 'chat' ? `chatcmpl-${k}` : `cmpl-${k}`;
    const object = endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    const created = Math.floor(Date.now() / 1000);
    const head = `data: {"id":"${id}","object":"${object}","created":${created},"model":${JSON.stringify(modelName)},"choices":`;
    const contentOpen = endpoint === 'chat' ? `${head}[{"index":0,"delta":{"content":` : `${head}[{"index":0,"text":`;
    const reasoningOpen = endpoint === 'chat' ? `${head}[{"index":0,"delta":{"reasoning_content":` : contentOpen;
    const tokenClose = endpoint === 'chat' ? '},"finish_reason":null}]}\n\n' : ',"finish_reason":null}]}\n\n';

    let emitted = 0;
    let firstAt = -1;
    let lastAt = -1;
    let finished = false;
    let metrics: EngineMetrics = registry.engines[0]!;

    const usage = (): Record<string, unknown> => {
      const u: Record<string, unknown> = { prompt_tokens: p, completion_tokens: n, total_tokens: p + n };
      if (reportsCached) u.prompt_tokens_details = { cached_tokens: job.cachedTokens };
      if (opts.reasoningTokens > 0) u.completion_tokens_details = { reasoning_tokens: reasoning };
      return u;
    };

    const record = (error: string | null, finish: string | null, outputTokens: number, now: number): void => {
      recorder.record({
        ts: Date.now(),
        request_num: k,
        endpoint: ENDPOINT_PATH[endpoint],
        model: modelName,
        stream,
        prompt_tokens: p,
        cached_tokens: reportsCached ? job.cachedTokens : null,
        max_tokens: maxTokens,
        max_completion_tokens: maxCompletionTokens,
        min_tokens: minTokens,
        ignore_eos: ignoreEos,
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

    const tokenEvents = (from: number, to: number): string => {
      let s = '';
      for (let i = from; i < to; i++) s += (i < reasoning ? reasoningOpen : contentOpen) + output.json[i] + tokenClose;
      return s;
    };

    let pending = '';
    const job: Job = {
      num: k,
      stream,
      promptTokens: p,
      outputTokens: n,
      promptIds,
      outputIds: output.ids,
      arrival,
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
            sendError(res, 500, 'Injected failure', 'server_error');
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
          res.end(
            `${pending}${tokenEvents(from, emitted)}data: {"error":{"message":"Injected mid-stream failure","type":"server_error","code":500}}\n\n`,
          );
          pending = '';
          metrics.generationTokens -= tokens - (emitted - from);
          record('Injected mid-stream failure', null, emitted, now);
          return false;
        }
        if (stream) {
          pending += tokenEvents(from, emitted);
          if (done) {
            pending +=
              endpoint === 'chat'
                ? `${head}[{"index":0,"delta":{},"finish_reason":"${finishReason}"}]}\n\n`
                : `${head}[{"index":0,"text":"","finish_reason":"${finishReason}"}]}\n\n`;
            if (includeUsage) pending += `${head}[],"usage":${JSON.stringify(usage())}}\n\n`;
            pending += 'data: [DONE]\n\n';
            res.end(pending);
          } else {
            res.write(pending);
          }
          pending = '';
        } else if (done) {
          const content = output.text.slice(reasoning).join('');
          const choice =
            endpoint === 'chat'
              ? {
                  index: 0,
                  message: reasoning > 0 ? { role: 'assistant', content, reasoning_content: output.text.slice(0, reasoning).join('') } : { role: 'assistant', content },
                  finish_reason: finishReason,
                }
              : { index: 0, text: content, logprobs: null, finish_reason: finishReason };
          sendJson(
            res,
            200,
            JSON.stringify({
              id,
              object: endpoint === 'chat' ? 'chat.completion' : 'text_completion',
              created,
              model: modelName,
              choices: [choice],
              usage: usage(),
            }),
          );
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

    if (stream && !httpFail) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      pending =
        endpoint === 'chat'
          ? `${head}[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`
          : `${head}[{"index":0,"text":"","finish_reason":null}]}\n\n`;
    }
    live.add(job);
    model.submit(job);
    // The role event goes out at once (engine/simple); with `none` it was coalesced into the single write.
    if (pending !== '' && !finished) {
      res.write(pending);
      pending = '';
    }
    logAt('debug', `request ${k} ${ENDPOINT_PATH[endpoint]} prompt=${p} output=${n}${httpFail ? ' (injected failure)' : ''}`);
    void req;
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const method = req.method ?? 'GET';
    if (opts.apiKey !== undefined && path.startsWith('/v1/') && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      req.resume();
      return sendError(res, 401, 'Invalid API key');
    }
    const endpoint: Endpoint | null = path === '/v1/chat/completions' ? 'chat' : path === '/v1/completions' ? 'completions' : null;
    if (endpoint && method === 'POST') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          sendError(res, 413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (res.headersSent) return;
        try {
          handleInference(endpoint, chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'), req, res);
        } catch (err) {
          if (err instanceof HttpError) return sendError(res, err.status, err.message, err.type);
          logAt('error', `error: internal error: ${(err as Error).message}`);
          if (!res.headersSent) sendError(res, 500, `internal error: ${(err as Error).message}`, 'server_error');
          else res.destroy();
        }
      });
      return;
    }
    req.resume();
    if (method === 'GET' && path === '/v1/models') return handleModels(res);
    if (method === 'GET' && path === '/health') return handleHealth(res);
    if (method === 'GET' && path === '/metrics') {
      const text = registry.render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    sendError(res, 404, `Not found: ${method} ${path}`);
  }

  const server: Server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, route);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      model.stop();
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
    logAt('warn', `warning: serve-mock is listening on ${opts.host}, which is not a loopback address: anyone who can reach this host can use it`);
  }
  logAt('info', `infermark mock server listening on ${url} (latency model: ${opts.latencyModel}, seed ${seed})`);

  let closing: Promise<void> | null = null;
  return {
    url,
    port: address.port,
    host: address.address,
    stats: () => recorder.summary(),
    metricsText: () => registry.render(),
    close(): Promise<void> {
      closing ??= (async () => {
        model.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await recorder.close();
      })();
      return closing;
    },
  };
}
