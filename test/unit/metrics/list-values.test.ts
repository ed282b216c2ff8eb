// ValueColumn (ts/src/metrics/list-values.ts): the values of a metric over a long run, in chunks
// kept in memory (integer chunks at half the size) or spilled to a temp file, read back exactly.
import { describe, expect, it } from 'vitest';
import { CHUNK, ValueColumn } from '../../../ts/src/metrics/list-values.js';
import { seededRandom } from '../../helpers/seeded-records.js';

function readAll(col: ValueColumn, from?: number, to?: number): number[] {
  const out: number[] = [];
  for (const c of col.chunks(from, to)) out.push(...c);
  return out;
}

describe('value column', () => {
  it('reads back every value, whole and by range, from memory, integer chunks and the spill file', () => {
    const rand = seededRandom(4);
    const values: number[] = [];
    // Chunk 0 integers, chunk 1 floats, chunk 2 integers with a −0 (kept as float64), then a partial tail.
    for (let i = 0; i < CHUNK; i++) values.push(Math.floor(rand() * 5000) - 100);
    for (let i = 0; i < CHUNK; i++) values.push(rand() * 1000);
    for (let i = 0; i < CHUNK; i++) values.push(i === 77 ? -0 : Math.floor(rand() * 10));
    for (let i = 0; i < 1234; i++) values.push(rand());
    for (const memoryChunks of [Number.POSITIVE_INFINITY, 1, 0]) {
      const col = new ValueColumn({ memoryChunks });
      for (const v of values) col.push(v);
      expect(col.length).toBe(values.length);
      const all = readAll(col);
      expect(all).toEqual(values);
      expect(Object.is(all[2 * CHUNK + 77], -0)).toBe(true);
      expect(readAll(col, CHUNK - 5, 2 * CHUNK + 9)).toEqual(values.slice(CHUNK - 5, 2 * CHUNK + 9));
      col.close();
    }
  });

  it('keeps a chunk of integers in half the memory of a chunk of floats', () => {
    const ints = new ValueColumn();
    const floats = new ValueColumn();
    for (let i = 0; i < 4 * CHUNK; i++) {
      ints.push(i % 1000);
      floats.push(i + 0.5);
    }
    expect(ints.memoryBytes).toBeLessThan(floats.memoryBytes * 0.65);
  });
});
