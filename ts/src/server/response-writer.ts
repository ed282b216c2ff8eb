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
  endpoint: InferenceEndpoint,
  status: number,
  message: string,
  type = 'invalid_request_error',
): void {
  const route = apiRoute(endpoint);
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
  }

  /** Status line, headers and the role event (kept until the next flush). */
  open(): void {
    this.#res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    this.#pending =
      this.#shape.endpoint === 'chat'
        ? `${this.#head}[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`
        : `${this.#head}[{"index":0,"text":"","finish_reason":null}]}\n\n`;
  }

  /** Output tokens `from` … `to − 1`, one event each. */
  tokens(from: number, to: number): void {
    let s = '';
    const { output, reasoning } = this.#shape;
    for (let i = from; i < to; i++) s += (i < reasoning ? this.#reasoningOpen : this.#contentOpen) + output.json[i] + this.#tokenClose;
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
    this.#pending +=
      this.#shape.endpoint === 'chat'
        ? `${this.#head}[{"index":0,"delta":{},"finish_reason":"${reason}"}]}\n\n`
        : `${this.#head}[{"index":0,"text":"","finish_reason":"${reason}"}]}\n\n`;
    if (usage) this.#pending += `${this.#head}[],"usage":${JSON.stringify(usage)}}\n\n`;
    this.#res.end(`${this.#pending}data: [DONE]\n\n`);
    this.#pending = '';
  }

  /** An injected mid-stream failure: an error event, then the connection's response ends. */
  fail(): void {
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
