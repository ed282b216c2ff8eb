import { beforeAll, describe, expect, it } from 'vitest';
import { buildSessions, buildSyntheticDataset, RequestOrder } from '../../../ts/src/dataset/synthetic.js';
import { roundHalfEven, standardNormal } from '../../../ts/src/random/normal.js';
import { RandomStream } from '../../../ts/src/random/index.js';
import { corpusTokens } from '../../../ts/src/tokenizer/corpus.js';
import { loadTokenizer, type Tokenizer } from '../../../ts/src/tokenizer/index.js';

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer('builtin');
}, 30_000);

const base = { isl: 50, islStddev: 10, osl: 20, oslStddev: 5, numDatasetEntries: 8, seed: 42n, sharedSystemPromptLength: null };

describe('roundHalfEven', () => {
  it('rounds halves to even', () => {
    expect([0.5, 1.5, 2.5, 4.5, 187.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 188, -2, 2, 3]);
  });
});

describe('synthetic dataset (cli.md §3.3)', () => {
  it('draws ISL then OSL per entry by Box–Muller from infermark/dataset/lengths', () => {
    const ds = buildSyntheticDataset(tok, base, 'chat');
    const s = RandomStream.of(42n, 'infermark/dataset/lengths');
    for (const e of ds.entries) {
      expect(e.requestedIsl).toBe(Math.max(1, roundHalfEven(50 + 10 * standardNormal(s))));
      expect(e.requestedOsl).toBe(Math.max(1, roundHalfEven(20 + 5 * standardNormal(s))));
    }
  });

  it('takes ISL consecutive corpus tokens from the entry’s prompt stream, decoded', () => {
    const ds = buildSyntheticDataset(tok, { ...base, islStddev: 0 }, 'chat');
    const K = corpusTokens(tok);
    const start = RandomStream.of(42n, 'infermark/dataset/prompt', 3n).below(K.length);
    const ids = Array.from({ length: 50 }, (_, j) => K[(start + j) % K.length]!);
    expect(ds.entries[3]!.text).toBe(tok.decode(ids));
  });

  it('records the client token count of what is sent, close to the requested ISL', () => {
    const ds = buildSyntheticDataset(tok, { ...base, numDatasetEntries: 20 }, 'completions');
    for (const e of ds.entries) {
      expect(e.clientIsl).toBe(tok.count(e.text));
      expect(Math.abs(e.clientIsl - e.requestedIsl)).toBeLessThanOrEqual(Math.max(2, 0.05 * e.requestedIsl));
    }
  });

  it('leaves OSL unset when --osl is not given and draws no OSL normals', () => {
    const ds = buildSyntheticDataset(tok, { ...base, osl: null }, 'chat');
    const s = RandomStream.of(42n, 'infermark/dataset/lengths');
    for (const e of ds.entries) {
      expect(e.requestedOsl).toBeNull();
      expect(e.requestedIsl).toBe(Math.max(1, roundHalfEven(50 + 10 * standardNormal(s))));
    }
  });

  it('counts a shared system prompt in every chat entry’s ISL', () => {
    const ds = buildSyntheticDataset(tok, { ...base, sharedSystemPromptLength: 30 }, 'chat');
    expect(ds.systemPrompt).not.toBeNull();
    const sys = tok.count(ds.systemPrompt!);
    for (const e of ds.entries) expect(e.clientIsl).toBe(sys + tok.count(e.text));
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = buildSyntheticDataset(tok, base, 'chat');
    const b = buildSyntheticDataset(tok, base, 'chat');
    const c = buildSyntheticDataset(tok, { ...base, seed: 43n }, 'chat');
    expect(a).toEqual(b);
    expect(a.entries[0]!.text).not.toBe(c.entries[0]!.text);
  });
});

describe('RequestOrder', () => {
  it('is a Fisher–Yates shuffle from the last index down, reshuffled each pass', () => {
    const n = 5;
    const s = RandomStream.of(9n, 'infermark/dataset/order');
    const expected: number[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const a = [0, 1, 2, 3, 4];
      for (let i = n - 1; i >= 1; i--) {
        const j = s.below(i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      expected.push(...a);
    }
    const order = new RequestOrder(n, 9n);
    expect(Array.from({ length: 15 }, (_, k) => order.entryFor(k))).toEqual(expected);
  });

  it('visits every entry once per pass', () => {
    const order = new RequestOrder(100, 1n);
    const pass1 = Array.from({ length: 100 }, (_, k) => order.entryFor(100 + k));
    expect(new Set(pass1).size).toBe(100);
  });
});

describe('synthetic sessions', () => {
  it('draws turns then one delay per later turn from infermark/dataset/sessions', () => {
    const sessions = buildSessions({ numSessions: 5, turnsMean: 3, turnsStddev: 1, delayMeanMs: 100, delayStddevMs: 30, seed: 4n });
    const s = RandomStream.of(4n, 'infermark/dataset/sessions');
    let first = 0;
    for (const sess of sessions) {
      const turns = Math.max(1, roundHalfEven(3 + standardNormal(s)));
      expect(sess.turns).toBe(turns);
      expect(sess.firstTurn).toBe(first);
      expect(sess.delaysMs[0]).toBe(0);
      for (let t = 1; t < turns; t++) expect(sess.delaysMs[t]).toBe(Math.max(0, 100 + 30 * standardNormal(s)));
      first += turns;
    }
  });
});
