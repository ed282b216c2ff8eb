// `--export-http-trace`, `--network-latency-mean` and `--network-latency-automatic` end to end against
// serve-mock (docs/exports.md §3.4 and §17, docs/metrics.md §14): the built CLI, the files it writes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeStats } from '../../ts/src/metrics/stats.js';
import { type MockServerHandle, startMockServer } from '../../ts/src/server/mock-server.js';
import { BIN } from '../helpers/child-server.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';

const cwd = workDirectory('infermark-network-trace-');
let mock: MockServerHandle;
beforeAll(async () => {
  // A first token after 30 ms and 5 ms between tokens: the response arrives in several chunks.
  mock = await startMockServer({ port: 0, latencyModel: 'simple', ttft: 30, itl: 5, logLevel: 'error' });
});
afterAll(async () => {
  await mock?.close();
});

// JSON numbers: the ns stamps (~1.8e18) lose their last ~8 bits, so stamps are compared to within 1 µs.
type Json = Record<string, any>;

async function profile(dir: string, url: string, extra: string[]): Promise<{ records: Json[]; summary: Json; stdout: string }> {
  const run = await runProfileCli(
    [
      ...['-m', 'mock-model', '--url', url, '--endpoint-type', 'chat', '--streaming', '--ui', 'none'],
      ...['--isl', '32', '--osl', '6', '--concurrency', '1', '--artifact-dir', dir, ...extra],
    ],
    cwd,
  );
  expect(run.status, run.stderr).toBe(0);
  const records = readFileSync(join(cwd, dir, 'profile_export.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Json);
  const summary = JSON.parse(readFileSync(join(cwd, dir, 'profile_export_aiperf.json'), 'utf8')) as Json;
  return { records: records.sort((a, b) => a.metadata.request_num - b.metadata.request_num), summary, stdout: run.stdout };
}

/** The stamps of a trace in the order the request lived them; absent phases are skipped. */
function timeline(t: Json): number[] {
  const keys = [
    'request_send_start_ns',
    'tcp_connect_start_ns',
    'dns_lookup_start_ns',
    'dns_lookup_end_ns',
    'tls_handshake_start_ns',
    'tls_handshake_end_ns',
    'tcp_connect_end_ns',
    'connection_reused_ns',
    'request_headers_sent_ns',
  ];
  const out = keys.filter((k) => t[k] !== undefined).map((k) => t[k] as number);
  for (const [ns] of t.request_chunks as [number, number][]) out.push(ns);
  out.push(t.request_send_end_ns, t.response_headers_received_ns, t.response_receive_start_ns);
  for (const [ns] of t.response_chunks as [number, number][]) out.push(ns);
  out.push(t.response_receive_end_ns);
  return out;
}

/**
 * One run serves the trace test of kept-alive connections and the `--network-latency-mean` test
 * (the flags are independent; each CLI run costs a few seconds of CPU).
 */
let pooledRun: ReturnType<typeof profile> | null = null;
function pooled(): ReturnType<typeof profile> {
  pooledRun ??= profile('pooled', mock.url.replace('127.0.0.1', 'localhost'), [
    ...['--request-count', '6', '--export-http-trace', '--connection-reuse-strategy', 'pooled', '--network-latency-mean', '40'],
  ]);
  return pooledRun;
}

function expectOrdered(stamps: number[]): void {
  for (let i = 1; i < stamps.length; i++) expect(stamps[i]!, `stamp ${i} of ${stamps.join(', ')}`).toBeGreaterThanOrEqual(stamps[i - 1]!);
}

/** The record's TTFT instant is one of the response chunks' arrivals (the same stamp, to the JSON's resolution). */
function expectTtftOnAChunk(r: Json): void {
  const t = r.trace_data;
  const ttftNs = r.metrics.time_to_first_token.value * 1e6;
  const offsets = (t.response_chunks as [number, number][]).map(([ns]) => ns - t.request_send_start_ns);
  expect(Math.min(...offsets.map((o) => Math.abs(o - ttftNs)))).toBeLessThan(1_000);
  expect(offsets[0]!).toBeLessThanOrEqual(ttftNs + 1_000);
}

describe('--export-http-trace', () => {
  it('traces a fresh connection (DNS, connect) and then reused ones (no DNS or connect fields at all), ordered and at the TTFT instant', async () => {
    const { records } = await pooled();
    expect(records).toHaveLength(6);
    const [first, ...rest] = records;
    const t0 = first!.trace_data;
    expect(t0.trace_type).toBe('undici');
    for (const k of [
      'tcp_connect_start_ns',
      'tcp_connect_end_ns',
      'dns_lookup_start_ns',
      'dns_lookup_end_ns',
      'connecting_ns',
      'dns_lookup_ns',
    ]) {
      expect(t0[k], k).toBeTypeOf('number');
    }
    expect(t0.connection_reused_ns).toBeUndefined();
    for (const r of rest) {
      const t = r.trace_data;
      expect(t.connection_reused_ns).toBeTypeOf('number');
      for (const k of [
        'tcp_connect_start_ns',
        'tcp_connect_end_ns',
        'dns_lookup_start_ns',
        'dns_lookup_end_ns',
        'connecting_ns',
        'dns_lookup_ns',
      ]) {
        expect(t[k], k).toBeUndefined();
      }
      // One kept-alive connection carried every request.
      expect(t.local_port).toBe(t0.local_port);
    }
    for (const r of records) {
      const t = r.trace_data;
      expect(t.request_send_start_ns).toBe(r.metadata.request_start_ns);
      expect(t.response_headers_received_ns).toBe(r.metadata.request_ack_ns);
      expect(t.response_status_code).toBe(200);
      expect(t.response_headers['content-type']).toMatch(/text\/event-stream/);
      expect(t.request_headers['x-request-id']).toBe(r.metadata.x_request_id);
      expect(Number(t.request_headers['content-length'])).toBe(t.request_bytes_total);
      expect(t.remote_port).toBe(Number(new URL(mock.url).port));
      expect(t.response_chunks_count).toBe(t.response_chunks.length);
      expect(t.response_chunks_count).toBeGreaterThan(1);
      expect(t.response_bytes_total).toBe((t.response_chunks as [number, number][]).reduce((a, [, n]) => a + n, 0));
      expect(Math.abs(t.duration_ns - (t.response_receive_end_ns - t.request_send_start_ns))).toBeLessThan(1_000);
      expectOrdered(timeline(t));
      expectTtftOnAChunk(r);
    }
  }, 60_000);

  it('gives every request its own connection with --connection-reuse-strategy never, and no DNS lookup for an IP address', async () => {
    const { records } = await profile('trace-never', mock.url, [
      '--request-count',
      '3',
      '--export-http-trace',
      '--connection-reuse-strategy',
      'never',
    ]);
    expect(new Set(records.map((r) => r.trace_data.local_port)).size).toBe(3);
    for (const r of records) {
      const t = r.trace_data;
      expect(t.tcp_connect_start_ns).toBeTypeOf('number');
      expect(t.connection_reused_ns).toBeUndefined();
      expect(t.dns_lookup_start_ns).toBeUndefined();
      expect(Math.abs(t.connecting_ns - (t.tcp_connect_end_ns - t.tcp_connect_start_ns))).toBeLessThan(1_000);
      expectOrdered(timeline(t));
      expectTtftOnAChunk(r);
    }
  }, 60_000);
});

describe('--export-http-trace over https', () => {
  const tls = resolve(__dirname, '../fixtures/tls');
  let server: Server;
  beforeAll(async () => {
    // A chat stream of two content events, 20 ms apart, over TLS with the fixture certificate.
    server = createServer(
      { key: readFileSync(join(tls, 'localhost-key.pem')), cert: readFileSync(join(tls, 'localhost-cert.pem')) },
      (req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const event = (content: string): string =>
            `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'mock-model', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
          res.write(event('hello'));
          setTimeout(() => res.end(`${event(' world')}data: [DONE]\n\n`), 20);
        });
      },
    );
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  });

  it('times the TLS handshake inside the connect, after the TCP handshake', async () => {
    const url = `https://localhost:${(server.address() as AddressInfo).port}`;
    const dir = 'trace-https';
    // The child trusts the fixture certificate, as a user's system would trust the server's. It runs
    // asynchronously: the server answering it lives in this process.
    const child = spawn(
      process.execPath,
      [
        ...[BIN, 'profile', '-m', 'mock-model', '--url', url, '--endpoint-type', 'chat', '--streaming', '--ui', 'none'],
        ...['--no-server-metrics', '--isl', '16', '--osl', '2', '--concurrency', '1', '--request-count', '2'],
        ...['--export-http-trace', '--artifact-dir', dir],
      ],
      { cwd, env: { ...process.env, NODE_EXTRA_CA_CERTS: join(tls, 'localhost-cert.pem'), NO_COLOR: '1' } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const status = await new Promise<number | null>((ok) => child.on('exit', ok));
    expect(status, stderr).toBe(0);
    const records = readFileSync(join(cwd, dir, 'profile_export.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json)
      .sort((a, b) => a.metadata.request_num - b.metadata.request_num);
    expect(records.map((rec) => rec.error)).toEqual([null, null]);
    const t = records[0]!.trace_data;
    for (const k of ['dns_lookup_end_ns', 'tls_handshake_start_ns', 'tls_handshake_end_ns', 'tls_handshaking_ns'])
      expect(t[k], k).toBeTypeOf('number');
    expect(t.tls_handshake_end_ns).toBe(t.tcp_connect_end_ns);
    expect(t.tls_handshaking_ns).toBeGreaterThan(0);
    expectOrdered(timeline(t));
    expectTtftOnAChunk(records[0]!);
    // The second request reuses the TLS connection: no handshake of any kind.
    const t1 = records[1]!.trace_data;
    expect(t1.connection_reused_ns).toBeTypeOf('number');
    expect(t1.tls_handshake_start_ns).toBeUndefined();
    expectOrdered(timeline(t1));
  }, 130_000);
});

describe('network calibration', () => {
  it('--network-latency-mean subtracts the given RTT from every latency, clamped at 0, and reports it as network_rtt', async () => {
    // 40 ms is more than some TTFTs (30 ms first token) and less than every request latency.
    const { records, summary, stdout } = await pooled();
    expect(summary.network_rtt).toMatchObject({ unit: 'ms', avg: 40 });
    for (const [tag, source] of [
      ['network_adjusted_request_latency', 'request_latency'],
      ['network_adjusted_time_to_first_token', 'time_to_first_token'],
    ] as const) {
      const expected = computeStats(records.map((r) => Math.max(r.metrics[source].value - 40, 0)))!;
      for (const stat of ['avg', 'min', 'max', 'p50', 'p90', 'std'] as const) {
        expect(summary[tag][stat], `${tag}.${stat}`).toBeCloseTo(expected[stat]!, 4);
      }
      expect(summary[tag].unit).toBe('ms');
    }
    expect(summary.network_adjusted_time_to_first_token.min).toBe(0);
    expect(stdout).toMatch(/Network-Adjusted Request Latency \(ms\)/);
    expect(stdout).toMatch(/Network RTT: 40\.000 ms \(given by --network-latency-mean\)/);
  }, 60_000);

  it('--network-latency-automatic probes the server during the run and subtracts the median round trip', async () => {
    const dir = 'automatic';
    const { summary, records } = await profile(dir, mock.url, [
      ...['--request-count', '6', '--network-latency-automatic', '--network-latency-ping-interval', '0.05'],
    ]);
    const probes = readFileSync(join(cwd, dir, 'profile_export_network_latency.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    // Without --export-http-trace the records keep their layout.
    expect(records.every((r) => !('trace_data' in r))).toBe(true);
    const ok = probes.filter((p) => p.success === true);
    // At least AIPerf's floor of 5 successes (a short run is topped up at its end).
    expect(ok.length).toBeGreaterThanOrEqual(5);
    const { port } = new URL(mock.url);
    for (const p of ok) {
      expect(Object.keys(p)).toEqual(['timestamp_ns', 'target_url', 'target_host', 'target_port', 'probe_type', 'rtt_ns', 'success']);
      expect(p).toMatchObject({ target_url: mock.url, target_host: '127.0.0.1', target_port: Number(port), probe_type: 'tcp_connect' });
      expect(p.rtt_ns).toBeGreaterThan(0);
    }
    const sorted = ok.map((p) => p.rtt_ns as number).sort((a, b) => a - b);
    const mid = (sorted.length - 1) / 2;
    const median = (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
    expect(summary.network_rtt.avg).toBeCloseTo(median / 1e6, 6);
    expect(summary.network_adjusted_request_latency.max).toBeCloseTo(Math.max(summary.request_latency.max - median / 1e6, 0), 6);
  }, 60_000);
});
