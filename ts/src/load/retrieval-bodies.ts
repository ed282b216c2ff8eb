// Request bodies of the embeddings and rankings endpoint types (docs/cli.md §3.14), each in the
// shape its API documents, then `--extra-inputs` shallow-merged over it (later wins) as for chat.
import { type EmbeddingsType, isEmbeddingsType, type RankingsType, type RetrievalType } from '../config/retrieval-config.js';

/**
 * OpenAI (and NIM) embeddings: `{model, input: [texts]}`. The input is always a list, as AIPerf
 * sends it, so a batch of one and a batch of many are the same request shape. NIM's retrieval
 * models also want `input_type` ("query" or "passage"), which is left to `--extra-inputs`.
 */
export function buildEmbeddingsBody(
  _type: EmbeddingsType,
  model: string,
  inputs: readonly string[],
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return Object.assign({ model, input: [...inputs] }, extra);
}

/**
 * The rankings body of each API: Cohere `/v2/rerank` `{model, query, documents: [texts]}`; Hugging
 * Face TEI `/rerank` `{query, texts: [texts]}` (TEI serves one model and takes no `model`); NVIDIA
 * NIM `/v1/ranking` `{model, query: {text}, passages: [{text}]}`.
 */
export function buildRankingsBody(
  type: RankingsType,
  model: string,
  query: string,
  passages: readonly string[],
  extra: Record<string, unknown>,
): Record<string, unknown> {
  let body: Record<string, unknown>;
  if (type === 'cohere-rankings') body = { model, query, documents: [...passages] };
  else if (type === 'hf-tei-rankings') body = { query, texts: [...passages] };
  else body = { model, query: { text: query }, passages: passages.map((text) => ({ text })) };
  return Object.assign(body, extra);
}

/**
 * The body of a request whose texts are given: an embeddings request embeds them all; a rankings
 * request ranks all but the first against the first (the query).
 */
export function buildRetrievalBody(
  type: RetrievalType,
  model: string,
  texts: readonly string[],
  extra: Record<string, unknown>,
): Record<string, unknown> {
  if (isEmbeddingsType(type)) return buildEmbeddingsBody(type, model, texts, extra);
  return buildRankingsBody(type, model, texts[0] ?? '', texts.slice(1), extra);
}
