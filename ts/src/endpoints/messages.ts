// `--endpoint-type messages`: the Anthropic Messages API (docs/cli.md §3.1.1). POST /v1/messages
// with `{model, system?, messages, max_tokens, stream?}`; streamed as named events message_start,
// content_block_start/delta/stop, message_delta (stop reason and output usage), message_stop;
// errors as `{"type":"error","error":{"type","message"}}`.
import {
  type ApiError,
  ApiRequestError,
  booleanField,
  chatMl,
  type GenerativeApi,
  isObject,
  type MockAnswer,
  type MockUsage,
  NO_CONTENT,
  namedEvent,
  num,
  positiveIntOrNull,
  type ResponseContent,
  str,
  type TurnInput,
  type UsageFields,
  usageOf,
} from './api.js';

/** Sent on every request: the API refuses requests without a version. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** The API requires `max_tokens`; AIPerf sends this when the turn has no output length (and so do we). */
export const MESSAGES_DEFAULT_MAX_TOKENS = 1024;

/** The Anthropic `error.type` of an HTTP status (as the API documents them). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
    case 503:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

function buildBody(t: TurnInput): Record<string, unknown> {
  const messages: { role: string; content: string }[] = [];
  for (const h of t.history) messages.push({ role: 'user', content: h.user }, { role: 'assistant', content: h.assistant });
  messages.push({ role: 'user', content: t.user });
  const body: Record<string, unknown> = { model: t.model, max_tokens: t.maxTokens ?? MESSAGES_DEFAULT_MAX_TOKENS, messages };
  if (t.system !== null) body.system = t.system;
  // Clients omit `stream` on non-streaming requests; the API's default is not to stream.
  if (t.streaming) body.stream = true;
  return body;
}

/** The text of a `system` or message `content`: a string, or text blocks. */
function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let s = '';
  for (const b of content) if (isObject(b) && b.type === 'text') s += str(b.text);
  return s;
}

function inputTexts(body: Record<string, unknown>): string[] {
  const texts: string[] = [];
  const system = blocksText(body.system);
  if (system !== '') texts.push(system);
  if (Array.isArray(body.messages)) for (const m of body.messages) if (isObject(m)) texts.push(blocksText(m.content));
  return texts.filter((t) => t !== '');
}

function usage(u: unknown): UsageFields | null {
  if (!isObject(u)) return null;
  const input = num(u, 'input_tokens');
  const cacheRead = num(u, 'cache_read_input_tokens');
  const cacheWrite = num(u, 'cache_creation_input_tokens');
  const output = num(u, 'output_tokens');
  // The API counts cached prompt tokens apart from `input_tokens`: the prompt is their sum.
  const prompt = input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0);
  // No total: the API reports none, and message_start's counts are superseded by message_delta's.
  return usageOf({ promptTokens: prompt, completionTokens: output, cachedTokens: cacheRead });
}

function content(payload: unknown): ResponseContent {
  if (!isObject(payload)) return NO_CONTENT;
  switch (payload.type) {
    case 'message': {
      // A whole (non-streaming) answer.
      let output = '';
      let reasoning = '';
      if (Array.isArray(payload.content)) {
        for (const b of payload.content) {
          if (!isObject(b)) continue;
          if (b.type === 'text') output += str(b.text);
          else if (b.type === 'thinking') reasoning += str(b.thinking);
          else if (b.type === 'tool_use') output += str(b.name) + JSON.stringify(b.input ?? {});
        }
      }
      return { output, reasoning, usage: usage(payload.usage) };
    }
    case 'message_start': {
      const m = payload.message;
      return { output: '', reasoning: '', usage: isObject(m) ? usage(m.usage) : null };
    }
    case 'content_block_delta': {
      const d = payload.delta;
      if (!isObject(d)) return NO_CONTENT;
      if (d.type === 'text_delta') return { output: str(d.text), reasoning: '', usage: null };
      if (d.type === 'thinking_delta') return { output: '', reasoning: str(d.thinking), usage: null };
      if (d.type === 'input_json_delta') return { output: str(d.partial_json), reasoning: '', usage: null };
      return NO_CONTENT;
    }
    case 'message_delta':
      // Carries the final output count (often alone): the caller merges usage objects field by
      // field, so message_start's prompt counts are kept.
      return { output: '', reasoning: '', usage: usage(payload.usage) };
    default:
      return NO_CONTENT;
  }
}

function payloadError(payload: unknown, event: string | undefined): ApiError | null {
  if (!isObject(payload)) return event === 'error' ? { code: 502, type: 'api_error', message: String(payload) } : null;
  if (payload.type !== 'error' && event !== 'error') return null;
  const e = isObject(payload.error) ? payload.error : payload;
  return { code: 502, type: str(e.type) || 'api_error', message: str(e.message) || JSON.stringify(payload).slice(0, 2048) };
}

function mockUsage(u: MockUsage): Record<string, unknown> {
  // Cached tokens are reported apart from input_tokens, as the API does.
  const cached = u.cached ?? 0;
  return { input_tokens: u.prompt - cached, cache_read_input_tokens: cached, output_tokens: u.completion };
}

const STOP_REASON = { stop: 'end_turn', length: 'max_tokens' } as const;

function messageHead(a: MockAnswer): Record<string, unknown> {
  return { id: `msg_${a.num}`, type: 'message', role: 'assistant', model: a.model };
}

export const messagesApi: GenerativeApi = {
  defaultPath: () => '/v1/messages',
  buildBody,
  inputTexts,
  content,
  payloadError,
  completes: (payload) => isObject(payload) && payload.type === 'message_stop',
  headers: (apiKey) => ({ 'anthropic-version': ANTHROPIC_VERSION, ...(apiKey === null ? {} : { 'x-api-key': apiKey }) }),
  mock: {
    routes: [{ path: '/v1/messages', stream: null }],
    parseRequest(body) {
      const messages = body.messages;
      if (!Array.isArray(messages) || messages.length === 0) throw new ApiRequestError(400, 'messages: must be a non-empty array');
      const rendered: { role: string; content: string }[] = [];
      const system = body.system;
      if (system !== undefined) {
        if (typeof system !== 'string' && !Array.isArray(system)) throw new ApiRequestError(400, 'system: must be a string or text blocks');
        rendered.push({ role: 'system', content: blocksText(system) });
      }
      messages.forEach((m: unknown, i) => {
        if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) {
          throw new ApiRequestError(400, `messages.${i}.role: must be 'user' or 'assistant'`);
        }
        if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
          throw new ApiRequestError(400, `messages.${i}.content: must be a string or content blocks`);
        }
        rendered.push({ role: m.role, content: blocksText(m.content) });
      });
      const limit = positiveIntOrNull(body, 'max_tokens');
      if (limit === null) throw new ApiRequestError(400, 'max_tokens: Field required');
      return { promptText: chatMl(rendered), limit, stream: booleanField(body, 'stream') };
    },
    stream(a) {
      // Block 0 holds thinking when the answer starts with reasoning; text follows in the next block.
      let block = -1;
      let inThinking = false;
      const openBlock = (thinking: boolean): string => {
        let s = block >= 0 ? namedEvent('content_block_stop', { type: 'content_block_stop', index: block }) : '';
        block++;
        inThinking = thinking;
        const contentBlock = thinking ? { type: 'thinking', thinking: '' } : { type: 'text', text: '' };
        s += namedEvent('content_block_start', { type: 'content_block_start', index: block, content_block: contentBlock });
        return s;
      };
      return {
        open: () =>
          namedEvent('message_start', {
            type: 'message_start',
            message: {
              ...messageHead(a),
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: a.promptTokens, output_tokens: 1 },
            },
          }),
        token(json, reasoning) {
          const head = block < 0 || inThinking !== reasoning ? openBlock(reasoning) : '';
          const delta = reasoning ? `{"type":"thinking_delta","thinking":${json}}` : `{"type":"text_delta","text":${json}}`;
          return `${head}event: content_block_delta\ndata: {"type":"content_block_delta","index":${block},"delta":${delta}}\n\n`;
        },
        end(u) {
          let s = block >= 0 ? namedEvent('content_block_stop', { type: 'content_block_stop', index: block }) : '';
          s += namedEvent('message_delta', {
            type: 'message_delta',
            delta: { stop_reason: STOP_REASON[a.finishReason], stop_sequence: null },
            usage: mockUsage(u),
          });
          return s + namedEvent('message_stop', { type: 'message_stop' });
        },
        fail: (message) => namedEvent('error', { type: 'error', error: { type: 'api_error', message } }),
      };
    },
    body(a, output, reasoning, u) {
      const blocks: unknown[] = [];
      if (reasoning !== '') blocks.push({ type: 'thinking', thinking: reasoning, signature: '' });
      blocks.push({ type: 'text', text: output });
      return { ...messageHead(a), content: blocks, stop_reason: STOP_REASON[a.finishReason], stop_sequence: null, usage: mockUsage(u) };
    },
    errorBody: (status, message) => ({ type: 'error', error: { type: anthropicErrorType(status), message } }),
  },
};
