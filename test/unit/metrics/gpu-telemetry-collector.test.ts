// The DCGM scraper (docs/exports.md §14) against a fake exporter that answers, stalls, returns
// garbage or disappears: every failure is counted, none is thrown, and scrapes never queue up.
import { afterEach, describe, expect, it } from 'vitest';
import { GpuTelemetryCollector } from '../../../ts/src/metrics/gpu-telemetry-collector.js';
import { startFakeExporter, type FakeExporter } from '../../helpers/dcgm-exporter.js';

const GPUS = [
  { uuid: 'GPU-0000', powerW: 300 },
  { uuid: 'GPU-1111', powerW: 120 },
];
const FAST = { intervalMs: 50, timeoutMs: 150 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let exporters: FakeExporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.map((e) => e.close()));
  exporters = [];
});
async function exporter(...args: Parameters<typeof startFakeExporter>): Promise<FakeExporter> {
  const e = await startFakeExporter(...args);
  exporters.push(e);
  return e;
}

describe('GpuTelemetryCollector', () => {
  it('samples every GPU of a healthy exporter at each interval, and the newest sample of each is readable live', async () => {
    const ex = await exporter(GPUS);
    const c = new GpuTelemetryCollector([{ url: ex.url, authorization: null, optional: false }], FAST);
    await c.start();
    await sleep(400);
    expect(c.latest().map((s) => [s.gpu_uuid, s.telemetry_data.nvidia_power_usage])).toEqual([
      ['GPU-0000', 300],
      ['GPU-1111', 120],
    ]);
    const { samples, endpoints } = await c.stop();
    const [e] = endpoints;
    expect(e!.failed_fetches).toBe(0);
    expect(e!.total_fetches).toBeGreaterThanOrEqual(5);
    expect(samples.length).toBe(2 * e!.total_fetches);
    expect(e!.avg_fetch_latency_ms).toBeGreaterThan(0);
  });

  it('counts a stalled exporter as timeouts, skips its ticks instead of queueing scrapes, and stops within one deadline', async () => {
    const ex = await exporter(GPUS);
    const c = new GpuTelemetryCollector([{ url: ex.url, authorization: null, optional: false }], FAST);
    await c.start();
    ex.setMode('stall');
    const before = ex.scrapes;
    await sleep(700);
    const t = performance.now();
    const { endpoints } = await c.stop();
    expect(performance.now() - t).toBeLessThan(2 * FAST.timeoutMs + 200);
    const e = endpoints[0]!;
    expect(e.failures.timeout).toBeGreaterThanOrEqual(3);
    expect(e.skipped_ticks).toBeGreaterThan(0);
    // One scrape at a time: never more requests than deadlines that fit in the stall (+ the final one).
    expect(ex.scrapes - before).toBeLessThanOrEqual(Math.ceil(700 / FAST.timeoutMs) + 2);
    expect(e.failed_fetches).toBe(e.failures.timeout);
  });

  it('counts a body that is not Prometheus text and keeps the samples taken before', async () => {
    const ex = await exporter(GPUS);
    const c = new GpuTelemetryCollector([{ url: ex.url, authorization: null, optional: false }], FAST);
    await c.start();
    await sleep(150);
    ex.setMode('garbage');
    await sleep(250);
    const { samples, endpoints } = await c.stop();
    expect(endpoints[0]!.failures.invalid_body).toBeGreaterThanOrEqual(3);
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  it('counts an exporter that disappears mid-run as connection failures', async () => {
    const ex = await exporter(GPUS);
    const c = new GpuTelemetryCollector([{ url: ex.url, authorization: null, optional: false }], FAST);
    await c.start();
    await sleep(150);
    ex.setMode('gone');
    await sleep(300);
    const { samples, endpoints } = await c.stop();
    const e = endpoints[0]!;
    expect(e.failures.connection + e.failures.timeout).toBeGreaterThanOrEqual(3);
    expect(e.failed_fetches).toBe(e.failures.connection + e.failures.timeout);
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  it('drops a default address that does not answer without a word, and keeps scraping a named one', async () => {
    const ex = await exporter(GPUS);
    const port = Number(new URL(ex.url).port);
    await ex.close();
    const logged: string[] = [];
    const optional = new GpuTelemetryCollector([{ url: `http://127.0.0.1:${port}/metrics`, authorization: null, optional: true }], {
      ...FAST,
      log: (level, m) => level === 'warning' && logged.push(m),
    });
    await optional.start();
    expect(optional.urls).toEqual([]);
    expect((await optional.stop()).endpoints).toEqual([]);
    expect(logged).toEqual([]);

    const named = new GpuTelemetryCollector([{ url: `http://127.0.0.1:${port}/metrics`, authorization: null, optional: false }], FAST);
    await named.start();
    await sleep(200);
    const { samples, endpoints } = await named.stop();
    expect(samples).toEqual([]);
    expect(endpoints[0]!.failures.connection).toBe(endpoints[0]!.total_fetches);
    expect(endpoints[0]!.total_fetches).toBeGreaterThanOrEqual(3);
  });

  it('counts Prometheus text without DCGM GPU series as its own failure', async () => {
    const ex = await exporter([]);
    const c = new GpuTelemetryCollector([{ url: ex.url, authorization: null, optional: false }], FAST);
    await c.start();
    const { endpoints } = await c.stop();
    expect(endpoints[0]!.failures.no_gpu_metrics).toBe(endpoints[0]!.total_fetches);
  });

  it('keeps one GPU reported by two endpoints from the first endpoint only', async () => {
    const ex = await exporter(GPUS);
    const second = ex.url.replace('127.0.0.1', 'localhost');
    const c = new GpuTelemetryCollector(
      [
        { url: ex.url, authorization: null, optional: false },
        { url: second, authorization: null, optional: false },
      ],
      FAST,
    );
    await c.start();
    await sleep(200);
    const { samples, endpoints } = await c.stop();
    expect(new Set(samples.map((s) => s.telemetry_source_url))).toEqual(new Set([ex.url]));
    expect(endpoints.every((e) => e.failed_fetches === 0)).toBe(true);
  });
});
