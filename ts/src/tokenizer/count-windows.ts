// Encoding and counting with long words cut into windows (./long-words.ts): exact for ordinary
// text, an estimate — said so — for text with words longer than LONG_WORD_CHARS.
import { LONG_WORD_CHARS, splitLongWords } from './long-words.js';

/** A tokenizer's encoder, as `Tokenizer.encode` (special tokens not added). */
export interface TokenEncoder {
  encode(text: string, options?: { addSpecialTokens?: boolean }): readonly number[];
}

/** A tokenizer's counter, as `Tokenizer.count`. */
export interface TokenCounter {
  count(text: string): number;
}

/** Token ids of a text, and whether a long word was cut into windows to get them (then they are an estimate). */
export interface BoundedEncoding {
  ids: readonly number[];
  estimated: boolean;
}

/** A token count, and whether it is an estimate (long words cut into windows, or extrapolated). */
export interface BoundedCount {
  tokens: number;
  estimated: boolean;
}

/**
 * Characters of a text with long words that `countTokens` encodes before it extrapolates the rest
 * at the tokens-per-character ratio measured so far: bounds counting a 50 MB single-word response
 * to a few hundred milliseconds.
 */
export const COUNTED_CHARS_BUDGET = 64 * 1024;

/**
 * Windows encoded (or counted) recently, per encoder: a word of one repeated letter is the same
 * window again and again. Only full windows are kept, at most PIECE_CACHE_ENTRIES per encoder.
 */
const PIECE_CACHE_ENTRIES = 64;
const idCaches = new WeakMap<object, Map<string, readonly number[]>>();
const countCaches = new WeakMap<object, Map<string, number>>();

function cached<T>(caches: WeakMap<object, Map<string, T>>, owner: object, piece: string, compute: () => T): T {
  if (piece.length !== LONG_WORD_CHARS) return compute();
  let cache = caches.get(owner);
  if (!cache) {
    cache = new Map();
    caches.set(owner, cache);
  }
  const hit = cache.get(piece);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= PIECE_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(piece, value);
  return value;
}

/**
 * Token ids of `text` without special tokens added: the encoder's own result when no word is
 * longer than LONG_WORD_CHARS; else the concatenated ids of the windows, an estimate. Time and
 * memory stay linear in the text's length either way.
 */
export function encodeBounded(encoder: TokenEncoder, text: string): BoundedEncoding {
  const pieces = splitLongWords(text);
  if (pieces === null) return { ids: encoder.encode(text, { addSpecialTokens: false }), estimated: false };
  const ids: number[] = [];
  for (const piece of pieces) {
    for (const id of cached(idCaches, encoder, piece, () => encoder.encode(piece, { addSpecialTokens: false }))) ids.push(id);
  }
  return { ids, estimated: true };
}

/**
 * Number of tokens of `text`: the counter's own when no word is longer than LONG_WORD_CHARS; else
 * the windows' counts for the first COUNTED_CHARS_BUDGET characters and, beyond them, the
 * measured tokens-per-character ratio: an estimate in bounded time.
 */
export function countTokens(counter: TokenCounter, text: string): BoundedCount {
  if (text === '') return { tokens: 0, estimated: false };
  const pieces = splitLongWords(text);
  if (pieces === null) return { tokens: counter.count(text), estimated: false };
  let tokens = 0;
  let countedChars = 0;
  let k = 0;
  for (; k < pieces.length && countedChars < COUNTED_CHARS_BUDGET; k++) {
    const piece = pieces[k]!;
    tokens += cached(countCaches, counter, piece, () => counter.count(piece));
    countedChars += piece.length;
  }
  if (k < pieces.length) tokens += Math.round(((text.length - countedChars) * tokens) / countedChars);
  return { tokens, estimated: true };
}
