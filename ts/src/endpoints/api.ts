// What one generative endpoint type is made of (docs/ARCHITECTURE.md, "Endpoint types"): its default
// path, the request body of a turn, the texts its ISL counts, how one response (an SSE event or a
// whole body) is read, how a stream proves it completed, and the mock server's side of the same
// API. Each type is one module of this folder implementing `GenerativeApi`; ./index.ts lists them.
// Everything here is pure (no I/O, no server or client state), so the load engine, the record
// processor and serve-mock all import the same module.

/** Usage object fields of docs/metrics.md §3, whatever names the API gives them (absent ≠ 0). */
export interface UsageFields {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  reasoningTokens?: number;
  cachedTokens?: number;
}

/** The error a response carries, in the shape of the client's records (metrics/raw-record.ts). */
export interface ApiError {
  code: number | null;
  type: string;
  message: string;
}

/** One earlier turn of a session. */
export interface HistoryTurn {
  user: string;
  assistant: string;
}

/** Everything a turn's body is made of. */
export interface TurnInput {
  model: string;
  system: string | null;
  history: readonly HistoryTurn[];
  user: string;
  maxTokens: number | null;
  streaming: boolean;
}

/** What one response (an SSE event, or the whole body when not streaming) carries. */
export interface ResponseContent {
  output: string;
  reasoning: string;
  usage: UsageFields | null;
}

export const NO_CONTENT: ResponseContent = Object.freeze({ output: '', reasoning: '', usage: null }) as ResponseContent;

/** Token counts the mock reports, shaped by each API into its own usage object. */
export interface MockUsage {
  prompt: number;
  completion: number;
  /** Prompt tokens served from the prefix cache, when the latency model knows. */
  cached: number | null;
  /** Output tokens that were reasoning, when the mock produces reasoning. */
  reasoning: number | null;
}

/** A request the mock refuses: the status and message it answers with. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The parts of a request body the mock needs, read the way the API defines them. */
export interface MockRequest {
  /** The prompt as one text (rendered as a chat template where the API has roles). */
  promptText: string;
  /** The output limit the API's body sets, or null. */
  limit: number | null;
  stream: boolean;
}

/** Identity of one mock answer. */
export interface MockAnswer {
  num: number;
  model: string;
  /** Unix seconds. */
  created: number;
  promptTokens: number;
  /** Output tokens the answer will have. */
  outputTokens: number;
  /** 'stop' (natural end) or 'length' (hit the limit). */
  finishReason: 'stop' | 'length';
}

/** The SSE text of one streamed answer, piece by piece; the server decides when to write it. */
export interface MockStreamWriter {
  /** Events sent with the headers, before the first token. */
  open(): string;
  /** One output token (`json`: the token text as a JSON string literal); `reasoning`: a reasoning token. */
  token(json: string, reasoning: boolean): string;
  /** The closing events, with usage. */
  end(usage: MockUsage): string;
  /** An error event ending a stream that failed midway. */
  fail(message: string): string;
}

/** The mock server's side of an API (docs/serve-mock.md §2). */
export interface MockApi {
  /** Request paths this API answers; `stream` fixes streaming by path (TGI), null leaves it to the body. */
  readonly routes: readonly { path: string; stream: boolean | null }[];
  /** Read a parsed JSON body; throws ApiRequestError for what the API would refuse. */
  parseRequest(body: Record<string, unknown>, pathStream: boolean | null): MockRequest;
  stream(answer: MockAnswer): MockStreamWriter;
  /** The non-streaming body. */
  body(answer: MockAnswer, output: string, reasoning: string, usage: MockUsage): unknown;
  /** The body of an error answer with HTTP `status`, as the API writes it. */
  errorBody(status: number, message: string): unknown;
}

/** Settings of the `template` type (docs/cli.md §3.1.1); null for the other types. */
export interface TemplateSettings {
  /** The JSON body template's text. */
  body: string;
  /** Where the generated text is in a response (the `response_field` path), or null to detect it. */
  responseField: string | null;
}

export interface GenerativeApi {
  /** Path appended to the base URL when `--endpoint` is not given. */
  defaultPath(streaming: boolean): string;
  /** The body of a turn, history included where the API carries one. */
  buildBody(turn: TurnInput, template: TemplateSettings | null): Record<string, unknown>;
  /** `--extra-inputs` merged into a built body; absent: shallow-merged at the top level (later wins). */
  withExtra?(body: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown>;
  /** Texts whose tokens make the client-side ISL of a body. */
  inputTexts(body: Record<string, unknown>): string[];
  /** What one response carries; `event` is the SSE event name, if any. */
  content(payload: unknown, event: string | undefined, streaming: boolean, template: TemplateSettings | null): ResponseContent;
  /** An error carried by a 2xx response (an error event or an error payload), or null. */
  payloadError(payload: unknown, event: string | undefined): ApiError | null;
  /**
   * Whether this event is the API's sign that a stream completed; a stream without it is an
   * IncompleteStreamError. null: the API has no such sign, and a stream that ends is complete.
   */
  completes: ((payload: unknown, event: string | undefined) => boolean) | null;
  /** Extra request headers the API needs, and how the API key is sent. */
  headers(apiKey: string | null): Record<string, string>;
  /** The mock's side, or null when serve-mock does not answer this API (template). */
  mock: MockApi | null;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A usage object from fields that are present; `undefined` values are left out. */
export function usageOf(fields: UsageFields): UsageFields {
  const out: UsageFields = {};
  for (const [k, v] of Object.entries(fields) as [keyof UsageFields, number | undefined][]) if (v !== undefined) out[k] = v;
  return out;
}

/** The standard `Authorization: Bearer` header of OpenAI-shaped APIs. */
export function bearer(apiKey: string | null): Record<string, string> {
  return apiKey === null ? {} : { authorization: `Bearer ${apiKey}` };
}

/** `max_tokens`-like body fields: a positive integer, or absent; throws ApiRequestError. */
export function positiveIntOrNull(o: Record<string, unknown>, key: string, label = key): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new ApiRequestError(400, `'${label}' must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** `stream`-like body fields: a boolean, or absent (false). */
export function booleanField(o: Record<string, unknown>, key: string): boolean {
  const v = o[key] ?? false;
  if (typeof v !== 'boolean') throw new ApiRequestError(400, `'${key}' must be a boolean`);
  return v;
}

/** ChatML rendering of docs/serve-mock.md §3.2, the mock's prompt text of any role-based API. */
export function chatMl(messages: readonly { role: string; content: string }[]): string {
  let out = '';
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return `${out}<|im_start|>assistant\n`;
}

/** An SSE event with a name (`event:` line) and JSON data. */
export function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
