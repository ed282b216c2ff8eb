// The single-file executable (docs/single-executable.md) on a machine without Node: a copy of
// dist/sea/infermark in a scratch directory with no node_modules above it, run with an environment
// of nothing but a PATH in which there is no `node` and a HOME of its own (where it writes out its
// embedded files). scripts/test.sh builds it (`npm run build:sea`) before the suite.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_TRACE } from '../bindings/examples.js';
import { BIN, type ChildServer, startChildServer, startMockProcess } from '../helpers/child-server.js';
import { validateArtifactDir } from '../helpers/export-schema.js';

const ROOT = resolve(__dirname, '../..');
const BUILT = join(ROOT, 'dist', 'sea', 'infermark');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let dir = '';
let exe = '';
let mock: ChildServer | null = null;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The executable in the scratch directory, as on a machine without Node. */
function run(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(exe, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: join(dir, 'bin'), HOME: join(dir, 'home'), NO_COLOR: '1', ...env },
    timeout: 90_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build:sea\` before this test`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-sea-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'home'));
  exe = join(dir, 'infermark');
  copyFileSync(BUILT, exe);
  mock = await startMockProcess(['--latency-model', 'none']);
});
afterAll(async () => {
  await mock?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the single-file executable, without Node or node_modules', () => {
  it('runs where neither node nor a node_modules folder can be found', () => {
    expect(readdirSync(join(dir, 'bin'))).toEqual([]);
    for (let up = dir; up !== resolve(up, '..'); up = resolve(up, '..')) expect(existsSync(join(up, 'node_modules'))).toBe(false);
  });

  it('prints the package version', () => {
    const r = run(['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("analyzes the real Mooncake trace with the embedded WASM core, writing the npm CLI's analysis.json byte for byte", () => {
    const trace = resolve(ROOT, REAL_TRACE);
    const r = run(['analyze-trace', trace, '--output-file', 'sea-analysis.json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('backend: wasm');
    const npm = spawnSync(process.execPath, [BIN, 'analyze-trace', trace, '--output-file', join(dir, 'npm-analysis.json')], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(npm.status, npm.stderr).toBe(0);
    expect(readFileSync(join(dir, 'sea-analysis.json'), 'utf8')).toBe(readFileSync(join(dir, 'npm-analysis.json'), 'utf8'));
    // The core was written out once, into the user's cache, for every later run to reuse.
    const [build] = readdirSync(join(dir, 'home', '.cache', 'infermark')).filter((name) => name.startsWith(`sea-${VERSION}-`));
    expect(existsSync(join(dir, 'home', '.cache', 'infermark', build!, 'bindings', 'wasm', 'pkg', 'node', 'trace_core_wasm_bg.wasm'))).toBe(
      true,
    );
  });

  it('names the native backend as left out when INFERMARK_BACKEND asks for it', () => {
    const r = run(['analyze-trace', resolve(ROOT, REAL_TRACE), '--output-file', 'native.json'], { INFERMARK_BACKEND: 'native' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the single-file executable does not embed the native backend');
  });

  it('profiles serve-mock on its worker threads with the embedded tokenizer and writes valid artifacts, from a private temporary directory when the cache is not writable', () => {
    // HOME is a file, so no cache can be made under it: the files go to a directory of this
    // process under TMPDIR (shared with its worker threads), removed when it exits.
    writeFileSync(join(dir, 'not-a-home'), '');
    mkdirSync(join(dir, 'tmp'));
    const r = run(
      [
        ...['profile', '-m', 'mock-model', '--url', mock!.url, '--endpoint-type', 'chat', '--streaming'],
        ...['--request-count', '24', '--concurrency', '4', '--isl', '64', '--osl', '16', '--workers', '2', '--ui', 'none'],
        ...['--artifact-dir', 'run'],
      ],
      { HOME: join(dir, 'not-a-home'), TMPDIR: join(dir, 'tmp') },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    expect(validateArtifactDir(join(dir, 'run'))).toEqual([]);
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'profile_export_aiperf.json'), 'utf8')) as {
      request_count: { avg: number };
    };
    expect(summary.request_count.avg).toBe(24);
    const records = readFileSync(join(dir, 'run', 'profile_export.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(records).toHaveLength(24);
  });

  it('serves the mock from cluster worker processes (serve-mock --workers 2), each the executable again', async () => {
    const server = await startChildServer(exe, ['serve-mock', '--port', '0', '--workers', '2', '--latency-model', 'none'], {
      listening: /listening on (http:\/\/\S+)/,
      env: { PATH: join(dir, 'bin'), HOME: join(dir, 'home'), NO_COLOR: '1' },
      cwd: dir,
    });
    try {
      const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual(['mock-model']);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses to draw charts with a clear error (ECharts and resvg are not embedded)', () => {
    const r = run(['plot', 'run']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not part of the single-file executable');
  });
});
