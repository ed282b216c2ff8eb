// What the embeddings and rankings types count and accept (docs/metrics.md §2.4, §5.1): ISL texts,
// inputs per request, the shape checks of 2xx answers, and the message of each API's error body.
import { describe, expect, it } from 'vitest';
import { checkBody, httpStatusError } from '../../../ts/src/load/response-check.js';
import { checkRetrievalPayload, retrievalInputCount, retrievalInputTexts } from '../../../ts/src/metrics/retrieval-responses.js';

const cohere = { model: 'm', query: 'q', documents: ['a', 'b', 'c'] };
const tei = { query: 'q', texts: ['a', 'b'] };
const nim = { model: 'm', query: { text: 'q' }, passages: [{ text: 'a' }, { text: 'b' }] };
const emb = { model: 'm', input: ['x', 'y', 'z'] };

describe('inputs of a request', () => {
  it('counts every embeddings input, and the query and every passage of a ranking, as sent text', () => {
    expect(retrievalInputTexts('embeddings', emb)).toEqual(['x', 'y', 'z']);
    expect(retrievalInputTexts('cohere-rankings', cohere)).toEqual(['q', 'a', 'b', 'c']);
    expect(retrievalInputTexts('hf-tei-rankings', tei)).toEqual(['q', 'a', 'b']);
    expect(retrievalInputTexts('nim-rankings', nim)).toEqual(['q', 'a', 'b']);
  });

  it('counts embeddings inputs and passages, a string input as one', () => {
    expect(retrievalInputCount('embeddings', emb)).toBe(3);
    expect(retrievalInputCount('embeddings', { input: 'one' })).toBe(1);
    expect(retrievalInputCount('cohere-rankings', cohere)).toBe(3);
    expect(retrievalInputCount('hf-tei-rankings', tei)).toBe(2);
    expect(retrievalInputCount('nim-rankings', nim)).toBe(2);
  });
});

describe('shape of a 2xx answer', () => {
  const vec = { object: 'embedding', embedding: [0.1, 0.2] };

  it('accepts one embedding per input, as numbers or base64', () => {
    const data = [
      { ...vec, index: 0 },
      { ...vec, index: 1 },
      { object: 'embedding', index: 2, embedding: 'AAAA' },
    ];
    expect(checkRetrievalPayload('embeddings', emb, { data })).toBeNull();
  });

  it('fails an embeddings answer with fewer embeddings than inputs', () => {
    expect(checkRetrievalPayload('embeddings', emb, { data: [vec] })).toEqual({
      code: 502,
      type: 'InvalidResponseError',
      message: 'embeddings response has 1 embeddings for 3 inputs',
    });
  });

  it('fails an embeddings answer without data', () => {
    expect(checkRetrievalPayload('embeddings', emb, { object: 'list' })?.message).toBe('embeddings response has no data list');
  });

  it("accepts each API's ranking list, a Cohere top_n shorter than the passages included", () => {
    expect(checkRetrievalPayload('cohere-rankings', cohere, { results: [{ index: 2, relevance_score: 0.9 }] })).toBeNull();
    expect(
      checkRetrievalPayload('hf-tei-rankings', tei, [
        { index: 1, score: 0.5 },
        { index: 0, score: 0.1 },
      ]),
    ).toBeNull();
    expect(checkRetrievalPayload('nim-rankings', nim, { rankings: [{ index: 0, logit: -1.2 }] })).toBeNull();
  });

  it('fails a ranking answer without its list, or with an index of no passage sent', () => {
    expect(checkRetrievalPayload('nim-rankings', nim, { results: 'nope' })?.message).toBe('rankings response has no result list');
    expect(checkRetrievalPayload('hf-tei-rankings', tei, [{ index: 5, score: 0.1 }])?.message).toMatch(/index of one of the 2 passages/);
  });

  it('checkBody runs the shape check after the JSON and error checks', () => {
    const check = (p: unknown) => checkRetrievalPayload('embeddings', emb, p);
    expect(checkBody('{"data":[]}', null, check)?.message).toBe('embeddings response has 0 embeddings for 3 inputs');
    expect(checkBody('{"error":{"message":"boom","code":503}}', null, check)?.message).toBe('boom');
    expect(checkBody('{"data":[]}')).toBeNull();
  });
});

describe("the message of each API's error body", () => {
  it('OpenAI error.message, Cohere message, TEI error, NIM detail', () => {
    expect(httpStatusError(400, 'Bad Request', '{"error":{"message":"too long","type":"invalid_request_error"}}').message).toBe('too long');
    expect(httpStatusError(400, 'Bad Request', '{"id":"x","message":"invalid request: documents must not be empty"}').message).toBe(
      'invalid request: documents must not be empty',
    );
    expect(httpStatusError(422, 'Unprocessable Entity', '{"error":"`texts` cannot be empty","error_type":"Validation"}')).toEqual({
      code: 422,
      type: 'Unprocessable Entity',
      message: '`texts` cannot be empty',
    });
    expect(httpStatusError(422, 'Unprocessable Entity', '{"detail":"query.text is required"}').message).toBe('query.text is required');
  });
});
