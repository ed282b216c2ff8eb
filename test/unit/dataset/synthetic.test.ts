import { beforeAll, describe, expect, it } from 'vitest';
import { buildSessions, buildSyntheticDataset, RequestOrder } from '../../../ts/src/dataset/synthetic.js';
import { roundHalfEven } from '../../../ts/src/random/normal.js';
import { loadTokenizer, type Tokenizer } from '../../../ts/src/tokenizer/index.js';

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer('builtin');
}, 30_000);

const base = { isl: 50, islStddev: 10, osl: 20, oslStddev: 5, numDatasetEntries: 8, seed: 42n, sharedSystemPromptLength: null };

// The expected values below are fixed vectors, not recomputed with the implementation's own
// stream and normal helpers: they were captured once and checked against an independent
// implementation of docs/synthesis.md §2.1 (itself checked against the §2.3 test vectors).

describe('roundHalfEven', () => {
  it('rounds halves to even', () => {
    expect([0.5, 1.5, 2.5, 4.5, 187.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 188, -2, 2, 3]);
  });
});

describe('synthetic dataset (docs/cli.md §3.3)', () => {
  it('draws ISL then OSL per entry by Box–Muller from infermark/dataset/lengths', () => {
    // Entry 0 by hand: stream(42, "infermark/dataset/lengths") gives u1 = 0.7511432772592874,
    // u2 = 0.5202731611960802, so z = sqrt(−2·ln(1 − u1))·cos(2π·u2) = −1.65435 and
    // ISL = rhe(50 + 10·z) = rhe(33.46) = 33; then u = 0.49953…, 0.85468… give z = 0.71927 and
    // OSL = rhe(20 + 5·z) = rhe(23.60) = 24.
    const ds = buildSyntheticDataset(tok, base, 'chat');
    expect(ds.entries.map((e) => [e.requestedIsl, e.requestedOsl])).toEqual([
      [33, 24],
      [42, 19],
      [46, 23],
      [48, 20],
      [41, 9],
      [49, 29],
      [44, 23],
      [34, 24],
    ]);
  });

  it('takes ISL consecutive tokens of the prompt corpus from the entry’s prompt stream, decoded', () => {
    // stream(42, "infermark/dataset/prompt", 3).below(105012) = 42635 (the builtin tokenizer's
    // prompt corpus has 105,012 tokens): 50 tokens from there are this passage of Mark 11:31–33,
    // which re-encodes to the same 50 tokens.
    const ds = buildSyntheticDataset(tok, { ...base, islStddev: 0 }, 'chat');
    expect(ds.entries[3]!.text).toBe(
      ' him? But if we shall say, Of men; they feared the people: for all men counted John, that he was a prophet indeed.' +
        ' And they answered and said unto Jesus, We cannot tell. And Jesus answering saith unto them, Neither',
    );
  });

  it('records the client token count of what is sent, equal to the requested ISL', () => {
    const ds = buildSyntheticDataset(tok, { ...base, numDatasetEntries: 20 }, 'completions');
    for (const e of ds.entries) {
      expect(e.clientIsl).toBe(tok.count(e.text));
      expect(e.clientIsl).toBe(e.requestedIsl);
    }
  });

  it('leaves OSL unset when --osl is not given and draws no OSL normals', () => {
    // Entry 1's ISL takes the normal that was entry 0's OSL draw above: rhe(50 + 10·0.71927) = 57.
    const ds = buildSyntheticDataset(tok, { ...base, osl: null }, 'chat');
    expect(ds.entries.map((e) => e.requestedOsl)).toEqual(Array(8).fill(null));
    expect(ds.entries.map((e) => e.requestedIsl)).toEqual([33, 57, 42, 49, 46, 55, 48, 50]);
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
    // Three passes over 5 entries from stream(9, "infermark/dataset/order"): the draws
    // below(5), below(4), below(3), below(2) are 0, 2, 2, 1 in the first pass, which swap
    // [0,1,2,3,4] into [4,1,3,2,0].
    const order = new RequestOrder(5, 9n);
    expect(Array.from({ length: 15 }, (_, k) => order.entryFor(k))).toEqual([4, 1, 3, 2, 0, 0, 2, 3, 1, 4, 0, 3, 2, 4, 1]);
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
    expect(sessions).toEqual([
      { index: 0, turns: 2, delaysMs: [0, 101.11519562267777], firstTurn: 0 },
      { index: 1, turns: 2, delaysMs: [0, 85.43268865073509], firstTurn: 2 },
      { index: 2, turns: 4, delaysMs: [0, 130.78101684422913, 83.23976701741934, 57.23943579930809], firstTurn: 4 },
      { index: 3, turns: 4, delaysMs: [0, 88.7158103066411, 115.16370929051736, 79.62274748611298], firstTurn: 8 },
      { index: 4, turns: 2, delaysMs: [0, 124.81186067127372], firstTurn: 12 },
    ]);
  });
});

// Issue 16 defect 4: `--isl-stddev 1e9` and `--session-turns-stddev 1e20` asked for billions of
// tokens or turns and hung before the first request.
describe('drawn lengths and turns are bounded (docs/cli.md §3.6 rules 21, 22)', () => {
  it('caps a drawn ISL and OSL at 1,000,000 tokens and refuses a drawn total above 10,000,000 before making any text', () => {
    let calls = 0;
    const counting = new Proxy(tok, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (key === 'encode' || key === 'decode' || key === 'count') calls += 1;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    calls = 0;
    expect(() => buildSyntheticDataset(counting, { ...base, islStddev: 1e9, numDatasetEntries: 100 }, 'chat')).toThrow(
      "option '--isl-stddev': the 100 synthetic prompts drawn with '--isl' 50 and '--isl-stddev' 1000000000 have more than 10000000 tokens together (docs/cli.md §3.6 rule 21)",
    );
    // Only the corpus was encoded (once, cached per tokenizer): no prompt text was made.
    expect(calls).toBeLessThanOrEqual(1);
  });

  it('caps a drawn turn count at 1,000,000 and refuses sessions with more than 1,000,000 turns together', () => {
    const one = buildSessions({ numSessions: 1, turnsMean: 2, turnsStddev: 1e20, delayMeanMs: 0, delayStddevMs: 0, seed: 3n });
    expect(one[0]!.turns === 1 || one[0]!.turns === 1_000_000).toBe(true);
    expect(() => buildSessions({ numSessions: 100, turnsMean: 2, turnsStddev: 1e20, delayMeanMs: 0, delayStddevMs: 0, seed: 3n })).toThrow(
      "option '--session-turns-stddev': the 100 synthetic sessions drawn with '--session-turns-mean' 2 and '--session-turns-stddev' 100000000000000000000 have more than 1000000 turns together (docs/cli.md §3.6 rule 22)",
    );
  });
});
