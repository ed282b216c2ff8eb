import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerMetricsCollector, metricsUrlOfBase, normalizeServerMetricsUrl } from '../../../ts/src/metrics/server-metrics-collector.js';
import { serverMetricsJson } from '../../../ts/src/report/server-metrics-export.js';
import { workedExample } from '../metrics/fixtures.js';
import { openRun, tempDir } from '../profile/fixtures.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function serve(handler: (path: string) => { status: number; body: string }): Promise<string> {
  server = createServer((req, res) => {
    const { status, body } = handler(req.url ?? '/');
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('server metrics collection', () => {
  it('derives endpoint URLs', () => {
    expect(metricsUrlOfBase('localhost:8000/v1')).toBe('http://localhost:8000/metrics');
    expect(normalizeServerMetricsUrl('127.0.0.1:9000')).toBe('http://127.0.0.1:9000/metrics');
    expect(normalizeServerMetricsUrl('https://h/custom')).toBe('https://h/custom');
  });

  it('scrapes counters over the window and writes the exports with the prefix-cache line', async () => {
    let n = 0;
    const base = await serve((p) => {
      if (p !== '/metrics') return { status: 404, body: 'no' };
      n++;
      return {
        status: 200,
        body: `# TYPE vllm:prefix_cache_queries_total counter\nvllm:prefix_cache_queries_total ${n * 100}\n# TYPE vllm:prefix_cache_hits_total counter\nvllm:prefix_cache_hits_total ${n * 25}\n`,
      };
    });
    const dir = tempDir();
    const run = await openRun(dir, { url: [base], noServerMetrics: false });
    run.pipeline.phaseStart('profiling', 0n);
    for (const r of workedExample()) run.pipeline.record(r);
    await run.pipeline.finish();
    const res = { consoleText: run.printed() };
    expect(res.consoleText).toContain('Server prefix cache hit rate: 25.00% (vllm:prefix_cache_hits / vllm:prefix_cache_queries)');
    expect(res.consoleText).toContain(`Server Metrics: ${join(dir, 'server_metrics_export.json')}`);
    const doc = JSON.parse(readFileSync(join(dir, 'server_metrics_export.json'), 'utf8')) as {
      summary: { endpoints_successful: string[] };
      metrics: Record<string, { type: string; series: Array<{ stats: Record<string, number> }> }>;
    };
    expect(doc.summary.endpoints_successful).toEqual([`${base}/metrics`]);
    expect(doc.metrics['vllm:prefix_cache_queries_total']!.type).toBe('counter');
    expect(doc.metrics['vllm:prefix_cache_queries_total']!.series[0]!.stats['total']).toBeGreaterThanOrEqual(100);
    const csv = readFileSync(join(dir, 'server_metrics_export.csv'), 'utf8');
    expect(csv.split('\r\n\r\n')).toHaveLength(3);
    expect(csv).toContain('Endpoint,Metric,Labels,total,rate\r\n');
  });

  it("reads llama.cpp's prompt-token counters as the prefix-cache hit rate", async () => {
    // llama.cpp's layout: the evaluated prompt tokens exclude the cached ones, so 30 cached of
    // 30 + 90 prompt tokens per scrape is a hit rate of 25 %.
    let n = 0;
    const base = await serve(() => {
      n++;
      return {
        status: 200,
        body:
          '# TYPE llamacpp:prompt_tokens_total counter\n' +
          `llamacpp:prompt_tokens_total ${n * 90}\n` +
          '# TYPE llamacpp:prompt_tokens_cached_total counter\n' +
          `llamacpp:prompt_tokens_cached_total ${n * 30}\n`,
      };
    });
    const run = await openRun(tempDir(), { url: [base], noServerMetrics: false });
    run.pipeline.phaseStart('profiling', 0n);
    for (const r of workedExample()) run.pipeline.record(r);
    await run.pipeline.finish();
    expect(run.printed()).toContain(
      'Server prefix cache hit rate: 25.00% (llamacpp:prompt_tokens_cached / (llamacpp:prompt_tokens_cached + llamacpp:prompt_tokens))',
    );
  });

  it('keeps the good lines of a scrape with bad ones, and reports the count in endpoint_info and one warning', async () => {
    let n = 0;
    const base = await serve(() => {
      n++;
      return { status: 200, body: `# TYPE g gauge\ng{a="1"} ${n}\ng{a="2"} broken\nh{a="3} 1\n# TYPE c counter\nc_total ${10 * n}\n` };
    });
    const url = `${base}/metrics`;
    const c = new ServerMetricsCollector([url], { intervalMs: 10 });
    await c.start();
    await vi.waitFor(() => expect(n).toBeGreaterThanOrEqual(3));
    const r = await c.stop();
    const scrapes = r.endpointInfo[url]!.total_fetches;
    expect(r.endpointInfo[url]!.failed_fetches).toBe(0);
    expect(r.endpointInfo[url]!.malformed_lines).toBe(2 * scrapes);
    expect(r.metrics.get('g')!.series.map((x) => x.labels)).toEqual([{ a: '1' }]);
    expect(r.metrics.get('c')!.series[0]!.stats['total']).toBe(10 * (scrapes - 1));
    expect(r.warnings).toEqual([
      `server metrics from ${url}: ${2 * scrapes} malformed lines skipped in ${scrapes} of ${scrapes} scrapes (first scrape: line 3: invalid sample value 'broken'; line 4: unterminated value of label 'a')`,
    ]);
    const json = serverMetricsJson(r, { version: 'test', benchmarkId: 'b' });
    expect(JSON.parse(json).summary.endpoint_info[url].malformed_lines).toBe(2 * scrapes);
  });

  it('probes /prometheus/metrics once, then disables a non-Prometheus endpoint with one warning', async () => {
    let fallbackWorks = true;
    const base = await serve((p) =>
      p === '/prometheus/metrics' && fallbackWorks
        ? { status: 200, body: '# TYPE g gauge\ng 1\n' }
        : { status: 200, body: '<html>dashboard</html>' },
    );
    const ok = new ServerMetricsCollector([`${base}/metrics`], { intervalMs: 20 });
    await ok.start();
    const r1 = await ok.stop();
    expect(r1.endpointsSuccessful).toEqual([`${base}/metrics`]);
    expect(r1.metrics.get('g')!.series[0]!.stats['avg']).toBe(1);

    fallbackWorks = false;
    const bad = new ServerMetricsCollector([`${base}/other`], { intervalMs: 20 });
    await bad.start();
    const r2 = await bad.stop();
    expect(r2.endpointsSuccessful).toEqual([]);
    expect(r2.warnings).toEqual([
      `server metrics disabled for ${base}/other: not a Prometheus endpoint (also tried ${base}/prometheus/metrics)`,
    ]);
  });

  it('gives the live dashboard the latest scrape: queues summed, KV usage averaged, prefix hit rate since the baseline', async () => {
    // Two endpoints on one server (by path), scraped at the start (the baseline) and at the stop.
    const n = { a: 0, b: 0 };
    const base = await serve((p) => {
      if (p === '/a/metrics') {
        n.a++;
        return {
          status: 200,
          body:
            'vllm:num_requests_waiting{model_name="m"} 2\nvllm:num_requests_running{model_name="m"} 5\nvllm:kv_cache_usage_perc 0.25\n' +
            `vllm:prefix_cache_hits_total ${n.a * 30}\nvllm:prefix_cache_queries_total ${n.a * 100}\n`,
        };
      }
      n.b++;
      return {
        status: 200,
        body: `vllm:num_requests_waiting 1\nvllm:gpu_cache_usage_perc 0.75\nvllm:prefix_cache_hits_total ${n.b * 10}\nvllm:prefix_cache_queries_total ${n.b * 100}\n`,
      };
    });
    const c = new ServerMetricsCollector([`${base}/a/metrics`, `${base}/b/metrics`], { intervalMs: 60_000 });
    expect(c.latest()).toBeNull();
    const before = Date.now();
    await c.start();
    await c.stop();
    expect(n).toEqual({ a: 2, b: 2 });
    const live = c.latest()!;
    expect(live).toMatchObject({ waiting: 3, running: 5, kvCacheUsagePct: 50, prefixCacheHitRatePct: 20 });
    expect(live.scrapedAtMs).toBeGreaterThanOrEqual(before - 5);
    expect(live.scrapedAtMs).toBeLessThanOrEqual(Date.now() + 5);
  });

  it("gives the live dashboard llama.cpp's queue, running requests and prefix hit rate (cached over all prompt tokens)", async () => {
    let n = 0;
    const base = await serve(() => {
      n++;
      // llama.cpp's prompt_tokens_total excludes the cached tokens: 60 cached of 60 + 140 asked for.
      return {
        status: 200,
        body:
          'llamacpp:requests_deferred 4\nllamacpp:requests_processing 2\n' +
          `llamacpp:prompt_tokens_total ${n * 140}\nllamacpp:prompt_tokens_cached_total ${n * 60}\n`,
      };
    });
    const c = new ServerMetricsCollector([`${base}/metrics`], { intervalMs: 60_000 });
    await c.start();
    await c.stop();
    expect(n).toBe(2);
    expect(c.latest()).toMatchObject({ waiting: 4, running: 2, kvCacheUsagePct: null, prefixCacheHitRatePct: 30 });
  });

  it('counts connection failures and keeps retrying', async () => {
    // A local server that drops every connection at once: each scrape fails without a response.
    let connections = 0;
    const dropper = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(dropper.address() as AddressInfo).port}/metrics`;
    try {
      const c = new ServerMetricsCollector([url], { intervalMs: 10, timeoutMs: 500 });
      await c.start();
      // The baseline scrape and two retries on the interval.
      await vi.waitFor(() => expect(connections).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 10 });
      const res = await c.stop();
      expect(res.endpointInfo[url]!.failed_fetches).toBeGreaterThanOrEqual(3);
      expect(res.endpointInfo[url]!.failed_fetches).toBe(res.endpointInfo[url]!.total_fetches);
      expect(res.endpointsSuccessful).toEqual([]);
    } finally {
      await new Promise<void>((r) => dropper.close(() => r()));
    }
  });
});
