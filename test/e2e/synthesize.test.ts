// `infermark synthesize` / `hash-prompts` end to end: the built CLI (dist/bin.js) in a scratch directory.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
const REAL = resolve(ROOT, '../shared/data/mooncake/conversation_trace.jsonl');
let dir = '';

function cli(args: string[], env: Record<string, string | undefined> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, INFERMARK_BACKEND: undefined, ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EXAMPLE_A = `{"timestamp":0,"input_length":1200,"output_length":100,"hash_ids":[1,2,3]}
{"timestamp":1000,"input_length":1100,"output_length":200,"hash_ids":[1,2,4]}
{"timestamp":2001,"input_length":600,"output_length":50,"hash_ids":[1,5]}
{"timestamp":3000,"input_length":1024,"output_length":300,"hash_ids":[1,2]}
`;

/** Files in the scratch dir other than the inputs (to prove nothing was half-written). */
const leftovers = (): string[] => readdirSync(dir).filter((f) => !['a.jsonl', 'bad.jsonl', 'p.jsonl'].includes(f));

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-synth-'));
  writeFileSync(join(dir, 'a.jsonl'), EXAMPLE_A);
  writeFileSync(join(dir, 'bad.jsonl'), '{"input_length":1}\n\n{"input_length":"abc"}\n');
  writeFileSync(join(dir, 'p.jsonl'), '{"prompt":"hello world, hello world","timestamp":5}\n{"prompt":"hello world, goodbye"}\n');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Regression: the atomic rename once replaced `--output-file /dev/null` (analyze-trace) with a
// regular file; synthesize's streaming output must write devices and FIFOs in place too.
// (This block once sat inside afterAll's callback, where it never ran.)
describe('synthesize output to a FIFO', () => {
  it('writes into the FIFO in place and leaves it a FIFO', () => {
    const fifo = join(dir, 'synth.fifo');
    // The reader is waited for, so the copy is complete when the shell exits; if the writer fails
    // before opening the FIFO, the reader (blocked in open) is killed instead.
    const script = `mkfifo ${fifo} || exit 9; cat ${fifo} > fifo-copy.jsonl & reader=$!; "${process.execPath}" "${BIN}" synthesize a.jsonl -o ${fifo} --no-analysis >/dev/null; status=$?; [ $status -eq 0 ] || kill $reader; wait $reader; exit $status`;
    const r = spawnSync('sh', ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    try {
      expect(r.status).toBe(0);
      expect(r.stderr.endsWith(`Output written to ${fifo}\n`)).toBe(true);
      expect(statSync(fifo).isFIFO()).toBe(true);
      expect(readFileSync(join(dir, 'fifo-copy.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    } finally {
      rmSync(fifo, { force: true });
      rmSync(join(dir, 'fifo-copy.jsonl'), { force: true });
    }
  });
});

describe('synthesize validation (docs/cli.md §5, §1.4): one line, exit 2, nothing written', () => {
  const cases: [string[], string][] = [
    // Multipliers are checked by the core's parser (the one source of the exact-decimal rules),
    // before the output file is created.
    [['--synthesis-prefix-len-multiplier', '0'], "error: option '--synthesis-prefix-len-multiplier': expected a positive number, got '0'"],
    [['--synthesis-speedup-ratio', '-2'], "error: option '--synthesis-speedup-ratio': expected a positive number, got '-2'"],
    [
      ['--synthesis-prompt-len-multiplier', '1e-10'],
      "error: option '--synthesis-prompt-len-multiplier': expected a decimal number with at most 9 fractional digits, got '1e-10'",
    ],
    [
      ['--synthesis-output-len-multiplier', '-1'],
      "error: option '--synthesis-output-len-multiplier': expected a non-negative number, got '-1'",
    ],
    [
      ['--prefix-len-multiplier', '1e12'],
      "error: option '--synthesis-prefix-len-multiplier': expected a decimal number with at most 12 integer digits, got '1e12'",
    ],
    [
      ['--synthesis-prefix-root-multiplier', '1.5'],
      "error: option '--synthesis-prefix-root-multiplier <n>': expected an integer in [1, 4294967295], got '1.5'",
    ],
    [['--num-requests', '10'], "error: option '--num-requests' requires '--mode generate'"],
    [['--mode', 'generate'], "error: option '--mode generate' requires option '--num-requests'"],
    [['--synthesis-min-isl', '5'], "error: option '--synthesis-min-isl' requires '--mode generate'"],
    [['--mode', 'mix'], "error: option '--mode <mode>': expected one of transform, generate, got 'mix'"],
    [['--random-seed', '-3'], "error: option '--random-seed <seed>': expected an integer in [0, 18446744073709551615], got '-3'"],
    [
      ['--speedup-ratio', '2', '--synthesis-speedup-ratio', '2'],
      "error: option '--speedup-ratio' cannot be used with option '--synthesis-speedup-ratio'",
    ],
  ];
  it.each(cases)('%j', (extra, message) => {
    const r = cli(['synthesize', 'a.jsonl', '-o', 'out.jsonl', ...extra]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
    expect(leftovers()).toEqual([]);
  });

  it('missing input, unwritable output (exit 1), existing output, invalid row', () => {
    let r = cli(['synthesize', 'nope.jsonl', '-o', 'out.jsonl']);
    expect([r.status, r.stderr]).toEqual([2, 'error: input file not found: nope.jsonl\n']);
    r = cli(['synthesize', 'a.jsonl', '-o', 'no-such-dir/out.jsonl']);
    // An output that cannot be written is a runtime failure (exit 1) on every command (docs/cli.md §1.6).
    expect([r.status, r.stderr]).toEqual([1, 'error: cannot write output file: no-such-dir/out.jsonl: no such file or directory\n']);
    r = cli(['synthesize', 'bad.jsonl', '-o', 'out.jsonl']);
    expect([r.status, r.stderr]).toEqual([2, 'error: bad.jsonl:3: input_length: expected a non-negative integer, got "abc"\n']);
    expect(leftovers()).toEqual([]);
    r = cli(['synthesize', 'a.jsonl', '-o', 'a.jsonl']);
    expect([r.status, r.stderr]).toEqual([2, 'error: output file already exists: a.jsonl (use --force to replace it)\n']);
    r = cli(['synthesize', 'a.jsonl', '-o', 'x.jsonl', '--mode', 'generate', '--num-requests', '5', '--max-isl', '500']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: generate: 1000 consecutive samples fell outside .* \(learned ISL range 600\.\.1200\)\n$/);
    expect(leftovers()).toEqual([]);
  });
});

describe('synthesize runs', () => {
  it('transforms Example A, prints the §3.5 line and the side-by-side analysis', () => {
    const r = cli([
      'synthesize',
      'a.jsonl',
      '-o',
      't1.jsonl',
      '--synthesis-output-len-multiplier',
      '1.5',
      '--synthesis-max-osl',
      '200',
      '--max-isl',
      '1100',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe(
      'synthesize (transform): 4 rows in, 3 rows out; 1 skipped by --synthesis-max-isl (1 session affected); 2 output lengths capped by --synthesis-max-osl; 0 inconsistent rows repaired; fresh ids none; trees 1; seed 0',
    );
    expect(r.stderr).toMatch(/Rows\s+4\s+3\n/);
    expect(r.stderr).toMatch(/ISL\s+mean\s+981\.00\s+908\.00\n/);
    expect(r.stderr).toMatch(/Hit rate\s+mean\s+54\.2%\s+50\.0%\n/);
    expect(r.stderr.endsWith('Output written to t1.jsonl\n')).toBe(true);
    expect(readFileSync(join(dir, 't1.jsonl'), 'utf8')).toBe(
      '{"timestamp":1000,"input_length":1100,"output_length":200,"hash_ids":[1,2,4]}\n' +
        '{"timestamp":2001,"input_length":600,"output_length":75,"hash_ids":[1,5]}\n' +
        '{"timestamp":3000,"input_length":1024,"output_length":200,"hash_ids":[1,2]}\n',
    );
    rmSync(join(dir, 't1.jsonl'));
  });

  it('writes to stdout with -o - and replaces a file only with --force', () => {
    const r = cli(['synthesize', 'a.jsonl', '-o', '-', '--synthesis-speedup-ratio', '2']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').map((l) => l.slice(0, 20))).toEqual([
      '{"timestamp":0,"inpu',
      '{"timestamp":500,"in',
      '{"timestamp":1000,"i',
      '{"timestamp":1500,"i',
      '',
    ]);
    writeFileSync(join(dir, 'f.jsonl'), 'old');
    expect(cli(['synthesize', 'a.jsonl', '-o', 'f.jsonl', '--force']).status).toBe(0);
    expect(readFileSync(join(dir, 'f.jsonl'), 'utf8')).toBe(EXAMPLE_A);
    rmSync(join(dir, 'f.jsonl'));
  });

  it('native and WASM CLIs write identical bytes for generate mode on the real trace', () => {
    const args = [
      'synthesize',
      REAL,
      '--mode',
      'generate',
      '--num-requests',
      '5000',
      '--prefix-len-multiplier',
      '1.5',
      '--random-seed',
      '3',
    ];
    const n = cli([...args, '-o', 'n.jsonl'], { INFERMARK_BACKEND: 'native' });
    const w = cli([...args, '-o', 'w.jsonl'], { INFERMARK_BACKEND: 'wasm' });
    expect([n.status, w.status]).toEqual([0, 0]);
    expect(n.stderr.split('\n')[0]).toMatch(
      /^synthesize \(generate\): learned 12031 rows → 182790 path ids, \d+ radix nodes; generated 5000 rows; 0 rejected samples; trees 1; seed 3$/,
    );
    expect(readFileSync(join(dir, 'n.jsonl')).equals(readFileSync(join(dir, 'w.jsonl')))).toBe(true);
    rmSync(join(dir, 'n.jsonl'));
    rmSync(join(dir, 'w.jsonl'));
  });
});

describe('hash-prompts', () => {
  it('hashes prompts with the bundled tokenizer and prints the summary', () => {
    const r = cli(['hash-prompts', 'p.jsonl', '-o', 'h.jsonl', '--block-size', '2']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^hash-prompts: 2 rows, \d+ blocks, \d+ distinct ids, block size 2\n$/);
    const rows = readFileSync(join(dir, 'h.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { hash_ids: number[]; timestamp?: number });
    expect(rows[0]?.timestamp).toBe(5);
    expect(rows[0]?.hash_ids[0]).toBe(0);
    expect(rows[1]?.hash_ids[0]).toBe(0); // "hello world," is shared
    expect(readFileSync(join(dir, 'h.jsonl'), 'utf8')).not.toContain('hello');
    rmSync(join(dir, 'h.jsonl'));
  });

  it('names a missing -o by its long form, as docs/cli.md §1.3 requires, for both commands', () => {
    for (const command of ['hash-prompts', 'synthesize']) {
      const r = cli([command, 'p.jsonl']);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', "error: required option '--output-file <path>' not specified\n"]);
    }
  });

  it('a row without text is an input error naming line and field', () => {
    writeFileSync(join(dir, 'q.jsonl'), '{"prompt":"a"}\n{"foo":1}\n');
    const r = cli(['hash-prompts', 'q.jsonl', '-o', 'h.jsonl']);
    expect([r.status, r.stderr]).toEqual([2, 'error: q.jsonl:2: row: missing (a row needs one of prompt, text_input, text)\n']);
    expect(existsSync(join(dir, 'h.jsonl'))).toBe(false);
    rmSync(join(dir, 'q.jsonl'));
  });
});

/** Run the CLI through `sh -c` (redirections, resource limits); `cmd` is appended to `node dist/bin.js`. */
function shell(cmd: string, env: Record<string, string | undefined> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', cmd.replaceAll('INFERMARK', `"${process.execPath}" "${BIN}"`)], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('synthesize output written behind the core', () => {
  it('a write that fails after the run started (file size limit) is a runtime error naming the file, and leaves nothing behind', () => {
    // The real trace's output is ~3.6 MB; RLIMIT_FSIZE stops the temp file at ~1–2 MB (EFBIG), on
    // a write that runs in the thread pool while the core works.
    for (const extra of ['', ' --mode generate --num-requests 20000']) {
      const r = shell(`ulimit -f 2000 && INFERMARK synthesize "${REAL}" -o big.jsonl --no-analysis${extra}`);
      expect([r.status, r.stderr]).toEqual([1, 'error: cannot write output file: big.jsonl: file too large\n']);
      expect(leftovers()).toEqual([]);
    }
  });

  it('Ctrl-C or SIGTERM mid-run removes the partial output at once and exits 130', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      // 50 million rows would take minutes: the signal always lands while rows are being written.
      const child = spawn(
        process.execPath,
        [BIN, 'synthesize', REAL, '-o', 'big.jsonl', '--no-analysis', '--mode', 'generate', '--num-requests', '50000000'],
        {
          cwd: dir,
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      // wait until the temporary output holds data, so the run is really under way
      const temp = (): string | undefined => readdirSync(dir).find((f) => f.startsWith('.big.jsonl.tmp-'));
      await vi.waitFor(
        () => {
          const t = temp();
          if (!(t && statSync(join(dir, t)).size > 1_000_000)) throw new Error(`no output yet: ${stderr}`);
        },
        { timeout: 60_000, interval: 50 },
      );
      child.kill(signal);
      expect([await exited, stderr]).toEqual([130, 'interrupted: big.jsonl was not written\n']);
      expect(leftovers()).toEqual([]);
    }
  });

  it('-o - redirected to a file gives the same bytes as -o FILE, for both backends', () => {
    for (const backend of ['native', 'wasm']) {
      const env = { INFERMARK_BACKEND: backend };
      const args = `synthesize "${REAL}" --no-analysis --prefix-len-multiplier 1.5 --speedup-ratio 2`;
      expect(shell(`INFERMARK ${args} -o - > s.jsonl`, env).status).toBe(0);
      expect(shell(`INFERMARK ${args} -o f.jsonl`, env).status).toBe(0);
      expect(shell(`INFERMARK ${args} -o - | cat > p.out`, env).status).toBe(0);
      const f = readFileSync(join(dir, 'f.jsonl'));
      expect(f.length).toBeGreaterThan(3_000_000);
      expect(readFileSync(join(dir, 's.jsonl')).equals(f)).toBe(true);
      expect(readFileSync(join(dir, 'p.out')).equals(f)).toBe(true);
      for (const name of ['s.jsonl', 'f.jsonl', 'p.out']) rmSync(join(dir, name));
    }
  });
});

// Regression (issue 16): a huge multiplier once aborted with a Rust allocation failure (exit 134)
// or grew until the machine killed it, leaving its temp file; WASM said `unreachable`. A row with
// input_length 4294967295 and a root multiplier was written as a 74 MB line the readers reject.
describe('synthesis output limits (docs/synthesis.md §7)', () => {
  const LIMIT_DIR = 'limits';
  const BIG_ROW = '{"timestamp":0,"input_length":4294967295,"output_length":1,"hash_ids":[1]}\n';
  const t50 = (): string => `${readFileSync(REAL, 'utf8').split('\n').slice(0, 50).join('\n')}\n`;

  /** Runs in `limits/` (inputs t50.jsonl and big.jsonl only); native under a 3 GB address-space cap. */
  function limited(backend: string, args: string): { status: number | null; stderr: string; left: string[] } {
    const sub = join(dir, LIMIT_DIR);
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(sub);
    writeFileSync(join(sub, 't50.jsonl'), t50());
    writeFileSync(join(sub, 'big.jsonl'), BIG_ROW);
    // WASM reserves its address space up front, so only the native run can be capped; the cap
    // turns the old unbounded growth into a quick failure instead of a machine-wide one.
    const cap = backend === 'native' ? 'ulimit -v 3000000 && ' : '';
    const r = shell(`cd ${LIMIT_DIR} && ${cap}INFERMARK ${args}`, { INFERMARK_BACKEND: backend });
    const left = readdirSync(sub).filter((f) => f !== 't50.jsonl' && f !== 'big.jsonl');
    return { status: r.status, stderr: r.stderr, left };
  }

  for (const backend of ['native', 'wasm']) {
    it(`${backend}: huge prompt multipliers in generate mode exit 2 naming the flag and the size, leaving nothing`, () => {
      for (const q of ['999999999999', '10000000']) {
        const r = limited(
          backend,
          `synthesize t50.jsonl --mode generate --num-requests 1 --synthesis-prompt-len-multiplier ${q} -o out.jsonl`,
        );
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(
          new RegExp(
            `^error: output limit: generated row 1: --synthesis-prompt-len-multiplier ${q} would make input_length \\d+; a row holds at most 4294967295 tokens \\(the largest the trace readers accept, docs/synthesis\\.md §7\\)\\n$`,
          ),
        );
        expect(r.left).toEqual([]);
      }
    });

    it(`${backend}: the largest input_length with a root multiplier is refused instead of written as an unreadable line`, () => {
      const r = limited(backend, 'synthesize big.jsonl --synthesis-prefix-root-multiplier 3 -o out.jsonl');
      expect([r.status, r.stderr]).toEqual([
        2,
        'error: big.jsonl:1: output limit: --synthesis-prefix-root-multiplier 3 would make a row of 73886085 bytes (8388608 hash ids); a row is at most 67108864 bytes (the longest line the trace readers accept, docs/synthesis.md §7)\n',
      ]);
      expect(r.left).toEqual([]);
    });
  }
});
