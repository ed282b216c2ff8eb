import { describe, expect, it } from 'vitest';
import type { HttpTraceData } from '../../../ts/src/metrics/http-trace-data.js';
import { headersOfBlock, traceDataJson } from '../../../ts/src/report/http-trace-json.js';

const w = (ns: bigint): bigint => ns + 1_000_000_000n;

function trace(over: Partial<HttpTraceData>): HttpTraceData {
  return {
    connect: null,
    reusedNs: null,
    headersSentNs: 150n,
    requestHeaderBlock: 'POST /v1/chat/completions HTTP/1.1\r\nhost: h:1\r\nauthorization: Bearer sk-secret\r\nx-a: 1\r\n',
    requestChunkNs: [160n],
    requestChunkBytes: [42],
    sendEndNs: 161n,
    headersReceivedNs: 300n,
    status: 200,
    reason: 'OK',
    responseHeaders: { 'content-type': 'text/event-stream' },
    responseChunkNs: [300n, 350n, 420n],
    responseChunkBytes: [10, 20, 30],
    errorNs: null,
    localAddress: '127.0.0.1',
    localPort: 40000,
    remoteAddress: '127.0.0.1',
    remotePort: 8000,
    ...over,
  };
}

describe('trace_data of --export-http-trace (docs/exports.md §3.4)', () => {
  it("writes a fresh connection's DNS, connect and TLS phases in AIPerf's field order, on the wall clock", () => {
    const json = traceDataJson(
      trace({ connect: { startNs: 110n, dnsEndNs: 115n, tcpEndNs: 130n, tlsEndNs: 140n, readyNs: 140n } }),
      100n,
      w,
    );
    expect(Object.keys(json)).toEqual([
      'trace_type',
      'request_send_start_ns',
      'request_headers',
      'request_headers_sent_ns',
      'request_chunks',
      'request_send_end_ns',
      'request_chunks_count',
      'request_bytes_total',
      'response_status_code',
      'response_reason',
      'response_receive_start_ns',
      'response_headers',
      'response_headers_received_ns',
      'response_chunks',
      'response_chunks_count',
      'response_bytes_total',
      'response_receive_end_ns',
      'tcp_connect_start_ns',
      'tcp_connect_end_ns',
      'dns_lookup_start_ns',
      'dns_lookup_end_ns',
      'tls_handshake_start_ns',
      'tls_handshake_end_ns',
      'local_ip',
      'local_port',
      'remote_ip',
      'remote_port',
      'sending_ns',
      'waiting_ns',
      'receiving_ns',
      'duration_ns',
      'dns_lookup_ns',
      'connecting_ns',
      'tls_handshaking_ns',
    ]);
    expect(json).toMatchObject({
      trace_type: 'undici',
      request_send_start_ns: 1_000_000_100n,
      request_chunks: [[1_000_000_160n, 42]],
      request_bytes_total: 42,
      response_chunks: [
        [1_000_000_300n, 10],
        [1_000_000_350n, 20],
        [1_000_000_420n, 30],
      ],
      response_bytes_total: 60,
      response_receive_start_ns: 1_000_000_300n,
      response_receive_end_ns: 1_000_000_420n,
      tcp_connect_start_ns: 1_000_000_110n,
      tcp_connect_end_ns: 1_000_000_140n,
      dns_lookup_start_ns: 1_000_000_110n,
      dns_lookup_end_ns: 1_000_000_115n,
      tls_handshake_start_ns: 1_000_000_130n,
      tls_handshake_end_ns: 1_000_000_140n,
      sending_ns: 61n,
      waiting_ns: 139n,
      receiving_ns: 120n,
      duration_ns: 320n,
      dns_lookup_ns: 5n,
      connecting_ns: 30n,
      tls_handshaking_ns: 10n,
    });
    // The secret is redacted; content-length, appended by undici after its channel, is restored.
    expect(json['request_headers']).toEqual({ host: 'h:1', authorization: '***', 'x-a': '1', 'content-length': '42' });
  });

  it('leaves the phases a reused connection skipped out (absent, not 0), and marks an error', () => {
    const json = traceDataJson(trace({ reusedNs: 150n, responseChunkNs: [], responseChunkBytes: [], errorNs: 500n }), 100n, w);
    for (const k of [
      'tcp_connect_start_ns',
      'dns_lookup_start_ns',
      'dns_lookup_ns',
      'connecting_ns',
      'tls_handshake_start_ns',
      'receiving_ns',
    ]) {
      expect(json, k).not.toHaveProperty(k);
    }
    expect(json).toMatchObject({
      connection_reused_ns: 1_000_000_150n,
      error_timestamp_ns: 1_000_000_500n,
      response_chunks: [],
      response_chunks_count: 0,
    });
  });

  it('reads the header lines of a request head, joining a repeated header', () => {
    expect(headersOfBlock('GET / HTTP/1.1\r\na: 1\r\nb:2\r\na: 3\r\n\r\n')).toEqual({ a: '1, 3', b: '2' });
  });
});
