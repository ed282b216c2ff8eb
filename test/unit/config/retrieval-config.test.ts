// The embeddings and rankings flags (docs/cli.md §3.14): defaults, paths, and the usage errors of
// a flag that cannot change what the endpoint type sends.
import { describe, expect, it } from 'vitest';
import { resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { resolveRetrievalConfig } from '../../../ts/src/config/retrieval-config.js';
import { UsageError } from '../../../ts/src/errors.js';

const base = { model: ['m'], url: ['http://127.0.0.1:1'] };

describe('endpoint paths', () => {
  it.each([
    ['embeddings', '/v1/embeddings'],
    ['nim-embeddings', '/v1/embeddings'],
    ['cohere-rankings', '/v2/rerank'],
    ['hf-tei-rankings', '/rerank'],
    ['nim-rankings', '/v1/ranking'],
  ] as const)('%s posts to %s unless --endpoint says otherwise', (type, path) => {
    expect(resolveProfileConfig({ ...base, endpointType: type }, 'infermark').endpoint.path).toBe(path);
    expect(resolveProfileConfig({ ...base, endpointType: type, endpoint: 'x/y' }, 'infermark').endpoint.path).toBe('/x/y');
  });

  it('turns --streaming off for a type that answers with one JSON body', () => {
    expect(resolveProfileConfig({ ...base, endpointType: 'embeddings', streaming: true }, 'infermark').endpoint.streaming).toBe(false);
  });
});

describe('request shape flags', () => {
  it("defaults to AIPerf's: one input, one passage of 550 tokens, a 550-token query", () => {
    expect(resolveRetrievalConfig({}, 'cohere-rankings', false)).toEqual({
      batchSize: 1,
      passages: { mean: 1, stddev: 0 },
      passageTokens: { mean: 550, stddev: 0 },
      queryTokens: { mean: 550, stddev: 0 },
    });
  });

  it.each([
    [{ promptBatchSize: 2 }, 'chat', "option '--prompt-batch-size' applies to the embeddings endpoint types"],
    [{ promptBatchSize: 2 }, 'nim-rankings', "option '--prompt-batch-size' applies to the embeddings endpoint types"],
    [{ rankingsPassagesMean: 3 }, 'embeddings', "option '--rankings-passages-mean' applies to the rankings endpoint types"],
    [{ rankingsQueryPromptTokenStddev: 3 }, 'completions', "option '--rankings-query-prompt-token-stddev' applies to the rankings"],
  ] as const)('%o with %s is a usage error', (o, type, message) => {
    expect(() => resolveRetrievalConfig(o, type, false)).toThrow(UsageError);
    expect(() => resolveRetrievalConfig(o, type, false)).toThrow(message);
  });

  it('refuses the synthetic shape flags with --input-file', () => {
    expect(() => resolveRetrievalConfig({ promptBatchSize: 4 }, 'embeddings', true)).toThrow(
      "option '--prompt-batch-size' batches synthetic prompts and cannot be used with option '--input-file'",
    );
  });

  it('refuses synthetic multi-turn sessions for an embeddings or rankings type', () => {
    expect(() => resolveProfileConfig({ ...base, endpointType: 'embeddings', sessionTurnsMean: 3 }, 'infermark')).toThrow(
      "'--endpoint-type embeddings' sends single requests; it cannot be used with synthetic multi-turn sessions",
    );
  });
});
