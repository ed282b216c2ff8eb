// `infermark profile --input-file` through the built CLI (dist/bin.js): every input error exits 2
// before any request and before the artifact directory exists; what reading the file makes known
// (skipped rows, the transform summary, the automatic fixed schedule) is printed before sending and
// reported in the summary JSON.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type Behaviour, type FaultServer } from '../helpers/fault-server.js';
import { type ProfileRun, runProfileCli } from '../helpers/profile-process.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
let dir = '';
let server: FaultServer | null = null;

/** The AIPerf trace-replay tutorial's file, as printed there. */
const TUTORIAL = `{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
{"timestamp": 10535, "input_length": 672, "output_length": 26, "hash_ids": [46, 47]}
{"timestamp": 27482, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
`;
/** The same rows with a block size each id can keep: the 672-token row ends in its own block 48. */
const CONSISTENT = `{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
{"timestamp": 10535, "input_length": 672, "output_length": 26, "hash_ids": [46, 48]}
{"timestamp": 27482, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
`;
const UNTIMED = `{"input_length": 20, "output_length": 2}
{"input_length": 30, "output_length": 2}
`;
/** docs/trace-format.md §4.4's t.jsonl. */
const BAD = `{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}

{"timestamp": 10, "input_length": "abc", "output_length": 26}
{"timestamp": 20, "input_length": 672, "hash_ids": [46, -1]}
[1, 2]
{"timestamp": 30, "text_input": "hi", "input_length": 5}
{"input_tokens": 100, "output_tokens": 7, "created_time": 40.5}
`;
const SINGLE_TURN = `{"text": "hello there", "output_length": 2}
{"texts": ["a", "b"]}
`;
/** Session b's first turn has no timestamp, but the first row has one. */
const PARTLY_TIMED = `{"session_id": "a", "timestamp": 0, "input_length": 20, "output_length": 2}
{"session_id": "b", "input_length": 20, "output_length": 2}
`;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-input-file-'));
  for (const [name, text] of Object.entries({
    'tutorial.jsonl': TUTORIAL,
    'consistent.jsonl': CONSISTENT,
    'untimed.jsonl': UNTIMED,
    'bad.jsonl': BAD,
    'single.jsonl': SINGLE_TURN,
    'partly-timed.jsonl': PARTLY_TIMED,
    'empty.jsonl': '\n\n',
    'all-bad.jsonl': '[1]\n{"input_length": -1}\n',
  })) {
    writeFileSync(join(dir, name), text);
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(b: Behaviour): Promise<FaultServer> {
  server = await startFaultServer(b);
  return server;
}

/** Run the CLI asynchronously (the fault server lives in this process and must keep serving). */
const cli = (args: string[], cwd: string): Promise<ProfileRun> => runProfileCli(args, cwd);

/** A scratch directory holding copies of the fixture files, so "nothing written" can be checked by listing it. */
function scratch(): string {
  const cwd = mkdtempSync(join(dir, 'run-'));
  for (const name of readdirSync(dir)) if (name.endsWith('.jsonl')) writeFileSync(join(cwd, name), readFileSync(join(dir, name)));
  return cwd;
}

const fixtures = (): string[] => readdirSync(dir).filter((n) => n.endsWith('.jsonl'));

describe('input errors exit 2 before any request and before the artifact directory exists', () => {
  const rows: Array<[string, string[], string]> = [
    [
      'rule 3',
      ['--input-file', 'consistent.jsonl', '--fixed-schedule', '--request-rate', '2'],
      "error: option '--fixed-schedule' cannot be used with option '--request-rate'",
    ],
    [
      'rule 3',
      ['--input-file', 'consistent.jsonl', '--fixed-schedule', '--no-fixed-schedule'],
      "error: option '--fixed-schedule' cannot be used with option '--no-fixed-schedule'",
    ],
    [
      'rule 4',
      ['--input-file', 'partly-timed.jsonl'],
      "error: option '--fixed-schedule' requires an --input-file whose rows have timestamps",
    ],
    [
      'rule 5',
      ['--input-file', 'untimed.jsonl', '--fixed-schedule-end-offset', '5'],
      "error: option '--fixed-schedule-end-offset' requires a fixed schedule",
    ],
    [
      'rule 5',
      ['--input-file', 'consistent.jsonl', '--no-fixed-schedule', '--fixed-schedule-start-offset', '5'],
      "error: option '--fixed-schedule-start-offset' requires a fixed schedule",
    ],
    ['rule 13', ['--input-file', 'consistent.jsonl', '--isl', '5'], "error: option '--isl' cannot be used with option '--input-file'"],
    ['rule 14', ['--skip-invalid'], "error: option '--skip-invalid' requires option '--input-file'"],
    [
      'rule 15',
      ['--input-file', 'single.jsonl', '--synthesis-speedup-ratio', '2'],
      "error: option '--synthesis-speedup-ratio' requires a mooncake_trace --input-file",
    ],
    ['rule 15', ['--synthesis-max-osl', '9'], "error: option '--synthesis-max-osl' requires a mooncake_trace --input-file"],
    [
      'rule 18',
      ['--input-file', 'consistent.jsonl', '--request-count', '4'],
      "error: option '--request-count': 4 exceeds the 3 turns of the fixed schedule",
    ],
    ['rule 20', ['--input-file', 'untimed.jsonl', '--workers', '2'], "error: option '--workers': 2 workers but only 1 concurrent sessions"],
    ['missing file', ['--input-file', 'nope.jsonl'], 'error: input file not found: nope.jsonl'],
    ['no valid rows', ['--input-file', 'empty.jsonl'], 'error: no valid rows in empty.jsonl'],
    ['no valid rows (lenient)', ['--input-file', 'all-bad.jsonl', '--skip-invalid'], 'error: no valid rows in all-bad.jsonl'],
    ['strict bad row', ['--input-file', 'bad.jsonl'], 'error: bad.jsonl:3: input_length: expected a non-negative integer, got "abc"'],
    [
      'size conflict',
      ['--input-file', 'tutorial.jsonl'],
      'error: tutorial.jsonl:2: hash_ids[1]: hash id 47 requested at 160 tokens but was already materialised at 143 tokens (line 1)',
    ],
    [
      'bad multiplier',
      ['--input-file', 'consistent.jsonl', '--synthesis-speedup-ratio', '0'],
      "error: option '--synthesis-speedup-ratio': expected a positive number, got '0'",
    ],
    // Regression (issue 16): the in-memory transform once allocated the scaled rows without bound.
    [
      'synthesis output limit',
      ['--input-file', 'consistent.jsonl', '--synthesis-prompt-len-multiplier', '999999999999'],
      'error: consistent.jsonl:1: output limit: --synthesis-prompt-len-multiplier 999999999999 would make input_length 143000000000369; a row holds at most 4294967295 tokens',
    ],
  ];

  it.each(rows)('%s: %s', async (_rule, args, message) => {
    const s = await serve({ kind: 'ok' });
    const cwd = scratch();
    const r = await cli(['-m', 'm', '--url', s.url, '--ui', 'none', ...args], cwd);
    expect(r.status, r.stderr).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([expect.stringMatching(/^error: /)]);
    expect(errors[0]!.startsWith(message), `${errors[0]} vs ${message}`).toBe(true);
    expect(r.stdout).toBe('');
    expect(s.received).toHaveLength(0);
    expect(readdirSync(cwd).sort()).toEqual(fixtures().sort());
  });
});

describe('what reading the file makes known, before the first request', () => {
  it('replays a timestamped trace as a fixed schedule without --fixed-schedule, with a notice saying how to turn it off', async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const cwd = scratch();
    const r = await cli(
      [
        '-m',
        'm',
        '--url',
        s.url,
        '--ui',
        'none',
        '--input-file',
        'consistent.jsonl',
        '--synthesis-speedup-ratio',
        '100',
        '--artifact-dir',
        'out',
      ],
      cwd,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'notice: consistent.jsonl is a mooncake_trace with timestamps: replaying them as a fixed schedule (--no-fixed-schedule sends its rows without their timing)\n',
    );
    expect(s.received).toHaveLength(3);
    const summary = JSON.parse(readFileSync(join(cwd, 'out', 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.input).toMatchObject({
      file: 'consistent.jsonl',
      custom_dataset_type: 'mooncake_trace',
      fixed_schedule: true,
    });
    expect(summary.input_config.loadgen.request_count).toBe(3);
  });

  it('prints no notice with --fixed-schedule, and keeps the closed loop with --no-fixed-schedule', async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const cwd = scratch();
    const explicit = await cli(
      [
        '-m',
        'm',
        '--url',
        s.url,
        '--ui',
        'none',
        '--input-file',
        'consistent.jsonl',
        '--fixed-schedule',
        '--synthesis-speedup-ratio',
        '100',
        '--artifact-dir',
        'a',
      ],
      cwd,
    );
    expect(explicit.status, explicit.stderr).toBe(0);
    expect(explicit.stderr).not.toContain('notice:');
    const closed = await cli(
      ['-m', 'm', '--url', s.url, '--ui', 'none', '--input-file', 'consistent.jsonl', '--no-fixed-schedule', '--artifact-dir', 'b'],
      cwd,
    );
    expect(closed.status, closed.stderr).toBe(0);
    expect(closed.stderr).not.toContain('notice:');
    const summary = JSON.parse(readFileSync(join(cwd, 'b', 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.input.fixed_schedule).toBe(false);
    expect(summary.input_config.loadgen).toMatchObject({ concurrency: 1, request_count: 3 });
    expect(s.received).toHaveLength(6);
  });

  it('skips invalid rows with --skip-invalid: the warning line on stderr, the count in the summary JSON and the footer', async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const cwd = scratch();
    const r = await cli(
      [
        '-m',
        'm',
        '--url',
        s.url,
        '--ui',
        'none',
        '--input-file',
        'bad.jsonl',
        '--skip-invalid',
        '--no-fixed-schedule',
        '--artifact-dir',
        'out',
      ],
      cwd,
    );
    expect(r.status, r.stderr).toBe(0);
    const warning =
      'warning: skipped 4 invalid rows in bad.jsonl (not_an_object: 1 [line 5]; conflicting_inputs: 1 [line 6]; bad_type: 1 [line 3]; out_of_range: 1 [line 4])';
    expect(r.stderr).toContain(`${warning}\n`);
    expect(r.stdout).toContain(`\n${warning}\n`);
    expect(s.received).toHaveLength(2);
    const summary = JSON.parse(readFileSync(join(cwd, 'out', 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.input).toMatchObject({ skip_invalid: true, skipped_invalid_rows: 4 });
  });

  it('prints the transform summary synthesize prints for the same flags, and reports it', async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const cwd = scratch();
    const r = await cli(
      [
        '-m',
        'm',
        '--url',
        s.url,
        '--ui',
        'none',
        '--input-file',
        'consistent.jsonl',
        '--synthesis-speedup-ratio',
        '100',
        '--synthesis-max-osl',
        '30',
        '--artifact-dir',
        'out',
      ],
      cwd,
    );
    expect(r.status, r.stderr).toBe(0);
    const line = r.stderr.split('\n').find((l) => l.startsWith('synthesize (transform): '));
    expect(line).toBe(
      'synthesize (transform): 3 rows in, 3 rows out; 0 skipped by --synthesis-max-isl (0 sessions affected); 2 output lengths capped by --synthesis-max-osl; 0 inconsistent rows repaired; fresh ids none; trees 1; seed 0',
    );
    const summary = JSON.parse(readFileSync(join(cwd, 'out', 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.input.synthesis).toMatchObject({ speedup_ratio: 100, max_osl: 30 });
    expect(summary.input_config.input.synthesis_report).toMatchObject({ rows_in: 3, rows_out: 3, summary: line });
    // max_tokens: 52 → 30, 26 stays.
    expect(s.received.map((q) => q.body.max_completion_tokens).sort()).toEqual([26, 30, 30]);
  });
});
