// The `trace_data` object of a `profile_export.jsonl` line with `--export-http-trace`
// (docs/exports.md §3.4): AIPerf 0.13's field names and order (its aiohttp trace export, wall-clock
// ns, absent fields left out as AIPerf's writer leaves out nulls), `trace_type` "undici", plus the
// TLS stamps AIPerf folds into its connect time.
import type { HttpTraceData } from '../metrics/http-trace-data.js';
import type { JsonValue } from './json-writer.js';
import { redactHeaders } from './redact.js';

/** The header lines of an HTTP/1.1 request head (the request line and the blank line dropped). */
export function headersOfBlock(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = block.split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/**
 * The request's headers as sent, secrets redacted. undici publishes the head before it appends
 * `content-length` (its value is the body's size, written in the same write), so that line is added here.
 */
function requestHeaders(block: string, bodyBytes: number): Record<string, string> {
  const headers = headersOfBlock(block);
  if (bodyBytes > 0 && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length'))
    headers['content-length'] = String(bodyBytes);
  return redactHeaders(headers);
}

/** `trace_data` of one record; `w` turns the sending process's monotonic ns into wall-clock ns. */
export function traceDataJson(t: HttpTraceData, requestStartNs: bigint, w: (monoNs: bigint) => bigint): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { trace_type: 'undici' };
  const set = (key: string, value: JsonValue | undefined): void => {
    if (value !== null && value !== undefined) out[key] = value;
  };
  const at = (ns: bigint | null | undefined): bigint | null => (ns === null || ns === undefined ? null : w(ns));
  const span = (from: bigint | null | undefined, to: bigint | null | undefined): bigint | null =>
    from === null || from === undefined || to === null || to === undefined ? null : to - from;

  const requestBytes = t.requestChunkBytes.reduce((a, b) => a + b, 0);
  const responseBytes = t.responseChunkBytes.reduce((a, b) => a + b, 0);
  const firstChunkNs = t.responseChunkNs[0] ?? null;
  const lastChunkNs = t.responseChunkNs.at(-1) ?? null;
  const c = t.connect;

  // AIPerf's request/response fields (its TraceDataExport).
  set('request_send_start_ns', w(requestStartNs));
  set('request_headers', t.requestHeaderBlock === null ? null : requestHeaders(t.requestHeaderBlock, requestBytes));
  set('request_headers_sent_ns', at(t.headersSentNs));
  out['request_chunks'] = t.requestChunkNs.map((ns, i) => [w(ns), t.requestChunkBytes[i]!]);
  set('request_send_end_ns', at(t.sendEndNs));
  out['request_chunks_count'] = t.requestChunkNs.length;
  out['request_bytes_total'] = requestBytes;
  set('response_status_code', t.status);
  set('response_reason', t.reason);
  set('response_receive_start_ns', at(firstChunkNs));
  set('response_headers', t.responseHeaders === null ? null : redactHeaders(t.responseHeaders));
  set('response_headers_received_ns', at(t.headersReceivedNs));
  out['response_chunks'] = t.responseChunkNs.map((ns, i) => [w(ns), t.responseChunkBytes[i]!]);
  out['response_chunks_count'] = t.responseChunkNs.length;
  out['response_bytes_total'] = responseBytes;
  set('response_receive_end_ns', at(lastChunkNs));
  set('error_timestamp_ns', at(t.errorNs));
  // Its connection fields (AioHttpTraceDataExport). infermark's pool never makes a request wait for
  // a connection (it opens one), so connection_pool_wait_* never appear.
  set('tcp_connect_start_ns', at(c?.startNs));
  set('tcp_connect_end_ns', at(c?.readyNs));
  set('connection_reused_ns', at(t.reusedNs));
  set('dns_lookup_start_ns', c?.dnsEndNs === null || c === null ? null : w(c.startNs));
  set('dns_lookup_end_ns', at(c?.dnsEndNs));
  // infermark's: the TLS handshake within tcp_connect_* (https only).
  set('tls_handshake_start_ns', c === null || c.tlsEndNs === null ? null : at(c.tcpEndNs));
  set('tls_handshake_end_ns', at(c?.tlsEndNs));
  set('local_ip', t.localAddress);
  set('local_port', t.localPort);
  set('remote_ip', t.remoteAddress);
  set('remote_port', t.remotePort);
  // The computed durations (k6 / HAR names), in AIPerf's order.
  set('sending_ns', span(requestStartNs, t.sendEndNs));
  set('waiting_ns', span(t.sendEndNs, firstChunkNs));
  set('receiving_ns', t.responseChunkNs.length === 0 ? null : span(firstChunkNs, lastChunkNs));
  set('duration_ns', span(requestStartNs, lastChunkNs));
  set('dns_lookup_ns', c === null ? null : span(c.startNs, c.dnsEndNs));
  set('connecting_ns', c === null ? null : span(c.startNs, c.readyNs));
  set('tls_handshaking_ns', c === null || c.tlsEndNs === null ? null : span(c.tcpEndNs, c.tlsEndNs));
  return out;
}
