// One request's HTTP timeline as `--export-http-trace` records it (docs/exports.md §3.4): monotonic
// `process.hrtime.bigint()` stamps of the sending process, like every `*Ns` of ./raw-record.ts.
// A phase that did not happen is null (a reused connection has no connect and no DNS), never 0.

/** How a new connection was opened: stamped by the connector (ts/src/load/http-trace.ts). */
export interface ConnectTimeline {
  /** undici asked for a connection (DNS, TCP and TLS follow). */
  startNs: bigint;
  /** The host name was resolved; null for an IP address (no lookup). */
  dnsEndNs: bigint | null;
  /** The TCP handshake completed; null when it did not. */
  tcpEndNs: bigint | null;
  /** The TLS handshake completed (https only). */
  tlsEndNs: bigint | null;
  /** The connection was handed to undici, ready to carry the request (after TLS for https). */
  readyNs: bigint | null;
}

export interface HttpTraceData {
  /** The connection was opened for this request (null when the request reused a kept-alive one). */
  connect: ConnectTimeline | null;
  /** The request was written on a connection that had carried an earlier request. */
  reusedNs: bigint | null;
  /** undici began writing the request's headers on the socket. */
  headersSentNs: bigint | null;
  /** The request line and headers exactly as undici wrote them (secrets in clear: writers redact). */
  requestHeaderBlock: string | null;
  /** Each write of the request body: stamp and bytes. */
  requestChunkNs: bigint[];
  requestChunkBytes: number[];
  /** The whole request (headers and body) was handed to the socket. */
  sendEndNs: bigint | null;
  /** The response's status line and headers arrived (the record's `request_ack_ns`). */
  headersReceivedNs: bigint | null;
  status: number | null;
  reason: string | null;
  responseHeaders: Record<string, string> | null;
  /** Each network chunk of the response body, stamped as the record's responses are (docs/metrics.md §2.2). */
  responseChunkNs: bigint[];
  responseChunkBytes: number[];
  /** A transport failure or an abort ended the request here. */
  errorNs: bigint | null;
  localAddress: string | null;
  localPort: number | null;
  remoteAddress: string | null;
  remotePort: number | null;
}
