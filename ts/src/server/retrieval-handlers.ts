// serve-mock's embeddings and rankings APIs (docs/serve-mock.md §2.1): OpenAI /v1/embeddings,
// Cohere /v2/rerank, Hugging Face TEI /rerank and NVIDIA NIM /v1/ranking. Each request runs
// through the latency model as a prompt of its input tokens and one step (so its latency grows
// with what it reads, and it queues and batches with everything else), then is answered in its
// API's shape; its errors are written in its API's error shape too.
import type { ServerResponse } from 'node:http';
import { fnv1a64, RandomStream } from '../random/index.js';
import type { Job, LatencyModel } from './job.js';
import type { MetricsRegistry } from './metrics.js';
import type { Recorder } from './recorder.js';
import { sendError, sendJson } from './response-writer.js';
import type { PromptTokens } from './text-source.js';

export type RetrievalApi = 'embeddings' | 'cohere-rankings' | 'hf-tei-rankings' | 'nim-rankings';

/** The paths each API answers on. */
export const RETRIEVAL_ROUTES: Readonly<Record<string, RetrievalApi>> = {
  '/v1/embeddings': 'embeddings',
  '/v2/rerank': 'cohere-rankings',
  '/rerank': 'hf-tei-rankings',
  '/v1/ranking': 'nim-rankings',
};

/** Dimensions of an embedding when the request does not ask for `dimensions`. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 384;
const MAX_EMBEDDING_DIMENSIONS = 8192;

/** A request the API refuses: written in its error shape by `sendRetrievalError`. */
export class RetrievalHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error in each API's shape: OpenAI `{"error":{message,type,code}}`; Cohere `{"id","message"}`;
 * TEI `{"error","error_type"}`; NIM (a FastAPI service) `{"detail"}`.
 */
export function sendRetrievalError(res: ServerResponse, api: RetrievalApi, status: number, message: string): void {
  if (api === 'embeddings') {
    sendError(res, status, message, status >= 500 ? 'server_error' : 'invalid_request_error');
    return;
  }
  let body: Record<string, unknown>;
  if (api === 'cohere-rankings') body = { id: `err-${fnv1a64(message).toString(16)}`, message };
  else if (api === 'hf-tei-rankings') body = { error: message, error_type: status >= 500 ? 'Backend' : 'Validation' };
  else body = { detail: message };
  sendJson(res, status, JSON.stringify(body));
}

/** A valid request: its texts tokenized, and what the answer depends on. */
export interface RetrievalRequest {
  api: RetrievalApi;
  modelName: string;
  /** Embeddings: the inputs; rankings: the passages. */
  texts: string[];
  /** Rankings: the query. */
  query: string;
  /** Tokens the model reads: every input; per passage, the query and the passage (a cross-encoder reads the pair). */
  promptTokens: number;
  /** Embeddings: tokens of the inputs, the `usage.prompt_tokens` of the answer. */
  inputTokens: number;
  /** Token ids the latency model hashes into KV blocks. */
  promptIds: Uint32Array;
  dimensions: number;
  base64: boolean;
  /** Cohere `top_n`: results kept, or null for all. */
  topN: number | null;
  /** TEI `return_text`. */
  returnText: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list of strings (or `{text}` objects where `objects`), or a 400/422 naming the field. */
function stringList(v: unknown, field: string, status: number, objects: boolean): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new RetrievalHttpError(status, `'${field}' must be a non-empty array`);
  return v.map((item, i) => {
    if (typeof item === 'string') return item;
    if (objects && isObject(item) && typeof item.text === 'string') return item.text;
    throw new RetrievalHttpError(status, `'${field}[${i}]' must be ${objects ? 'an object with a string text' : 'a string'}`);
  });
}

/** Parse and validate a request to `api`; throws RetrievalHttpError. */
export function parseRetrievalRequest(
  api: RetrievalApi,
  raw: string,
  ctx: { prompts: PromptTokens; servedModels: readonly string[]; strictModel: boolean; maxModelLen: number },
): RetrievalRequest {
  // TEI and NIM answer malformed bodies 422 (axum and FastAPI), OpenAI and Cohere 400.
  const bad = api === 'hf-tei-rankings' || api === 'nim-rankings' ? 422 : 400;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new RetrievalHttpError(bad, `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new RetrievalHttpError(bad, 'request body must be a JSON object');
  const model = parsed.model;
  if (model !== undefined && typeof model !== 'string') throw new RetrievalHttpError(bad, "'model' must be a string");
  if (api !== 'hf-tei-rankings' && ctx.strictModel && (model === undefined || !ctx.servedModels.includes(model))) {
    throw new RetrievalHttpError(404, `The model \`${model ?? ''}\` does not exist.`);
  }
  let texts: string[];
  let query = '';
  if (api === 'embeddings') {
    const input = parsed.input;
    texts = typeof input === 'string' ? [input] : stringList(input, 'input', bad, false);
  } else {
    const q = api === 'nim-rankings' ? (isObject(parsed.query) ? parsed.query.text : undefined) : parsed.query;
    if (typeof q !== 'string')
      throw new RetrievalHttpError(bad, api === 'nim-rankings' ? "'query.text' must be a string" : "'query' must be a string");
    query = q;
    if (api === 'cohere-rankings') texts = stringList(parsed.documents, 'documents', bad, true);
    else if (api === 'hf-tei-rankings') texts = stringList(parsed.texts, 'texts', bad, false);
    else texts = stringList(parsed.passages, 'passages', bad, true);
  }
  const queryIds = api === 'embeddings' ? null : ctx.prompts.ids(query, true);
  const parts: ArrayLike<number>[] = [];
  let inputTokens = 0;
  texts.forEach((t, i) => {
    const ids = ctx.prompts.ids(t, true);
    const read = ids.length + (queryIds?.length ?? 0);
    if (read > ctx.maxModelLen) {
      throw new RetrievalHttpError(
        400,
        `This model's maximum context length is ${ctx.maxModelLen} tokens. However, input ${i} has ${read} tokens.`,
      );
    }
    if (queryIds !== null) parts.push(queryIds);
    parts.push(ids);
    inputTokens += ids.length;
  });
  let promptTokens = 0;
  for (const p of parts) promptTokens += p.length;
  if (promptTokens === 0) throw new RetrievalHttpError(bad, 'the input is empty');
  const promptIds = new Uint32Array(promptTokens);
  let at = 0;
  for (const p of parts) {
    promptIds.set(p, at);
    at += p.length;
  }
  const dims = parsed.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
  if (typeof dims !== 'number' || !Number.isSafeInteger(dims) || dims < 1 || dims > MAX_EMBEDDING_DIMENSIONS) {
    throw new RetrievalHttpError(bad, `'dimensions' must be an integer between 1 and ${MAX_EMBEDDING_DIMENSIONS}`);
  }
  const topN = parsed.top_n ?? null;
  if (topN !== null && (typeof topN !== 'number' || !Number.isSafeInteger(topN) || topN < 1)) {
    throw new RetrievalHttpError(bad, "'top_n' must be a positive integer");
  }
  return {
    api,
    modelName: model ?? ctx.servedModels[0]!,
    texts,
    query,
    promptTokens,
    inputTokens,
    promptIds,
    dimensions: dims,
    base64: parsed.encoding_format === 'base64',
    topN: topN as number | null,
    returnText: parsed.return_text === true,
  };
}

/** A unit vector that depends only on the text and the seed: the same input embeds the same. */
function embedding(text: string, dims: number, seed: bigint): Float32Array {
  const stream = RandomStream.of(seed, 'infermark/mock/embedding', fnv1a64(text));
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = stream.unit() * 2 - 1;
    norm += v[i]! * v[i]!;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dims; i++) v[i] = v[i]! * scale;
  return v;
}

/** A relevance in (0, 1) of a passage to a query, fixed by the pair and the seed. */
function relevance(query: string, passage: string, seed: bigint): number {
  return RandomStream.of(seed, 'infermark/mock/relevance', fnv1a64(`${query}\u0000${passage}`)).unit() * 0.998 + 0.001;
}

/** The answer body of a request, in its API's shape (docs/serve-mock.md §5.6). */
export function retrievalAnswer(r: RetrievalRequest, num: number, seed: bigint): string {
  if (r.api === 'embeddings') {
    const data = r.texts.map((t, index) => {
      const v = embedding(t, r.dimensions, seed);
      return { object: 'embedding', index, embedding: r.base64 ? Buffer.from(v.buffer).toString('base64') : Array.from(v) };
    });
    return JSON.stringify({
      object: 'list',
      data,
      model: r.modelName,
      usage: { prompt_tokens: r.inputTokens, total_tokens: r.inputTokens },
    });
  }
  const scored = r.texts.map((t, index) => ({ index, score: relevance(r.query, t, seed), text: t }));
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  if (r.api === 'cohere-rankings') {
    const kept = r.topN === null ? scored : scored.slice(0, r.topN);
    return JSON.stringify({
      id: `rerank-${num}`,
      results: kept.map((s) => ({ index: s.index, relevance_score: s.score })),
      meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
    });
  }
  if (r.api === 'hf-tei-rankings') {
    return JSON.stringify(
      scored.map((s) => (r.returnText ? { index: s.index, text: s.text, score: s.score } : { index: s.index, score: s.score })),
    );
  }
  // NIM answers logits, not probabilities.
  return JSON.stringify({ rankings: scored.map((s) => ({ index: s.index, logit: Math.log(s.score / (1 - s.score)) })) });
}

/** What serving a request needs from the server. */
export interface RetrievalServerContext {
  model: LatencyModel;
  registry: MetricsRegistry;
  recorder: Recorder;
  live: Set<Job>;
  seed: bigint;
  /** `--error-rate` in percent: requests answered 500 in their API's shape. */
  errorRate: number;
  /** The next global request number k. */
  nextNum(): number;
  log(line: string): void;
}

const PATHS: Readonly<Record<RetrievalApi, string>> = {
  embeddings: '/v1/embeddings',
  'cohere-rankings': '/v2/rerank',
  'hf-tei-rankings': '/rerank',
  'nim-rankings': '/v1/ranking',
};

/**
 * Schedule a valid request on the latency model as a prompt of its tokens and a single output
 * step, and answer when that step is produced: the latency is the model's time to first token of
 * such a prompt (docs/serve-mock.md §4, §6).
 */
export function serveRetrieval(ctx: RetrievalServerContext, r: RetrievalRequest, res: ServerResponse, arrival: number): void {
  const p = r.promptTokens;
  const rejection = ctx.model.reject(p, 1);
  if (rejection) throw new RetrievalHttpError(400, rejection);
  const k = ctx.nextNum();
  const fail = ctx.errorRate > 0 && RandomStream.of(ctx.seed, 'infermark/mock/error', BigInt(k)).unit() < ctx.errorRate / 100;
  let finished = false;
  let metrics = ctx.registry.engines[0]!;
  const record = (error: string | null, finish: string | null, now: number): void => {
    ctx.recorder.record({
      ts: Date.now(),
      request_num: k,
      endpoint: PATHS[r.api],
      model: r.modelName,
      stream: false,
      prompt_tokens: p,
      cached_tokens: null,
      max_tokens: null,
      max_completion_tokens: null,
      min_tokens: null,
      ignore_eos: false,
      output_tokens: 0,
      reasoning_tokens: 0,
      finish_reason: finish,
      queue_ms: job.admittedAt >= 0 ? job.admittedAt - arrival : null,
      ttft_ms: null,
      e2e_ms: now - arrival,
      replica: job.replica,
      error,
    });
  };
  const job: Job = {
    num: k,
    stream: false,
    promptTokens: p,
    outputTokens: 1,
    promptIds: r.promptIds,
    outputIds: new Uint32Array(1),
    submittedAt: performance.now(),
    replica: 0,
    cachedTokens: 0,
    admittedAt: -1,
    onStep(_tokens: number, now: number): boolean {
      if (finished) return false;
      finished = true;
      ctx.live.delete(job);
      metrics = ctx.registry.engines[job.replica] ?? metrics;
      if (fail) {
        ctx.registry.injectedHttp++;
        sendRetrievalError(res, r.api, 500, 'Injected failure');
        record('Injected failure', null, now);
        return false;
      }
      sendJson(res, 200, retrievalAnswer(r, k, ctx.seed));
      metrics.success.stop++;
      metrics.promptTokens += p;
      metrics.requestPromptTokens.observe(p);
      metrics.requestGenerationTokens.observe(0);
      metrics.e2e.observe((now - arrival) / 1000);
      if (job.admittedAt >= 0) metrics.queue.observe((job.admittedAt - arrival) / 1000);
      record(null, 'stop', now);
      return true;
    },
  };
  res.on('close', () => {
    if (finished) return;
    finished = true;
    ctx.live.delete(job);
    ctx.model.cancel(job);
    metrics.success.abort++;
    record('client disconnected', 'abort', performance.now());
  });
  ctx.live.add(job);
  ctx.model.submit(job);
  ctx.log(`request ${k} ${PATHS[r.api]} inputs=${r.texts.length} prompt=${p}${fail ? ' (injected failure)' : ''}`);
}
