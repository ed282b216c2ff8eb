// Content-response detection and text/usage extraction from the engine's raw responses
// (docs/metrics.md §2.3). Pure: no tokenization here, so it can run on the I/O thread cheaply.
// chat and completions are read here; the other generative types by their module in
// ts/src/endpoints (docs/cli.md §3.1.1).
import { type GenerativeApi, generativeApi, num, openAiUsage, type TemplateSettings, type UsageFields } from '../endpoints/index.js';
import type { RawRequestRecord } from './raw-record.js';

export type { UsageFields } from '../endpoints/index.js';

export interface ParsedResponses {
  /** Arrival stamps (monotonic ns) of the content responses, c_1 … c_k. */
  contentNs: bigint[];
  /** First content response carrying non-reasoning text or tool-call text. */
  firstOutputNs: bigint | null;
  /** Concatenated non-reasoning output (content + tool-call names/arguments). */
  outputText: string;
  /** Concatenated reasoning text. */
  reasoningText: string;
  /** Any reasoning text was received. */
  sawReasoning: boolean;
  /** The last non-null `usage` object, or null. */
  usage: UsageFields | null;
  /**
   * With `{ perChunkCounts: true }`: per content response, the cumulative output-token count the
   * server reported on it (`usage.completion_tokens`, else llama.cpp's `timings.predicted_n`), or
   * null when it reported none (docs/metrics.md §3.1). Empty otherwise.
   */
  contentTokens: (number | null)[];
}

/** The cumulative generated-token count one event reports, or null (docs/metrics.md §3.1). */
function reportedTokens(payload: Record<string, unknown>): number | null {
  const usage = payload['usage'];
  if (isObject(usage)) {
    const c = num(usage, 'completion_tokens');
    if (c !== undefined) return c;
  }
  // llama.cpp reports no per-chunk usage, but with `timings_per_token: true` in the body every
  // chunk carries its running `timings.predicted_n`.
  const timings = payload['timings'];
  if (isObject(timings)) {
    const n = num(timings, 'predicted_n');
    if (n !== undefined) return n;
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function toolCallText(calls: unknown): string {
  if (!Array.isArray(calls)) return '';
  let s = '';
  for (const call of calls) {
    if (!isObject(call)) continue;
    const fn = call['function'];
    if (isObject(fn)) s += str(fn['name']) + str(fn['arguments']);
  }
  return s;
}

/** Texts carried by one choice: chat delta/message or completions text. */
function choiceTexts(choice: Record<string, unknown>): { output: string; reasoning: string } {
  let output = str(choice['text']);
  let reasoning = '';
  for (const key of ['delta', 'message']) {
    const d = choice[key];
    if (!isObject(d)) continue;
    output += str(d['content']) + toolCallText(d['tool_calls']);
    reasoning += str(d['reasoning_content']) + str(d['reasoning']);
  }
  return { output, reasoning };
}

/**
 * Whether one response (an SSE event or a whole body) carries output or reasoning text: exactly
 * the responses `parseResponses` counts as content responses.
 */
export function isContentResponse(
  data: string,
  api: GenerativeApi | null = null,
  template: TemplateSettings | null = null,
  event?: string,
): boolean {
  const text = data.trim();
  if (text === '' || text === '[DONE]') return false;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return false;
  }
  if (api !== null) {
    const c = api.content(payload, event, true, template);
    return c.output !== '' || c.reasoning !== '';
  }
  if (!isObject(payload) || !Array.isArray(payload['choices'])) return false;
  for (const c of payload['choices']) {
    if (!isObject(c)) continue;
    const t = choiceTexts(c);
    if (t.output !== '' || t.reasoning !== '') return true;
  }
  return false;
}

/** The JSON of one response (an SSE event's data or a whole body), or undefined for an empty one, `[DONE]` or text that is not JSON. */
function eventPayload(data: string): unknown {
  const text = data.trim();
  if (text === '' || text === '[DONE]') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Walk the responses of a request in arrival order and extract content timestamps, texts and
 * the last usage object. Events that are not JSON (e.g. `[DONE]`) are skipped: the engine has
 * already failed the request if an unparsable body mattered.
 */
export function parseResponses(
  raw: Pick<RawRequestRecord, 'responses'> & Partial<Pick<RawRequestRecord, 'endpointType' | 'streaming'>>,
  options: { perChunkCounts?: boolean; template?: TemplateSettings | null } = {},
): ParsedResponses {
  const api = raw.endpointType === undefined ? null : generativeApi(raw.endpointType);
  if (api !== null) return parseApiResponses(raw.responses, api, raw.streaming === true, options.template ?? null);
  const perChunk = options.perChunkCounts === true;
  const out: ParsedResponses = {
    contentNs: [],
    firstOutputNs: null,
    outputText: '',
    reasoningText: '',
    sawReasoning: false,
    usage: null,
    contentTokens: [],
  };
  for (const resp of raw.responses) {
    const payload = eventPayload(resp.data);
    if (payload === undefined) continue;
    if (!isObject(payload)) continue;
    if (isObject(payload['usage'])) out.usage = openAiUsage(payload['usage']);
    const choices = payload['choices'];
    if (!Array.isArray(choices)) continue;
    let output = '';
    let reasoning = '';
    for (const c of choices) {
      if (!isObject(c)) continue;
      const t = choiceTexts(c);
      output += t.output;
      reasoning += t.reasoning;
    }
    if (output === '' && reasoning === '') continue;
    out.contentNs.push(resp.recvNs);
    if (perChunk) out.contentTokens.push(reportedTokens(payload));
    if (output !== '' && out.firstOutputNs === null) out.firstOutputNs = resp.recvNs;
    out.outputText += output;
    out.reasoningText += reasoning;
    if (reasoning !== '') out.sawReasoning = true;
  }
  return out;
}

/**
 * `parseResponses` for a type of ts/src/endpoints: its module reads each response. Usage objects
 * are merged field by field, later wins: an API may spread its counts over several events
 * (Anthropic: the prompt's in message_start, the output's in message_delta).
 */
function parseApiResponses(
  responses: RawRequestRecord['responses'],
  api: GenerativeApi,
  streaming: boolean,
  template: TemplateSettings | null,
): ParsedResponses {
  const out: ParsedResponses = {
    contentNs: [],
    contentTokens: [],
    firstOutputNs: null,
    outputText: '',
    reasoningText: '',
    sawReasoning: false,
    usage: null,
  };
  for (const resp of responses) {
    const payload = eventPayload(resp.data);
    if (payload === undefined) continue;
    const c = api.content(payload, resp.event, streaming, template);
    if (c.usage !== null) out.usage = { ...out.usage, ...c.usage };
    if (c.output === '' && c.reasoning === '') continue;
    out.contentNs.push(resp.recvNs);
    if (c.output !== '' && out.firstOutputNs === null) out.firstOutputNs = resp.recvNs;
    out.outputText += c.output;
    out.reasoningText += c.reasoning;
    if (c.reasoning !== '') out.sawReasoning = true;
  }
  return out;
}

/**
 * The texts whose tokens make the ISL (docs/metrics.md §4.1): completions → the prompt (string or
 * list of strings); chat → every message's text (string content or text parts), in order.
 */
export function inputTexts(body: Record<string, unknown>, endpointType?: string): string[] {
  const api = endpointType === undefined ? null : generativeApi(endpointType);
  if (api !== null) return api.inputTexts(body);
  const texts: string[] = [];
  const prompt = body['prompt'];
  if (typeof prompt === 'string') texts.push(prompt);
  else if (Array.isArray(prompt)) for (const p of prompt) if (typeof p === 'string') texts.push(p);
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (!isObject(m)) continue;
      const content = m['content'];
      if (typeof content === 'string') texts.push(content);
      else if (Array.isArray(content)) {
        for (const part of content) {
          if (isObject(part) && part['type'] === 'text' && typeof part['text'] === 'string') texts.push(part['text']);
        }
      }
    }
  }
  return texts;
}
