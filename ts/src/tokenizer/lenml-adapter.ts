// A Tokenizer over a @lenml/tokenizers PreTrainedTokenizer built from tokenizer.json objects: no
// Node import, so the CLI (./index.ts reads the files) and the browser app's worker (the bundled
// Qwen3 JSON) encode with the same code and get the same ids.
import { tokenBytesTable, type TokenBytes } from './token-bytes.js';

/** The @lenml/tokenizers module (the code alone; the vocabularies come as tokenizer.json objects). */
export type Lenml = typeof import('@lenml/tokenizers');

export interface EncodeOptions {
  /** Add the tokenizer's BOS/EOS post-processing tokens (default false; Qwen3 adds none). */
  addSpecialTokens?: boolean;
  /** Recognise special-token text such as `<|im_start|>` as single tokens (default true, as HF). */
  parseSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** `builtin:<family>` (`builtin:qwen3` by default), the resolved tokenizer.json path, or the Hugging Face model id. */
  readonly name: string;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** `encode(text).length` without special tokens added. */
  count(text: string): number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  /** Token id → bytes, for prompt materialisation (./token-bytes.ts); built on first use. */
  tokenBytes(): TokenBytes;
}

/** The minimal surface of a @lenml PreTrainedTokenizer that we use. */
interface LenmlTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
  bos_token_id?: number;
  eos_token_id?: number;
  added_tokens: { content: string; special: boolean; lstrip: boolean; rstrip: boolean }[];
  added_tokens_splitter: { constructor: new (words: string[]) => unknown; split(text: string): string[] };
  added_tokens_map: Map<string, { id: number }>;
  model: { vocab: ArrayLike<string | undefined> };
}

/** Texts shorter than this are encoded directly; the section cache pays off on long prompts. */
const SECTION_MIN_TEXT = 512;
const SECTION_MIN_CACHED = 64;
const SECTION_CACHE_CHARS = 8_000_000;

export class LenmlAdapter implements Tokenizer {
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  /** A view of the tokenizer that only splits off non-special added tokens (parseSpecialTokens: false). */
  private readonly literal: LenmlTokenizer;

  /**
   * Whether a text may be encoded section by section (split at added tokens). True when no
   * added token strips its neighbours and the pre-tokenizer does not depend on the section's
   * position (Metaspace's prepend_scheme), i.e. exactly when @lenml's own encode treats the
   * sections independently.
   */
  private readonly sectionwise: boolean;
  /** Section text → ids, least recently used first; bounded by total characters. */
  private readonly sections = new Map<string, readonly number[]>();
  private sectionChars = 0;
  private readonly byteLevel: boolean;
  private table: TokenBytes | null = null;

  constructor(
    readonly name: string,
    private readonly inner: LenmlTokenizer,
    preTokenizerConfig: unknown,
    decoderConfig: unknown,
  ) {
    // A ByteLevel decoder, alone or in a Sequence: token strings are GPT-2's byte alphabet.
    this.byteLevel = JSON.stringify(decoderConfig ?? null).includes('"ByteLevel"');
    this.sectionwise =
      !inner.added_tokens.some((t) => t.lstrip || t.rstrip) && !JSON.stringify(preTokenizerConfig ?? null).includes('Metaspace');
    this.bosTokenId = typeof inner.bos_token_id === 'number' ? inner.bos_token_id : null;
    this.eosTokenId = typeof inner.eos_token_id === 'number' ? inner.eos_token_id : null;
    const plain = inner.added_tokens.filter((t) => !t.special);
    const Splitter = inner.added_tokens_splitter.constructor;
    const literal = Object.create(inner) as LenmlTokenizer;
    literal.added_tokens_splitter = new Splitter(plain.map((t) => t.content)) as LenmlTokenizer['added_tokens_splitter'];
    literal.added_tokens_map = new Map(plain.map((t) => [t.content, inner.added_tokens_map.get(t.content)!]));
    this.literal = literal;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecialTokens = options.addSpecialTokens ?? false;
    if (options.parseSpecialTokens === false) return this.literal.encode(text, { add_special_tokens: addSpecialTokens });
    if (addSpecialTokens || !this.sectionwise || text.length < SECTION_MIN_TEXT) {
      return this.inner.encode(text, { add_special_tokens: addSpecialTokens });
    }
    // Prompts built from shared blocks (trace materialisation starts every block with a special
    // token; chat templates wrap every message in them) repeat the same sections: encoding each
    // section once makes re-encoding a long shared prefix a concatenation. Same result as the
    // whole-text encode, which splits at exactly these points and encodes sections independently.
    const parts = this.inner.added_tokens_splitter.split(text);
    if (parts.length === 1) return this.inner.encode(text, { add_special_tokens: false });
    const out: number[] = [];
    for (const part of parts) {
      if (part === '') continue;
      const added = this.inner.added_tokens_map.get(part);
      if (added) {
        out.push(added.id);
        continue;
      }
      for (const id of this.encodeSection(part)) out.push(id);
    }
    return out;
  }

  private encodeSection(part: string): readonly number[] {
    if (part.length < SECTION_MIN_CACHED) return this.inner.encode(part, { add_special_tokens: false });
    const hit = this.sections.get(part);
    if (hit) {
      this.sections.delete(part);
      this.sections.set(part, hit);
      return hit;
    }
    const ids = this.inner.encode(part, { add_special_tokens: false });
    this.sections.set(part, ids);
    this.sectionChars += part.length;
    while (this.sectionChars > SECTION_CACHE_CHARS) {
      const oldest = this.sections.keys().next().value as string;
      this.sections.delete(oldest);
      this.sectionChars -= oldest.length;
    }
    return ids;
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    // @lenml throws on an empty list; an empty sequence decodes to the empty string.
    if (ids.length === 0) return '';
    return this.inner.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  count(text: string): number {
    return this.encode(text).length;
  }

  tokenBytes(): TokenBytes {
    this.table ??= tokenBytesTable({
      vocab: this.inner.model.vocab,
      added: new Set(this.inner.added_tokens.map((t) => t.content)),
      byteLevel: this.byteLevel,
      decodeOne: (id) => this.decode([id]),
    });
    return this.table;
  }
}

/**
 * A tokenizer from a parsed tokenizer.json and tokenizer_config.json; throws what @lenml throws on
 * a malformed file (callers name the file).
 */
export function tokenizerFromJson(
  { TokenizerLoader, tokenizers }: Lenml,
  tokenizerJSON: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
  name: string,
): Tokenizer {
  // @lenml console.warns on an unknown class and then uses the base class; choose it quietly.
  const cls = typeof tokenizerConfig.tokenizer_class === 'string' ? tokenizerConfig.tokenizer_class.replace(/Fast$/, '') : '';
  const mapping = (tokenizers.AutoTokenizer as unknown as { TOKENIZER_CLASS_MAPPING: Record<string, unknown> }).TOKENIZER_CLASS_MAPPING;
  const known = cls !== '' && cls in mapping;
  const inner = TokenizerLoader.fromPreTrained({
    tokenizerJSON: tokenizerJSON as never,
    tokenizerConfig: { ...tokenizerConfig, tokenizer_class: known ? tokenizerConfig.tokenizer_class : 'PreTrainedTokenizer' } as never,
  }) as unknown as LenmlTokenizer;
  return new LenmlAdapter(name, inner, tokenizerJSON.pre_tokenizer, tokenizerJSON.decoder);
}
