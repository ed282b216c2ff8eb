// `profile --metrics-port` (docs/exports.md §13) against serve-mock: scraped while the run goes on,
// its counters only grow, and once the summary is written the final values equal the summary's
// counts; a port in use stops the run with exit 2 before any request.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, portIsClosed, startMockProcess } from '../helpers/child-server.js';
import { runProfileCli, spawnProfile, workDirectory } from '../helpers/profile-process.js';
import { parseExposition, sample, sumOf } from '../helpers/prometheus-text.js';

const dir = workDirectory('infermark-metrics-endpoint-');
let mock: ChildServer;

beforeAll(async () => {
  // Failures at the start and in mid-stream, so errors of more than one kind are counted.
  mock = await startMockProcess([
    '--latency-model',
    'simple',
    '--ttft',
    '20',
    '--itl',
    '4',
    '--error-rate',
    '8',
    '--stream-error-rate',
    '6',
  ]);
});
afterAll(async () => {
  await mock?.stop();
});

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parseExposition(await res.text());
}

/** Series that may only grow: counters, histogram buckets and counts. */
function isMonotonic(key: string): boolean {
  const name = key.split('{')[0]!;
  return name.endsWith('_total') || name.endsWith('_bucket') || name.endsWith('_count');
}

interface JsonlRecord {
  metadata: { benchmark_phase: string };
  metrics: Record<string, { value: unknown }>;
  error: unknown;
}

describe('profile --metrics-port', () => {
  it('serves counters that only grow during the run and end equal to the summary', async () => {
    const out = join(dir, 'scraped');
    const run = spawnProfile(
      [
        ...['-m', 'mock-model', '--url', mock.url, '--streaming', '--isl', '20', '--osl', '20', '--ui', 'none'],
        ...['--request-rate', '50', '--concurrency', '16', '--request-count', '150', '--warmup-request-count', '4'],
        ...['--metrics-port', '0', '--metrics-linger', '4', '--artifact-dir', out],
      ],
      dir,
    );
    await until(() => /metrics: (http:\/\/\S+)/.test(run.stderr()), 'the metrics address');
    const url = /metrics: (http:\/\/\S+)/.exec(run.stderr())![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    const scrapes: Map<string, number>[] = [];
    // The console summary is printed after every result file is written, and the endpoint lingers after it.
    while (!run.stdout().includes('profile_export_aiperf.json')) {
      scrapes.push(await scrape(url));
      await new Promise((r) => setTimeout(r, 150));
    }
    const final = await scrape(url);
    scrapes.push(final);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(await portIsClosed(Number(new URL(url).port))).toBe(true);

    expect(scrapes.length).toBeGreaterThanOrEqual(5);
    // Scrapes saw the run under way, not only its end.
    expect(scrapes.some((s) => sample(s, 'infermark_requests_in_flight') > 0)).toBe(true);
    expect(scrapes.some((s) => sumOf(s, 'infermark_requests_completed_total', { phase: 'profiling' }) > 0 && s !== final)).toBe(true);
    for (let i = 1; i < scrapes.length; i++) {
      for (const [key, value] of scrapes[i - 1]!) {
        if (isMonotonic(key)) expect(scrapes[i]!.get(key) ?? 0, `${key}, scrape ${i}`).toBeGreaterThanOrEqual(value);
      }
    }

    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    const records = readFileSync(join(out, 'profile_export.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonlRecord)
      .filter((r) => r.metadata.benchmark_phase === 'profiling');
    const profiling = { phase: 'profiling' };
    expect(summary.error_request_count.avg).toBeGreaterThan(0);
    expect(sample(final, 'infermark_requests_completed_total', { ...profiling, outcome: 'success' })).toBe(summary.request_count.avg);
    expect(sample(final, 'infermark_requests_completed_total', { ...profiling, outcome: 'error' })).toBe(summary.error_request_count.avg);
    expect(sample(final, 'infermark_requests_sent_total', profiling)).toBe(150);
    expect(sample(final, 'infermark_requests_sent_total', { phase: 'warmup' })).toBe(4);
    expect(sample(final, 'infermark_output_tokens_total', profiling)).toBe(summary.total_osl.avg);
    expect(sample(final, 'infermark_input_tokens_total', profiling)).toBe(summary.total_isl.avg);
    for (const e of summary.error_summary as Array<{ error_details: { type: string }; count: number }>) {
      expect(sample(final, 'infermark_request_errors_total', { ...profiling, error_type: e.error_details.type })).toBe(e.count);
    }
    expect(sumOf(final, 'infermark_request_errors_total', profiling)).toBe(summary.error_request_count.avg);
    // Each histogram counts exactly the requests that have its metric, and sums the same values.
    for (const [metric, tag] of [
      ['infermark_time_to_first_token_seconds', 'time_to_first_token'],
      ['infermark_inter_token_latency_seconds', 'inter_token_latency'],
      ['infermark_request_latency_seconds', 'request_latency'],
      ['infermark_schedule_lag_seconds', 'schedule_lag'],
    ] as const) {
      const withMetric = records.filter((r) => r.metrics[tag] !== undefined).length;
      expect(withMetric, tag).toBeGreaterThan(0);
      expect(sample(final, `${metric}_count`, profiling), tag).toBe(withMetric);
      expect(sample(final, `${metric}_count`, profiling), tag).toBe(summary[tag].count);
      expect(sample(final, `${metric}_bucket`, { ...profiling, le: '+Inf' }), tag).toBe(withMetric);
      expect(sample(final, `${metric}_sum`, profiling), tag).toBeCloseTo(summary[tag].sum / 1000, 6);
    }
    expect(sample(final, 'infermark_running')).toBe(0);
    expect(sample(final, 'infermark_requests_in_flight')).toBe(0);
    expect(sample(final, 'infermark_phase', profiling)).toBe(1);
    expect(
      sample(final, 'infermark_benchmark_info', {
        benchmark_id: summary.benchmark_id,
        model: 'mock-model',
        version: summary.infermark_version,
      }),
    ).toBe(1);
  }, 60_000);

  describe('a port that cannot be used', () => {
    let taken: Server;
    let requests = 0;
    let target: Server;
    beforeAll(async () => {
      taken = createServer((_, res) => res.end());
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      target = createServer((_, res) => {
        requests++;
        res.writeHead(500).end();
      });
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    });
    afterAll(async () => {
      await new Promise((r) => taken.close(r));
      await new Promise((r) => target.close(r));
    });

    it('stops with exit 2 before any request when the port is in use', async () => {
      const port = (taken.address() as AddressInfo).port;
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
      const run = await runProfileCli(
        [
          ...['-m', 'm', '--url', url, '--streaming', '--request-count', '4', '--isl', '10', '--ui', 'none'],
          ...['--no-server-metrics', '--metrics-port', String(port), '--artifact-dir', join(dir, 'in-use')],
        ],
        dir,
      );
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`error: option '--metrics-port': 127.0.0.1:${port} is already in use`);
      expect(requests).toBe(0);
    });

    it('refuses --metrics-host and --metrics-linger without --metrics-port', async () => {
      for (const flag of [
        ['--metrics-host', '0.0.0.0'],
        ['--metrics-linger', '5'],
      ]) {
        const run = await runProfileCli(['-m', 'm', '--request-count', '1', '--ui', 'none', ...flag], dir);
        expect(run.status).toBe(2);
        expect(run.stderr).toContain(`option '${flag[0]}' requires option '--metrics-port'`);
      }
    });
  });
});
