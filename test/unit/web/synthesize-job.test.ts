// The browser's synthesize job on the WASM backend writes the bytes and prints the lines of
// `infermark synthesize` (the built CLI) for the same input and flags.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendFor } from '../../../ts/src/trace-core/loader.js';
import { blobSink, streamSource } from '../../../ts/src/web/synth-byte-io.browser.js';
import { runSynthesizeJob, FormFlagError, synthesizeJobOptions, type SynthesizeForm } from '../../../ts/src/web/synthesize-job.browser.js';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'dist', 'bin.js');
const REAL = resolve(ROOT, '../shared/data/mooncake/conversation_trace.jsonl');
const wasm = backendFor('wasm');
let dir = '';
let input: Uint8Array<ArrayBuffer> = new Uint8Array();

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-web-synth-'));
  // The first 1,500 rows of the real trace: every kind of row, seconds to run.
  const text = readFileSync(REAL, 'utf8').split('\n').slice(0, 1500).join('\n');
  writeFileSync(join(dir, 'trace.jsonl'), `${text}\n`);
  input = new Uint8Array(readFileSync(join(dir, 'trace.jsonl')));
  writeFileSync(join(dir, 'bad.jsonl'), `${text.split('\n').slice(0, 5).join('\n')}\n{"input_length":"abc"}\n`);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): { status: number | null; stderr: string; output: Buffer | null } {
  const out = join(dir, 'out.jsonl');
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [BIN, 'synthesize', ...args, '-o', 'out.jsonl'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, output: existsSync(out) ? readFileSync(out) : null };
}

/** The CLI's flags as the form's fields. */
function form(
  mode: 'transform' | 'generate',
  fields: Record<string, string>,
  sourceName = 'trace.jsonl',
  skipInvalid = false,
): SynthesizeForm {
  return { mode, fields, skipInvalid, analysis: true, sourceName };
}

async function job(f: SynthesizeForm, bytes: Uint8Array<ArrayBuffer> = input) {
  const sink = blobSink();
  const result = await runSynthesizeJob(wasm, streamSource(new Blob([bytes])), sink, synthesizeJobOptions(wasm, f));
  return { result, output: Buffer.from(await sink.blob().arrayBuffer()) };
}

const FLAG_SETS: { name: string; mode: 'transform' | 'generate'; fields: Record<string, string> }[] = [
  { name: 'defaults', mode: 'transform', fields: {} },
  {
    name: 'every transform flag',
    mode: 'transform',
    fields: {
      'synthesis-speedup-ratio': '2.5',
      'synthesis-prefix-len-multiplier': '1.5',
      'synthesis-prefix-root-multiplier': '3',
      'synthesis-prompt-len-multiplier': '0.5',
      'synthesis-max-isl': '30000',
      'synthesis-max-osl': '400',
      'random-seed': '7',
    },
  },
  { name: 'generate mode', mode: 'generate', fields: { 'num-requests': '400', 'random-seed': '42', 'synthesis-max-osl': '500' } },
];

describe('the browser synthesize job', () => {
  for (const set of FLAG_SETS) {
    it(`writes the CLI's bytes and prints its summary and side-by-side analysis (${set.name})`, async () => {
      const args = ['trace.jsonl', '--mode', set.mode, ...Object.entries(set.fields).flatMap(([k, v]) => [`--${k}`, v])];
      const expected = cli(args);
      expect(expected.status, expected.stderr).toBe(0);
      const { result, output } = await job(form(set.mode, set.fields));
      expect(output.equals(expected.output!)).toBe(true);
      expect(output.length).toBeGreaterThan(0);
      const printed = `${result.messages.join('\n')}\n${result.sideBySide}Output written to out.jsonl\n`;
      expect(printed).toBe(expected.stderr);
    });
  }

  it('skips the side-by-side analysis as --no-analysis does, with the same output', async () => {
    const expected = cli(['trace.jsonl', '--synthesis-speedup-ratio', '3', '--no-analysis']);
    expect(expected.status, expected.stderr).toBe(0);
    const { result, output } = await job({ ...form('transform', { 'synthesis-speedup-ratio': '3' }), analysis: false });
    expect(result.sideBySide).toBeNull();
    expect(output.equals(expected.output!)).toBe(true);
    expect(`${result.messages.join('\n')}\nOutput written to out.jsonl\n`).toBe(expected.stderr);
  });

  it('refuses an integer flag out of range with the CLI message', () => {
    const expected = cli(['trace.jsonl', '--synthesis-max-isl', '0']);
    expect(expected.status).toBe(2);
    expect(() => synthesizeJobOptions(wasm, form('transform', { 'synthesis-max-isl': '0' }))).toThrow(FormFlagError);
    try {
      synthesizeJobOptions(wasm, form('transform', { 'synthesis-max-isl': '0' }));
    } catch (err) {
      expect(`error: ${(err as Error).message}\n`).toBe(expected.stderr);
    }
  });

  it('refuses a bad multiplier with the core message the CLI prints', () => {
    const expected = cli(['trace.jsonl', '--synthesis-speedup-ratio', '-1']);
    expect(expected.status).toBe(2);
    let message = '';
    try {
      synthesizeJobOptions(wasm, form('transform', { 'synthesis-speedup-ratio': '-1' }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(`error: ${message}\n`).toBe(expected.stderr);
  });

  it('stops at a broken row with the CLI error, and with skip-invalid writes what the CLI writes', async () => {
    const bad = new Uint8Array(readFileSync(join(dir, 'bad.jsonl')));
    const strict = cli(['bad.jsonl']);
    expect(strict.status).toBe(2);
    await expect(job(form('transform', {}, 'bad.jsonl'), bad)).rejects.toThrow(strict.stderr.replace(/^error: /, '').trim());
    const lenient = cli(['bad.jsonl', '--skip-invalid']);
    expect(lenient.status).toBe(0);
    const { result, output } = await job(form('transform', {}, 'bad.jsonl', true), bad);
    expect(output.equals(lenient.output!)).toBe(true);
    expect(`${result.messages.join('\n')}\n${result.sideBySide}Output written to out.jsonl\n`).toBe(lenient.stderr);
  });
});
