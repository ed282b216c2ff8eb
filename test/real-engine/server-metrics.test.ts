// llama.cpp's Prometheus counters in infermark's exports, and its prefix cache as infermark sees
// it: the counters agree with the usage of the responses, and a repeated long system prompt is
// read from the cache instead of prefilled again. And infermark's own endpoint (--metrics-port)
// during a run against it, next to the server's, and the live dashboard's view of both.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sample } from '../helpers/prometheus-text.js';
import { formatFixed2 } from '../../ts/src/report/number-format.js';
import { artifactRoot, metric, profileCli, type RealServer, type RecordLine, serverStat, startRealServer } from '../helpers/real-server.js';

let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  // A server of its own: the prefix-cache test needs a cache that has not seen its prompt.
  server = await startRealServer();
});
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

const sum = (records: RecordLine[], tag: string): number => records.reduce((s, r) => s + (metric(r, tag) ?? Number.NaN), 0);

describe("llama.cpp's /metrics", () => {
  it('exports its token counters over the profiling window, equal to the usage of the responses', async () => {
    // Not streamed: the upstream server closes the connection after each streamed response,
    // which is what requests.test.ts is about; here every request must reach the server.
    const run = await profileCli(server, `${artifacts.dir}/counters`, [
      '--endpoint-type',
      'chat',
      '--concurrency',
      '4',
      '--request-count',
      '16',
      '--isl',
      '64',
      '--osl',
      '4',
      '--extra-inputs',
      'ignore_eos:true',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.records.filter((r) => r.error)).toEqual([]);
    const doc = run.serverMetrics;
    expect(doc, 'server_metrics_export.json').not.toBeNull();
    for (const [name, type] of [
      ['llamacpp:prompt_tokens_total', 'counter'],
      ['llamacpp:prompt_tokens_cached_total', 'counter'],
      ['llamacpp:tokens_predicted_total', 'counter'],
      ['llamacpp:requests_processing', 'gauge'],
      ['llamacpp:requests_deferred', 'gauge'],
    ] as const) {
      expect(doc!.metrics[name]?.type, name).toBe(type);
    }
    const evaluated = serverStat(doc, 'llamacpp:prompt_tokens_total', 'total')!;
    const cached = serverStat(doc, 'llamacpp:prompt_tokens_cached_total', 'total')!;
    // The window starts before the first request and ends after the last response, so the
    // counters' increases are exactly this run's tokens.
    expect(serverStat(doc, 'llamacpp:tokens_predicted_total', 'total')).toBe(sum(run.records, 'usage_completion_tokens'));
    expect(evaluated + cached).toBe(sum(run.records, 'usage_prompt_tokens'));
    expect(cached).toBe(sum(run.records, 'usage_prompt_cache_read_tokens'));
    expect(serverStat(doc, 'llamacpp:requests_processing', 'max')).toBeGreaterThan(0);
    expect(serverStat(doc, 'llamacpp:requests_processing', 'max')).toBeLessThanOrEqual(4);
    expect(run.stdout).toContain(
      `Server prefix cache hit rate: ${formatFixed2((100 * cached) / (evaluated + cached))}% ` +
        '(llamacpp:prompt_tokens_cached / (llamacpp:prompt_tokens_cached + llamacpp:prompt_tokens))',
    );
  });
});

describe("llama.cpp's prefix cache", () => {
  it('reads a repeated 4k-token system prompt from its cache: warm TTFT is a fraction of the cold one', async () => {
    // A 4,096-token system prompt costs ~1.2 s of prefill on one thread; read from the cache it
    // costs next to nothing (../shared/real-server/README.md: ~1.8 s cold, ~0.1 s warm). Only an
    // effect that large is compared, and the faster of two warm requests, so that a loaded
    // machine cannot blur it.
    // One request per run, each on a connection of its own: requests in parallel would land on
    // other slots, which do not hold the prefix, and a reused connection is what
    // requests.test.ts checks.
    const once = (name: string) =>
      profileCli(server, `${artifacts.dir}/${name}`, [
        '--endpoint-type',
        'chat',
        '--streaming',
        '--request-count',
        '1',
        '--shared-system-prompt-length',
        '4096',
        '--isl',
        '32',
        '--osl',
        '2',
        '--extra-inputs',
        'ignore_eos:true',
        // Neither this system prompt nor the user prompt has been sent to this server before.
        '--random-seed',
        '4096',
      ]);
    const cold = await once('cold');
    const warm = [await once('warm-1'), await once('warm-2')];
    for (const run of [cold, ...warm]) {
      expect(run.records.filter((r) => r.error).map((r) => r.error!.message)).toEqual([]);
      expect(run.records).toHaveLength(1);
    }

    expect(metric(cold.records[0]!, 'usage_prompt_cache_read_tokens')).toBeLessThan(100);
    for (const run of warm) expect(metric(run.records[0]!, 'usage_prompt_cache_read_tokens')).toBeGreaterThanOrEqual(4096);
    const coldTtft = metric(cold.records[0]!, 'time_to_first_token')!;
    const warmTtft = Math.min(...warm.map((run) => metric(run.records[0]!, 'time_to_first_token')!));
    expect(warmTtft * 3, `cold ${coldTtft} ms, warm ${warmTtft} ms`).toBeLessThan(coldTtft);
    // The console's hit rate says the same: nearly every prompt token of a warm run was cached.
    for (const run of warm) {
      const rate = Number(/Server prefix cache hit rate: ([\d.]+)% \(llamacpp:/.exec(run.stdout)?.[1]);
      expect(rate).toBeGreaterThan(90);
    }
  });
});

describe("infermark's own /metrics (--metrics-port) against llama.cpp", () => {
  it('ends with the summary counts and the output tokens the records hold', async () => {
    const port = await new Promise<number>((ok) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => ok(p));
      });
    });
    let last: Map<string, number> | null = null;
    let scrapes = 0;
    let done = false;
    // Scrapes until the run exits; the last one falls in the linger, after the summary was written.
    const scraper = (async () => {
      while (!done) {
        const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
          (r) => r.text(),
          () => null,
        );
        if (text !== null) {
          last = parseExposition(text);
          scrapes++;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const dir = `${artifacts.dir}/own-metrics`;
    const run = await profileCli(server, dir, [
      ...['--endpoint-type', 'chat', '--streaming', '--concurrency', '2', '--request-count', '8', '--isl', '32', '--osl', '8'],
      ...['--metrics-port', String(port), '--metrics-linger', '2'],
    ]);
    done = true;
    await scraper;
    expect(run.status, run.stderr).toBe(0);
    expect(scrapes).toBeGreaterThan(2);
    const summary = JSON.parse(readFileSync(`${dir}/profile_export_aiperf.json`, 'utf8'));
    const final = last!;
    const p = { phase: 'profiling' };
    expect(sample(final, 'infermark_requests_completed_total', { ...p, outcome: 'success' })).toBe(summary.request_count.avg);
    expect(sample(final, 'infermark_requests_completed_total', { ...p, outcome: 'error' })).toBe(summary.error_request_count.avg);
    expect(sample(final, 'infermark_output_tokens_total', p)).toBe(sum(run.records, 'output_sequence_length'));
    expect(sample(final, 'infermark_time_to_first_token_seconds_count', p)).toBe(
      run.records.filter((r) => metric(r, 'time_to_first_token') !== undefined).length,
    );
    expect(sample(final, 'infermark_time_to_first_token_seconds_sum', p)).toBeCloseTo(sum(run.records, 'time_to_first_token') / 1000, 6);
  });
});

describe('the live dashboard (--ui dashboard) against llama.cpp', () => {
  it("streams llama.cpp's running requests and the run's progress, then the summary's own figures", async () => {
    const port = await new Promise<number>((ok) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => ok(p));
      });
    });
    const snapshots: Array<{ completed: number; server: { running: number | null } | null }> = [];
    let final: { metrics: Record<string, Record<string, number | string>> } | null = null;
    let done = false;
    // Reads the page's event stream as the browser does, reconnecting until the run exits.
    const reader = (async () => {
      while (!done) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/events`);
          const decoder = new TextDecoder();
          let text = '';
          const body = res.body!.getReader();
          for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
            text += decoder.decode(chunk.value, { stream: true });
            let end = text.indexOf('\n\n');
            while (end >= 0) {
              const frame = text.slice(0, end);
              text = text.slice(end + 2);
              const event = /^event: (.*)$/m.exec(frame)?.[1];
              const data = /^data: (.*)$/m.exec(frame)?.[1];
              if (data !== undefined && event === 'snapshot') snapshots.push(JSON.parse(data));
              if (data !== undefined && event === 'final') final = JSON.parse(data);
              end = text.indexOf('\n\n');
            }
          }
        } catch {
          // Not listening yet, or closed at the end of the run.
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const dir = `${artifacts.dir}/live-dashboard`;
    const run = await profileCli(server, dir, [
      ...['--endpoint-type', 'chat', '--streaming', '--concurrency', '2', '--request-count', '12', '--isl', '32', '--osl', '48'],
      ...['--extra-inputs', 'ignore_eos:true', '--ui', 'dashboard', '--dashboard-port', String(port)],
    ]);
    done = true;
    await reader;
    expect(run.status, run.stderr).toBe(0);
    expect(snapshots.length).toBeGreaterThan(0);
    // llama.cpp's llamacpp:requests_processing gauge, scraped while requests ran.
    expect(snapshots.some((s) => (s.server?.running ?? 0) > 0)).toBe(true);
    const summary = JSON.parse(readFileSync(`${dir}/profile_export_aiperf.json`, 'utf8'));
    expect(final).not.toBeNull();
    expect(Number(final!.metrics['request_count']!['avg'])).toBe(summary.request_count.avg);
    expect(Number(final!.metrics['time_to_first_token']!['p50'])).toBe(summary.time_to_first_token.p50);
  });
});
