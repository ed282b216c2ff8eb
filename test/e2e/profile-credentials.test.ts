// Credentials through the built CLI (docs/cli.md §3.1): a URL's user:password is sent as Basic
// credentials and shown nowhere; when `-H Authorization`, `--api-key` and a URL's user:password
// meet, a notice says which one is sent. Regression tests of issue 16, defects 3 and 9.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFaultServer } from '../helpers/fault-server.js';
import { startMetricsServer } from '../helpers/metrics-server.js';
import { filesBelow, runProfileCli, workDirectory } from '../helpers/profile-process.js';
import { closedAfterEachTest } from '../helpers/server-lifecycle.js';

const dir = workDirectory('infermark-credentials-');
const keep = closedAfterEachTest();
/** A server answering every request with a 2-token stream. */
const serve = async () => keep(await startFaultServer({ kind: 'ok', tokens: 2 }));

/** A 3-request streaming run with `args`. */
const profile = (args: string[]) =>
  runProfileCli(['-m', 'm', '--streaming', '--request-count', '3', '--isl', '20', '--ui', 'none', ...args], dir);

const basic = (pair: string): string => `Basic ${Buffer.from(pair).toString('base64')}`;
/** host:port of a URL, for writing it with credentials. */
const hostOf = (url: string): string => new URL(url).host;

describe('credentials in --url and --server-metrics', () => {
  it('are sent as Basic credentials and appear in no file, no console line and no log line (were exported in clear and never sent)', async () => {
    const fault = await serve();
    const scraped = keep(await startMetricsServer());
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
    const written = filesBelow(out);
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
    for (const [name, text] of [
      ...written.map((f) => [f, readFileSync(join(out, f), 'utf8')]),
      ['stdout', r.stdout],
      ['stderr', r.stderr],
    ]) {
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
