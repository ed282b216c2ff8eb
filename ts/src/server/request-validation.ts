// Parsing and validating an inference request body (docs/serve-mock.md §3.1–3.2): every problem is
// an HttpError with the status and message the client receives. Runs on the serving thread for
// short bodies and on a prompt worker for long ones (./prompt-workers.ts), with the same result.
import { ApiRequestError, chatMl, type GenerativeApi, GENERATIVE_APIS, type MockApi } from '../endpoints/index.js';
import { fnv1a64 } from '../random/index.js';
import type { PromptTokens } from './text-source.js';

/**
 * What a request asks for: chat or completions, or the path of a route of an API of
 * ts/src/endpoints (`/v1/responses`, `/v1/messages`, `/generate`, `/generate_stream`).
 */
export type InferenceEndpoint = 'chat' | 'completions' | string;

/** An API route of ts/src/endpoints the mock answers: its API and whether the path fixes streaming. */
export interface ApiRoute {
  api: GenerativeApi & { mock: MockApi };
  stream: boolean | null;
}

/** Every path answered by an API of ts/src/endpoints (docs/serve-mock.md §2). */
export const API_ROUTES: ReadonlyMap<string, ApiRoute> = new Map(
  Object.values(GENERATIVE_APIS).flatMap((api: GenerativeApi) =>
    api.mock === null ? [] : api.mock.routes.map((r) => [r.path, { api: api as ApiRoute['api'], stream: r.stream }] as const),
  ),
);

/** The API route of `endpoint`, or null for chat and completions. */
export function apiRoute(endpoint: InferenceEndpoint): ApiRoute | null {
  return API_ROUTES.get(endpoint) ?? null;
}

/** A request the server answers with an error response instead of a completion. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
  ) {
    super(message);
  }
}

/** A valid inference request, with its prompt tokenized. */
export interface InferenceRequest {
  endpoint: InferenceEndpoint;
  /** The model named in the request, or the first served model. */
  modelName: string;
  /** FNV-1a 64 of the prompt text, the content stream's key (docs/serve-mock.md §3.4). */
  promptHash: bigint;
  promptIds: ArrayLike<number>;
  maxTokens: number | null;
  maxCompletionTokens: number | null;
  minTokens: number | null;
  /** `max_completion_tokens`, else `max_tokens`: the limit the output obeys. */
  limit: number | null;
  ignoreEos: boolean;
  stream: boolean;
  includeUsage: boolean;
  /** `stream_options.continuous_usage_stats` (with include_usage): the running usage on every chunk. */
  continuousUsage: boolean;
  reasoningEffort: unknown;
}

/** What validation needs from the server's options. */
export interface ValidationLimits {
  servedModels: readonly string[];
  strictModel: boolean;
  maxModelLen: number;
}

export interface ValidationContext extends ValidationLimits {
  prompts: PromptTokens;
}

/** ChatML rendering of docs/serve-mock.md §3.2 (the Qwen3 template shape). */
export function renderChatMl(messages: readonly { role: string; content: string }[]): string {
  return chatMl(messages);
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
        if (
          part &&
          typeof part === 'object' &&
          (part as { type?: unknown }).type === 'text' &&
          typeof (part as { text?: unknown }).text === 'string'
        ) {
          return (part as { text: string }).text;
        }
        throw new HttpError(400, `messages[${index}].content: only text parts are supported`);
      })
      .join('');
  }
  throw new HttpError(400, `messages[${index}].content must be a string or an array of text parts`);
}

/** The prompt of a chat or completions body, rendered and tokenized. */
function prompt(
  endpoint: InferenceEndpoint,
  body: Record<string, unknown>,
  prompts: PromptTokens,
): { text: string; ids: ArrayLike<number> } {
  if (endpoint === 'chat') {
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw new HttpError(400, "'messages' must be a non-empty array");
    const rendered = messages.map((m: unknown, i) => {
      if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
        throw new HttpError(400, `messages[${i}] must be an object with a string 'role'`);
      }
      return { role: (m as { role: string }).role, content: messageText((m as { content?: unknown }).content, i) };
    });
    const text = renderChatMl(rendered);
    return { text, ids: prompts.ids(text, true) };
  }
  const p = body.prompt;
  if (typeof p === 'string') return { text: p, ids: prompts.ids(p, true) };
  if (Array.isArray(p) && p.length > 0 && p.every((t) => typeof t === 'string')) {
    // A batch of prompts is answered as one prompt: the mock has a single choice.
    const text = p.join('');
    return { text, ids: prompts.ids(text, true) };
  }
  if (Array.isArray(p) && p.length > 0 && p.every((t) => typeof t === 'number' && Number.isSafeInteger(t) && t >= 0)) {
    return { text: JSON.stringify(p), ids: Uint32Array.from(p as number[]) };
  }
  throw new HttpError(400, "'prompt' must be a string, an array of strings or an array of token ids");
}

/** vLLM's 400 for a prompt and output that do not fit the context (docs/serve-mock.md §3.1). */
function checkContextLength(maxModelLen: number, promptTokens: number, asked: number): void {
  if (promptTokens + asked <= maxModelLen) return;
  throw new HttpError(
    400,
    `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + asked} tokens (${promptTokens} in the messages, ${asked} in the completion).`,
  );
}

/** Parse and validate the body `raw` of a request to `endpoint`; throws HttpError. */
export function validateInferenceRequest(endpoint: InferenceEndpoint, raw: string, ctx: ValidationContext): InferenceRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new HttpError(400, 'request body must be a JSON object');
  const body = parsed as Record<string, unknown>;

  const requestedModel = body.model;
  if (requestedModel !== undefined && typeof requestedModel !== 'string') throw new HttpError(400, "'model' must be a string");
  if (ctx.strictModel && (requestedModel === undefined || !ctx.servedModels.includes(requestedModel))) {
    throw new HttpError(404, `The model \`${requestedModel ?? ''}\` does not exist.`, 'not_found_error');
  }

  const route = apiRoute(endpoint);
  if (route !== null) return validateApiRequest(endpoint, route, body, requestedModel, ctx);

  const { text, ids } = prompt(endpoint, body, ctx.prompts);
  const p = ids.length;
  if (p === 0) throw new HttpError(400, 'the prompt is empty');

  const maxTokens = nonNegativeIntOrNull(body, 'max_tokens', true);
  const maxCompletionTokens = nonNegativeIntOrNull(body, 'max_completion_tokens', true);
  const minTokens = nonNegativeIntOrNull(body, 'min_tokens', false);
  const limit = maxCompletionTokens ?? maxTokens;
  if (minTokens !== null && limit !== null && minTokens > limit) {
    throw new HttpError(400, `'min_tokens' (${minTokens}) must be less than or equal to the max tokens (${limit})`);
  }
  const ignoreEos = body.ignore_eos ?? false;
  if (typeof ignoreEos !== 'boolean') throw new HttpError(400, "'ignore_eos' must be a boolean");
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') throw new HttpError(400, "'stream' must be a boolean");
  const streamOptions = body.stream_options;
  const includeUsage =
    stream &&
    streamOptions !== null &&
    typeof streamOptions === 'object' &&
    (streamOptions as { include_usage?: unknown }).include_usage === true;
  // vLLM's rule: the running usage on every chunk needs include_usage as well (docs/serve-mock.md §5.3).
  const continuousUsage = includeUsage && (streamOptions as { continuous_usage_stats?: unknown }).continuous_usage_stats === true;
  const asked = limit ?? 1;
  checkContextLength(ctx.maxModelLen, p, asked);
  return {
    endpoint,
    modelName: requestedModel ?? ctx.servedModels[0]!,
    promptHash: fnv1a64(text),
    promptIds: ids,
    maxTokens,
    maxCompletionTokens,
    minTokens,
    limit,
    ignoreEos,
    stream,
    includeUsage,
    continuousUsage,
    reasoningEffort: body.reasoning_effort,
  };
}

/** A request to an API of ts/src/endpoints: its module reads the body; the limits are the same. */
function validateApiRequest(
  endpoint: InferenceEndpoint,
  route: ApiRoute,
  body: Record<string, unknown>,
  requestedModel: string | undefined,
  ctx: ValidationContext,
): InferenceRequest {
  let parsed: ReturnType<MockApi['parseRequest']>;
  try {
    parsed = route.api.mock.parseRequest(body, route.stream);
  } catch (err) {
    if (err instanceof ApiRequestError) throw new HttpError(err.status, err.message);
    throw err;
  }
  const ids = ctx.prompts.ids(parsed.promptText, true);
  const p = ids.length;
  if (p === 0) throw new HttpError(400, 'the prompt is empty');
  const asked = parsed.limit ?? 1;
  checkContextLength(ctx.maxModelLen, p, asked);
  return {
    endpoint,
    modelName: requestedModel ?? ctx.servedModels[0]!,
    promptHash: fnv1a64(parsed.promptText),
    promptIds: ids,
    maxTokens: parsed.limit,
    maxCompletionTokens: null,
    minTokens: null,
    limit: parsed.limit,
    ignoreEos: false,
    stream: parsed.stream,
    // These APIs always report usage.
    includeUsage: true,
    reasoningEffort: undefined,
    continuousUsage: false,
  };
}
