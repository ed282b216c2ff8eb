// Where a text holds "words" too long to tokenize whole: runs of characters without whitespace
// longer than a window, and where to cut them (docs/metrics.md §4.1).
//
// BPE merges each pre-tokenizer piece as a whole, and a piece never spans whitespace; on a piece of
// a million letters the merge queue of @lenml/tokenizers takes a minute and grows without bound
// (issue 16: 63 s for a 1 MB single-word response, 78 s for a 5 MB single-word prompt). Cutting
// such runs into windows keeps the cost linear in the text; the tokens of a cut piece can differ
// from the whole piece's next to each cut, so the result is an estimate and is reported as one.

/** Runs of non-whitespace characters longer than this are cut into windows of this many characters. */
export const LONG_WORD_CHARS = 4096;

/** Whitespace as the pre-tokenizers' `\s` sees it (ASCII and the Unicode space separators). */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * `text` cut inside every run of more than `limit` non-whitespace characters, every `limit`
 * characters from the run's start (never between the two halves of a surrogate pair); the pieces
 * concatenate to `text`. Null when no run is that long: the text can be tokenized whole, exactly.
 * One pass over the text.
 */
export function splitLongWords(text: string, limit: number = LONG_WORD_CHARS): string[] | null {
  if (text.length <= limit) return null;
  let pieces: string[] | null = null;
  let pieceStart = 0;
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) {
      runStart = i + 1;
      continue;
    }
    if (i - runStart < limit) continue;
    // Character i is the (limit+1)-th of the run: cut before it (or one later, inside a surrogate pair).
    let cut = i;
    const code = text.charCodeAt(cut);
    if (code >= 0xdc00 && code <= 0xdfff) cut += 1;
    if (cut >= text.length) break;
    pieces ??= [];
    pieces.push(text.slice(pieceStart, cut));
    pieceStart = cut;
    runStart = cut;
    i = cut;
    if (isSpace(text.charCodeAt(cut))) runStart = cut + 1;
  }
  if (pieces === null) return null;
  pieces.push(text.slice(pieceStart));
  return pieces;
}
