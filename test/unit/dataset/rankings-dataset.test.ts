// Synthetic rankings requests (docs/cli.md §3.14): drawn passage counts and lengths, exact texts, seeded.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRankingsDataset } from '../../../ts/src/dataset/rankings-dataset.js';
import { loadTokenizer, type Tokenizer } from '../../../ts/src/tokenizer/index.js';

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer('builtin');
});

const options = (over = {}) => ({
  numDatasetEntries: 20,
  seed: 7n,
  passages: { mean: 3, stddev: 0 },
  passageTokens: { mean: 25, stddev: 0 },
  queryTokens: { mean: 12, stddev: 0 },
  ...over,
});

describe('rankings dataset', () => {
  it('gives each entry a query and its passages, each exactly as long as asked', () => {
    const d = buildRankingsDataset(tok, options());
    expect(d.entries).toHaveLength(20);
    expect(d.inexact).toEqual([]);
    for (const e of d.entries) {
      expect(tok.count(e.text)).toBe(12);
      expect(d.passages[e.index]!.map((p) => tok.count(p))).toEqual([25, 25, 25]);
      expect(e.clientIsl).toBe(12 + 3 * 25);
    }
  });

  it('draws passage counts around the mean, at least one, the same for the same seed', () => {
    const a = buildRankingsDataset(tok, options({ passages: { mean: 4, stddev: 3 }, passageTokens: { mean: 5, stddev: 0 } }));
    const b = buildRankingsDataset(tok, options({ passages: { mean: 4, stddev: 3 }, passageTokens: { mean: 5, stddev: 0 } }));
    const counts = a.passages.map((p) => p.length);
    expect(new Set(counts).size).toBeGreaterThan(1);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(b.passages).toEqual(a.passages);
    expect(b.entries.map((e) => e.text)).toEqual(a.entries.map((e) => e.text));
  });
});
