// `profile -f/--config FILE` and `--print-config` through the built CLI (docs/cli.md §3.9): keys
// named as the flags, flags over the file, values checked by the flags' own parsers, errors that
// name the file and line, and a printed configuration that reads back as the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const BIN = join(resolve(__dirname, '../..'), 'dist', 'bin.js');
let dir = '';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-config-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The keys `--print-config` sets (its comment lines, the defaults, are not keys). */
function printed(args: string[]): Record<string, unknown> {
  const r = cli(['profile', ...args, '--print-config']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parse(r.stdout) as Record<string, unknown>;
}

describe('profile --config', () => {
  it('reads YAML and JSON alike, AIPerf alias keys included, and the command line overrides the file', () => {
    const yaml = file(
      'run.yaml',
      'model: m1\nurl: [http://a:1, http://b:2]\nconcurrency: 4\nnum_requests: 20\nstreaming: true\nisl: 128\n',
    );
    const json = file(
      'run.json',
      '{"model": "m1", "url": ["http://a:1", "http://b:2"], "concurrency": 4, "num_requests": 20, "streaming": true, "isl": 128}',
    );
    const fromYaml = printed(['-f', yaml]);
    expect(fromYaml).toEqual({
      model: ['m1'],
      url: ['http://a:1', 'http://b:2'],
      streaming: true,
      isl: 128,
      concurrency: 4,
      request_count: 20,
    });
    expect(printed(['--config', json])).toEqual(fromYaml);
    // A flag replaces the file's value, a list flag its whole list.
    expect(printed(['-f', yaml, '--concurrency', '8', '--url', 'http://c:3'])).toMatchObject({
      concurrency: 8,
      url: ['http://c:3'],
      isl: 128,
    });
  });

  it('reads the --no-… forms as keys, and a flag overrides a negation from the file', () => {
    const path = file('neg.yaml', 'model: m\nno_server_metrics: true\ngpu_telemetry: false\nno_stream_usage: true\n');
    expect(printed(['-f', path])).toEqual({ model: ['m'], no_stream_usage: true, no_server_metrics: true, no_gpu_telemetry: true });
    const over = printed(['-f', path, '--server-metrics', 'http://x:9/metrics']);
    expect(over).toMatchObject({ server_metrics: ['http://x:9/metrics'] });
    expect(over).not.toHaveProperty('no_server_metrics');
  });

  it('refuses an unknown key with exit 2, naming it, the file and the line, with a suggestion', () => {
    const path = file('typo.yaml', 'model: m\n\nconcurency: 3\n');
    const r = cli(['profile', '-f', path, '--print-config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: config file '${path}' line 3: unknown key 'concurency' (did you mean 'concurrency'?)\n`);
    expect(r.stdout).toBe('');
  });

  it("gives a bad value the flag's own message plus where it came from", () => {
    const flag = cli(['profile', '-m', 'm', '--isl', '0']);
    expect(flag.code).toBe(2);
    const path = file('bad.yaml', 'model: m\nisl: 0\n');
    const r = cli(['profile', '-f', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${flag.stderr.trimEnd()} (config file '${path}' line 2, key 'isl')\n`);
  });

  it('takes a mapping of --extra-inputs with integers in it, and refuses one beyond 2^53', () => {
    const ok = printed(['-f', file('extra.yaml', 'model: m\nextra_inputs:\n  top_k: 5\n  temperature: 0.5\n')]);
    expect(ok.extra_inputs).toEqual(['{"top_k":5,"temperature":0.5}']);
    const path = file('huge.yaml', 'model: m\nextra_inputs:\n  seed: 123456789012345678901\n');
    const r = cli(['profile', '-f', path, '--print-config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the integer 123456789012345678901 is beyond 2^53 (config file '${path}' line 2, key 'extra_inputs')`);
  });

  it('names the file (and the line) when it is missing or not YAML', () => {
    const missing = cli(['profile', '-f', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: config file '${join(dir, 'nope.yaml')}': cannot read it: no such file\n`);
    const broken = file('broken.yaml', 'model: m\nurl: [\n');
    const r = cli(['profile', '-f', broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: config file '${broken.replace(/[.]/g, '\\.')}' line 3: not valid YAML or JSON: `));
    const list = file('list.yaml', '- model\n');
    expect(cli(['profile', '-f', list]).stderr).toBe(`error: config file '${list}' line 1: expected a mapping of option names to values\n`);
  });

  it('prints a configuration that reads back as the same one, with every secret redacted', () => {
    const path = file(
      'secret.yaml',
      [
        'model: m',
        'url: http://user:pw@host:8000',
        'api_key: sk-live-123',
        'header:',
        '  Authorization: Bearer abc',
        '  X-Trace: on',
        'random_seed: 18446744073709551615',
        '',
      ].join('\n'),
    );
    const first = cli(['profile', '-f', path, '--print-config']);
    expect(first.code).toBe(0);
    for (const secret of ['sk-live-123', 'Bearer abc', 'pw@']) expect(first.stdout).not.toContain(secret);
    expect(parse(first.stdout)).toMatchObject({
      api_key: '***',
      url: ['http://***@host:8000'],
      header: ['{"Authorization":"***","X-Trace":"on"}'],
    });
    // A 64-bit seed keeps every digit (a parsed number would not).
    expect(first.stdout).toContain('random_seed: 18446744073709551615\n');
    // Fixed defaults are shown as comments, so they do not count as given when read back.
    expect(first.stdout).toContain('# isl: 550\n');
    const again = cli(['profile', '-f', file('printed.yaml', first.stdout), '--print-config']);
    expect(again.stdout).toBe(first.stdout);
  });

  it('works for sweep, which refuses the keys it takes as lists', () => {
    const path = file('sweep.yaml', 'model: m\nconcurrency: 4\n');
    const r = cli(['sweep', '-f', path, '--concurrency', '1,2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: config file '${path}' line 2: key 'concurrency' cannot be set in the file; use the command's own flag --concurrency\n`,
    );
  });
});
