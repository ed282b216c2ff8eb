// What the embeddings and rankings endpoint types send and get back (docs/metrics.md §2.4): the
// texts whose tokens make the ISL, how many inputs a request carries, and whether a 2xx answer has
// the shape its API promises. Pure, so it runs on the I/O thread once per request.
import { isEmbeddingsType, type RetrievalType } from '../config/retrieval-config.js';
import type { RequestError } from './raw-record.js';

const INVALID = 'InvalidResponseError';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A text as the APIs accept it: a string or `{text}` (NIM, Cohere's document objects). */
function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.text === 'string') return v.text;
  return null;
}

function textsOf(v: unknown): string[] {
  if (!Array.isArray(v)) {
    const t = textOf(v);
    return t === null ? [] : [t];
  }
  const out: string[] = [];
  for (const item of v) {
    const t = textOf(item);
    if (t !== null) out.push(t);
  }
  return out;
}

/** The passages of a rankings body, in whichever of the three shapes it is. */
function passagesOf(body: Record<string, unknown>): unknown {
  return body.documents ?? body.texts ?? body.passages;
}

/**
 * The texts whose tokens make the ISL: every embeddings input; a rankings request's query and every
 * passage (a reranker reads them all). Token-id inputs are not text and are not counted.
 */
export function retrievalInputTexts(type: RetrievalType, body: Record<string, unknown>): string[] {
  if (isEmbeddingsType(type)) return textsOf(body.input);
  return [...textsOf(body.query), ...textsOf(passagesOf(body))];
}

/** Inputs one request carries: the embeddings inputs, or the passages to rank. */
export function retrievalInputCount(type: RetrievalType, body: Record<string, unknown>): number {
  if (isEmbeddingsType(type)) {
    const input = body.input;
    return Array.isArray(input) ? input.length : input === undefined ? 0 : 1;
  }
  const passages = passagesOf(body);
  return Array.isArray(passages) ? passages.length : 0;
}

/** The result list of a rankings answer: Cohere `results`, TEI a top-level array (or `results`), NIM `rankings`. */
function rankingsOf(payload: unknown): unknown[] | null {
  if (Array.isArray(payload)) return payload;
  if (!isObject(payload)) return null;
  const list = payload.results ?? payload.rankings;
  return Array.isArray(list) ? list : null;
}

function invalid(message: string): RequestError {
  return { code: 502, type: INVALID, message };
}

/**
 * The error of a 2xx answer that is not what the API promises, or null: embeddings need `data`
 * with one `embedding` (a list of numbers, or a base64 string) per input; rankings need their
 * result list, each result with an integer `index` of a passage sent. A wrong answer with status
 * 200 is an error, not a fast success.
 */
export function checkRetrievalPayload(type: RetrievalType, body: Record<string, unknown>, payload: unknown): RequestError | null {
  const sent = retrievalInputCount(type, body);
  if (isEmbeddingsType(type)) {
    const data = isObject(payload) ? payload.data : undefined;
    if (!Array.isArray(data)) return invalid('embeddings response has no data list');
    let embeddings = 0;
    for (const item of data) {
      if (isObject(item) && (Array.isArray(item.embedding) || typeof item.embedding === 'string')) embeddings += 1;
    }
    if (embeddings !== sent) return invalid(`embeddings response has ${embeddings} embeddings for ${sent} inputs`);
    return null;
  }
  const results = rankingsOf(payload);
  if (results === null) return invalid('rankings response has no result list');
  for (const r of results) {
    const index = isObject(r) ? r.index : undefined;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= sent) {
      return invalid(
        `rankings response has a result without the index of one of the ${sent} passages sent: ${JSON.stringify(r).slice(0, 200)}`,
      );
    }
  }
  return null;
}

/** The `usage` object of an answer (embeddings: `prompt_tokens`, `total_tokens`), or null. */
export function retrievalUsage(data: string): Record<string, unknown> | null {
  // Cheap test first: an embeddings answer is mostly numbers, and most rankings answers have no usage.
  if (!data.includes('"usage"')) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return null;
  }
  return isObject(payload) && isObject(payload.usage) ? payload.usage : null;
}
