import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { encodeTexts, inlineBatchEncoder, workerBatchEncoder } from '../../../ts/src/tokenizer/batch-encoder.js';
import { loadTokenizer } from '../../../ts/src/tokenizer/index.js';
import { LONG_WORD_CHARS } from '../../../ts/src/tokenizer/long-words.js';

const texts = ['hello world', 'The quick brown fox', 'y'.repeat(2 * LONG_WORD_CHARS + 3)];

describe('batch encoders', () => {
  it('lay out each text’s ids at its offsets and count the texts with long words', async () => {
    const tok = await loadTokenizer('builtin');
    const batch = encodeTexts(tok, texts);
    expect(batch.offsets).toHaveLength(4);
    expect([...batch.tokens.subarray(batch.offsets[0], batch.offsets[1])]).toEqual(tok.encode('hello world'));
    expect([...batch.tokens.subarray(batch.offsets[1], batch.offsets[2])]).toEqual(tok.encode('The quick brown fox'));
    expect(batch.estimated).toBe(1);
    expect(await inlineBatchEncoder(tok).encodeBatch(texts)).toEqual(batch);
  });

  it('give the same ids on the worker thread as in this thread', async () => {
    const tok = await loadTokenizer('builtin');
    const encoder = workerBatchEncoder('builtin');
    expect(encoder, 'the worker entry is built (npm run build:ts)').not.toBeNull();
    try {
      expect(await encoder!.encodeBatch(texts)).toEqual(encodeTexts(tok, texts));
    } finally {
      await encoder!.close();
    }
  });

  it('reject a batch with the UsageError of a tokenizer that cannot be loaded', async () => {
    const encoder = workerBatchEncoder('/nonexistent/tokenizer.json')!;
    try {
      const failed = encoder.encodeBatch(['x']);
      await expect(failed).rejects.toBeInstanceOf(UsageError);
      await expect(failed).rejects.toThrow(/tokenizer not found/);
    } finally {
      await encoder.close();
    }
  });
});
