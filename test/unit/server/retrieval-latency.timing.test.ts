// serve-mock's embeddings and rankings latency (docs/serve-mock.md §2.1): the latency model's time
// to first token of a prompt of the tokens a request reads.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../../ts/src/server/index.js';
import { post } from './client.js';

describe('latency', () => {
  it('grows with the tokens a request reads (simple model: ttft + per-token cost)', async () => {
    const m = await startMockServer({ port: 0, latencyModel: 'simple', ttft: 1, ttftPerIslTokenMs: 1.5, model: ['mock-model'] });
    try {
      const time = async (body: unknown, path: string): Promise<number> => {
        const t0 = performance.now();
        expect((await post(`${m.url}${path}`, body)).status).toBe(200);
        return performance.now() - t0;
      };
      const word = 'word ';
      const short = await time({ input: [word.repeat(10)] }, '/v1/embeddings');
      const long = await time({ input: [word.repeat(200), word.repeat(200)] }, '/v1/embeddings');
      // 400 more tokens at 1.5 ms each: 600 ms more (a stall on the shorter request only narrows the gap).
      expect(long - short).toBeGreaterThan(300);
      // A reranker reads the query with each passage: 4 passages of a 100-token query cost 400 tokens more than one.
      const query = word.repeat(100);
      const one = await time({ query, texts: ['a'] }, '/rerank');
      const four = await time({ query, texts: ['a', 'b', 'c', 'd'] }, '/rerank');
      expect(four - one).toBeGreaterThan(300);
    } finally {
      await m.close();
    }
  });
});
