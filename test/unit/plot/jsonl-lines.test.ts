// Reading a JSONL file line by line in chunks: lines across chunk boundaries, multi-byte
// characters cut by a chunk, an unfinished last line, a line too long to hold.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLines } from '../../../ts/src/plot/jsonl-lines.js';

const root = mkdtempSync(join(tmpdir(), 'infermark-lines-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function collect(content: string, options: { chunkBytes?: number; maxLineBytes?: number } = {}) {
  const path = join(root, `f${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, content);
  const got: Array<[number, string]> = [];
  const tooLong: number[] = [];
  const result = await readLines(path, { line: (t, n) => got.push([n, t]), tooLong: (n) => tooLong.push(n) }, options);
  return { got, tooLong, ...result };
}

describe('readLines', () => {
  it('gives every line with its number, whatever the chunk size, multi-byte characters included', async () => {
    const content = `{"model":"é€𝄞"}\n\n{"a":1}\n{"long":"${'x'.repeat(50)}"}\n`;
    for (const chunkBytes of [1, 2, 3, 7, 64, 4096]) {
      const r = await collect(content, { chunkBytes });
      expect(r.got, `chunk ${chunkBytes}`).toEqual([
        [1, '{"model":"é€𝄞"}'],
        [2, ''],
        [3, '{"a":1}'],
        [4, `{"long":"${'x'.repeat(50)}"}`],
      ]);
      expect(r).toMatchObject({ lines: 4, partialLastLine: false });
    }
  });

  it('holds back an unfinished last line and says it was there', async () => {
    const r = await collect('{"a":1}\n{"b":', { chunkBytes: 3 });
    expect(r.got).toEqual([[1, '{"a":1}']]);
    expect(r.partialLastLine).toBe(true);
  });

  it('reports a line longer than the limit instead of holding it, and goes on after it', async () => {
    const r = await collect(`{"a":1}\n${'y'.repeat(100)}\n{"b":2}\n`, { chunkBytes: 8, maxLineBytes: 32 });
    expect(r.got).toEqual([
      [1, '{"a":1}'],
      [3, '{"b":2}'],
    ]);
    expect(r.tooLong).toEqual([2]);
  });
});
