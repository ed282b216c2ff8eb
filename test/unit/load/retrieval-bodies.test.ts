// The request bodies of the embeddings and rankings endpoint types (docs/cli.md §3.14).
import { describe, expect, it } from 'vitest';
import { buildEmbeddingsBody, buildRankingsBody, buildRetrievalBody } from '../../../ts/src/load/retrieval-bodies.js';

describe('embeddings bodies', () => {
  it('sends the inputs as a list under input, with the model', () => {
    expect(buildEmbeddingsBody('embeddings', 'e5', ['a b', 'c'], {})).toEqual({ model: 'e5', input: ['a b', 'c'] });
  });

  it('sends a single input as a list of one', () => {
    expect(buildEmbeddingsBody('nim-embeddings', 'nv', ['only'], {})).toEqual({ model: 'nv', input: ['only'] });
  });

  it('merges --extra-inputs over the body (input_type for NIM, encoding_format)', () => {
    expect(buildEmbeddingsBody('nim-embeddings', 'nv', ['x'], { input_type: 'query', model: 'other' })).toEqual({
      model: 'other',
      input: ['x'],
      input_type: 'query',
    });
  });
});

describe('rankings bodies', () => {
  it('Cohere: model, query and documents as strings', () => {
    expect(buildRankingsBody('cohere-rankings', 'rr', 'q', ['p1', 'p2'], {})).toEqual({ model: 'rr', query: 'q', documents: ['p1', 'p2'] });
  });

  it('TEI: query and texts, without a model (a TEI server serves one)', () => {
    expect(buildRankingsBody('hf-tei-rankings', 'rr', 'q', ['p1'], {})).toEqual({ query: 'q', texts: ['p1'] });
  });

  it('NIM: query and passages as text objects', () => {
    expect(buildRankingsBody('nim-rankings', 'rr', 'q', ['p1', 'p2'], { truncate: 'END' })).toEqual({
      model: 'rr',
      query: { text: 'q' },
      passages: [{ text: 'p1' }, { text: 'p2' }],
      truncate: 'END',
    });
  });

  it('a file row of a rankings type is a query with no passages', () => {
    expect(buildRetrievalBody('cohere-rankings', 'rr', ['the row text'], {})).toEqual({
      model: 'rr',
      query: 'the row text',
      documents: [],
    });
    expect(buildRetrievalBody('embeddings', 'e', ['the row text'], {})).toEqual({ model: 'e', input: ['the row text'] });
  });
});
