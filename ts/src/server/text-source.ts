// Prompt token counting and deterministic output text for the mock (docs/serve-mock.md §3.2–3.4).
import { RandomStream, fnv1a64 } from '../random/index.js';
import { corpusText, corpusTokens } from '../tokenizer/corpus.js';
import type { Tokenizer } from '../tokenizer/index.js';

/** The output of one request: token ids (for KV block hashing) and each token's JSON-escaped text. */
export interface OutputTokens {
  ids: Uint32Array;
  /** `JSON.stringify(text)` of each token, quotes included, ready to splice into an event. */
  json: string[];
  /** The plain text of each token. */
  text: string[];
}

const MAX_CACHED_CHARS = 16_000_000;

export class TextSource {
  /** Corpus position → token id. */
  private readonly ids: Uint32Array;
  /** Corpus position → index of the first usable position at or after it (wrapping), for §3.4's skip rule. */
  private readonly nextGood: Int32Array;
  /** Corpus position → token text (only meaningful at usable positions). */
  private readonly texts: string[];
  private readonly jsons: string[];
  /** Prompt tokenisation on the serving thread (short prompts, docs/serve-mock.md §10). */
  readonly prompts: PromptTokens;

  private constructor(
    readonly tokenizer: Tokenizer | null,
    ids: Uint32Array,
    texts: string[],
  ) {
    this.ids = ids;
    this.texts = texts;
    this.jsons = texts.map((t) => JSON.stringify(t));
    this.prompts = new PromptTokens(tokenizer);
    const n = ids.length;
    const nextGood = new Int32Array(n).fill(-1);
    // Two backward passes resolve wrap-around: the second sees the first usable index from the start.
    let next = -1;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = n - 1; i >= 0; i--) {
        if (isUsable(texts[i]!)) next = i;
        nextGood[i] = next;
      }
    }
    if (next < 0) throw new Error('the corpus has no token that decodes to non-empty ASCII text');
    this.nextGood = nextGood;
  }

  /** Output from the tokenizer's view of the bundled corpus (`Ncorp` = its token count). */
  static withTokenizer(tokenizer: Tokenizer): TextSource {
    const ids = corpusTokens(tokenizer);
    const byId = new Map<number, string>();
    const texts = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let t = byId.get(id);
      if (t === undefined) {
        t = tokenizer.decode([id]);
        byId.set(id, t);
      }
      texts[i] = t;
    }
    return new TextSource(tokenizer, ids, texts);
  }

  /** `--no-tokenizer`: the corpus's whitespace-separated words are the tokens, each followed by a space. */
  static withoutTokenizer(): TextSource {
    const words = corpusText()
      .split(/\s+/)
      .filter((w) => w !== '');
    const ids = new Uint32Array(words.length);
    words.forEach((w, i) => {
      ids[i] = Number(fnv1a64(w) & 0xffffffffn);
    });
    return new TextSource(
      null,
      ids,
      words.map((w) => `${w} `),
    );
  }

  /** `Ncorp`. */
  get size(): number {
    return this.ids.length;
  }

  /** The content stream draws of §3.4 (`promptHash` = FNV-1a 64 of the prompt text): corpus start offset, then `u`. */
  contentDraws(seed: bigint, promptHash: bigint): { offset: number; u: number } {
    const s = RandomStream.of(seed, 'infermark/mock/content', promptHash);
    const offset = s.below(this.size);
    const u = s.unit();
    return { offset, u };
  }

  /** `n` consecutive usable corpus tokens from `offset` (wrapping). */
  output(offset: number, n: number): OutputTokens {
    const ids = new Uint32Array(n);
    const json = new Array<string>(n);
    const text = new Array<string>(n);
    let pos = offset % this.size;
    for (let i = 0; i < n; i++) {
      pos = this.nextGood[pos]!;
      ids[i] = this.ids[pos]!;
      json[i] = this.jsons[pos]!;
      text[i] = this.texts[pos]!;
      pos = pos + 1 === this.size ? 0 : pos + 1;
    }
    return { ids, json, text };
  }
}

/**
 * Prompt token ids with a cache of recent prompts (benchmarks repeat them). The serving thread
 * has one and so has each prompt worker (./prompt-workers.ts); both give the same ids.
 */
export class PromptTokens {
  private readonly cache = new Map<string, ArrayLike<number>>();
  private cachedChars = 0;

  constructor(readonly tokenizer: Tokenizer | null) {}

  /**
   * Token ids of a prompt (what the prefix cache hashes). Without a tokenizer every 4
   * characters are one pseudo-token, so the count is ceil(length / 4).
   */
  ids(text: string, parseSpecialTokens: boolean): ArrayLike<number> {
    const key = parseSpecialTokens ? text : `\u0000${text}`;
    const hit = this.cache.get(key);
    if (hit) {
      // Refresh recency so hot prompts survive.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    // 4 bytes per token instead of a JS array's 8: prompts are the bulk of per-request memory.
    const ids = this.tokenizer ? Uint32Array.from(this.tokenizer.encode(text, { parseSpecialTokens })) : charQuads(text);
    this.cache.set(key, ids);
    this.cachedChars += key.length;
    while (this.cachedChars > MAX_CACHED_CHARS) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
      this.cachedChars -= oldest.length;
    }
    return ids;
  }
}

function isUsable(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test is for ASCII, control characters included
  return text.length > 0 && /^[\x00-\x7f]+$/.test(text);
}

function charQuads(text: string): Uint32Array {
  const n = Math.ceil(text.length / 4);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let j = i * 4; j < Math.min(text.length, i * 4 + 4); j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
    ids[i] = h >>> 0;
  }
  return ids;
}
