// `--endpoint-type huggingface-generate`: Hugging Face Text Generation Inference (docs/cli.md
// §3.1.1). POST /generate (or /generate_stream when streaming) with `{inputs, parameters:
// {max_new_tokens}}`; streamed as unnamed events `{token: {text}, generated_text, details}`, the
// last one with the whole `generated_text`; errors as `{"error": "...", "error_type": "..."}`.
import {
  type ApiError,
  ApiRequestError,
  bearer,
  type GenerativeApi,
  isObject,
  type MockAnswer,
  type MockUsage,
  NO_CONTENT,
  num,
  positiveIntOrNull,
  type ResponseContent,
  str,
  type TurnInput,
  type UsageFields,
} from './api.js';

/**
 * TGI has no roles: the system prompt is prepended and a later turn sends the earlier prompts and
 * answers joined with `\n`, as for completions (docs/cli.md §3.3).
 */
function buildBody(t: TurnInput): Record<string, unknown> {
  const text = [...t.history.flatMap((h) => [h.user, h.assistant]), t.user].join('\n');
  const parameters: Record<string, unknown> = {};
  if (t.maxTokens !== null) parameters.max_new_tokens = t.maxTokens;
  return { inputs: (t.system ?? '') + text, parameters };
}

function usage(details: unknown): UsageFields | null {
  if (!isObject(details)) return null;
  const generated = num(details, 'generated_tokens');
  return generated === undefined ? null : { completionTokens: generated };
}

function content(payload: unknown, _event: string | undefined, streaming: boolean): ResponseContent {
  if (streaming) {
    // Each event carries one token; the last also the whole text, which would count it twice.
    if (!isObject(payload)) return NO_CONTENT;
    const token = payload.token;
    const text = isObject(token) && token.special !== true ? str(token.text) : '';
    return { output: text, reasoning: '', usage: usage(payload.details) };
  }
  const whole = Array.isArray(payload) ? payload[0] : payload;
  if (!isObject(whole)) return NO_CONTENT;
  return { output: str(whole.generated_text), reasoning: '', usage: usage(whole.details) };
}

function payloadError(payload: unknown, event: string | undefined): ApiError | null {
  if (isObject(payload) && payload.error !== undefined && payload.error !== null) {
    const message = typeof payload.error === 'string' ? payload.error : JSON.stringify(payload.error).slice(0, 2048);
    return { code: 502, type: str(payload.error_type) || 'ServerError', message };
  }
  return event === 'error' ? { code: 502, type: 'ServerError', message: JSON.stringify(payload).slice(0, 2048) } : null;
}

function details(a: MockAnswer, u: MockUsage): Record<string, unknown> {
  return { finish_reason: a.finishReason === 'length' ? 'length' : 'eos_token', generated_tokens: u.completion, seed: null };
}

export const huggingfaceGenerateApi: GenerativeApi = {
  defaultPath: (streaming) => (streaming ? '/generate_stream' : '/generate'),
  buildBody,
  // TGI's sampling settings live in `parameters`: AIPerf merges `--extra-inputs` there, and so do we.
  withExtra: (body, extra) => ({ ...body, parameters: { ...(body.parameters as Record<string, unknown>), ...extra } }),
  inputTexts: (body) => (typeof body.inputs === 'string' && body.inputs !== '' ? [body.inputs] : []),
  content,
  payloadError,
  completes: (payload) => isObject(payload) && typeof payload.generated_text === 'string',
  headers: bearer,
  mock: {
    routes: [
      { path: '/generate', stream: false },
      { path: '/generate_stream', stream: true },
    ],
    parseRequest(body, pathStream) {
      if (typeof body.inputs !== 'string') throw new ApiRequestError(422, 'Failed to deserialize the JSON body: missing field `inputs`');
      const parameters = body.parameters ?? {};
      if (!isObject(parameters)) throw new ApiRequestError(422, 'Failed to deserialize the JSON body: `parameters` must be an object');
      return {
        promptText: body.inputs,
        limit: positiveIntOrNull(parameters, 'max_new_tokens', 'parameters.max_new_tokens'),
        stream: pathStream === true,
      };
    },
    stream(a) {
      let index = 0;
      let text = '';
      let final = '';
      return {
        open: () => '',
        token(json) {
          index++;
          text += JSON.parse(json) as string;
          const head = `data: {"index":${index},"token":{"id":${index},"text":${json},"logprob":0,"special":false}`;
          // The last token's event carries the whole text and the details, written by `end`.
          if (index === a.outputTokens) {
            final = head;
            return '';
          }
          return `${head},"generated_text":null,"details":null}\n\n`;
        },
        end: (u) => `${final},"generated_text":${JSON.stringify(text)},"details":${JSON.stringify(details(a, u))}}\n\n`,
        fail: (message) => `data: ${JSON.stringify({ error: message, error_type: 'generation' })}\n\n`,
      };
    },
    body: (a, output, reasoning, u) => ({ generated_text: reasoning + output, details: details(a, u) }),
    errorBody: (status, message) => ({
      error: message,
      error_type: status === 422 || status === 400 ? 'validation' : status === 429 ? 'overloaded' : 'generation',
    }),
  },
};
