// Prompt text of an exact token count (docs/cli.md §3.3, "Exact lengths"): a window of the prompt
// corpus, decoded, re-encoded and repaired until the text itself encodes to the requested length.
import type { Tokenizer } from '../tokenizer/index.js';

/**
 * Repair rounds per start position, each one decode and one encode. A decoded window of the prompt
 * corpus re-encodes a token or two off, at its ends, so a round or two normally suffice.
 */
const MAX_ROUNDS = 4;
/** Start positions tried (the drawn one, then the next ones) before an entry is reported inexact. */
const MAX_STARTS = 8;

export interface ExactText {
  text: string;
  /** `encode(text).length`, without special tokens. */
  tokens: number;
}

/** `n` consecutive tokens of `corpus` from `start`, wrapping around. */
export function corpusWindow(corpus: Uint32Array, start: number, n: number): number[] {
  const ids = new Array<number>(n);
  const size = corpus.length;
  let at = start % size;
  for (let j = 0; j < n; j++) {
    ids[j] = corpus[at]!;
    at = at + 1 === size ? 0 : at + 1;
  }
  return ids;
}

/**
 * Text from corpus position `start` whose re-encoding has `n` tokens if one is found within
 * MAX_ROUNDS: decode the window, re-encode it; when the re-encoding is longer keep its first `n`
 * tokens, when shorter append the corpus tokens that follow the window; decode again.
 */
function repair(tokenizer: Tokenizer, corpus: Uint32Array, start: number, n: number): ExactText {
  let ids = corpusWindow(corpus, start, n);
  let next = start + n;
  let best: ExactText | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const text = tokenizer.decode(ids);
    const encoded = tokenizer.encode(text, { addSpecialTokens: false });
    const found = { text, tokens: encoded.length };
    if (best === null || Math.abs(found.tokens - n) < Math.abs(best.tokens - n)) best = found;
    if (encoded.length === n) return found;
    if (encoded.length > n) {
      ids = encoded.slice(0, n);
    } else {
      const missing = n - encoded.length;
      ids = encoded.concat(corpusWindow(corpus, next, missing));
      next += missing;
    }
  }
  return best!;
}

/**
 * Text of exactly `n` tokens (docs/cli.md §3.3): `repair` from `start`, then from `start + 1`, … up
 * to MAX_STARTS positions, until a text has `n` tokens and `accept` (a check of the text in the
 * context it is sent in, such as after a system prompt) agrees. Deterministic in its inputs.
 * Returns the closest text with `exact: false` when no position gives one; callers report it.
 */
export function exactCorpusText(
  tokenizer: Tokenizer,
  corpus: Uint32Array,
  start: number,
  n: number,
  accept: (candidate: ExactText) => boolean = () => true,
): ExactText & { exact: boolean } {
  let closest: ExactText | null = null;
  for (let s = 0; s < MAX_STARTS; s++) {
    const candidate = repair(tokenizer, corpus, (start + s) % corpus.length, n);
    if (candidate.tokens === n && accept(candidate)) return { ...candidate, exact: true };
    if (closest === null || Math.abs(candidate.tokens - n) < Math.abs(closest.tokens - n)) closest = candidate;
  }
  return { ...closest!, exact: false };
}
