// Readiness and server control of `profile` (docs/cli.md §3.12) against serve-mock: the run waits
// for a server that comes up late and fails clearly when it never does, resets the KV cache before
// each repeated run, starts the profiler after warmup and stops it after profiling, and spreads
// requests over two URLs with a per-URL breakdown in every summary.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServerHandle } from '../../ts/src/server/mock-server.js';
import { parseExposition, sample, sumOf } from '../helpers/prometheus-text.js';
import { runProfileCli, spawnInfermark, spawnProfile, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-server-control-');
const servers: MockServerHandle[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function mock(options: Parameters<typeof startMockServer>[0] = {}): Promise<MockServerHandle> {
  const s = await startMockServer({ port: 0, latencyModel: 'none', tokenizer: false, tokenizerThreads: 0, ...options });
  servers.push(s);
  return s;
}

const series = (s: MockServerHandle): Map<string, number> => parseExposition(s.metricsText());
const counter = (s: MockServerHandle, name: string): number =>
  sample(series(s), `infermark_mock:${name}`, { model_name: 'mock-model', engine: '0' });
const served = (s: MockServerHandle): number => sumOf(series(s), 'vllm:request_success_total');

const common = (out: string): string[] => [
  '-m',
  'mock-model',
  '--osl',
  '4',
  '--isl',
  '32',
  '--ui',
  'none',
  '--workers',
  '1',
  '--artifact-dir',
  out,
];

async function runInfermarkCli(args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const run = spawnInfermark(args, cwd);
  const status = await run.exited;
  return { status, stdout: run.stdout(), stderr: run.stderr() };
}

/** A port nothing listens on yet. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('--wait-for-model-timeout', () => {
  it('waits for a server that starts after the run, then runs against it', async () => {
    const port = await freePort();
    const out = join(dir, 'late');
    const run = spawnProfile(
      [
        ...common(out),
        '--url',
        `127.0.0.1:${port}`,
        '--request-count',
        '3',
        '--wait-for-model-timeout',
        '60',
        '--wait-for-model-interval',
        '0.2',
      ],
      dir,
    );
    // The server comes up only once the run has said it is waiting, and then still loads for a moment.
    while (!run.stderr().includes('waiting for the model')) {
      if (run.process.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(run.stderr()).toContain(
      `waiting for the model at http://127.0.0.1:${port}: POST http://127.0.0.1:${port}/v1/chat/completions (model 'mock-model') got ECONNREFUSED`,
    );
    const server = await mock({ port, inferenceReadyDelaySeconds: 0.5 });
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(/got 503 .*Model is loading/);
    expect(run.stderr()).toMatch(new RegExp(`ready: http://127.0.0.1:${port} \\(POST .* 200; attempt \\d+`));
    // The probe's one request, then the run's three.
    expect(served(server)).toBe(4);
  });

  it('fails with exit 1 naming the URL and the last answer when the model never loads, and writes nothing', async () => {
    const server = await mock({ inferenceReadyDelaySeconds: 600 });
    const out = join(dir, 'never');
    const run = await runProfileCli(
      [...common(out), '--url', server.url, '--wait-for-model-timeout', '1', '--wait-for-model-interval', '0.2'],
      dir,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `error: the model did not become ready at ${server.url} within 1 s \\(--wait-for-model-mode inference, \\d+ probes\\); the last one, POST ${server.url}/v1/chat/completions \\(model 'mock-model'\\), got 503 `,
      ),
    );
    expect(existsSync(out)).toBe(false);
    expect(served(server)).toBe(0);
  });
});

describe('--reset-kv-cache', () => {
  it('resets the prefix cache before each repeated run, so the second run finds nothing cached', async () => {
    // The engine model's prefix cache: the same four prompts in both runs would hit without the reset.
    const server = await mock({ latencyModel: 'engine' });
    const out = join(dir, 'reset');
    const args = [...common(out), '--url', server.url, '--concurrency', '1', '--request-count', '4', '--num-dataset-entries', '4'];
    const run = await runProfileCli([...args, '--num-profile-runs', '2', '--reset-kv-cache'], dir);
    expect(run.status, run.stderr).toBe(0);
    expect(counter(server, 'prefix_cache_resets_total')).toBe(2);
    expect(sumOf(series(server), 'vllm:prefix_cache_hits_total')).toBe(0);
    // Without the reset the second run's prompts are served from the cache.
    const again = await runProfileCli(
      [...common(join(dir, 'no-reset')), '--url', server.url, '--concurrency', '1', '--request-count', '4', '--num-dataset-entries', '4'],
      dir,
    );
    expect(again.status, again.stderr).toBe(0);
    expect(sumOf(series(server), 'vllm:prefix_cache_hits_total')).toBeGreaterThan(0);
  });

  it('resets before each point of a sweep', async () => {
    const server = await mock();
    const out = join(dir, 'sweep');
    const run = await runInfermarkCli(
      ['sweep', ...common(out), '--url', server.url, '--concurrency', '1,2', '--request-count', '2', '--reset-kv-cache'],
      dir,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(counter(server, 'prefix_cache_resets_total')).toBe(2);
  });

  it('goes on when the server has no reset route, with a warning naming it', async () => {
    const server = await mock();
    const out = join(dir, 'no-route');
    const run = await runProfileCli(
      [...common(out), '--url', server.url, '--request-count', '2', '--reset-kv-cache', '--reset-kv-cache-path', '/flush_cache'],
      dir,
    );
    expect(run.status, run.stderr).toBe(0);
    const warning = `KV-cache reset not done: ${server.url}/flush_cache answered 404, the server has no such route (--reset-kv-cache-path sets it)`;
    expect(run.stdout).toContain(`warning: ${warning}`);
    expect(readFileSync(join(out, 'logs', 'infermark.log'), 'utf8')).toContain(warning);
    expect(served(server)).toBe(2);
  });
});

describe('--server-profiler', () => {
  it('profiles the profiling phase only: started after warmup, stopped after the last request', async () => {
    const server = await mock();
    const out = join(dir, 'profiler');
    const run = await runProfileCli(
      [...common(out), '--url', server.url, '--warmup-request-count', '3', '--request-count', '5', '--server-profiler'],
      dir,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(counter(server, 'profiler_starts_total')).toBe(1);
    expect(counter(server, 'profiler_stops_total')).toBe(1);
    expect(served(server)).toBe(8);
    expect(counter(server, 'profiled_requests_total')).toBe(5);
  });
});

describe('several --url values', () => {
  it('sends alternate sessions to each URL and breaks the summary down per URL', async () => {
    const a = await mock();
    const b = await mock();
    const out = join(dir, 'two-urls');
    const run = await runProfileCli([...common(out), '--url', a.url, '--url', b.url, '--concurrency', '2', '--request-count', '6'], dir);
    expect(run.status, run.stderr).toBe(0);
    expect([served(a), served(b)]).toEqual([3, 3]);
    const records = readFileSync(join(out, 'profile_export.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).metadata as { session_num: number; url_index: number });
    expect(records).toHaveLength(6);
    for (const r of records) expect(r.url_index).toBe(r.session_num % 2);
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.per_url.map((u: { url: string; url_index: number }) => [u.url, u.url_index])).toEqual([
      [a.url, 0],
      [b.url, 1],
    ]);
    for (const u of summary.per_url) {
      expect(u.request_count.avg).toBe(3);
      expect(u.error_request_count.avg).toBe(0);
      expect(u.request_latency.unit).toBe('ms');
      expect(u.request_throughput.avg).toBeCloseTo(summary.request_throughput.avg / 2, 9);
    }
    const csv = readFileSync(join(out, 'profile_export_aiperf.csv'), 'utf8');
    expect(csv).toContain('\r\n\r\nURL,Metric,avg,min,max,sum,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\r\n');
    expect(csv).toContain(`${a.url},Request Count,3,`);
    expect(csv).toContain(`${b.url},Request Count,3,`);
    expect(run.stdout).toContain('infermark | Per URL');
    expect(run.stdout).toMatch(new RegExp(`│ ${b.url.replace(/\./g, '\\.')} +│ +3 │ +0 │`));
    // Each server's own metrics are scraped, as with one URL.
    const scraped = JSON.parse(readFileSync(join(out, 'server_metrics_export.json'), 'utf8'));
    expect(scraped.summary.endpoints_successful).toEqual([`${a.url}/metrics`, `${b.url}/metrics`]);
  });
});
