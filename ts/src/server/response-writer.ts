// Writing responses (docs/serve-mock.md §5): JSON bodies, error bodies, and the SSE stream of one
// completion, byte for byte as the OpenAI API shapes them.
import type { ServerResponse } from 'node:http';
import type { MockAnswer, MockStreamWriter, MockUsage } from '../endpoints/index.js';
import { apiRoute, type InferenceEndpoint } from './request-validation.js';

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** `{"error":{"message","type","code"}}` with `status` (docs/serve-mock.md §5.4). */
export function sendError(res: ServerResponse, status: number, message: string, type = 'invalid_request_error'): void {
  sendJson(res, status, JSON.stringify({ error: { message, type, code: status } }));
}

/** An error answer to a request to `endpoint`, in the shape of its API (docs/serve-mock.md §5.4). */
export function sendEndpointError(
  res: ServerResponse,
  endpoint: InferenceEndpoint | undefined,
  status: number,
  message: string,
  type = 'invalid_request_error',
): void {
  // Embeddings and rankings (no InferenceEndpoint) answer their own errors in ./retrieval-handlers.ts; OpenAI's shape here.
  const route = endpoint === undefined ? null : apiRoute(endpoint);
  if (route === null) sendError(res, status, message, type);
  else sendJson(res, status, JSON.stringify(route.api.mock.errorBody(status, message)));
}

/** What the server does with a streamed answer, whatever its API. */
export interface AnswerStream {
  open(): void;
  tokens(from: number, to: number): void;
  flush(): void;
  end(usage: Record<string, unknown> | null): void;
  fail(): void;
}

/** What one completion's events are made of. */
export interface CompletionShape {
  endpoint: InferenceEndpoint;
  /** Request number k: the id is `chatcmpl-k` / `cmpl-k`. */
  num: number;
  modelName: string;
  /** Output tokens as JSON string literals (streamed) and as text (non-streaming). */
  output: { json: readonly string[]; text: readonly string[] };
  /** The first `reasoning` output tokens are reasoning content. */
  reasoning: number;
  finishReason: 'stop' | 'length';
  /**
   * Tokens per streamed event (docs/serve-mock.md §5.1): `first` in the first content event, then
   * `per` in each; a reasoning/answer boundary also ends an event. Default 1 and 1.
   */
  chunking?: { first: number; per: number };
  /** Prompt tokens, when the request asked for `continuous_usage_stats`: every event carries the running usage. */
  continuousUsagePrompt?: number | null;
}

/** A JSON string literal of several tokens' literals. */
function joinLiterals(literals: readonly string[], from: number, to: number): string {
  if (to - from === 1) return literals[from]!;
  let s = '"';
  for (let i = from; i < to; i++) s += literals[i]!.slice(1, -1);
  return `${s}"`;
}

const STREAM_FAILURE = 'data: {"error":{"message":"Injected mid-stream failure","type":"server_error","code":500}}\n\n';

/**
 * The SSE stream of one completion. Events are collected while a step is produced and written
 * with one socket write per step (`flush`), as an engine emits one step's tokens together.
 */
export class CompletionStream implements AnswerStream {
  readonly #res: ServerResponse;
  readonly #shape: CompletionShape;
  readonly #head: string;
  readonly #contentOpen: string;
  readonly #reasoningOpen: string;
  readonly #tokenClose: string;
  readonly #first: number;
  readonly #per: number;
  readonly #prompt: number | null;
  /** First output token not yet in an event. */
  #held = 0;
  /** Output tokens produced so far. */
  #produced = 0;
  #pending = '';

  constructor(res: ServerResponse, shape: CompletionShape) {
    this.#res = res;
    this.#shape = shape;
    const chat = shape.endpoint === 'chat';
    const object = chat ? 'chat.completion.chunk' : 'text_completion';
    const created = Math.floor(Date.now() / 1000);
    this.#head = `data: {"id":"${chat ? 'chatcmpl' : 'cmpl'}-${shape.num}","object":"${object}","created":${created},"model":${JSON.stringify(shape.modelName)},"choices":`;
    this.#contentOpen = chat ? `${this.#head}[{"index":0,"delta":{"content":` : `${this.#head}[{"index":0,"text":`;
    this.#reasoningOpen = chat ? `${this.#head}[{"index":0,"delta":{"reasoning_content":` : this.#contentOpen;
    this.#tokenClose = chat ? '},"finish_reason":null}]}\n\n' : ',"finish_reason":null}]}\n\n';
    this.#first = shape.chunking?.first ?? 1;
    this.#per = shape.chunking?.per ?? 1;
    this.#prompt = shape.continuousUsagePrompt ?? null;
  }

  /** `}` closing an event, with the running usage after `completion` tokens when it was asked for (vLLM's form). */
  #close(completion: number): string {
    if (this.#prompt === null) return '}\n\n';
    const p = this.#prompt;
    return `,"usage":{"prompt_tokens":${p},"completion_tokens":${completion},"total_tokens":${p + completion}}}\n\n`;
  }

  /** `tokenClose` with the running usage spliced in before its final `}`. */
  #tokenEnd(completion: number): string {
    return this.#prompt === null ? this.#tokenClose : this.#tokenClose.slice(0, -3) + this.#close(completion);
  }

  /** Status line, headers and the role event (kept until the next flush). */
  open(): void {
    this.#res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    this.#pending =
      this.#shape.endpoint === 'chat'
        ? `${this.#head}[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]${this.#close(0)}`
        : `${this.#head}[{"index":0,"text":"","finish_reason":null}]${this.#close(0)}`;
  }

  /** Output tokens up to `to − 1` are produced: the events they complete (one token each by default). */
  tokens(_from: number, to: number): void {
    this.#produced = to;
    this.#emit(to, false);
  }

  /** Events for the held tokens below `to`; with `all`, an incomplete last event too. */
  #emit(to: number, all: boolean): void {
    let s = '';
    const { output, reasoning } = this.#shape;
    while (this.#held < to) {
      const a = this.#held;
      let b = a + (a === 0 ? this.#first : this.#per);
      if (a < reasoning && b > reasoning) b = reasoning;
      if (b > to) {
        if (!all) break;
        b = to;
      }
      s += (a < reasoning ? this.#reasoningOpen : this.#contentOpen) + joinLiterals(output.json, a, b) + this.#tokenEnd(b);
      this.#held = b;
    }
    this.#pending += s;
  }

  /** Write what was collected. */
  flush(): void {
    if (this.#pending === '') return;
    this.#res.write(this.#pending);
    this.#pending = '';
  }

  /** The finish event, the usage event when asked for, `[DONE]`; ends the response. */
  end(usage: Record<string, unknown> | null): void {
    const reason = this.#shape.finishReason;
    this.#emit(this.#produced, true);
    const close = this.#close(this.#held);
    this.#pending +=
      this.#shape.endpoint === 'chat'
        ? `${this.#head}[{"index":0,"delta":{},"finish_reason":"${reason}"}]${close}`
        : `${this.#head}[{"index":0,"text":"","finish_reason":"${reason}"}]${close}`;
    if (usage) this.#pending += `${this.#head}[],"usage":${JSON.stringify(usage)}}\n\n`;
    this.#res.end(`${this.#pending}data: [DONE]\n\n`);
    this.#pending = '';
  }

  /** An injected mid-stream failure: an error event, then the connection's response ends. */
  fail(): void {
    this.#emit(this.#produced, true);
    this.#res.end(this.#pending + STREAM_FAILURE);
    this.#pending = '';
  }
}

/** The non-streaming completion body (docs/serve-mock.md §5.2). */
export function sendCompletion(res: ServerResponse, shape: CompletionShape, usage: Record<string, unknown>): void {
  const { output, reasoning, finishReason } = shape;
  const chat = shape.endpoint === 'chat';
  const content = output.text.slice(reasoning).join('');
  const choice = chat
    ? {
        index: 0,
        message:
          reasoning > 0
            ? { role: 'assistant', content, reasoning_content: output.text.slice(0, reasoning).join('') }
            : { role: 'assistant', content },
        finish_reason: finishReason,
      }
    : { index: 0, text: content, logprobs: null, finish_reason: finishReason };
  sendJson(
    res,
    200,
    JSON.stringify({
      id: `${chat ? 'chatcmpl' : 'cmpl'}-${shape.num}`,
      object: chat ? 'chat.completion' : 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: shape.modelName,
      choices: [choice],
      usage,
    }),
  );
}

/**
 * The SSE stream of an answer of an API of ts/src/endpoints: the API's module writes the events,
 * this class writes them out one step at a time as `CompletionStream` does.
 */
export class ApiAnswerStream implements AnswerStream {
  readonly #res: ServerResponse;
  readonly #shape: CompletionShape;
  readonly #writer: MockStreamWriter;
  readonly #usage: () => MockUsage;
  #pending = '';

  constructor(res: ServerResponse, shape: CompletionShape, writer: MockStreamWriter, usage: () => MockUsage) {
    this.#res = res;
    this.#shape = shape;
    this.#writer = writer;
    this.#usage = usage;
  }

  open(): void {
    this.#res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    this.#pending = this.#writer.open();
  }

  tokens(from: number, to: number): void {
    const { output, reasoning } = this.#shape;
    for (let i = from; i < to; i++) this.#pending += this.#writer.token(output.json[i]!, i < reasoning);
  }

  flush(): void {
    if (this.#pending === '') return;
    this.#res.write(this.#pending);
    this.#pending = '';
  }

  /** These APIs always report usage: the argument of `AnswerStream.end` is not needed. */
  end(): void {
    this.#res.end(this.#pending + this.#writer.end(this.#usage()));
    this.#pending = '';
  }

  fail(): void {
    this.#res.end(this.#pending + this.#writer.fail('Injected mid-stream failure'));
    this.#pending = '';
  }
}

/** The non-streaming body of an answer of an API of ts/src/endpoints. */
export function sendApiCompletion(res: ServerResponse, shape: CompletionShape, answer: MockAnswer, usage: MockUsage): void {
  const route = apiRoute(shape.endpoint)!;
  const { output, reasoning } = shape;
  const body = route.api.mock.body(answer, output.text.slice(reasoning).join(''), output.text.slice(0, reasoning).join(''), usage);
  sendJson(res, 200, JSON.stringify(body));
}
