// `--endpoint-type responses`: the OpenAI Responses API (docs/cli.md §3.1.1). POST /v1/responses
// with `{model, instructions?, input: [messages], max_output_tokens?, stream}`; streamed as typed
// events (response.created, response.output_text.delta, response.reasoning_text.delta, …) ending
// with response.completed or response.incomplete, whose `response.usage` has the token counts;
// errors as OpenAI's `{"error":{"message","type","code"}}`, in a stream as an `error` event or
// response.failed.
import {
  type ApiError,
  ApiRequestError,
  bearer,
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

function buildBody(t: TurnInput): Record<string, unknown> {
  const input: { role: string; content: string }[] = [];
  for (const h of t.history) input.push({ role: 'user', content: h.user }, { role: 'assistant', content: h.assistant });
  input.push({ role: 'user', content: t.user });
  const body: Record<string, unknown> = { model: t.model, input, stream: t.streaming };
  // The system prompt is the top-level `instructions`, not an input message.
  if (t.system !== null) body.instructions = t.system;
  if (t.maxTokens !== null) body.max_output_tokens = t.maxTokens;
  return body;
}

/** The text of an input item's content: a string, or `input_text`/`output_text`/`text` parts. */
function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let s = '';
  for (const p of content) if (isObject(p) && typeof p.text === 'string') s += p.text;
  return s;
}

function inputTexts(body: Record<string, unknown>): string[] {
  const texts: string[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '') texts.push(body.instructions);
  const input = body.input;
  if (typeof input === 'string') texts.push(input);
  else if (Array.isArray(input)) for (const item of input) if (isObject(item)) texts.push(partsText(item.content));
  return texts.filter((t) => t !== '');
}

function usage(u: unknown): UsageFields | null {
  if (!isObject(u)) return null;
  const inDetails = isObject(u.input_tokens_details) ? u.input_tokens_details : {};
  const outDetails = isObject(u.output_tokens_details) ? u.output_tokens_details : {};
  return usageOf({
    promptTokens: num(u, 'input_tokens'),
    completionTokens: num(u, 'output_tokens'),
    totalTokens: num(u, 'total_tokens'),
    reasoningTokens: num(outDetails, 'reasoning_tokens'),
    cachedTokens: num(inDetails, 'cached_tokens'),
  });
}

/** The texts of a whole response object's `output` items. */
function outputTexts(response: Record<string, unknown>): { output: string; reasoning: string } {
  let output = '';
  let reasoning = '';
  if (!Array.isArray(response.output)) return { output, reasoning };
  for (const item of response.output) {
    if (!isObject(item)) continue;
    if (item.type === 'message') output += partsText(item.content);
    else if (item.type === 'reasoning') reasoning += partsText(item.content) || partsText(item.summary);
    else if (item.type === 'function_call') output += str(item.name) + str(item.arguments);
  }
  return { output, reasoning };
}

function content(payload: unknown, _event: string | undefined, streaming: boolean): ResponseContent {
  if (!isObject(payload)) return NO_CONTENT;
  if (!streaming) {
    // The whole response object.
    if (payload.object !== 'response') return NO_CONTENT;
    return { ...outputTexts(payload), usage: usage(payload.usage) };
  }
  switch (payload.type) {
    case 'response.output_text.delta':
    case 'response.function_call_arguments.delta':
      return { output: str(payload.delta), reasoning: '', usage: null };
    case 'response.reasoning_text.delta':
    case 'response.reasoning_summary_text.delta':
      return { output: '', reasoning: str(payload.delta), usage: null };
    case 'response.completed':
    case 'response.incomplete': {
      // Its `output` repeats every delta in full: only the usage is new.
      const r = payload.response;
      return { output: '', reasoning: '', usage: isObject(r) ? usage(r.usage) : null };
    }
    default:
      return NO_CONTENT;
  }
}

function payloadError(payload: unknown, event: string | undefined): ApiError | null {
  if (!isObject(payload)) return event === 'error' ? { code: 502, type: 'ServerError', message: String(payload) } : null;
  if (payload.type === 'error' || event === 'error') {
    // The event's own `type` is "error": the error's kind is its `code` (or a nested error's type).
    const nested = isObject(payload.error) ? payload.error : null;
    const type = nested === null ? str(payload.code) : str(nested.type) || str(nested.code);
    const message = str((nested ?? payload).message) || JSON.stringify(payload).slice(0, 2048);
    return { code: 502, type: type || 'ServerError', message };
  }
  if (payload.type === 'response.failed' || (payload.object === 'response' && payload.status === 'failed')) {
    const r = isObject(payload.response) ? payload.response : payload;
    const e = isObject(r.error) ? r.error : {};
    return { code: 502, type: str(e.code) || 'ServerError', message: str(e.message) || 'response failed' };
  }
  if (isObject(payload.error) && payload.object !== 'response') {
    const e = payload.error;
    return { code: 502, type: str(e.type) || 'ServerError', message: str(e.message) };
  }
  return null;
}

function mockUsage(u: MockUsage): Record<string, unknown> {
  return {
    input_tokens: u.prompt,
    input_tokens_details: { cached_tokens: u.cached ?? 0 },
    output_tokens: u.completion,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: u.prompt + u.completion,
  };
}

function responseObject(a: MockAnswer, status: string, output: unknown[], u: MockUsage | null): Record<string, unknown> {
  return {
    id: `resp_${a.num}`,
    object: 'response',
    created_at: a.created,
    status,
    model: a.model,
    output,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    error: null,
    usage: u === null ? null : mockUsage(u),
  };
}

function outputItems(a: MockAnswer, output: string, reasoning: string): unknown[] {
  const items: unknown[] = [];
  if (reasoning !== '')
    items.push({ type: 'reasoning', id: `rs_${a.num}`, summary: [], content: [{ type: 'reasoning_text', text: reasoning }] });
  items.push({
    type: 'message',
    id: `msg_${a.num}`,
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: output, annotations: [] }],
  });
  return items;
}

export const responsesApi: GenerativeApi = {
  defaultPath: () => '/v1/responses',
  buildBody,
  inputTexts,
  content,
  payloadError,
  completes: (payload) => isObject(payload) && (payload.type === 'response.completed' || payload.type === 'response.incomplete'),
  headers: bearer,
  mock: {
    routes: [{ path: '/v1/responses', stream: null }],
    parseRequest(body) {
      const rendered: { role: string; content: string }[] = [];
      if (body.instructions !== undefined && body.instructions !== null) {
        if (typeof body.instructions !== 'string') throw new ApiRequestError(400, "'instructions' must be a string");
        rendered.push({ role: 'system', content: body.instructions });
      }
      const input = body.input;
      if (typeof input === 'string') rendered.push({ role: 'user', content: input });
      else if (Array.isArray(input) && input.length > 0) {
        input.forEach((item: unknown, i) => {
          if (!isObject(item) || typeof item.role !== 'string')
            throw new ApiRequestError(400, `input[${i}] must be a message with a string 'role'`);
          if (typeof item.content !== 'string' && !Array.isArray(item.content)) {
            throw new ApiRequestError(400, `input[${i}].content must be a string or an array of content parts`);
          }
          rendered.push({ role: item.role, content: partsText(item.content) });
        });
      } else {
        throw new ApiRequestError(400, "'input' must be a string or a non-empty array of input items");
      }
      return { promptText: chatMl(rendered), limit: positiveIntOrNull(body, 'max_output_tokens'), stream: booleanField(body, 'stream') };
    },
    stream(a) {
      let seq = 0;
      let output = '';
      let reasoning = '';
      const ev = (type: string, fields: Record<string, unknown>): string => namedEvent(type, { type, sequence_number: seq++, ...fields });
      return {
        open: () =>
          ev('response.created', { response: responseObject(a, 'in_progress', [], null) }) +
          ev('response.in_progress', { response: responseObject(a, 'in_progress', [], null) }),
        token(json, isReasoning) {
          const text = JSON.parse(json) as string;
          if (isReasoning) reasoning += text;
          else output += text;
          const type = isReasoning ? 'response.reasoning_text.delta' : 'response.output_text.delta';
          const item = isReasoning ? `rs_${a.num}` : `msg_${a.num}`;
          return `event: ${type}\ndata: {"type":"${type}","sequence_number":${seq++},"item_id":"${item}","output_index":0,"content_index":0,"delta":${json}}\n\n`;
        },
        end(u) {
          const status = a.finishReason === 'length' ? 'incomplete' : 'completed';
          return (
            ev('response.output_text.done', { item_id: `msg_${a.num}`, output_index: 0, content_index: 0, text: output }) +
            ev(`response.${status}`, { response: responseObject(a, status, outputItems(a, output, reasoning), u) })
          );
        },
        fail: (message) => ev('error', { code: 'server_error', message, param: null }),
      };
    },
    body: (a, output, reasoning, u) =>
      responseObject(a, a.finishReason === 'length' ? 'incomplete' : 'completed', outputItems(a, output, reasoning), u),
    errorBody: (status, message) => ({
      error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null },
    }),
  },
};
