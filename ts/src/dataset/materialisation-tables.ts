// The tokenizer-derived inputs of prompt materialisation (docs/synthesis.md §6.1), prepared once on
// the main thread and handed to the core (and cloned into load-engine workers): the corpus tokens,
// each token's bytes, the separator, and whether concatenating block bytes gives the tokenizer's
// own decode (checked on a probe; when it does not, prompts are decoded whole).
import { promptCorpusTokens } from '../tokenizer/corpus.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { MaterialisationTables } from './turn-source.js';

/** The separator of docs/synthesis.md §6.1: the BOS token if the tokenizer declares one, else its EOS, else none (−1). */
export function separatorToken(tokenizer: Pick<Tokenizer, 'bosTokenId' | 'eosTokenId'>): number {
  return tokenizer.bosTokenId ?? tokenizer.eosTokenId ?? -1;
}

/** Probe blocks: enough to cover the corpus's variety of words and punctuation, few enough to decode in milliseconds. */
const PROBE_BLOCKS = 8;
const PROBE_BLOCK_TOKENS = 256;

const utf8 = new TextDecoder('utf-8');

/** The text the core makes of `ids`: their bytes concatenated, read as UTF-8 with replacement characters (lossy). */
export function bytesText(ids: ArrayLike<number>, tables: Pick<MaterialisationTables, 'tokenBytes' | 'tokenOffsets'>): string {
  let total = 0;
  for (let i = 0; i < ids.length; i++) total += tables.tokenOffsets[ids[i]! + 1]! - tables.tokenOffsets[ids[i]!]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < ids.length; i++) {
    const from = tables.tokenOffsets[ids[i]!]!;
    const to = tables.tokenOffsets[ids[i]! + 1]!;
    out.set(tables.tokenBytes.subarray(from, to), at);
    at += to - from;
  }
  return utf8.decode(out);
}

/**
 * Whether text can be made block by block (docs/synthesis.md §6.3): on blocks built as the core
 * builds them (the separator, then consecutive corpus tokens, from offsets spread over the whole
 * corpus), the bytes of each block decode to the tokenizer's decode of it, and decoding the
 * blocks together equals decoding each and concatenating. A tokenizer that cleans up spaces or
 * strips a leading space on decode fails here.
 */
export function concatenationSafe(
  tokenizer: Pick<Tokenizer, 'decode'>,
  tables: Pick<MaterialisationTables, 'corpus' | 'tokenBytes' | 'tokenOffsets' | 'separator'>,
): boolean {
  const n = tables.corpus.length;
  if (n === 0) return false;
  const blocks: number[][] = [];
  for (let b = 0; b < PROBE_BLOCKS; b++) {
    const start = Math.floor((b * n) / PROBE_BLOCKS);
    const block = tables.separator >= 0 ? [tables.separator] : [];
    // Block b wraps around the corpus end like the core's (indices modulo Ncorp); sizes vary so
    // blocks also end mid-word.
    const size = PROBE_BLOCK_TOKENS - 17 * b;
    for (let i = 0; block.length < size; i++) block.push(tables.corpus[(start + i) % n]!);
    blocks.push(block);
  }
  const decode = (ids: number[]): string => tokenizer.decode(ids, { skipSpecialTokens: false });
  let joined = '';
  for (const block of blocks) {
    const text = decode(block);
    if (bytesText(block, tables) !== text) return false;
    joined += text;
  }
  return decode(blocks.flat()) === joined;
}

/** The tables of docs/synthesis.md §6.1 for this tokenizer: the prompt corpus K_p, id → bytes, the separator, the probe. */
export function materialisationTables(tokenizer: Tokenizer): MaterialisationTables {
  const { bytes, offsets } = tokenizer.tokenBytes();
  const tables = {
    // K_p, not K: a block that spans two corpus chunks then decodes to text that re-encodes to
    // the same tokens ("… word. Word …" rather than "…word.Word…"), keeping materialised lengths exact.
    corpus: promptCorpusTokens(tokenizer),
    tokenBytes: bytes,
    tokenOffsets: offsets,
    separator: separatorToken(tokenizer),
  };
  return { ...tables, concatSafe: concatenationSafe(tokenizer, tables) };
}
