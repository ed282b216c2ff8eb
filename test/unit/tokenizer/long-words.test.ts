import { describe, expect, it } from 'vitest';
import { LONG_WORD_CHARS, splitLongWords } from '../../../ts/src/tokenizer/long-words.js';

describe('splitLongWords', () => {
  it('leaves text without a word longer than the window alone', () => {
    expect(splitLongWords('short text')).toBeNull();
    expect(splitLongWords(`${'a'.repeat(LONG_WORD_CHARS)} ${'b'.repeat(LONG_WORD_CHARS)}`)).toBeNull();
  });

  it('cuts a long run every window from its start and nowhere else; the pieces concatenate to the text', () => {
    const text = `hello ${'x'.repeat(12)} and more`;
    expect(splitLongWords(text, 5)).toEqual(['hello xxxxx', 'xxxxx', 'xx and more']);
    const big = `one two ${'y'.repeat(3 * LONG_WORD_CHARS + 5)} three`;
    const pieces = splitLongWords(big)!;
    expect(pieces.join('')).toBe(big);
    expect(pieces.map((p) => p.length)).toEqual([8 + LONG_WORD_CHARS, LONG_WORD_CHARS, LONG_WORD_CHARS, 5 + 6]);
  });

  it('treats tabs, newlines and Unicode spaces as word breaks', () => {
    expect(splitLongWords('aaa\tbbb\nccc\u00a0ddd\u3000eee', 3)).toBeNull();
  });

  it('never cuts between the two halves of a surrogate pair', () => {
    const text = `a${'😀'.repeat(6)}`; // 13 UTF-16 units, no space
    const pieces = splitLongWords(text, 4)!;
    expect(pieces.join('')).toBe(text);
    const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;
    for (const p of pieces) expect(isLowSurrogate(p.charCodeAt(0))).toBe(false);
  });
});
