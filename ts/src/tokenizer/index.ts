// Tokenizer resolution (docs/cli.md §3.2) and one small interface over @lenml tokenizers; never downloads.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import {
  BUNDLED_FAMILIES,
  type BundledFamilyKey,
  DEFAULT_FAMILY,
  MODEL_ID_FAMILIES_TEXT,
  builtinFamilyOf,
  bundledRuleFor,
} from './bundled.js';
import { tokenBytesTable, type TokenBytes } from './token-bytes.js';

// @lenml/tokenizers is the tokenizer code alone; the vocabularies are read from the bundled
// packages' tokenizer.json files only when a family is named, so commands that never tokenize
// (analyze-trace, --help) start quickly and each run pays for the one vocabulary it uses.
type Lenml = typeof import('@lenml/tokenizers');
let lenml: Lenml | undefined;
async function lenmlModule(): Promise<Lenml> {
  lenml ??= await import('@lenml/tokenizers');
  return lenml;
}

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

export const BUILTIN_TOKENIZER_NAME = `builtin:${DEFAULT_FAMILY}`;

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

class LenmlAdapter implements Tokenizer {
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

/** What a `--tokenizer` value names (docs/cli.md §3.2), before anything is loaded. */
export type TokenizerSource =
  | {
      kind: 'bundled';
      family: BundledFamilyKey;
      /** `builtin:<family>`: the loaded tokenizer's name, which loads it again (token-count workers). */
      name: string;
      /** The `notice:` line when a model id was resolved to a bundled tokenizer. */
      notice: string | null;
    }
  | { kind: 'file'; file: string; name: string; notice: null };

/** An HF model id looks like `org/name` or `name`; never a path with more segments. */
const MODEL_ID = /^[\w.-]+(\/[\w.-]+)?$/;

/** The names that need no file: for the not-found message. */
function acceptedNames(): string {
  const builtins = Object.keys(BUNDLED_FAMILIES).map((k) => `builtin:${k}`);
  return `builtin, ${builtins.join(', ')}, or a model id such as ${MODEL_ID_FAMILIES_TEXT}`;
}

/** The usage error for a `--tokenizer` value that names nothing infermark can load offline (docs/cli.md §3.2). */
function notFound(spec: string, env: NodeJS.ProcessEnv): UsageError {
  const fix = `pass a folder containing tokenizer.json (or the file itself), or one of: ${acceptedNames()}`;
  if (spec.startsWith('builtin:')) {
    return new UsageError(`tokenizer not found: '${spec}' is not a bundled tokenizer; ${fix}`);
  }
  if (MODEL_ID.test(spec) && spec.includes('/') && !spec.startsWith('.')) {
    return new UsageError(
      `tokenizer not found: '${spec}' is not bundled with infermark, not a folder, and not in the Hugging Face cache (${huggingFaceHubCache(env)}); ` +
        `infermark never downloads: ${fix} (for this model: 'huggingface-cli download ${spec} tokenizer.json tokenizer_config.json' puts it in the cache)`,
    );
  }
  return new UsageError(`tokenizer not found: '${spec}' (infermark never downloads tokenizers); ${fix}`);
}

/** The Hugging Face hub cache directory of docs/cli.md §3.2 step 3. */
export function huggingFaceHubCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

/** Where `spec` points, or null: a tokenizer.json file plus the directory holding its config. */
export function resolveTokenizerFile(spec: string, env: NodeJS.ProcessEnv = process.env): { file: string; name: string } | null {
  const asPath = resolve(spec);
  if (existsSync(asPath)) {
    const st = statSync(asPath);
    if (st.isFile()) return { file: asPath, name: asPath };
    const file = join(asPath, 'tokenizer.json');
    return existsSync(file) ? { file, name: file } : null;
  }
  if (MODEL_ID.test(spec)) {
    const repoDir = join(huggingFaceHubCache(env), `models--${spec.replace('/', '--')}`);
    const refFile = join(repoDir, 'refs', 'main');
    if (existsSync(refFile)) {
      const revision = readFileSync(refFile, 'utf8').trim();
      const file = join(repoDir, 'snapshots', revision, 'tokenizer.json');
      if (revision && existsSync(file)) return { file, name: spec };
    }
  }
  return null;
}

/**
 * Resolve a `--tokenizer` value without loading anything (docs/cli.md §3.2): `builtin` or
 * `builtin:<family>`; a tokenizer.json path or its directory; a model id in the local Hugging Face
 * cache (the model's own file wins); a model id whose tokenizer infermark bundles. Anything else is
 * a usage error (exit 2) that says how to get the file.
 */
export function resolveTokenizer(spec: string, env: NodeJS.ProcessEnv = process.env): TokenizerSource {
  const builtinFamily = builtinFamilyOf(spec);
  if (builtinFamily !== null) return { kind: 'bundled', family: builtinFamily, name: `builtin:${builtinFamily}`, notice: null };
  const found = resolveTokenizerFile(spec, env);
  if (found) return { kind: 'file', ...found, notice: null };
  const rule = bundledRuleFor(spec);
  if (rule) {
    const family = BUNDLED_FAMILIES[rule.family];
    return {
      kind: 'bundled',
      family: rule.family,
      name: `builtin:${rule.family}`,
      notice: `tokenizer '${spec}' is the bundled ${family.label} tokenizer (builtin:${rule.family}), used offline`,
    };
  }
  throw notFound(spec, env);
}

/** The `notice:` line for a `--tokenizer` value, or null; throws as `resolveTokenizer` does. */
export function tokenizerNotice(spec: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return resolveTokenizer(spec, env).notice;
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read tokenizer file ${file}: ${(err as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`invalid tokenizer file ${file}: ${(err as Error).message}`);
  }
}

function loadFromFile({ TokenizerLoader, tokenizers }: Lenml, file: string, name: string): Tokenizer {
  const tokenizerJSON = readJson(file);
  const configFile = join(file, '..', 'tokenizer_config.json');
  const tokenizerConfig = existsSync(configFile) ? readJson(configFile) : {};
  // @lenml console.warns on an unknown class and then uses the base class; choose it quietly.
  const cls = typeof tokenizerConfig.tokenizer_class === 'string' ? tokenizerConfig.tokenizer_class.replace(/Fast$/, '') : '';
  const mapping = (tokenizers.AutoTokenizer as unknown as { TOKENIZER_CLASS_MAPPING: Record<string, unknown> }).TOKENIZER_CLASS_MAPPING;
  const known = cls !== '' && cls in mapping;
  try {
    const inner = TokenizerLoader.fromPreTrained({
      tokenizerJSON: tokenizerJSON as never,
      tokenizerConfig: { ...tokenizerConfig, tokenizer_class: known ? tokenizerConfig.tokenizer_class : 'PreTrainedTokenizer' } as never,
    }) as unknown as LenmlTokenizer;
    return new LenmlAdapter(name, inner, tokenizerJSON.pre_tokenizer, tokenizerJSON.decoder);
  } catch (err) {
    throw new UsageError(`invalid tokenizer file ${file}: ${(err as Error).message}`);
  }
}

/** The tokenizer.json a resolved `--tokenizer` value reads (its tokenizer_config.json, if any, lies next to it). */
export function tokenizerFile(source: TokenizerSource): string {
  return source.kind === 'bundled' ? bundledFile(source.family) : source.file;
}

/** The bundled package's tokenizer.json (its tokenizer_config.json lies next to it). */
function bundledFile(family: BundledFamilyKey): string {
  const pkg = BUNDLED_FAMILIES[family].npmPackage;
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/models/tokenizer.json`);
  } catch {
    throw new Error(`the bundled tokenizer package ${pkg} is missing from the installation`);
  }
}

/** Loaded tokenizers by file: one per process, shared by every spec that resolves to the file. */
/**
 * Tokenizers loaded by this thread, shared while anyone holds them. Weakly: a vocabulary is tens of
 * MiB, and a `profile` run's main thread no longer needs it once the prompts are built (token
 * counting then runs on its own threads), so it must not stay for the whole run.
 */
const loaded = new Map<string, WeakRef<Tokenizer>>();

async function loadSource(source: TokenizerSource): Promise<Tokenizer> {
  const file = tokenizerFile(source);
  let tok = loaded.get(file)?.deref();
  if (!tok) {
    tok = loadFromFile(await lenmlModule(), file, source.name);
    loaded.set(file, new WeakRef(tok));
  }
  return tok;
}

/** A tokenizer loaded on first need: a replay whose tables are cached may never need one on this thread. */
export interface LazyTokenizer {
  /** The `--tokenizer` value. */
  readonly spec: string;
  /** Load it (once) and return it. */
  get(): Promise<Tokenizer>;
  /** The tokenizer if `get` has loaded it, else null. */
  loaded(): Tokenizer | null;
  /** Let go of the loaded tokenizer (a later `get` loads it again, or shares it while another holder keeps it). */
  release(): void;
}

/** `spec` resolved now (a usage error if it names nothing, docs/cli.md §3.2), loaded on the first `get`. */
export function lazyTokenizer(spec: string): LazyTokenizer {
  resolveTokenizer(spec);
  let tok: Tokenizer | null = null;
  return {
    spec,
    async get() {
      tok ??= await loadTokenizer(spec);
      return tok;
    },
    loaded: () => tok,
    release() {
      tok = null;
    },
  };
}

/** The bundled Qwen3 tokenizer (loaded once per process, ~0.5 s). */
export async function builtinTokenizer(): Promise<Tokenizer> {
  return loadSource(resolveTokenizer('builtin'));
}

/**
 * Resolve (as `resolveTokenizer`) and load a tokenizer. A bundled family is read from its npm
 * package only now, the first time it is named.
 */
export async function loadTokenizer(spec: string): Promise<Tokenizer> {
  return loadSource(resolveTokenizer(spec));
}
