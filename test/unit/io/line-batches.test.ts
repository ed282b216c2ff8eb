// Lines pulled in batches (ts/src/io/line-batches.ts): lines cut by reads come back whole, UTF-8
// characters are never split, an unfinished last line is reported and left out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { lineBatches } from '../../../ts/src/io/line-batches.js';

const dir = mkdtempSync(join(tmpdir(), 'infermark-line-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string, chunkBytes: number): Promise<{ lines: string[]; numbers: number[]; partial: boolean }> {
  const lines: string[] = [];
  const numbers: number[] = [];
  const it = lineBatches(path, { chunkBytes, maxLineBytes: 64 });
  for (;;) {
    const r = await it.next();
    if (r.done) return { lines, numbers, partial: r.value.partialLastLine };
    r.value.lines.forEach((l, i) => {
      lines.push(l);
      numbers.push(r.value.firstLineNo + i);
    });
  }
}

describe('lineBatches', () => {
  const text = ['{"a":1}', 'ünïcödé → ✓ 🙂', '', 'x'.repeat(40), 'last'];
  const path = join(dir, 'lines.jsonl');
  writeFileSync(path, `${text.join('\n')}\n`);

  it('gives every line whole and numbered, whatever the read size', async () => {
    for (const chunk of [1, 2, 3, 7, 16, 1024]) {
      const r = await readAll(path, chunk);
      expect(r.lines, `chunk ${chunk}`).toEqual(text);
      expect(r.numbers).toEqual([1, 2, 3, 4, 5]);
      expect(r.partial).toBe(false);
    }
  });

  it('leaves out an unfinished last line and says so; a blank one is not unfinished', async () => {
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, 'one\ntwo\n{"unfinis');
    expect(await readAll(cut, 4)).toEqual({ lines: ['one', 'two'], numbers: [1, 2], partial: true });
    writeFileSync(cut, 'one\n  ');
    expect((await readAll(cut, 4)).partial).toBe(false);
  });

  it('refuses a line longer than the limit, naming the file and line', async () => {
    const long = join(dir, 'long.jsonl');
    writeFileSync(long, `short\n${'y'.repeat(100)}\n`);
    await expect(readAll(long, 8)).rejects.toThrow(new UsageError(`${long}: line 2 is longer than 64 bytes`));
  });

  it('names a file that cannot be read', async () => {
    const missing = join(dir, 'missing.jsonl');
    await expect(readAll(missing, 8)).rejects.toThrow(/^cannot read .*missing\.jsonl: /);
  });
});
