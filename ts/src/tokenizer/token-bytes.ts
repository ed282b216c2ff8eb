// Token id → the bytes it stands for, the table prompt materialisation hands to the core so that a
// prompt's text is its tokens' bytes concatenated instead of a decode per prompt (docs/synthesis.md
// §6.3). Whether that equals the tokenizer's decode is checked on a probe by the caller.

/** Token id i's bytes are `bytes[offsets[i] … offsets[i+1])`; `offsets` has vocab + 1 entries. */
export interface TokenBytes {
  bytes: Uint8Array;
  offsets: Uint32Array;
}

/**
 * GPT-2's byte ↔ character map of byte-level BPE: printable Latin-1 bytes stand for themselves,
 * the other 68 bytes for U+0100 onwards, in byte order. A vocabulary string of a byte-level
 * tokenizer is a sequence of these characters.
 */
function byteLevelCharToByte(): Map<number, number> {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<number, number>();
  let next = 0;
  for (let b = 0; b < 256; b++) map.set(printable(b) ? b : 256 + next++, b);
  return map;
}

/** How to turn one vocabulary entry into bytes. */
export interface VocabularyView {
  /** Token strings by id (holes: ids the vocabulary does not use). */
  vocab: ArrayLike<string | undefined>;
  /** Added tokens (special or not): their content is their text, never byte-mapped. */
  added: ReadonlySet<string>;
  /** The decoder is byte-level (every bundled tokenizer): token strings map back to bytes exactly. */
  byteLevel: boolean;
  /** The tokenizer's decode of one id; used for tokenizers that are not byte-level. */
  decodeOne(id: number): string;
}

/**
 * The table for a vocabulary. Byte-level tokenizers: each token string mapped back through the
 * byte-level alphabet (a character outside it is taken as its UTF-8). Others (SentencePiece-style
 * `▁` tokenizers): the UTF-8 of decoding the id alone, which loses what only a neighbour decides
 * (a stripped leading space, half of a multi-byte character); the probe then finds the table unsafe.
 */
export function tokenBytesTable(view: VocabularyView): TokenBytes {
  const encoder = new TextEncoder();
  const charToByte = view.byteLevel ? byteLevelCharToByte() : null;
  const n = view.vocab.length;
  const parts: Uint8Array[] = new Array(n);
  let total = 0;
  for (let id = 0; id < n; id++) {
    const token = view.vocab[id];
    let bytes: Uint8Array;
    if (token === undefined) bytes = new Uint8Array(0);
    else if (view.added.has(token)) bytes = encoder.encode(token);
    else if (charToByte !== null) bytes = byteLevelBytes(token, charToByte, encoder);
    else bytes = encoder.encode(view.decodeOne(id));
    parts[id] = bytes;
    total += bytes.length;
  }
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(n + 1);
  let at = 0;
  for (let id = 0; id < n; id++) {
    offsets[id] = at;
    bytes.set(parts[id]!, at);
    at += parts[id]!.length;
  }
  offsets[n] = at;
  return { bytes, offsets };
}

function byteLevelBytes(token: string, charToByte: Map<number, number>, encoder: TextEncoder): Uint8Array {
  const out: number[] = [];
  for (const ch of token) {
    const cp = ch.codePointAt(0)!;
    const b = charToByte.get(cp);
    if (b !== undefined) out.push(b);
    else for (const x of encoder.encode(ch)) out.push(x);
  }
  return Uint8Array.from(out);
}
