// Readiness and server control (docs/cli.md §3.12) against llama.cpp's llama-server: a run started
// before the server waits for it and then runs; the KV-cache reset and profiler routes llama-server
// lacks (404) are warnings, not failures; two servers share the requests round-robin, each in the
// per-URL breakdown and each scraped for its metrics.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/child-server.js';
import { artifactRoot, freePort, MODEL, profileCli, type RealServer, startRealServer } from '../helpers/real-server.js';

const servers: RealServer[] = [];
const artifacts = artifactRoot();
afterAll(async () => {
  for (const s of servers) await s.stop();
  artifacts.remove();
});

describe('llama-server and readiness', () => {
  it('waits for a server started after the run; the reset and profiler routes it lacks are warnings', async () => {
    const port = await freePort();
    const out = join(artifacts.dir, 'late');
    const argv = [BIN, 'profile', '-m', MODEL, '--url', `127.0.0.1:${port}`, '--ui', 'none', '--artifact-dir', out];
    argv.push('--request-count', '2', '--isl', '32', '--osl', '4', '--wait-for-model-timeout', '120', '--wait-for-model-interval', '0.1');
    argv.push('--wait-for-model-mode', 'both', '--reset-kv-cache', '--server-profiler', '--warmup-request-count', '1');
    const child = spawn(process.execPath, argv, { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((ok) => child.on('exit', ok));
    while (!stderr.includes('waiting for the model') && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain(`GET http://127.0.0.1:${port}/v1/models got ECONNREFUSED`);
    servers.push(await startRealServer({ port }));
    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain(`ready: http://127.0.0.1:${port} (GET http://127.0.0.1:${port}/v1/models: 200`);
    expect(stderr).toContain(`ready: http://127.0.0.1:${port} (POST http://127.0.0.1:${port}/v1/chat/completions (model '${MODEL}'): 200`);
    for (const [what, path, flag] of [
      ['KV-cache reset', '/reset_prefix_cache', '--reset-kv-cache-path'],
      ['profiler start', '/start_profile', '--server-profiler-start-path'],
      ['profiler stop', '/stop_profile', '--server-profiler-stop-path'],
    ]) {
      expect(stdout).toContain(
        `warning: ${what} not done: http://127.0.0.1:${port}${path} answered 404, the server has no such route (${flag} sets it)`,
      );
    }
    expect(JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8')).request_count.avg).toBe(2);
  });

  it('spreads the requests over two servers round-robin, with a per-URL breakdown', async () => {
    if (servers.length === 0) servers.push(await startRealServer());
    servers.push(await startRealServer());
    const [a, b] = servers as [RealServer, RealServer];
    const before = await Promise.all([a.metrics(), b.metrics()]);
    const run = await profileCli(a, join(artifacts.dir, 'two'), [
      '--url',
      b.url,
      '--concurrency',
      '2',
      '--request-count',
      '8',
      '--isl',
      '32',
      '--osl',
      '4',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const after = await Promise.all([a.metrics(), b.metrics()]);
    // Both servers generated (their own counters), and the records say which served each request.
    const generated = after.map(
      (m, i) => (m.get('llamacpp:tokens_predicted_total') ?? 0) - (before[i]!.get('llamacpp:tokens_predicted_total') ?? 0),
    );
    for (const g of generated) expect(g).toBeGreaterThan(0);
    const records = readFileSync(join(artifacts.dir, 'two', 'profile_export.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).metadata as { session_num: number; url_index: number });
    for (const r of records) expect(r.url_index).toBe(r.session_num % 2);
    const summary = JSON.parse(readFileSync(join(artifacts.dir, 'two', 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.per_url.map((u: { url: string; request_count: { avg: number } }) => [u.url, u.request_count.avg])).toEqual([
      [a.url, 4],
      [b.url, 4],
    ]);
    const scraped = JSON.parse(readFileSync(join(artifacts.dir, 'two', 'server_metrics_export.json'), 'utf8'));
    expect(scraped.summary.endpoints_successful).toEqual([`${a.url}/metrics`, `${b.url}/metrics`]);
  });
});
