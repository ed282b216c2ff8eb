import { describe, expect, it } from 'vitest';
import { COUNTED_CHARS_BUDGET, countTokens, encodeBounded } from '../../../ts/src/tokenizer/count-windows.js';
import { LONG_WORD_CHARS } from '../../../ts/src/tokenizer/long-words.js';
import { loadTokenizer } from '../../../ts/src/tokenizer/index.js';

/** Letters from a fixed linear congruential sequence: a word BPE cannot shortcut. */
function randomWord(n: number, seed = 7): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += String.fromCharCode(97 + (x % 26));
  }
  return s;
}

/** A stub that records every text it is asked about: one token per 4 characters. */
function recordingCounter() {
  const seen: string[] = [];
  return {
    seen,
    count(text: string): number {
      seen.push(text);
      return Math.ceil(text.length / 4);
    },
    encode(text: string): number[] {
      seen.push(text);
      return Array.from({ length: Math.ceil(text.length / 4) }, (_, i) => i);
    },
  };
}

describe('encodeBounded / countTokens', () => {
  it('are exact (and say so) for ordinary text', async () => {
    const tok = await loadTokenizer('builtin');
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
    expect(encodeBounded(tok, text)).toEqual({ ids: tok.encode(text), estimated: false });
    expect(countTokens(tok, text)).toEqual({ tokens: tok.count(text), estimated: false });
    expect(countTokens(tok, '')).toEqual({ tokens: 0, estimated: false });
  });

  it('estimate a long single word within 1 % of the exact count, and say so', async () => {
    const tok = await loadTokenizer('builtin');
    const word = randomWord(3 * LONG_WORD_CHARS + 100);
    const exact = tok.count(word);
    const encoded = encodeBounded(tok, word);
    expect(encoded.estimated).toBe(true);
    expect(Math.abs(encoded.ids.length - exact) / exact).toBeLessThan(0.01);
    const counted = countTokens(tok, `prefix ${word} suffix`);
    expect(counted.estimated).toBe(true);
    expect(Math.abs(counted.tokens - tok.count(`prefix ${word} suffix`)) / exact).toBeLessThan(0.01);
  });

  it('never hands the tokenizer more than one window of a long word at a time', () => {
    const stub = recordingCounter();
    encodeBounded(stub, randomWord(20 * LONG_WORD_CHARS));
    expect(Math.max(...stub.seen.map((t) => t.length))).toBe(LONG_WORD_CHARS);
  });

  it('counts at most the budget of a huge word and extrapolates the rest', () => {
    const stub = recordingCounter();
    const word = randomWord(50 * COUNTED_CHARS_BUDGET);
    const counted = countTokens(stub, word);
    expect(stub.seen.reduce((s, t) => s + t.length, 0)).toBe(COUNTED_CHARS_BUDGET);
    expect(counted).toEqual({ tokens: word.length / 4, estimated: true });
  });

  it('encodes a window that repeats only once (a word of one letter)', () => {
    const stub = recordingCounter();
    const { ids } = encodeBounded(stub, 'z'.repeat(100 * LONG_WORD_CHARS));
    expect(ids).toHaveLength(100 * (LONG_WORD_CHARS / 4));
    expect(stub.seen).toHaveLength(1);
  });
});
