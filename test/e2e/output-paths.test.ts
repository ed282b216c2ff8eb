// Issue 16 defect 9: output paths behaved differently from one command to the next. Now every
// command: an output that cannot be written exits 1 (synthesize and hash-prompts gave 2); an empty
// path, `--url ''`, `-m ''` and a `--profile-export-prefix` with a path in it exit 2 having written
// nothing; a symlink is followed (synthesize replaced the link itself); `/dev/stdout` works when
// stdout is a pipe or a socket; numbers may carry whitespace and a leading `+` on every flag.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/child-server.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { filesBelow, runProfileCli, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-output-paths-');
const TRACE =
  '{"timestamp":0,"input_length":10,"output_length":5,"hash_ids":[1]}\n{"timestamp":5,"input_length":600,"output_length":5,"hash_ids":[1,2]}\n';
const PROMPTS = '{"prompt":"hello world"}\n{"prompt":"hello there"}\n';
let server: FaultServer;

function cli(args: string[], cwd = dir): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command in `sh`, its stdout piped through `cat`: a real pipe (spawnSync gives a socket). */
function piped(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('sh', ['-c', `${quoted} | cat; exit "$(echo $?)"`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const profileArgs = (...more: string[]): string[] => ['-m', 'm', '--url', server.url, '--ui', 'none', '--request-count', '2', ...more];

beforeAll(async () => {
  writeFileSync(join(dir, 't.jsonl'), TRACE);
  writeFileSync(join(dir, 'p.jsonl'), PROMPTS);
  server = await startFaultServer({ kind: 'ok', tokens: 2 });
});
afterAll(async () => {
  await server.close();
});

describe('an output that cannot be written exits 1 on every command', () => {
  // `t.jsonl/x`: a parent that is a file (permission bits would not stop a root test run).
  const cases: Array<[string, string[]]> = [
    ['synthesize', ['synthesize', 't.jsonl', '-o', 't.jsonl/x.jsonl']],
    ['hash-prompts', ['hash-prompts', 'p.jsonl', '-o', 't.jsonl/x.jsonl']],
    ['analyze-trace', ['analyze-trace', 't.jsonl', '--output-file', 't.jsonl/x.json']],
    ['serve-mock', ['serve-mock', '--port', '0', '--record-requests', 't.jsonl/x.jsonl']],
    ['synthesize, a missing directory', ['synthesize', 't.jsonl', '-o', 'missing/x.jsonl']],
    ['synthesize, a directory', ['synthesize', 't.jsonl', '-o', '.']],
  ];
  for (const [name, args] of cases) {
    it(name, () => {
      const r = cli(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: cannot write output file: \S+: .+\n$/);
    });
  }

  it('profile', async () => {
    const r = await runProfileCli(profileArgs('--artifact-dir', 't.jsonl/run'), dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot write output file: t\.jsonl\/run\/\S+: not a directory$/m);
  }, 60_000);
});

describe('empty or path-like values exit 2 and write nothing', () => {
  const cases: Array<[string[], string]> = [
    [['synthesize', 't.jsonl', '-o', ''], "error: option '-o, --output-file <path>': expected a path, got ''\n"],
    [['hash-prompts', 'p.jsonl', '-o', ''], "error: option '-o, --output-file <path>': expected a path, got ''\n"],
    [['analyze-trace', 't.jsonl', '--output-file', ''], "error: option '--output-file <path>': expected a path, got ''\n"],
    [['serve-mock', '--record-requests', ''], "error: option '--record-requests <path>': expected a path, got ''\n"],
    [['profile', '-m', 'm', '--artifact-dir', ''], "error: option '--artifact-dir <dir>': expected a path, got ''\n"],
    [['profile', '-m', 'm', '--url', ''], "error: option '-u, --url <url>': expected a non-empty value, got ''\n"],
    [['profile', '-m', '', '--url', 'http://127.0.0.1:9'], "error: option '-m, --model <name>': expected a non-empty value, got ''\n"],
    [['serve-mock', '--port', '0', '--model', ''], "error: option '--model <name>': expected a model name, got ''\n"],
  ];
  for (const [args, message] of cases) {
    it(`${args.map((a) => (a === '' ? "''" : a)).join(' ')}`, () => {
      const before = readdirSync(dir).sort();
      expect(cli(args)).toMatchObject({ status: 2, stderr: message });
      expect(readdirSync(dir).sort()).toEqual(before);
    });
  }

  for (const prefix of ['../../x', '/tmp/abs/x', 'a\\b', '.', '..', 'sub/x']) {
    it(`--profile-export-prefix ${prefix}: refused before any request`, async () => {
      const before = server.received.length;
      const r = await runProfileCli(profileArgs('--artifact-dir', 'prefix-run', '--profile-export-prefix', prefix), dir);
      expect([r.status, r.stderr]).toEqual([
        2,
        `error: option '--profile-export-prefix <p>': expected a file name prefix without '/' or '\\' (the files go into --artifact-dir), got '${prefix}'\n`,
      ]);
      expect(server.received.length).toBe(before);
      expect(existsSync(join(dir, 'prefix-run'))).toBe(false);
    }, 60_000);
  }

  it('a plain prefix still names the files inside the artifact directory', async () => {
    const r = await runProfileCli(profileArgs('--artifact-dir', 'plain-run', '--profile-export-prefix', 'run1.json'), dir);
    expect(r.status).toBe(0);
    expect(filesBelow(join(dir, 'plain-run'))).toContain('run1.json');
  }, 60_000);
});

describe('a symlinked output is followed by every command', () => {
  /** `link` → `real/name`, the target holding `old`. */
  function link(name: string): { link: string; target: string } {
    mkdirSync(join(dir, 'real'), { recursive: true });
    const target = join(dir, 'real', name);
    writeFileSync(target, 'old\n');
    const path = join(dir, `link-${name}`);
    symlinkSync(target, path);
    return { link: path, target };
  }

  const cases: Array<[string, (out: string) => string[]]> = [
    ['synthesize', (out) => ['synthesize', 't.jsonl', '-o', out, '--force']],
    ['hash-prompts', (out) => ['hash-prompts', 'p.jsonl', '-o', out, '--force']],
    ['analyze-trace', (out) => ['analyze-trace', 't.jsonl', '--output-file', out]],
  ];
  for (const [name, args] of cases) {
    it(`${name} writes through the link and keeps it`, () => {
      const { link: path, target } = link(`${name}.out`);
      const r = cli(args(path));
      expect(r.status, r.stderr).toBe(0);
      expect(lstatSync(path).isSymbolicLink()).toBe(true);
      expect(readFileSync(target, 'utf8')).not.toBe('old\n');
      expect(readFileSync(target, 'utf8')).toBe(readFileSync(path, 'utf8'));
      // The temporary file was made next to the target and renamed onto it: nothing left over.
      expect(readdirSync(join(dir, 'real')).filter((f) => f.startsWith('.'))).toEqual([]);
    });
  }

  it('synthesize without --force refuses a link to an existing file like the file itself', () => {
    const { link: path } = link('noforce.out');
    expect(cli(['synthesize', 't.jsonl', '-o', path])).toMatchObject({
      status: 2,
      stderr: `error: output file already exists: ${path} (use --force to replace it)\n`,
    });
  });

  it('synthesize creates the target of a dangling link', () => {
    const target = join(dir, 'real', 'dangling-target.jsonl');
    const path = join(dir, 'dangling.jsonl');
    mkdirSync(join(dir, 'real'), { recursive: true });
    symlinkSync(target, path);
    expect(cli(['synthesize', 't.jsonl', '-o', path]).status).toBe(0);
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('profile writes a summary file through a link in the artifact directory', async () => {
    const { target } = link('summary.json');
    mkdirSync(join(dir, 'linked-run'));
    symlinkSync(target, join(dir, 'linked-run', 'profile_export_aiperf.json'));
    const r = await runProfileCli(profileArgs('--artifact-dir', 'linked-run'), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(join(dir, 'linked-run', 'profile_export_aiperf.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toHaveProperty('request_count');
  }, 60_000);
});

describe('/dev/stdout as the output', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['synthesize', ['synthesize', 't.jsonl', '-o', '/dev/stdout', '--no-analysis'], /^\{"timestamp":0,"input_length":10/],
    ['hash-prompts', ['hash-prompts', 'p.jsonl', '-o', '/dev/stdout'], /^\{"input_length":\d+,"hash_ids":\[/],
    ['analyze-trace', ['analyze-trace', 't.jsonl', '--format', 'json', '--output-file', '/dev/stdout'], /^\{\n {2}"total_requests": 2,/],
  ];
  for (const [name, args, expected] of cases) {
    it(`${name}: works when stdout is a socket (a spawned child's)`, () => {
      const r = cli(args);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(expected);
    });
    it(`${name}: works when stdout is a pipe`, () => {
      const r = piped(args);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(expected);
    });
  }
});

describe('numbers with whitespace or a leading + are accepted by every flag alike', () => {
  it('analyze-trace --block-size, synthesize --num-requests and hash-prompts --block-size', () => {
    expect(cli(['analyze-trace', 't.jsonl', '--format', 'json', '--block-size', ' 512']).status).toBe(0);
    expect(cli(['synthesize', 't.jsonl', '-o', '-', '--mode', 'generate', '--num-requests', '+3', '--no-analysis']).status).toBe(0);
    expect(cli(['hash-prompts', 'p.jsonl', '-o', '-', '--block-size', '+16 ']).status).toBe(0);
  });

  it("profile --concurrency ' 2' and --request-count '+2'", async () => {
    const r = await runProfileCli(
      ['-m', 'm', '--url', server.url, '--ui', 'none', '--concurrency', ' 2', '--request-count', '+2', '--artifact-dir', 'spaced'],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);
});
