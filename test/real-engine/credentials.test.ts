// Against llama.cpp's llama-server started with `--api-key`: the Authorization header infermark
// sends is the one docs/cli.md §3.1 says (`-H Authorization`, else `--api-key`, else a URL's
// user:password), with a notice when several are given; llama-server accepts only the right key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRoot, profileCli, type RealServer, startRealServer } from '../helpers/real-server.js';

const KEY = 'sk-real-engine-KEY-1';
const SHORT = ['--request-count', '4', '--isl', '32', '--osl', '2', '--streaming'];

let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  server = await startRealServer({ parallel: 2, extraFlags: `--api-key ${KEY}` });
});
afterAll(() => {
  server?.stop();
  artifacts.remove();
});

describe('llama-server with --api-key', () => {
  it('answers every request sent with --api-key, and rejects them without it (the check is real)', async () => {
    const ok = await profileCli(server, join(artifacts.dir, 'key'), [...SHORT, '--api-key', KEY]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.records.map((r) => r.error)).toEqual([null, null, null, null]);
    const rejected = await profileCli(server, join(artifacts.dir, 'no-key'), SHORT);
    expect(rejected.status).toBe(1);
    expect(rejected.records.map((r) => r.error?.code)).toEqual([401, 401, 401, 401]);
  });

  it('gets the -H Authorization value, not a wrong --api-key, and the notice says so', async () => {
    const run = await profileCli(server, join(artifacts.dir, 'header'), [
      ...SHORT,
      '--api-key',
      'sk-wrong',
      '-H',
      `Authorization: Bearer ${KEY}`,
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain("notice: '-H Authorization' is sent instead of the 'Authorization: Bearer' of '--api-key'\n");
    expect(run.records.map((r) => r.error)).toEqual([null, null, null, null]);
  });

  it("gets the --api-key, not the URL's user:password, which is shown nowhere", async () => {
    const dir = join(artifacts.dir, 'url-and-key');
    const run = await profileCli(server, dir, [...SHORT, '--api-key', KEY], server.url.replace('://', '://user:url-PASSWORD-2@'));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain("notice: the user:password of '--url' is not sent: '--api-key' sets the Authorization header\n");
    expect(run.records.map((r) => r.error)).toEqual([null, null, null, null]);
    for (const file of ['profile_export_aiperf.json', 'profile_export_console.txt', 'logs/infermark.log']) {
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toContain('url-PASSWORD-2');
    }
  });
});
