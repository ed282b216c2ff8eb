// `--export-http-trace` and `--network-latency-automatic` against llama.cpp's llama-server as
// released, which closes the connection after every streamed response (so requests open new
// connections, and a request written on a closed one is sent again): every record's trace is
// ordered, its TTFT instant is one of its response chunks, a resent request is traced on its new
// connection, and the RTT probes succeed (docs/exports.md §3.4 and §17, docs/metrics.md §14).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { artifactRoot, type CliRun, profileCli, type RealServer, startRealServer } from '../helpers/real-server.js';

let server: RealServer;
let run: CliRun;
const artifacts = artifactRoot();
const dir = join(artifacts.dir, 'trace');
beforeAll(async () => {
  server = await startRealServer();
  run = await profileCli(server, dir, [
    ...['--streaming', '--concurrency', '2', '--request-count', '8', '--isl', '64', '--osl', '4', '--extra-inputs', 'ignore_eos:true'],
    ...['--export-http-trace', '--network-latency-automatic', '--network-latency-ping-interval', '0.2'],
  ]);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

type Json = Record<string, any>;

it('traces every request in order, its TTFT at one of its chunks, a resent one on its new connection', () => {
  expect(run.status, run.stderr).toBe(0);
  const records = run.records as unknown as Json[];
  expect(records).toHaveLength(8);
  for (const r of records) {
    expect(r.error).toBeNull();
    const t = r.trace_data;
    const stamps = [
      t.request_send_start_ns,
      t.tcp_connect_start_ns ?? t.request_send_start_ns,
      t.tcp_connect_end_ns ?? t.request_send_start_ns,
      t.request_headers_sent_ns,
      t.request_send_end_ns,
      t.response_headers_received_ns,
      ...(t.response_chunks as [number, number][]).map(([ns]) => ns),
      t.response_receive_end_ns,
    ];
    // JSON numbers keep ~0.3 µs of a ns stamp; rounding keeps the order.
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1]);
    const ttftNs = r.metrics.time_to_first_token.value * 1e6;
    const offsets = (t.response_chunks as [number, number][]).map(([ns]) => ns - t.request_send_start_ns);
    expect(Math.min(...offsets.map((o) => Math.abs(o - ttftNs)))).toBeLessThan(1_000);
    if (r.metadata.connection_resends === 1) {
      expect(t.tcp_connect_start_ns).toBeTypeOf('number');
      expect(t.connection_reused_ns).toBeUndefined();
    }
  }
});

it('probes the server with TCP handshakes and subtracts their median', () => {
  const probes = readFileSync(join(dir, 'profile_export_network_latency.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Json);
  const ok = probes.filter((p) => p.success);
  expect(ok.length).toBeGreaterThanOrEqual(5);
  const summary = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Json;
  expect(summary.network_rtt.avg).toBeGreaterThan(0);
  expect(summary.network_adjusted_time_to_first_token.avg).toBeLessThan(summary.time_to_first_token.avg);
});
