// Request bodies and headers exactly as docs/cli.md §3.1 specifies. chat and completions are built
// here; the other generative types by their module in ts/src/endpoints (docs/cli.md §3.1.1).
import type { EndpointType } from '../config/defaults.js';
import { generativeApi, type TemplateSettings } from '../endpoints/index.js';

export interface EndpointSettings {
  type: EndpointType;
  path: string;
  streaming: boolean;
  apiKey: string | null;
  headers: Record<string, string>;
  extra: Record<string, unknown>;
  streamUsage: boolean;
  useLegacyMaxTokens: boolean;
  /** Synthetic prompts per embeddings request (`--prompt-batch-size`, docs/cli.md §3.14); 1 when absent. */
  inputsPerRequest?: number;
  /** `--session-header`: the header carrying the session's correlation id, in place of X-Correlation-ID (lower case). */
  sessionHeader?: string | null;
  /** `--per-chunk-usage`: also ask for the running usage on every chunk (docs/metrics.md §3.1). */
  continuousUsage?: boolean;
  /** `--endpoint-type template` only (ts/src/endpoints/template.ts). */
  template?: TemplateSettings | null;
}

/** `stream_options` of a streaming body: usage at the end, and on every chunk with `--per-chunk-usage`. */
function streamOptions(endpoint: EndpointSettings): Record<string, boolean> {
  return endpoint.continuousUsage === true ? { include_usage: true, continuous_usage_stats: true } : { include_usage: true };
}

/**
 * Chat: `{model, messages, stream, max_completion_tokens?, stream_options?}`; completions:
 * `{model, prompt, stream, max_tokens?, stream_options?}`; then `--extra-inputs` shallow-merged
 * (later wins).
 */
export function buildBody(
  endpoint: EndpointSettings,
  model: string,
  prompt: { system: string | null; user: string },
  maxTokens: number | null,
): Record<string, unknown> {
  const api = generativeApi(endpoint.type);
  if (api !== null) {
    const turn = { model, system: prompt.system, history: [], user: prompt.user, maxTokens, streaming: endpoint.streaming };
    const body = api.buildBody(turn, endpoint.template ?? null);
    return api.withExtra ? api.withExtra(body, endpoint.extra) : Object.assign(body, endpoint.extra);
  }
  let body: Record<string, unknown>;
  if (endpoint.type === 'chat') {
    const messages: { role: string; content: string }[] = [];
    if (prompt.system !== null) messages.push({ role: 'system', content: prompt.system });
    messages.push({ role: 'user', content: prompt.user });
    body = { model, messages, stream: endpoint.streaming };
    if (maxTokens !== null) body[endpoint.useLegacyMaxTokens ? 'max_tokens' : 'max_completion_tokens'] = maxTokens;
  } else {
    body = { model, prompt: (prompt.system ?? '') + prompt.user, stream: endpoint.streaming };
    if (maxTokens !== null) body.max_tokens = maxTokens;
  }
  if (endpoint.streaming && endpoint.streamUsage) body.stream_options = streamOptions(endpoint);
  return Object.assign(body, endpoint.extra);
}

/**
 * A later turn of a session: the whole history is sent — chat: previous user turns and the
 * assistant responses actually received, then this turn; completions: previous prompts and
 * responses joined with `\n` (docs/cli.md §3.3).
 */
export function buildTurnBody(
  endpoint: EndpointSettings,
  model: string,
  system: string | null,
  history: readonly { user: string; assistant: string }[],
  user: string,
  maxTokens: number | null,
): Record<string, unknown> {
  if (history.length === 0) return buildBody(endpoint, model, { system, user }, maxTokens);
  const api = generativeApi(endpoint.type);
  if (api !== null) {
    const turn = { model, system, history, user, maxTokens, streaming: endpoint.streaming };
    const body = api.buildBody(turn, endpoint.template ?? null);
    return api.withExtra ? api.withExtra(body, endpoint.extra) : Object.assign(body, endpoint.extra);
  }
  if (endpoint.type === 'chat') {
    const body = buildBody(endpoint, model, { system, user }, maxTokens);
    const messages: { role: string; content: string }[] = [];
    if (system !== null) messages.push({ role: 'system', content: system });
    for (const h of history) messages.push({ role: 'user', content: h.user }, { role: 'assistant', content: h.assistant });
    messages.push({ role: 'user', content: user });
    body.messages = messages;
    return body;
  }
  const text = [...history.flatMap((h) => [h.user, h.assistant]), user].join('\n');
  return buildBody(endpoint, model, { system, user: text }, maxTokens);
}

/**
 * A `messages` row (docs/cli.md §3.3): the row's OpenAI message array, and its `tools`, sent
 * verbatim as the `messages` of a chat body; the other fields as `buildBody` sets them. No
 * history is added: such a row carries its conversation itself.
 */
export function buildMessagesBody(
  endpoint: EndpointSettings,
  model: string,
  messages: readonly unknown[],
  tools: readonly unknown[] | null,
  maxTokens: number | null,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages, stream: endpoint.streaming };
  if (tools !== null) body.tools = tools;
  if (maxTokens !== null) body[endpoint.useLegacyMaxTokens ? 'max_tokens' : 'max_completion_tokens'] = maxTokens;
  if (endpoint.streaming && endpoint.streamUsage) body.stream_options = streamOptions(endpoint);
  return Object.assign(body, endpoint.extra);
}

/** A `payload` row (docs/cli.md §3.3): the whole body as the row gives it, then `--extra-inputs` merged over it. */
export function buildPayloadBody(endpoint: EndpointSettings, payload: Record<string, unknown>): Record<string, unknown> {
  return { ...payload, ...endpoint.extra };
}

/** A row's `extra` is merged last, over `--extra-inputs` too (the row is the more specific of the two). */
export function withRowExtra(body: Record<string, unknown>, extra: Record<string, unknown> | null): Record<string, unknown> {
  return extra === null ? body : Object.assign(body, extra);
}

/**
 * Headers of one request; `X-Request-ID` is always infermark's own (docs/cli.md §3.1), and the
 * session's correlation id goes as `X-Correlation-ID` or under `--session-header`. The
 * Authorization header comes from `-H Authorization`, else `--api-key`, else the `Basic …` of the
 * target URL's user:password (`basicAuthorization`).
 */
export function buildHeaders(
  endpoint: EndpointSettings,
  requestId: string,
  correlationId: string,
  basicAuthorization: string | null = null,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (basicAuthorization !== null) headers.authorization = basicAuthorization;
  const api = generativeApi(endpoint.type);
  if (api !== null) Object.assign(headers, api.headers(endpoint.apiKey));
  else if (endpoint.apiKey !== null) headers.authorization = `Bearer ${endpoint.apiKey}`;
  for (const [name, value] of Object.entries(endpoint.headers)) headers[name.toLowerCase()] = value;
  headers['x-request-id'] = requestId;
  headers[endpoint.sessionHeader ?? 'x-correlation-id'] = correlationId;
  return headers;
}
