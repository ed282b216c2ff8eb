// docs/serve-mock.md §2, limits on what a client sends: a request must arrive within its time limits, or
// its connection is answered 408 and closed. Regression: the server ran with
// `requestTimeout: 0`, so a body trickling in, or a connection that never finished its headers,
// held its socket (and a file descriptor) for as long as the client liked.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServerHandle, startMockServer } from '../../../ts/src/server/mock-server.js';
import { postStream, tokenEvents } from './client.js';

const REQUEST_TIMEOUT_S = 1;
const HEADERS_TIMEOUT_S = 0.5;

/** A raw connection that records what the server sends and when it closes the connection. */
function rawConnection(port: number): { socket: Socket; received: () => string; closed: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  // A reset counts as closed too.
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now())));
  return { socket, received: () => received, closed };
}

/** `closed`, or the string 'still open' after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'still open'> {
  return Promise.race([p, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);
}

describe('slow and idle clients are timed out', () => {
  let s: MockServerHandle;
  beforeAll(async () => {
    s = await startMockServer({
      port: 0,
      latencyModel: 'simple',
      ttft: 100,
      itl: 300,
      requestTimeoutSeconds: REQUEST_TIMEOUT_S,
      headersTimeoutSeconds: HEADERS_TIMEOUT_S,
    });
  });
  afterAll(() => s.close());

  it('answers 408 and closes a connection whose body trickles in for longer than the request timeout', async () => {
    const c = rawConnection(s.port);
    const start = performance.now();
    c.socket.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    // One byte every 50 ms: 1,000 bytes would take 50 s.
    const trickle = setInterval(() => c.socket.write(' '), 50);
    try {
      const closedAt = await within(c.closed, 5000);
      expect(closedAt, 'the trickling connection after 5 s').not.toBe('still open');
      expect((closedAt as number) - start).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_S * 1000 - 50);
      expect((closedAt as number) - start).toBeLessThan(REQUEST_TIMEOUT_S * 1000 + 1500);
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      clearInterval(trickle);
      c.socket.destroy();
    }
  });

  it('closes 200 connections that send nothing or only part of their headers, so they cannot pile up', async () => {
    const start = performance.now();
    const conns = Array.from({ length: 200 }, (_, i) => {
      const c = rawConnection(s.port);
      // Half send nothing at all, half stop in the middle of their headers.
      if (i % 2 === 1) c.socket.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Ty');
      return c;
    });
    try {
      const closed = await within(Promise.all(conns.map((c) => c.closed)), 5000);
      expect(closed, 'the 200 idle connections after 5 s').not.toBe('still open');
      expect(Math.max(...(closed as number[])) - start).toBeLessThan(HEADERS_TIMEOUT_S * 1000 + 2000);
      const health = await fetch(`${s.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      for (const c of conns) c.socket.destroy();
    }
  });

  it('does not cut a streamed response that lasts longer than the request timeout (the limit is on receiving the request)', async () => {
    // TTFT 100 ms + 5 × 300 ms ≈ 1.6 s, longer than the 1 s request timeout.
    const r = await postStream(`${s.url}/v1/completions`, { prompt: 'a long answer', max_tokens: 6 });
    expect(r.status).toBe(200);
    expect(r.done).toBe(true);
    expect(tokenEvents(r)).toHaveLength(6);
    expect(r.end - r.start).toBeGreaterThan(REQUEST_TIMEOUT_S * 1000);
  });

  it('keeps a connection that finished its request open between requests (keep-alive is not the headers timeout)', async () => {
    const c = rawConnection(s.port);
    c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    // Idle for longer than the headers timeout after the response: still open, and still usable.
    await new Promise((r) => setTimeout(r, HEADERS_TIMEOUT_S * 1000 + 1200));
    expect(await within(c.closed, 0)).toBe('still open');
    c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(c.received().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    c.socket.destroy();
  });
});
