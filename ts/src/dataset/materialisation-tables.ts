// The tokenizer-derived inputs of prompt materialisation (docs/synthesis.md §6.1), prepared once on
// the main thread and handed to the core (and cloned into load-engine workers): the corpus tokens,
// each token's bytes, the separator, and whether concatenating block bytes gives the tokenizer's
// own decode (checked on a probe; when it does not, prompts are decoded whole).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeDirectorySync } from '../io/directories.js';
import { CORPUS_VERSION, corpusCacheDir, promptCorpusTokens } from '../tokenizer/corpus.js';
import { resolveTokenizer, type Tokenizer, tokenizerFile } from '../tokenizer/index.js';
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

/** Layout version of the cached tables file; a change makes every old file a miss. */
const TABLES_FORMAT = 1;
/** "imt1": the cached tables file's first word. */
const TABLES_MAGIC = 0x31746d69;
/** Header words: magic, format, separator, concatSafe, corpus length, offsets length, bytes length. */
const HEADER_WORDS = 7;

/**
 * The tables of `materialisationTables` for the tokenizer `spec` names, from the on-disk cache when
 * it holds them. The cache is keyed by the corpus version and a SHA-256 of the tokenizer's
 * tokenizer.json and tokenizer_config.json, so a hit needs no tokenizer at all: a replay then sends
 * its first request without loading one on this thread (~1.2 s for Qwen3), and `load` is called
 * only on a miss. An unreadable or unwritable cache only costs that load.
 */
export async function cachedMaterialisationTables(spec: string, load: () => Promise<Tokenizer>): Promise<MaterialisationTables> {
  const path = tablesCachePath(spec);
  const cached = readTables(path);
  if (cached !== null) return cached;
  const tables = materialisationTables(await load());
  writeTables(path, tables);
  return tables;
}

/** Whether the tables of `spec` are in the on-disk cache (a replay then needs no tokenizer to start). */
export function materialisationTablesCached(spec: string): boolean {
  return readTables(tablesCachePath(spec)) !== null;
}

function tablesCachePath(spec: string): string {
  const file = tokenizerFile(resolveTokenizer(spec));
  const hash = createHash('sha256').update(`${CORPUS_VERSION}\u0000${TABLES_FORMAT}\u0000`).update(readFileSync(file));
  const config = join(dirname(file), 'tokenizer_config.json');
  if (existsSync(config)) hash.update('\u0000').update(readFileSync(config));
  return join(corpusCacheDir(), `tables-${CORPUS_VERSION}-${hash.digest('hex').slice(0, 32)}.bin`);
}

function readTables(path: string): MaterialisationTables | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  if (bytes.length < HEADER_WORDS * 4) return null;
  // A copy at offset 0, so the typed arrays below are aligned whatever Buffer's pooling did.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const header = new Int32Array(buffer, 0, HEADER_WORDS);
  const [magic, format, separator, concatSafe, corpusLength, offsetsLength, bytesLength] = Array.from(header) as number[];
  const expected = HEADER_WORDS * 4 + 4 * (corpusLength! + offsetsLength!) + bytesLength!;
  if (
    magic !== TABLES_MAGIC ||
    format !== TABLES_FORMAT ||
    corpusLength! < 0 ||
    offsetsLength! < 1 ||
    bytesLength! < 0 ||
    expected !== bytes.length
  ) {
    return null;
  }
  let at = HEADER_WORDS * 4;
  const corpus = new Uint32Array(buffer, at, corpusLength);
  at += 4 * corpusLength!;
  const tokenOffsets = new Uint32Array(buffer, at, offsetsLength);
  at += 4 * offsetsLength!;
  const tokenBytes = new Uint8Array(buffer, at, bytesLength);
  if (tokenOffsets[offsetsLength! - 1] !== bytesLength) return null;
  return { corpus, tokenBytes, tokenOffsets, separator: separator!, concatSafe: concatSafe === 1 };
}

function writeTables(path: string, t: MaterialisationTables): void {
  const header = Int32Array.from([
    TABLES_MAGIC,
    TABLES_FORMAT,
    t.separator,
    t.concatSafe ? 1 : 0,
    t.corpus.length,
    t.tokenOffsets.length,
    t.tokenBytes.length,
  ]);
  try {
    makeDirectorySync(dirname(path));
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      Buffer.concat([header, t.corpus, t.tokenOffsets, t.tokenBytes].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))),
    );
    renameSync(tmp, path);
  } catch {
    // A read-only cache directory is fine: the next run loads the tokenizer again.
  }
}
