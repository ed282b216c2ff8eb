// Credentials through the built CLI (docs/cli.md §3.1): a URL's user:password is sent as Basic
// credentials and shown nowhere; when `-H Authorization`, `--api-key` and a URL's user:password
// meet, a notice says which one is sent. Regression tests of issue 16, defects 3 and 9.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { startMetricsServer, type MetricsServer } from '../helpers/metrics-server.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
let dir = '';
let server: FaultServer | null = null;
let metrics: MetricsServer | null = null;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-credentials-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  await metrics?.close();
  server = null;
  metrics = null;
});

/** A server answering every request with a 2-token stream, closed after the test. */
async function serve(): Promise<FaultServer> {
  server = await startFaultServer({ kind: 'ok', tokens: 2 });
  return server;
}

/** A Prometheus endpoint, closed after the test. */
async function serveMetrics(): Promise<MetricsServer> {
  metrics = await startMetricsServer();
  return metrics;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function profile(args: string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(
      process.execPath,
      [BIN, 'profile', '-m', 'm', '--streaming', '--request-count', '3', '--isl', '20', '--ui', 'none', ...args],
      {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolveRun({ status, stdout, stderr }));
  });
}

function files(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const p = join(root, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const basic = (pair: string): string => `Basic ${Buffer.from(pair).toString('base64')}`;
/** host:port of a URL, for writing it with credentials. */
const hostOf = (url: string): string => new URL(url).host;

describe('credentials in --url and --server-metrics', () => {
  it('are sent as Basic credentials and appear in no file, no console line and no log line (were exported in clear and never sent)', async () => {
    const fault = await serve();
    const scraped = await serveMetrics();
    const out = join(dir, 'url-credentials');
    const r = await profile([
      '--url',
      `http://alice:pw-URL-SECRET-1@${hostOf(fault.url)}`,
      '--server-metrics',
      `bob:pw-METRICS-SECRET-2@${hostOf(scraped.url)}`,
      '--export-level',
      'raw',
      '--slice-duration',
      '1',
      '--artifact-dir',
      out,
      '--verbose',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(fault.received.map((q) => q.headers.authorization)).toEqual(Array(3).fill(basic('alice:pw-URL-SECRET-1')));
    expect(new Set(scraped.authorizations)).toEqual(new Set([basic('bob:pw-METRICS-SECRET-2')]));
    const written = files(out);
    // Every kind of file that shows a URL or the command line is there to be checked.
    for (const name of [
      'profile_export_aiperf.json',
      'profile_export_aiperf_timeslices.json',
      'profile_export_console.txt',
      'profile_export_raw.jsonl',
      'server_metrics_export.json',
      'server_metrics_export.csv',
      'infermark.log',
      'inputs.json',
    ])
      expect(
        written.some((f) => f.endsWith(name)),
        name,
      ).toBe(true);
    const secrets = [/pw-URL-SECRET-1/, /pw-METRICS-SECRET-2/, /YWxpY2U6/, /Ym9iOn/, /alice:/, /bob:/];
    for (const [name, text] of [...written.map((f) => [f, readFileSync(f, 'utf8')]), ['stdout', r.stdout], ['stderr', r.stderr]]) {
      for (const secret of secrets) expect(text!.match(secret), `${secret} in ${name}`).toBeNull();
    }
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.endpoint.url).toBe(fault.url);
    expect(summary.input_config.server_metrics.urls).toEqual([hostOf(scraped.url)]);
    expect(summary.input_config.cli_command).toContain(
      `--url http://***@${hostOf(fault.url)} --server-metrics ***@${hostOf(scraped.url)} `,
    );
    const serverMetrics = JSON.parse(readFileSync(join(out, 'server_metrics_export.json'), 'utf8'));
    expect(serverMetrics.summary.endpoints_successful).toContain(`http://${hostOf(scraped.url)}/metrics`);
  });

  it('are replaced by --api-key, with a notice saying so', async () => {
    const fault = await serve();
    const out = join(dir, 'url-and-api-key');
    const r = await profile(['--url', `http://alice:pw-3@${hostOf(fault.url)}`, '--api-key', 'sk-KEY-4', '--artifact-dir', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("notice: the user:password of '--url' is not sent: '--api-key' sets the Authorization header\n");
    expect(fault.received.map((q) => q.headers.authorization)).toEqual(Array(3).fill('Bearer sk-KEY-4'));
  });
});

describe('-H Authorization with --api-key', () => {
  it('sends the -H value and says so on stderr and in the log (replaced --api-key silently)', async () => {
    const fault = await serve();
    const out = join(dir, 'header-and-api-key');
    const r = await profile([
      '--url',
      fault.url,
      '--api-key',
      'sk-KEY-5',
      '-H',
      '{"Authorization": "Bearer hdr-6", "X-Trace": 7}',
      '--artifact-dir',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const notice = "'-H Authorization' is sent instead of the 'Authorization: Bearer' of '--api-key'";
    expect(r.stderr).toContain(`notice: ${notice}\n`);
    expect(readFileSync(join(out, 'logs/infermark.log'), 'utf8')).toContain(` INFO ${notice}\n`);
    expect(fault.received.map((q) => [q.headers.authorization, q.headers['x-trace']])).toEqual(Array(3).fill(['Bearer hdr-6', '7']));
    // The command line of the exports keeps the JSON object, with only the secret masked.
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.cli_command).toContain(` --api-key *** -H '{"Authorization":"***","X-Trace":7}' `);
  });
});
