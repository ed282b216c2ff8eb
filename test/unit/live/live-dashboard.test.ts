// The live dashboard (docs/cli.md §3.5) without a browser: its server (127.0.0.1 only, Host check,
// a port in use, the event stream, closing) and its reporter's snapshots from fake GPU and
// server-metrics sources. The page in a browser during a real run: test/e2e/live-dashboard-browser.test.ts.
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { startLiveDashboardServer, type LiveDashboardServer } from '../../../ts/src/live/dashboard-server.js';
import type { LiveFinal, LiveGpuSource, LiveSnapshot } from '../../../ts/src/live/live-snapshot.js';
import type { EngineProgress } from '../../../ts/src/load/engine.js';
import type { MetricBlock, RunMetrics } from '../../../ts/src/metrics/aggregate.js';
import type { MetricRecord } from '../../../ts/src/metrics/record-processor.js';
import type { RunContext, RunEnd } from '../../../ts/src/profile/reporter.js';
import { LiveDashboardReporter } from '../../../ts/src/profile/reporters/live-dashboard.js';

const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

interface Reply {
  status: number;
  body: string;
}

/** GET `path` on 127.0.0.1:`port` with this Host header; resolves with everything sent until the response ends. */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function server(page = '<!DOCTYPE html><title>t</title>'): Promise<LiveDashboardServer> {
  const s = await startLiveDashboardServer({ port: 0, page });
  open.push(s);
  return s;
}

/** The events of an SSE body, in order. */
function events(body: string): Array<{ event: string; data: unknown }> {
  return body
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      const event = /^event: (.*)$/m.exec(f)![1]!;
      return { event, data: JSON.parse(/^data: (.*)$/m.exec(f)![1]!) };
    });
}

describe('the live dashboard server', () => {
  it('serves the page on 127.0.0.1 and refuses a request addressed to another host (DNS rebinding)', async () => {
    const s = await server('<!DOCTYPE html><title>live</title>');
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/`);
    expect(await get(s.port, '/')).toEqual({ status: 200, body: '<!DOCTYPE html><title>live</title>' });
    expect((await get(s.port, '/', `localhost:${s.port}`)).status).toBe(200);
    expect(await get(s.port, '/', 'attacker.example')).toEqual({ status: 403, body: 'forbidden host\n' });
    expect((await get(s.port, '/events', `attacker.example:${s.port}`)).status).toBe(403);
    expect((await get(s.port, '/nothing')).status).toBe(404);
  });

  it('reports a port in use as a usage error that names it and the flag to change it', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    open.push({ close: () => new Promise<void>((r) => taken.close(() => r())) });
    const port = (taken.address() as { port: number }).port;
    const err = await startLiveDashboardServer({ port, page: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(`cannot listen on 127.0.0.1:${port}: address already in use`);
    expect((err as UsageError).hints).toEqual(['choose another port with --dashboard-port N (0: any free port)']);
  });

  it('streams published events, replays the latest of each to a late page, and ends every stream on close', async () => {
    const s = await server();
    s.publish('snapshot', { seq: 1 });
    const first = get(s.port, '/events');
    // The first stream is open (it got the replay) before the next event is published.
    await new Promise((r) => setTimeout(r, 100));
    s.publish('snapshot', { seq: 2 });
    s.publish('final', { done: true });
    const late = get(s.port, '/events');
    await new Promise((r) => setTimeout(r, 100));
    open.splice(open.indexOf(s), 1);
    await s.close();
    expect(events((await first).body)).toEqual([
      { event: 'snapshot', data: { seq: 1 } },
      { event: 'snapshot', data: { seq: 2 } },
      { event: 'final', data: { done: true } },
    ]);
    expect(events((await late).body)).toEqual([
      { event: 'snapshot', data: { seq: 2 } },
      { event: 'final', data: { done: true } },
    ]);
    await expect(get(s.port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});

function runContext(): RunContext {
  return {
    config: { endpoint: { models: ['m'] } },
    written: new Map([['summaryJson', '/runs/x/profile_export_aiperf.json']]),
    scrubber: { scrub: (t: string) => t.replace('sk-secret', '***') },
    log: () => undefined,
  } as unknown as RunContext;
}

function record(endMs: number, ttft: number, tokens: number, error: string | null = null, phase = 'profiling'): MetricRecord {
  return {
    phase,
    error: error === null ? null : { code: 500, type: error, message: error },
    endWallNs: BigInt(endMs) * 1_000_000n,
    metrics:
      error === null ? { time_to_first_token: ttft, inter_token_latency: 1, request_latency: 100, output_sequence_length: tokens } : {},
  } as unknown as MetricRecord;
}

describe('LiveDashboardReporter', () => {
  it('snapshots progress, the window, errors by type, the servers and the GPUs from their sources', async () => {
    const gpus: LiveGpuSource = {
      latestGpus: () => [
        { label: 'GPU 0 (host-a)', powerW: 312.5, utilizationPct: 87 },
        { label: 'GPU 1 (host-a)', powerW: null, utilizationPct: null },
      ],
    };
    const lines: string[] = [];
    const reporter = new LiveDashboardReporter({
      port: 0,
      stderr: { write: (t: string) => lines.push(t) },
      gpus,
      serverMetrics: {
        latest: () => ({ scrapedAtMs: 9_500, waiting: 3, running: 8, kvCacheUsagePct: 42, prefixCacheHitRatePct: 61.5 }),
      },
    });
    await reporter.start(runContext());
    open.push({ close: () => reporter.flushNow() });
    expect(lines).toEqual([`infermark live dashboard: ${reporter.url} (127.0.0.1 only, for the duration of the run)\n`]);
    reporter.onPhaseStart('profiling');
    const progress: EngineProgress = {
      phase: 'profiling',
      sent: 12,
      completed: 10,
      errors: 2,
      inFlight: 2,
      target: 40,
      elapsedNs: 3_000_000_000n,
    };
    reporter.onProgress(progress);
    const now = Date.now();
    for (let i = 0; i < 8; i++) reporter.onMetricRecord(record(now - 100 + i, 10 + i, 50));
    reporter.onMetricRecord(record(now, 0, 0, 'HTTPError'));
    reporter.onMetricRecord(record(now, 0, 0, 'HTTPError'));
    reporter.onMetricRecord(record(now, 0, 0, 'TimeoutError'));
    // Warmup requests counted after profiling began are not profiling's.
    reporter.onMetricRecord(record(now, 99, 50, null, 'warmup'));
    reporter.onMetricRecord(record(now, 0, 0, 'HTTPError', 'warmup'));
    const s: LiveSnapshot = reporter.snapshot(now + 10);
    expect(s).toMatchObject({
      phase: 'profiling',
      completed: 10,
      target: 40,
      sent: 12,
      errors: 2,
      inFlight: 2,
      elapsedSec: 3,
      windowSec: 10,
    });
    expect(s.window.requests).toBe(8);
    expect(s.window.ttft).toMatchObject({ p50: 13.5, count: 8 });
    expect(s.errorsByType).toEqual([
      { type: 'HTTPError', count: 2 },
      { type: 'TimeoutError', count: 1 },
    ]);
    expect(s.server).toMatchObject({ waiting: 3, running: 8, kvCacheUsagePct: 42, prefixCacheHitRatePct: 61.5 });
    expect(s.gpus).toEqual(gpus.latestGpus());
    expect(s.client.heapUsedMb).toBeGreaterThan(0);
    expect(reporter.snapshot(now + 20).seq).toBe(s.seq + 1);
  });

  it('shows no server or GPU figures without their sources', async () => {
    const reporter = new LiveDashboardReporter({ port: 0, stderr: { write: () => true } });
    await reporter.start(runContext());
    open.push({ close: () => reporter.flushNow() });
    const s = reporter.snapshot();
    expect(s.server).toBeNull();
    expect(s.gpus).toEqual([]);
  });

  it('sends the summary JSON figures and the scrubbed error summary at the end, then stops listening', async () => {
    const reporter = new LiveDashboardReporter({ port: 0, stderr: { write: () => true } });
    await reporter.start(runContext());
    const url = reporter.url!;
    const port = Number(new URL(url).port);
    const stream = get(port, '/events');
    await new Promise((r) => setTimeout(r, 100));
    const blocks = new Map<string, MetricBlock>([
      ['time_to_first_token', { unit: 'ms', stats: { avg: 12.3456789, p50: 12, p90: 20, p99: 30.5, min: 1, max: 31, count: 8 } }],
      ['request_count', { unit: 'requests', stats: { avg: 8 } }],
    ]);
    const metrics = {
      blocks,
      errorSummary: [{ error: { code: 401, type: 'HTTPError', message: 'bad key sk-secret' }, count: 2 }],
    } as unknown as RunMetrics;
    await reporter.finish({ metrics, interrupted: false } as unknown as RunEnd);
    const got = events((await stream).body);
    const final = got.at(-1)!;
    expect(final.event).toBe('final');
    expect(final.data as LiveFinal).toEqual({
      interrupted: false,
      metrics: {
        time_to_first_token: { unit: 'ms', avg: 12.3456789, p50: 12, p90: 20, p99: 30.5, min: 1, max: 31, count: 8 },
        request_count: { unit: 'requests', avg: 8 },
      },
      errorSummary: [{ type: 'HTTPError', code: 401, message: 'bad key ***', count: 2 }],
      summaryPath: '/runs/x/profile_export_aiperf.json',
    });
    expect(got.slice(0, -1).every((e) => e.event === 'snapshot')).toBe(true);
    await expect(get(port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
