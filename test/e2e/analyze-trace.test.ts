// `infermark analyze-trace` end to end: the built CLI (dist/bin.js) in a scratch directory.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_A, EXAMPLE_A_CONSOLE, EXAMPLE_A_JSON, FORMAT_EXAMPLE_G, FORMAT_EXAMPLE_T, REAL_TRACE } from '../bindings/examples.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
let dir = '';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined> = {}, bin = BIN): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, INFERMARK_BACKEND: undefined, ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-analyze-'));
  writeFileSync(join(dir, 'a.jsonl'), EXAMPLE_A);
  writeFileSync(join(dir, 't.jsonl'), FORMAT_EXAMPLE_T);
  writeFileSync(join(dir, 'g.jsonl'), FORMAT_EXAMPLE_G);
  mkdirSync(join(dir, 'adir'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('analyze-trace output', () => {
  it("prints Example A's console report byte for byte on stdout and names the backend on stderr", () => {
    const r = cli(['analyze-trace', 'a.jsonl']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(EXAMPLE_A_CONSOLE);
    expect(r.stderr).toBe('backend: native\n');
  });

  it('--format json prints exactly the bytes --output-file writes, plus one newline', () => {
    const r = cli(['analyze-trace', '--input-file', 'a.jsonl', '--format', 'json', '--output-file', 'out/deep/analysis.json']);
    expect(r.status).toBe(0);
    const written = readFileSync(join(dir, 'out/deep/analysis.json'), 'utf8');
    expect(written).toBe(EXAMPLE_A_JSON);
    expect(r.stdout).toBe(`${written}\n`);
    expect(r.stderr).toBe('Analysis report saved to out/deep/analysis.json\n');
    expect(readdirSync(join(dir, 'out/deep'))).toEqual(['analysis.json']);
  });

  it('ends the text report with the saved-to line', () => {
    const r = cli(['analyze-trace', 'a.jsonl', '--output-file', 'text-out.json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${EXAMPLE_A_CONSOLE}Analysis report saved to text-out.json\n`);
    expect(readFileSync(join(dir, 'text-out.json'), 'utf8')).toBe(EXAMPLE_A_JSON);
  });

  it('gives the same report on both backends for the real trace, and says which ran', () => {
    const trace = resolve(ROOT, REAL_TRACE);
    const native = cli(['analyze-trace', trace, '--format', 'json'], { INFERMARK_BACKEND: 'native' });
    const wasm = cli(['analyze-trace', trace, '--format', 'json', '--verbose'], { INFERMARK_BACKEND: 'wasm' });
    expect([native.status, wasm.status]).toEqual([0, 0]);
    expect(wasm.stdout).toBe(native.stdout);
    expect(native.stderr).toBe('');
    expect(wasm.stderr).toContain('backend: wasm\n');
    expect(wasm.stderr).toMatch(/^debug: wasm backend loaded from .*trace_core_wasm\.js$/m);
    const text = cli(['analyze-trace', trace]);
    expect(text.stdout.split('\n').slice(2, 7)).toEqual([
      'Total requests:   12,031',
      'Unique prefixes:  182,790',
      'Prefix groups:    1',
      'Cache hit rate:   38.4%',
      'Prefix reuse ratio: 51.9%',
    ]);
  });

  it('warns on stderr about skipped rows (lenient) and inconsistent layouts, never on stdout', () => {
    const lenient = cli(['analyze-trace', 't.jsonl', '--skip-invalid', '--format', 'json']);
    expect(lenient.status).toBe(0);
    expect(JSON.parse(lenient.stdout).skipped_invalid_rows).toBe(4);
    expect(lenient.stderr).toBe(
      'warning: skipped 4 invalid rows in t.jsonl (not_an_object: 1 [line 5]; conflicting_inputs: 1 [line 6]; bad_type: 1 [line 3]; out_of_range: 1 [line 4])\n',
    );
    const inconsistent = cli(['analyze-trace', 'g.jsonl']);
    expect(inconsistent.status).toBe(0);
    expect(inconsistent.stderr).toBe(
      'backend: native\nwarning: 2 rows have hash_ids inconsistent with input_length at block size 512 (lines 1, 2)\n',
    );
    expect(inconsistent.stdout).not.toContain('warning');
  });

  // Regression: the atomic rename once replaced `--output-file /dev/null` with a regular file.
  it('writes into a FIFO or device in place instead of renaming over it', () => {
    const fifo = join(dir, 'out.fifo');
    // The reader is waited for, so the copy is complete when the shell exits; if the writer fails
    // before opening the FIFO, the reader (blocked in open) is killed instead.
    const script = `mkfifo ${fifo} || exit 9; cat ${fifo} > fifo-copy.json & reader=$!; "${process.execPath}" "${BIN}" analyze-trace a.jsonl --format json --output-file ${fifo} >/dev/null; status=$?; [ $status -eq 0 ] || kill $reader; wait $reader; exit $status`;
    const r = spawnSync('sh', ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readFileSync(join(dir, 'fifo-copy.json'), 'utf8')).toBe(EXAMPLE_A_JSON);
  });

  it('keeps a symlinked output file a symlink and replaces its target', () => {
    symlinkSync('link-target.json', join(dir, 'link.json'));
    expect(cli(['analyze-trace', 'a.jsonl', '--format', 'json', '--output-file', 'link.json']).status).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'link-target.json'), 'utf8')).toBe(EXAMPLE_A_JSON);
  });

  it('rejects a directory as the output path before analysing (exit 1, an output that cannot be written, as on every command)', () => {
    const r = cli(['analyze-trace', 'a.jsonl', '--output-file', 'adir']);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', 'error: cannot write output file: adir: is a directory\n']);
  });

  it('fails with exit 1 naming the path, not a hang, when the output directory cannot exist (under /proc)', () => {
    // Regression: Node's recursive mkdir retries a parent that exists forever when the child still gives ENOENT.
    const r = cli(['analyze-trace', 'a.jsonl', '--format', 'json', '--output-file', '/proc/infermark-x/analysis.json']);
    expect([r.status, r.stdout, r.stderr]).toEqual([
      1,
      '',
      'error: cannot write output file: /proc/infermark-x/analysis.json: no such file or directory\n',
    ]);
  });

  it('fails with exit 1 naming the path when a parent of the output path is a file (was an internal error)', () => {
    const r = cli(['analyze-trace', 'a.jsonl', '--format', 'json', '--output-file', 'a.jsonl/analysis.json']);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', 'error: cannot write output file: a.jsonl/analysis.json: not a directory\n']);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('applies --block-size', () => {
    const r = cli(['analyze-trace', 'g.jsonl', '--block-size', '10', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).block_size).toBe(10);
  });
});

describe('analyze-trace errors (exit 2, one line, nothing written)', () => {
  const cases: [string, string[], string][] = [
    ['a missing file', ['analyze-trace', 'nope.jsonl'], 'error: input file not found: nope.jsonl\n'],
    ['a directory', ['analyze-trace', 'adir'], 'error: cannot read input file: adir: is a directory\n'],
    [
      'an invalid row (strict)',
      ['analyze-trace', 't.jsonl', '--output-file', 'never/x.json'],
      'error: t.jsonl:3: input_length: expected a non-negative integer, got "abc"\n',
    ],
    [
      'both INPUT_FILE and --input-file',
      ['analyze-trace', 'a.jsonl', '--input-file', 'a.jsonl'],
      "error: argument 'INPUT_FILE' cannot be used with option '--input-file'\n",
    ],
    ['no input', ['analyze-trace'], "error: missing required argument 'INPUT_FILE' (or option '--input-file')\n"],
    [
      'block size 0',
      ['analyze-trace', 'a.jsonl', '--block-size', '0'],
      "error: option '--block-size <n>': expected an integer in [1, 4294967295], got '0'\n",
    ],
    [
      'a non-numeric block size',
      ['analyze-trace', 'a.jsonl', '--block-size=abc'],
      "error: option '--block-size <n>': expected an integer in [1, 4294967295], got 'abc'\n",
    ],
    [
      'a block size beyond 32 bits',
      ['analyze-trace', 'a.jsonl', '--block-size', '4294967296'],
      "error: option '--block-size <n>': expected an integer in [1, 4294967295], got '4294967296'\n",
    ],
    [
      'a bad format',
      ['analyze-trace', 'a.jsonl', '--format', 'yaml'],
      "error: option '--format <format>': expected one of text, json, got 'yaml'\n",
    ],
    ['a missing value', ['analyze-trace', 'a.jsonl', '--output-file'], "error: option '--output-file <path>' argument missing\n"],
    [
      'a misspelt flag',
      ['analyze-trace', 'a.jsonl', '--skip-invalidd'],
      "error: unknown option '--skip-invalidd' (did you mean '--skip-invalid'?)\n",
    ],
    ['a misspelt command', ['analyse-trace', 'a.jsonl'], "error: unknown command 'analyse-trace' (did you mean 'analyze-trace'?)\n"],
  ];
  it.each(cases)('rejects %s', (_label, args, stderr) => {
    const r = cli(args);
    expect(r.stderr).toBe(stderr);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('reports a materialisation size conflict with --check-materialisation', () => {
    writeFileSync(
      join(dir, 'c.jsonl'),
      '{"input_length":1}\n{"input_length":700,"hash_ids":[7,8]}\n\n\n{"input_length":1100,"hash_ids":[7,8,9]}\n',
    );
    expect(cli(['analyze-trace', 'c.jsonl']).status).toBe(0);
    const r = cli(['analyze-trace', 'c.jsonl', '--check-materialisation', '--output-file', 'never/c.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'error: c.jsonl:5: hash_ids[1]: hash id 8 requested at 512 tokens but was already materialised at 188 tokens (line 2)\n',
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('shows a stack trace only with --verbose', () => {
    const quiet = cli(['analyze-trace', 't.jsonl']);
    const verbose = cli(['-v', 'analyze-trace', 't.jsonl']);
    expect(quiet.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(verbose.status).toBe(2);
    expect(verbose.stderr).toMatch(/^error: t\.jsonl:3: input_length: .*\n[\s\S]*TraceCoreError[\s\S]*at /);
  });

  it('fails with exit 1 and explains why when the forced backend cannot load', () => {
    // A copy of the built CLI without any bindings next to it.
    const bare = join(dir, 'bare');
    mkdirSync(bare);
    cpSync(join(ROOT, 'dist'), join(bare, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(bare, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(bare, 'node_modules'));
    const forced = cli(['analyze-trace', 'a.jsonl'], { INFERMARK_BACKEND: 'wasm' }, join(bare, 'dist', 'bin.js'));
    expect(forced.status).toBe(1);
    expect(forced.stderr).toMatch(
      /^error: INFERMARK_BACKEND=wasm was requested, but the wasm backend cannot be loaded: .*trace_core_wasm\.js does not exist \(build it with `npm run build:wasm`\)\n$/,
    );
    const none = cli(['analyze-trace', 'a.jsonl'], {}, join(bare, 'dist', 'bin.js'));
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(
      /^error: no trace-core backend could be loaded: native backend unavailable: .*; wasm backend unavailable: .*\n$/,
    );
  });

  it('prints the version with -V', () => {
    const r = cli(['-V']);
    expect([r.status, r.stdout]).toEqual([0, `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`]);
  });
});
