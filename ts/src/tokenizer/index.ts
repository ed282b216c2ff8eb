// Tokenizer resolution (docs/cli.md §3.2) and one small interface over @lenml tokenizers; never downloads.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { embeddedAssets } from '../embedded-assets.js';
import { UsageError } from '../errors.js';
import {
  BUNDLED_FAMILIES,
  type BundledFamilyKey,
  DEFAULT_FAMILY,
  MODEL_ID_FAMILIES_TEXT,
  builtinFamilyOf,
  bundledRuleFor,
} from './bundled.js';
import { type Lenml, type Tokenizer, tokenizerFromJson } from './lenml-adapter.js';

export type { EncodeOptions, Tokenizer } from './lenml-adapter.js';

// @lenml/tokenizers is the tokenizer code alone; the vocabularies are read from the bundled
// packages' tokenizer.json files only when a family is named, so commands that never tokenize
// (analyze-trace, --help) start quickly and each run pays for the one vocabulary it uses.
let lenml: Lenml | undefined;
async function lenmlModule(): Promise<Lenml> {
  lenml ??= await import('@lenml/tokenizers');
  return lenml;
}

export const BUILTIN_TOKENIZER_NAME = `builtin:${DEFAULT_FAMILY}`;

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

function loadFromFile(lenml: Lenml, file: string, name: string): Tokenizer {
  const tokenizerJSON = readJson(file);
  const configFile = join(file, '..', 'tokenizer_config.json');
  const tokenizerConfig = existsSync(configFile) ? readJson(configFile) : {};
  try {
    return tokenizerFromJson(lenml, tokenizerJSON, tokenizerConfig, name);
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
  const embedded = embeddedAssets();
  if (embedded) {
    // The config is read from next to the tokenizer.json, so it is written out first.
    embedded.file(`node_modules/${pkg}/models/tokenizer_config.json`);
    const file = embedded.file(`node_modules/${pkg}/models/tokenizer.json`);
    if (file === null) throw new Error(`the single-file executable does not embed the tokenizer package ${pkg}`);
    return file;
  }
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
