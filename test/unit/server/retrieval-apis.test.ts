// serve-mock's embeddings and rankings APIs (docs/serve-mock.md §2.1, §5.6): answers in each API's
// shape, errors in each API's error shape, usage counted with the tokenizer (latency: retrieval-latency.timing.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServerHandle, startMockServer } from '../../../ts/src/server/index.js';
import { loadTokenizer, type Tokenizer } from '../../../ts/src/tokenizer/index.js';
import { post } from './client.js';

let s: MockServerHandle;
let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer('builtin');
  s = await startMockServer({ port: 0, latencyModel: 'none', strictModel: true, model: ['mock-model'], apiKey: 'k' });
});
afterAll(async () => {
  await s.close();
});

const auth = { authorization: 'Bearer k' };

describe('/v1/embeddings', () => {
  it('one unit embedding per input, in order, usage counting the input tokens', async () => {
    const input = ['The quick brown fox', 'jumps over the lazy dog'];
    const r = await post(`${s.url}/v1/embeddings`, { model: 'mock-model', input, dimensions: 8 }, auth);
    expect(r.status).toBe(200);
    expect(r.json.object).toBe('list');
    expect(r.json.data.map((d: any) => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 8],
      ['embedding', 1, 8],
    ]);
    const norm = Math.hypot(...(r.json.data[0].embedding as number[]));
    expect(norm).toBeCloseTo(1, 5);
    const tokens = tok.count(input[0]!) + tok.count(input[1]!);
    expect(r.json.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
  });

  it('embeds the same text the same way, and answers base64 when asked', async () => {
    const a = await post(`${s.url}/v1/embeddings`, { model: 'mock-model', input: 'same', dimensions: 4 }, auth);
    const b = await post(
      `${s.url}/v1/embeddings`,
      { model: 'mock-model', input: ['same'], dimensions: 4, encoding_format: 'base64' },
      auth,
    );
    const decoded = Array.from(new Float32Array(Uint8Array.from(Buffer.from(b.json.data[0].embedding, 'base64')).buffer));
    expect(decoded).toEqual(a.json.data[0].embedding);
  });

  it('OpenAI error shape for a bad body and an unknown model', async () => {
    const bad = await post(`${s.url}/v1/embeddings`, { model: 'mock-model', input: [] }, auth);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { message: "'input' must be a non-empty array", type: 'invalid_request_error', code: 400 } });
    const unknown = await post(`${s.url}/v1/embeddings`, { model: 'other', input: ['x'] }, auth);
    expect(unknown.status).toBe(404);
  });

  it('requires the API key, on the rerank paths too', async () => {
    expect((await post(`${s.url}/v1/embeddings`, { model: 'mock-model', input: ['x'] })).status).toBe(401);
    // The rerank paths live outside /v1/ and are guarded too.
    expect((await post(`${s.url}/rerank`, { query: 'q', texts: ['a'] })).status).toBe(401);
    expect((await post(`${s.url}/v2/rerank`, { model: 'mock-model', query: 'q', documents: ['a'] })).status).toBe(401);
  });
});

describe('rankings', () => {
  const passages = ['alpha beta', 'gamma', 'delta epsilon zeta'];

  it('Cohere /v2/rerank: results by relevance, top_n kept', async () => {
    const r = await post(`${s.url}/v2/rerank`, { model: 'mock-model', query: 'q', documents: passages, top_n: 2 }, auth);
    expect(r.status).toBe(200);
    expect(r.json.results).toHaveLength(2);
    const all = await post(`${s.url}/v2/rerank`, { model: 'mock-model', query: 'q', documents: passages }, auth);
    const scores = all.json.results.map((x: any) => x.relevance_score);
    expect([...scores].sort((x: number, y: number) => y - x)).toEqual(scores);
    expect(all.json.results.map((x: any) => x.index).sort()).toEqual([0, 1, 2]);
    expect(r.json.results).toEqual(all.json.results.slice(0, 2));
  });

  it('TEI /rerank: a top-level list of index and score, with text when asked', async () => {
    const r = await post(`${s.url}/rerank`, { query: 'q', texts: passages, return_text: true }, auth);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.json)).toBe(true);
    expect(r.json.map((x: any) => passages[x.index] === x.text && x.score > 0 && x.score < 1)).toEqual([true, true, true]);
  });

  it('NIM /v1/ranking: rankings with logits, the same order as the other APIs for the same pairs', async () => {
    const body = { model: 'mock-model', query: { text: 'q' }, passages: passages.map((text) => ({ text })) };
    const r = await post(`${s.url}/v1/ranking`, body, auth);
    const cohere = await post(`${s.url}/v2/rerank`, { model: 'mock-model', query: 'q', documents: passages }, auth);
    expect(r.json.rankings.map((x: any) => x.index)).toEqual(cohere.json.results.map((x: any) => x.index));
    expect(r.json.rankings[0].logit).toBeCloseTo(
      Math.log(cohere.json.results[0].relevance_score / (1 - cohere.json.results[0].relevance_score)),
      9,
    );
  });

  it("errors in each API's shape", async () => {
    const c = await post(`${s.url}/v2/rerank`, { model: 'mock-model', query: 'q' }, auth);
    expect(c.status).toBe(400);
    expect(c.json).toMatchObject({ message: "'documents' must be a non-empty array" });
    const t = await post(`${s.url}/rerank`, { query: 'q', texts: 'nope' }, auth);
    expect(t.status).toBe(422);
    expect(t.json).toEqual({ error: "'texts' must be a non-empty array", error_type: 'Validation' });
    const n = await post(`${s.url}/v1/ranking`, { model: 'mock-model', query: 'q', passages: [{ text: 'a' }] }, auth);
    expect(n.status).toBe(422);
    expect(n.json).toEqual({ detail: "'query.text' must be a string" });
  });
});
