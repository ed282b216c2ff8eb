// `infermark hash-prompts` end to end (built CLI, bundled tokenizer): row validation of the copied fields (docs/trace-format.md §3–4) and their output form.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
let dir = '';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, INFERMARK_BACKEND: undefined },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-hash-prompts-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Each of these used to be copied into the output unchecked (or, for the empty prompt, hashed to no ids).
const BAD_ROWS: [string, string][] = [
  ['{"prompt":"hi","timestamp":"abc"}', 'timestamp: expected a non-negative number, got "abc"'],
  ['{"prompt":"hi","output_length":-5}', 'output_length: must be >= 0, got -5'],
  ['{"prompt":"hi","output_length":1.5}', 'output_length: expected a non-negative integer, got 1.5'],
  ['{"prompt":"hi","prompt":"again"}', 'prompt: key "prompt" appears more than once'],
  ['{"prompt":"hi","timestamp":1,"created_time":1}', 'timestamp: both timestamp and created_time are present'],
  ['{"prompt":"hi" "timestamp":1}', "json: invalid JSON: expected ',' or '}' at column 16"],
  ['{"prompt":""}', 'prompt: empty prompt (no tokens to hash)'],
];

describe('hash-prompts row validation', () => {
  it.each(BAD_ROWS)('%s: exit 2, one error line naming file, line and field, no output', (row, message) => {
    writeFileSync(join(dir, 'bad.jsonl'), `{"prompt":"hello"}\n\n${row}\n`);
    const r = cli(['hash-prompts', 'bad.jsonl', '-o', 'out.jsonl']);
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `error: bad.jsonl:3: ${message}\n`]);
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
  });

  it('--skip-invalid skips every one of them, counted under its reason, and writes the valid rows', () => {
    writeFileSync(join(dir, 'mixed.jsonl'), ['{"prompt":"hello"}', ...BAD_ROWS.map((b) => b[0]), '{"prompt":"world"}', ''].join('\n'));
    const r = cli(['hash-prompts', 'mixed.jsonl', '-o', 'out.jsonl', '--skip-invalid']);
    expect(r.status).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'warning: skipped 7 invalid rows in mixed.jsonl (duplicate_field: 2 [line 5, 6]; bad_type: 2 [line 2, 4]; invalid_json: 1 [line 7]; missing_input: 1 [line 8]; out_of_range: 1 [line 3])',
    );
    expect(lines[1]).toMatch(/^hash-prompts: 2 rows, 2 blocks, 2 distinct ids, block size 512$/);
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(2);
    rmSync(join(dir, 'out.jsonl'));
  });

  it('writes aliases under canonical keys, lax times as numbers, an integer session id above 2^53 exactly, extra compacted', () => {
    writeFileSync(
      join(dir, 'lax.jsonl'),
      '{"extra": { "temperature" : 0.5 }, "delay_ms": "250", "session_id": 123456789012345678901, "output_tokens": "7", "created_time": "1000", "prompt": "hello"}\n',
    );
    const r = cli(['hash-prompts', 'lax.jsonl', '-o', 'out.jsonl']);
    expect([r.status, r.stderr]).toEqual([0, 'hash-prompts: 1 rows, 1 blocks, 1 distinct ids, block size 512\n']);
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8');
    expect(out).toMatch(
      /^\{"timestamp":1000,"input_length":[1-9]\d*,"output_length":7,"hash_ids":\[0\],"session_id":"123456789012345678901","delay":250,"extra":\{"temperature":0\.5\}\}\n$/,
    );
    // the output is a trace infermark reads without complaint
    const a = cli(['analyze-trace', 'out.jsonl', '--block-size', '512']);
    expect(a.status).toBe(0);
    expect(a.stderr).not.toContain('skipped');
    rmSync(join(dir, 'out.jsonl'));
  });
});

describe('hash-prompts --tokenizer', () => {
  it('a bundled model id hashes with that tokenizer after one notice line', () => {
    // 1,100 digits: Llama 3 groups digits by three (367 tokens, 2 blocks of 256), Qwen3 splits each (5 blocks).
    writeFileSync(join(dir, 'digits.jsonl'), `{"prompt":"${'1234567890'.repeat(110)}"}\n`);
    const r = cli([
      'hash-prompts',
      'digits.jsonl',
      '-o',
      'digits-out.jsonl',
      '--block-size',
      '256',
      '--tokenizer',
      'meta-llama/Llama-3.1-8B-Instruct',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      "notice: tokenizer 'meta-llama/Llama-3.1-8B-Instruct' is the bundled Llama 3.1/3.2/3.3 tokenizer (builtin:llama3.1), used offline",
    );
    expect(lines.slice(1).some((l) => l.startsWith('notice:'))).toBe(false);
    const row = JSON.parse(readFileSync(join(dir, 'digits-out.jsonl'), 'utf8'));
    expect(row.input_length).toBe(367);
    expect(row.hash_ids).toHaveLength(2);
  });
});

/** One prompt of `chars` pseudo-random letters without a space: one "word" BPE cannot shortcut. */
function singleWordPrompt(chars: number): string {
  let x = 7;
  const letters: string[] = [];
  for (let i = 0; i < chars; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    letters.push(String.fromCharCode(97 + (x % 26)));
  }
  return `${JSON.stringify({ prompt: letters.join('') })}\n`;
}

describe('hash-prompts on pathological prompts (issue 16)', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s while a 5 MB single-word prompt is being tokenized exits 130 at once and leaves no file (was 78 s, and ignored)',
    async (signal) => {
      writeFileSync(join(dir, 'word.jsonl'), singleWordPrompt(5_000_000));
      const child = spawn(process.execPath, [BIN, 'hash-prompts', 'word.jsonl', '-o', 'word-out.jsonl'], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      let code: number | null;
      let latencyMs: number;
      try {
        // The temporary output exists once the run has started; a moment later the prompt is being tokenized.
        while (!readdirSync(dir).some((f) => f.startsWith('.word-out.jsonl.tmp-'))) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 1000));
        const sent = Date.now();
        child.kill(signal);
        code = await exited;
        latencyMs = Date.now() - sent;
      } finally {
        // A build that ignores the signal must not outlive the test.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      expect([code, stderr.trim()]).toEqual([130, 'interrupted: word-out.jsonl was not written']);
      // Generous for a loaded machine: the old code took 78 s (or ran to the end, ignoring the signal).
      expect(latencyMs).toBeLessThan(3000);
      expect(readdirSync(dir).filter((f) => f.includes('word-out'))).toEqual([]);
    },
  );

  it('hashes a 300 KB single-word prompt in windows and says its token ids are an estimate', () => {
    writeFileSync(join(dir, 'word.jsonl'), singleWordPrompt(300_000));
    const r = cli(['hash-prompts', 'word.jsonl', '-o', 'word-out.jsonl']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'notice: 1 prompt(s) hold a word longer than 4,096 characters; such words were tokenized in windows of that size, so their token ids are an estimate (docs/synthesis.md §5)\n',
    );
    const row = JSON.parse(readFileSync(join(dir, 'word-out.jsonl'), 'utf8'));
    // Random letters: about 1.9 characters per token (the exact whole-word count differs by well under 1 %).
    expect(row.input_length).toBeGreaterThan(300_000 / 2.5);
    expect(row.input_length).toBeLessThan(300_000 / 1.5);
    rmSync(join(dir, 'word-out.jsonl'));
  });
});
