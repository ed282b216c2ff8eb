// Classifies a finished exchange as success or one of the failure kinds of docs/metrics.md §2.3.
// Runs once per request after `request_end` was stamped, so its JSON parsing never delays a stamp.
import { STATUS_CODES } from 'node:http';
import { type GenerativeApi, generativeApi, type TemplateSettings } from '../endpoints/index.js';
import type { RawResponse, RequestError } from '../metrics/raw-record.js';
import { isContentResponse } from '../metrics/response-parse.js';

const BODY_MESSAGE_LIMIT = 2048;

export const ERROR_TYPES = {
  connection: 'ConnectionError',
  timeout: 'TimeoutError',
  cancelled: 'RequestCancellationError',
  graceExpired: 'GracePeriodExpiredError',
  incomplete: 'IncompleteStreamError',
  empty: 'EmptyStreamError',
  invalidResponse: 'InvalidResponseError',
} as const;

export const INCOMPLETE_STREAM_MESSAGE = 'stream ended without a completion signal';
export const EMPTY_STREAM_MESSAGE = 'stream completed without any content';

/**
 * The error for a 2xx response in a Content-Encoding other than identity. infermark sends no
 * Accept-Encoding and decodes no compressed body; `requested` is true when a `-H Accept-Encoding`
 * header asked for one anyway.
 */
export function unrequestedEncodingError(encoding: string, requested: boolean): RequestError {
  return {
    code: 502,
    type: ERROR_TYPES.invalidResponse,
    message: requested
      ? `server sent Content-Encoding: ${encoding}, which the -H Accept-Encoding header asked for (infermark does not decode compressed responses)`
      : `server sent Content-Encoding: ${encoding}, which was not requested (infermark does not decode compressed responses)`,
  };
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An error carried in a response payload (`{"error": {...}}`), or null. */
function payloadError(payload: unknown): RequestError | null {
  if (!isObject(payload) || !isObject(payload.error)) return null;
  const err = payload.error;
  const code = typeof err.code === 'number' && Number.isInteger(err.code) ? err.code : 502;
  const type = typeof err.type === 'string' && err.type !== '' ? err.type : 'ServerError';
  const message = typeof err.message === 'string' ? err.message : JSON.stringify(err).slice(0, BODY_MESSAGE_LIMIT);
  return { code, type, message };
}

/** Error for a non-2xx status: code = status, type = reason phrase, message = `error.message` or body. */
export function httpStatusError(status: number, statusMessage: string | undefined, body: string): RequestError {
  const reason = statusMessage && statusMessage !== '' ? statusMessage : (STATUS_CODES[status] ?? 'Unknown Status');
  const parsed = tryParse(body);
  let message = body.length > BODY_MESSAGE_LIMIT ? body.slice(0, BODY_MESSAGE_LIMIT) : body;
  if (isObject(parsed)) {
    if (isObject(parsed.error) && typeof parsed.error.message === 'string') message = parsed.error.message;
    // Hugging Face TGI and TEI: `{"error": "...", "error_type": "..."}`.
    else if (typeof parsed.error === 'string') message = parsed.error;
    // Cohere: `{"message": "..."}`.
    else if (typeof parsed.message === 'string') message = parsed.message;
    // FastAPI servers (NIM): `{"detail": "..."}`.
    else if (typeof parsed.detail === 'string') message = parsed.detail;
  }
  return { code: status, type: reason, message };
}

/**
 * Check a completed streaming response: an `event: error` or a payload with a top-level `error`
 * object fails it; otherwise it must end with `[DONE]` or with a non-null `finish_reason` on
 * every choice seen, and at least one event must carry content (output or reasoning text): a
 * stream that completes empty is an EmptyStreamError, not a success without a latency.
 */
export function checkStream(
  responses: readonly RawResponse[],
  endpointType: string | null = null,
  template: TemplateSettings | null = null,
): RequestError | null {
  const api = endpointType === null ? null : generativeApi(endpointType);
  if (api !== null) return checkApiStream(responses, api, template);
  let done = false;
  for (const r of responses) {
    if (r.event === 'error') {
      const fromPayload = payloadError(tryParse(r.data));
      return fromPayload ?? { code: 502, type: 'ServerError', message: r.data.slice(0, BODY_MESSAGE_LIMIT) };
    }
    if (r.data === '[DONE]') {
      done = true;
      continue;
    }
    // Cheap substring test first: almost no event carries an error, and JSON.parse of every
    // event of every request would double the client's CPU per token.
    if (r.data.includes('"error"')) {
      const err = payloadError(tryParse(r.data));
      if (err) return err;
    }
  }
  if (done) return emptyStreamCheck(responses);
  // No [DONE]: accept only if every choice index that appeared got a non-null finish_reason.
  const finished = new Map<number, boolean>();
  for (const r of responses) {
    if (!r.data.includes('"choices"')) continue;
    const payload = tryParse(r.data);
    if (!isObject(payload) || !Array.isArray(payload.choices)) continue;
    for (const c of payload.choices) {
      if (!isObject(c)) continue;
      const index = typeof c.index === 'number' ? c.index : 0;
      const fr = c.finish_reason;
      if (fr !== null && fr !== undefined) finished.set(index, true);
      else if (!finished.has(index)) finished.set(index, false);
    }
  }
  if (finished.size > 0 && [...finished.values()].every(Boolean)) return emptyStreamCheck(responses);
  return { code: 502, type: ERROR_TYPES.incomplete, message: INCOMPLETE_STREAM_MESSAGE };
}

/** EmptyStreamError unless some event carries content; parses events only up to the first that does (usually the first or second). */
function emptyStreamCheck(responses: readonly RawResponse[]): RequestError | null {
  for (const r of responses) if (isContentResponse(r.data)) return null;
  return { code: 502, type: ERROR_TYPES.empty, message: EMPTY_STREAM_MESSAGE };
}

/**
 * `checkStream` for a type of ts/src/endpoints: its module names the error events and the event
 * that completes a stream (none for a template: then a stream that ends is complete).
 */
function checkApiStream(responses: readonly RawResponse[], api: GenerativeApi, template: TemplateSettings | null): RequestError | null {
  // As for chat: a cheap substring test first, so that an event is parsed for errors only when it
  // may carry one, and for content only until the first content event.
  let content = false;
  for (const r of responses) {
    if (r.event === 'error' || r.data.includes('error') || r.data.includes('failed')) {
      const err = api.payloadError(tryParse(r.data), r.event);
      if (err) return err;
    }
    if (!content && r.data !== '[DONE]') {
      const payload = tryParse(r.data);
      if (payload !== undefined) {
        const c = api.content(payload, r.event, true, template);
        content = c.output !== '' || c.reasoning !== '';
      }
    }
  }
  // The completing event is the last of the API's own (a trailing `[DONE]` or ping may follow it).
  let complete = api.completes === null;
  for (let i = responses.length - 1; i >= Math.max(0, responses.length - 3) && !complete; i--) {
    const r = responses[i]!;
    complete = r.data === '[DONE]' || api.completes!(tryParse(r.data), r.event);
  }
  if (!complete) return { code: 502, type: ERROR_TYPES.incomplete, message: INCOMPLETE_STREAM_MESSAGE };
  return content ? null : { code: 502, type: ERROR_TYPES.empty, message: EMPTY_STREAM_MESSAGE };
}

/**
 * Check a non-streaming 2xx body: must be JSON and must not carry a top-level `error` object (in
 * the shape of the endpoint type's API); `checkPayload` then judges its shape where the endpoint
 * type promises one (embeddings, rankings).
 */
export function checkBody(
  body: string,
  endpointType: string | null = null,
  checkPayload?: (payload: unknown) => RequestError | null,
): RequestError | null {
  const parsed = tryParse(body);
  if (parsed === undefined) {
    return {
      code: 502,
      type: ERROR_TYPES.invalidResponse,
      message: `response body is not valid JSON: ${body.slice(0, 200)}`,
    };
  }
  const api = endpointType === null ? null : generativeApi(endpointType);
  if (api !== null) return api.payloadError(parsed, undefined);
  return payloadError(parsed) ?? checkPayload?.(parsed) ?? null;
}
