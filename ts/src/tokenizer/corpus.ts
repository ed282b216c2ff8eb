// The bundled public-domain corpus and its tokenization (docs/synthesis.md §6.1), shared by prompt materialisation and the mock.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedAssets } from '../embedded-assets.js';
import { makeDirectorySync } from '../io/directories.js';
import { fnv1a64 } from '../random/index.js';
import type { Tokenizer } from './index.js';

/** Identifies the corpus text; part of any on-disk cache key. */
export const CORPUS_VERSION = 'kjv-gospels-1';

/** Characters after which a chunk closes (§6.1). */
const CHUNK_CHARS = 10_000;

/** Path of `ts/assets/corpus.txt`: searched upwards from this module (works from `ts/src/` and any build dir). */
export function corpusPath(): string {
  const embedded = embeddedAssets()?.file('ts/assets/corpus.txt');
  if (embedded) return embedded;
  for (let up = '../'; up.length <= 6 * 3; up += '../') {
    for (const rel of [`${up}assets/corpus.txt`, `${up}ts/assets/corpus.txt`]) {
      const path = fileURLToPath(new URL(rel, import.meta.url));
      if (existsSync(path)) return path;
    }
  }
  throw new Error('bundled corpus ts/assets/corpus.txt is missing from the installation');
}

let text: string | undefined;

/** The raw corpus text. */
export function corpusText(): string {
  text ??= readFileSync(corpusPath(), 'utf8');
  return text;
}

/**
 * The corpus as chunks of §6.1: stripped non-empty lines grouped until their accumulated
 * character count reaches 10,000, each chunk's lines joined with one space.
 */
export function corpusChunks(source: string = corpusText()): string[] {
  const chunks: string[] = [];
  let lines: string[] = [];
  let chars = 0;
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    lines.push(line);
    chars += line.length;
    if (chars >= CHUNK_CHARS) {
      chunks.push(lines.join(' '));
      lines = [];
      chars = 0;
    }
  }
  if (lines.length > 0) chunks.push(lines.join(' '));
  return chunks;
}

/** Where prepared corpora are cached: $INFERMARK_CACHE_DIR, else $XDG_CACHE_HOME/infermark, else ~/.cache/infermark. */
export function corpusCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INFERMARK_CACHE_DIR) return env.INFERMARK_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'infermark');
}

function sameIds(a: Uint32Array, b: readonly number[]): boolean {
  if (a.length < b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * How the chunks' tokens are joined: `chunks` encodes each chunk on its own (`K` of §6.1, used by the
 * mock); `spaced` encodes every chunk after the first with a leading space, so the text across a
 * chunk boundary reads "… word. Word …" and re-encodes to the same tokens instead of gluing two
 * words into one (`K_p`, the prompt corpus of docs/cli.md §3.3).
 */
type CorpusVariant = 'chunks' | 'spaced';

/** Weakly keyed: the prepared corpus must not keep a tokenizer (tens of MiB) alive after its last user let go. */
const prepared: Record<CorpusVariant, WeakMap<Tokenizer, Uint32Array>> = { chunks: new WeakMap(), spaced: new WeakMap() };

/**
 * The corpus token array `K` of §6.1 for this tokenizer (computed once per tokenizer per
 * process). It is also cached on disk, keyed by the corpus version and a fingerprint of the
 * tokenizer's ids for the first chunk, which is checked again on load; an unreadable or
 * unwritable cache only costs the ~0.5 s of re-tokenizing.
 */
export function corpusTokens(tokenizer: Tokenizer): Uint32Array {
  return preparedCorpus(tokenizer, 'chunks');
}

/**
 * The prompt corpus `K_p` (docs/synthesis.md §6.1): the same chunks, each after the first encoded
 * with a leading space, so a window of it decodes to text that re-encodes to the same tokens except
 * at its two ends. Cached like `K`.
 */
export function promptCorpusTokens(tokenizer: Tokenizer): Uint32Array {
  return preparedCorpus(tokenizer, 'spaced');
}

function preparedCorpus(tokenizer: Tokenizer, variant: CorpusVariant): Uint32Array {
  let tokens = prepared[variant].get(tokenizer);
  if (tokens) return tokens;
  const chunks = corpusChunks();
  const probe = tokenizer.encode(chunks[0] ?? '', { addSpecialTokens: false });
  const key = fnv1a64(`${CORPUS_VERSION}\u0000${tokenizer.name}\u0000${probe.join(',')}`)
    .toString(16)
    .padStart(16, '0');
  const file = join(corpusCacheDir(), `corpus-${CORPUS_VERSION}-${variant === 'spaced' ? 'spaced-' : ''}${key}.u32`);
  try {
    const bytes = readFileSync(file);
    if (bytes.length % 4 === 0) {
      const cached = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      if (sameIds(cached, probe)) tokens = cached;
    }
  } catch {
    // not cached yet
  }
  if (!tokens) {
    const lead = variant === 'spaced' ? ' ' : '';
    const parts = [probe, ...chunks.slice(1).map((chunk) => tokenizer.encode(lead + chunk, { addSpecialTokens: false }))];
    tokens = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      tokens.set(p, at);
      at += p.length;
    }
    try {
      // Not mkdir's `recursive`: it never returns for a cache dir under /proc (see makeDirectorySync).
      makeDirectorySync(corpusCacheDir());
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, tokens);
      renameSync(tmp, file);
    } catch {
      // a read-only home is fine: the next process re-tokenizes
    }
  }
  prepared[variant].set(tokenizer, tokens);
  return tokens;
}
