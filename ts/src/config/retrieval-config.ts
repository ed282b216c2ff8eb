// The embeddings and rankings endpoint types (docs/cli.md §3.14): which they are, the path each
// posts to, and the flags that shape their requests (inputs per embeddings request; the query and
// passages of a rankings request), with AIPerf 0.13's names and defaults.
import { UsageError } from '../errors.js';
import type { EndpointType } from './defaults.js';

export type EmbeddingsType = 'embeddings' | 'nim-embeddings';
export type RankingsType = 'cohere-rankings' | 'hf-tei-rankings' | 'nim-rankings';
export type RetrievalType = EmbeddingsType | RankingsType;

/** The path each type posts to when `--endpoint` is not given (AIPerf 0.13's). */
export const RETRIEVAL_PATHS: Readonly<Record<RetrievalType, string>> = {
  embeddings: '/v1/embeddings',
  'nim-embeddings': '/v1/embeddings',
  'cohere-rankings': '/v2/rerank',
  'hf-tei-rankings': '/rerank',
  'nim-rankings': '/v1/ranking',
};

export function isEmbeddingsType(t: EndpointType | string): t is EmbeddingsType {
  return t === 'embeddings' || t === 'nim-embeddings';
}

export function isRankingsType(t: EndpointType | string): t is RankingsType {
  return t === 'cohere-rankings' || t === 'hf-tei-rankings' || t === 'nim-rankings';
}

/** A type whose answer is one JSON body without generated tokens (no TTFT, ITL or OSL). */
export function isRetrievalType(t: EndpointType | string): t is RetrievalType {
  return isEmbeddingsType(t) || isRankingsType(t);
}

export const RETRIEVAL_DEFAULTS = {
  promptBatchSize: 1,
  rankingsPassagesMean: 1,
  rankingsPassagesStddev: 0,
  rankingsPassagesPromptTokenMean: 550,
  rankingsPassagesPromptTokenStddev: 0,
  rankingsQueryPromptTokenMean: 550,
  rankingsQueryPromptTokenStddev: 0,
} as const;

/** Inputs of one embeddings request and passages of one rankings request: at most this many. */
export const MAX_INPUTS_PER_REQUEST = 10_000;

export interface RetrievalOptions {
  promptBatchSize?: number;
  rankingsPassagesMean?: number;
  rankingsPassagesStddev?: number;
  rankingsPassagesPromptTokenMean?: number;
  rankingsPassagesPromptTokenStddev?: number;
  rankingsQueryPromptTokenMean?: number;
  rankingsQueryPromptTokenStddev?: number;
}

export interface Distribution {
  mean: number;
  stddev: number;
}

export interface RetrievalConfig {
  /** Synthetic prompts per embeddings request (`--prompt-batch-size`). */
  batchSize: number;
  /** Passages per rankings request. */
  passages: Distribution;
  /** Tokens per passage. */
  passageTokens: Distribution;
  /** Tokens per query. */
  queryTokens: Distribution;
}

const RANKINGS_FLAGS = [
  ['rankingsPassagesMean', '--rankings-passages-mean'],
  ['rankingsPassagesStddev', '--rankings-passages-stddev'],
  ['rankingsPassagesPromptTokenMean', '--rankings-passages-prompt-token-mean'],
  ['rankingsPassagesPromptTokenStddev', '--rankings-passages-prompt-token-stddev'],
  ['rankingsQueryPromptTokenMean', '--rankings-query-prompt-token-mean'],
  ['rankingsQueryPromptTokenStddev', '--rankings-query-prompt-token-stddev'],
] as const;

/**
 * The request shape of the flags. A flag that cannot change what `endpointType` sends is a usage
 * error naming the types it applies to (AIPerf ignores it silently, so a misspelt type went
 * unnoticed). `fromFile`: the prompts come from `--input-file`, which the synthetic shape flags
 * cannot change either.
 */
export function resolveRetrievalConfig(o: RetrievalOptions, endpointType: EndpointType, fromFile: boolean): RetrievalConfig {
  const batchSize = o.promptBatchSize ?? RETRIEVAL_DEFAULTS.promptBatchSize;
  if (o.promptBatchSize !== undefined && !isEmbeddingsType(endpointType)) {
    throw new UsageError(
      `option '--prompt-batch-size' applies to the embeddings endpoint types (embeddings, nim-embeddings), not to '--endpoint-type ${endpointType}'`,
    );
  }
  for (const [key, flag] of RANKINGS_FLAGS) {
    if (o[key] === undefined) continue;
    if (!isRankingsType(endpointType)) {
      throw new UsageError(
        `option '${flag}' applies to the rankings endpoint types (cohere-rankings, hf-tei-rankings, nim-rankings), not to '--endpoint-type ${endpointType}'`,
      );
    }
    if (fromFile) throw new UsageError(`option '${flag}' shapes synthetic rankings requests and cannot be used with option '--input-file'`);
  }
  if (o.promptBatchSize !== undefined && fromFile) {
    throw new UsageError("option '--prompt-batch-size' batches synthetic prompts and cannot be used with option '--input-file'");
  }
  return {
    batchSize,
    passages: {
      mean: o.rankingsPassagesMean ?? RETRIEVAL_DEFAULTS.rankingsPassagesMean,
      stddev: o.rankingsPassagesStddev ?? RETRIEVAL_DEFAULTS.rankingsPassagesStddev,
    },
    passageTokens: {
      mean: o.rankingsPassagesPromptTokenMean ?? RETRIEVAL_DEFAULTS.rankingsPassagesPromptTokenMean,
      stddev: o.rankingsPassagesPromptTokenStddev ?? RETRIEVAL_DEFAULTS.rankingsPassagesPromptTokenStddev,
    },
    queryTokens: {
      mean: o.rankingsQueryPromptTokenMean ?? RETRIEVAL_DEFAULTS.rankingsQueryPromptTokenMean,
      stddev: o.rankingsQueryPromptTokenStddev ?? RETRIEVAL_DEFAULTS.rankingsQueryPromptTokenStddev,
    },
  };
}
