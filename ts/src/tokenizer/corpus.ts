// The bundled public-domain corpus and its tokenization (synthesis.md §6.1), shared by prompt materialisation and the mock.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Tokenizer } from './index.js';

/** Identifies the corpus text; part of any on-disk cache key. */
export const CORPUS_VERSION = 'kjv-gospels-1';

/** Characters after which a chunk closes (§6.1). */
const CHUNK_CHARS = 10_000;

/** Path of `ts/assets/corpus.txt`: searched upwards from this module (works from `ts/src/` and any build dir). */
export function corpusPath(): string {
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

const prepared = new Map<Tokenizer, Uint32Array>();

/** The corpus token array `K` of §6.1 for this tokenizer (computed once per tokenizer per process). */
export function corpusTokens(tokenizer: Tokenizer): Uint32Array {
  let tokens = prepared.get(tokenizer);
  if (!tokens) {
    const parts = corpusChunks().map((chunk) => tokenizer.encode(chunk, { addSpecialTokens: false }));
    tokens = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      tokens.set(p, at);
      at += p.length;
    }
    prepared.set(tokenizer, tokens);
  }
  return tokens;
}
