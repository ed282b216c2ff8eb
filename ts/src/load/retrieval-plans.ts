// The synthetic requests of the embeddings and rankings endpoint types (docs/cli.md §3.14): which
// dataset entries a request carries and its body. Their ISL is counted by the record processor,
// off the loop that stamps, from the texts the body carries (docs/metrics.md §4.1).
import type { EndpointType } from '../config/defaults.js';
import { isEmbeddingsType, isRetrievalType, type RetrievalType } from '../config/retrieval-config.js';
import type { RequestError } from '../metrics/raw-record.js';
import { checkRetrievalPayload } from '../metrics/retrieval-responses.js';
import type { DatasetEntry } from '../dataset/synthetic.js';
import type { EngineOptions } from './engine.js';
import { buildEmbeddingsBody, buildRankingsBody } from './retrieval-bodies.js';
import type { TurnPlan } from './turn-plan.js';

/**
 * Request `index`: an embeddings request embeds the entries at positions `index·B … index·B + B − 1`
 * of the seeded order (B = `--prompt-batch-size`), so every entry is sent as often as with B = 1;
 * a rankings request ranks the passages of the entry at position `index` against its query.
 */
export function retrievalTurnPlan(
  o: EngineOptions,
  type: RetrievalType,
  index: number,
  model: string,
  entryAt: (k: number) => DatasetEntry,
  correlationId: string,
  bodies: Map<string, { body: Record<string, unknown>; json: string }>,
): TurnPlan {
  const b = isEmbeddingsType(type) ? (o.endpoint.inputsPerRequest ?? 1) : 1;
  const entries = Array.from({ length: b }, (_, j) => entryAt(index * b + j));
  const first = entries[0]!;
  // A request of one entry is the same body every time the entry comes round: build and
  // serialise it once (a batch is a fresh combination of entries, almost never repeated).
  const key = b === 1 ? `${first.index}\u0000${model}` : null;
  let built = key === null ? undefined : bodies.get(key);
  if (!built) {
    const body = isEmbeddingsType(type)
      ? buildEmbeddingsBody(
          type,
          model,
          entries.map((e) => e.text),
          o.endpoint.extra,
        )
      : buildRankingsBody(type, model, first.text, o.dataset.passages?.[first.index] ?? [], o.endpoint.extra);
    built = { body, json: JSON.stringify(body) };
    if (key !== null) bodies.set(key, built);
  }
  const { body, json } = built;
  return {
    index,
    sessionNum: index,
    turnIndex: 0,
    lastTurn: true,
    conversationId: `synthetic_${first.index}`,
    correlationId,
    model,
    body,
    json,
    streaming: false,
    clientIsl: null,
    requestedIsl: null,
    requestedOsl: null,
    traceLine: null,
    materialised: false,
    historyChars: 0,
  };
}

/** The shape check of a 2xx answer to `body` (docs/metrics.md §2.4), or undefined for the generative types. */
export function retrievalPayloadCheck(
  type: EndpointType,
  body: Record<string, unknown>,
): ((payload: unknown) => RequestError | null) | undefined {
  if (!isRetrievalType(type)) return undefined;
  return (payload) => checkRetrievalPayload(type, body, payload);
}
