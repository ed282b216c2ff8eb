// The progress line while `profile --input-file` reads its file before the first request.
import { describe, expect, it } from 'vitest';
import { readingText } from '../../../ts/src/profile/file-dataset.js';

describe('the input file progress line', () => {
  it('says which pass, how far, of how much, and how fast', () => {
    expect(readingText('t.jsonl', 250e6, 500e6, 'read', 2)).toBe(
      'checking t.jsonl before the first request  [############............] 50%  250.0/500.0 MB  125.0 MB/s',
    );
    expect(readingText('t.jsonl', 100e6, 400e6, 'learn', 1)).toBe(
      'learning t.jsonl for the transform (pass 1 of 2)  [######..................] 25%  100.0/400.0 MB  100.0 MB/s',
    );
  });

  it('shows only the bytes when the size is not known', () => {
    expect(readingText('-', 3e6, null, 'read', 1)).toBe('checking - before the first request  3.0 MB  3.0 MB/s');
  });
});
