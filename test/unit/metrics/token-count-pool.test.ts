import { describe, expect, it } from 'vitest';
import { createWorkerTokenCountService, tokenCountWorkerEntry } from '../../../ts/src/metrics/token-count-pool.js';
import { loadTokenizer } from '../../../ts/src/tokenizer/index.js';

describe('worker-thread token counting', () => {
  it('needs the compiled worker entry (npm run build:ts)', () => {
    expect(tokenCountWorkerEntry(), 'run `npm run build:ts` before the unit tests').not.toBeNull();
  });

  it('counts exactly like the in-process tokenizer and names its record processor', async () => {
    const pool = createWorkerTokenCountService('builtin', 2)!;
    try {
      const texts = ['Hello, world!', '', 'The quick brown fox jumps over the lazy dog. '.repeat(20), '数据 和 模型'];
      const tok = await loadTokenizer('builtin');
      const [a, b] = await Promise.all([pool.countBatch(texts), pool.countBatch(texts.slice(0, 2))]);
      expect(a.counts).toEqual(texts.map((t) => (t === '' ? 0 : tok.count(t))));
      expect(b.counts).toEqual(a.counts.slice(0, 2));
      expect(new Set([a.processorId, b.processorId])).toEqual(new Set(['record_processor_0', 'record_processor_1']));
    } finally {
      await pool.close();
    }
  }, 20_000);

  it('rejects with the worker id when the tokenizer cannot load', async () => {
    const pool = createWorkerTokenCountService('/nonexistent/tokenizer/dir', 1)!;
    try {
      await expect(pool.countBatch(['x'])).rejects.toThrow(/record_processor_0.*tokenizer not found/);
    } finally {
      await pool.close();
    }
  }, 20_000);
});
