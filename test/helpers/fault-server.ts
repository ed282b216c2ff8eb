// A deliberately misbehaving OpenAI-compatible test server on 127.0.0.1:0. Each request's
// behaviour is chosen by a `Behaviour` (fixed, or a function of the request's arrival index),
// so a test can inject 500s, 429s, resets, stalls, malformed SSE and missing [DONE]s; a
// `FaultServerOptions.closeAfterStream` server drops its connections the way llama-server does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export type Behaviour =
  /** A well-formed stream (or JSON body) of `tokens` content chunks. */
  | { kind: 'ok'; tokens?: number; ttftMs?: number; itlMs?: number }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Send `afterTokens` chunks, then destroy the socket. */
  | { kind: 'reset'; afterTokens: number }
  /** Send headers and `afterTokens` chunks, then never send anything again. */
  | { kind: 'stall'; afterTokens: number }
  /** Chunks, then a payload that is not JSON / not SSE. */
  | { kind: 'malformed' }
  /** Chunks and a clean end of the HTTP body, without [DONE] or finish_reason. */
  | { kind: 'no-done'; tokens: number }
  /** An SSE `event: error` after some chunks. */
  | { kind: 'sse-error'; afterTokens: number }
  /** Wait `delayMs` before the status line, then a normal stream. */
  | { kind: 'slow-start'; delayMs: number; tokens?: number }
  /** Non-streaming 200 with an invalid JSON body. */
  | { kind: 'invalid-json' }
  /** The status line and headers, then the connection reset. */
  | { kind: 'reset-after-status' }
  /** The first bytes of a status line, then the connection reset. */
  | { kind: 'partial-status' }
  /** The connection closed without a byte of response. */
  | { kind: 'drop' }
  /** A stream that completes with `[DONE]` (and a finish_reason) but carries no content: a role-only delta. */
  | { kind: 'empty-done' }
  /** A well-formed stream of `tokens` chunks, gzip-compressed with `Content-Encoding: gzip` although nobody asked for it. */
  | { kind: 'gzip'; tokens?: number }
  /** One content event whose text is a single word of `chars` characters (no spaces), sent in 64 KiB writes, then [DONE]. */
  | { kind: 'one-word'; chars: number; letter?: string };

export interface FaultServerOptions {
  /**
   * Like llama-server (`/work/shared/real-server/README.md`): after each streamed response the
   * connection is closed although the response advertised keep-alive. Here the close happens
   * when the next request arrives on it, `delayMs` later (the worst case of llama-server's race:
   * the client has already written that request): `fin` ends the socket, `rst` resets it. Such
   * requests are counted in `dropped`, not in `received`.
   */
  closeAfterStream?: { how: 'fin' | 'rst'; delayMs?: number };
}

/** A request that arrived on a connection `closeAfterStream` had condemned; it got no response byte. */
export interface DroppedRequest {
  xRequestId: string | undefined;
  connection: number;
}

export interface ReceivedRequest {
  index: number;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  rawBody: string;
  /** Which accepted connection carried it (0, 1, … in accept order). */
  connection: number;
}

export interface FaultServer {
  url: string;
  port: number;
  received: ReceivedRequest[];
  dropped: DroppedRequest[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Responses written completely (the last byte handed to the socket). */
  readonly finished: number;
  /** Resolves once `n` requests have arrived and their behaviour has started (a stall has written its chunks). */
  receivedAtLeast(n: number): Promise<void>;
  /** Resolves once `n` responses have been written completely. */
  finishedAtLeast(n: number): Promise<void>;
  close(): Promise<void>;
}

// The injected latencies: waiting is the behaviour being simulated here.
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function chunk(res: ServerResponse, chat: boolean, text: string, finish: string | null = null, written?: () => void): void {
  const choice = chat ? { index: 0, delta: { content: text }, finish_reason: finish } : { index: 0, text, finish_reason: finish };
  res.write(
    `data: ${JSON.stringify({ id: 'x', object: chat ? 'chat.completion.chunk' : 'text_completion', choices: [choice] })}\n\n`,
    written,
  );
}

export async function startFaultServer(
  behaviour: Behaviour | ((index: number, req: ReceivedRequest) => Behaviour),
  options: FaultServerOptions = {},
): Promise<FaultServer> {
  const received: ReceivedRequest[] = [];
  const dropped: DroppedRequest[] = [];
  /** Connections that served a streamed response and are closed by `closeAfterStream` at their next request. */
  const condemned = new WeakSet<Socket>();
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  let accepted = 0;
  let counter = 0;
  let finished = 0;
  const waiters = new Set<() => void>();
  const changed = (): void => {
    for (const w of [...waiters]) w();
  };
  const until = (condition: () => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET') {
      // Server-metrics scrapes (`/metrics`) and probes are not inference requests: answer 404,
      // do not record them, so request counts in tests mean requests.
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found","code":404}}');
      return;
    }
    const close = options.closeAfterStream;
    if (close && condemned.has(req.socket)) {
      const xRequestId = req.headers['x-request-id'];
      dropped.push({ xRequestId: typeof xRequestId === 'string' ? xRequestId : undefined, connection: connectionIds.get(req.socket)! });
      if (close.delayMs) await sleep(close.delayMs);
      if (close.how === 'rst') req.socket.resetAndDestroy();
      else req.socket.destroy();
      changed();
      return;
    }
    const parts: Buffer[] = [];
    for await (const p of req) parts.push(p as Buffer);
    const rawBody = Buffer.concat(parts).toString('utf8');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      // keep {}: the test asserts on what the client sent
    }
    const rec: ReceivedRequest = {
      index: counter++,
      path: req.url ?? '',
      headers: req.headers,
      body,
      rawBody,
      connection: connectionIds.get(req.socket)!,
    };
    received.push(rec);
    // Waiters resume after this handler's synchronous part: a stall has written its chunks by then.
    changed();
    const b = typeof behaviour === 'function' ? behaviour(rec.index, rec) : behaviour;
    const chat = (req.url ?? '').includes('chat');
    const streaming = body.stream === true;
    const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
    switch (b.kind) {
      case 'ok':
      case 'slow-start': {
        if (b.kind === 'slow-start') await sleep(b.delayMs);
        const tokens = b.tokens ?? 5;
        const ttft = b.kind === 'ok' ? (b.ttftMs ?? 0) : 0;
        const itl = b.kind === 'ok' ? (b.itlMs ?? 0) : 0;
        if (!streaming) {
          if (ttft + itl * (tokens - 1) > 0) await sleep(ttft + itl * (tokens - 1));
          const text = Array.from({ length: tokens }, (_, i) => ` t${i}`).join('');
          const choice = chat
            ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' }
            : { index: 0, text, finish_reason: 'length' };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'x',
              choices: [choice],
              usage: { prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1 },
            }),
          );
          return;
        }
        res.writeHead(200, sseHeaders);
        res.flushHeaders();
        if (ttft > 0) await sleep(ttft);
        for (let i = 0; i < tokens; i++) {
          if (i > 0 && itl > 0) await sleep(itl);
          chunk(res, chat, ` t${i}`, i === tokens - 1 ? 'length' : null);
        }
        if (options.closeAfterStream) condemned.add(req.socket);
        res.end('data: [DONE]\n\n', () => {
          finished += 1;
          changed();
        });
        return;
      }
      case 'status':
        res.writeHead(b.status, { 'content-type': 'application/json', ...(b.headers ?? {}) });
        res.end(b.body ?? JSON.stringify({ error: { message: `injected ${b.status}`, type: 'injected', code: b.status } }));
        return;
      case 'reset':
        res.writeHead(200, sseHeaders);
        // Destroy the socket once the chunks are in it, so that the client receives them first.
        await new Promise<void>((written) => {
          for (let i = 0; i < b.afterTokens; i++) chunk(res, chat, ` t${i}`, null, i === b.afterTokens - 1 ? written : undefined);
          if (b.afterTokens === 0) written();
        });
        req.socket.destroy();
        return;
      case 'stall':
        res.writeHead(200, sseHeaders);
        res.flushHeaders();
        for (let i = 0; i < b.afterTokens; i++) chunk(res, chat, ` t${i}`);
        return; // never ends; the client's timeout must fire
      case 'malformed':
        res.writeHead(200, sseHeaders);
        chunk(res, chat, ' t0');
        res.write('data: {this is not json\n\n');
        res.end('garbage without a blank line');
        return;
      case 'no-done':
        res.writeHead(200, sseHeaders);
        for (let i = 0; i < b.tokens; i++) chunk(res, chat, ` t${i}`);
        res.end();
        return;
      case 'sse-error':
        res.writeHead(200, sseHeaders);
        for (let i = 0; i < b.afterTokens; i++) chunk(res, chat, ` t${i}`);
        res.end(
          `event: error\ndata: ${JSON.stringify({ error: { message: 'injected stream error', type: 'server_error', code: 503 } })}\n\n`,
        );
        return;
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices": [');
        return;
      case 'reset-after-status':
        res.writeHead(200, sseHeaders);
        res.flushHeaders();
        // Reset once the headers have left, so that the client reads them first.
        await new Promise<void>((written) => req.socket.write('', () => written()));
        await sleep(20);
        req.socket.resetAndDestroy();
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'empty-done': {
        res.writeHead(200, sseHeaders);
        const delta = chat ? { role: 'assistant', content: '' } : undefined;
        const choice = chat ? { index: 0, delta, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' };
        res.end(`data: ${JSON.stringify({ id: 'x', choices: [choice] })}\n\ndata: [DONE]\n\n`);
        return;
      }
      case 'gzip': {
        const tokens = b.tokens ?? 5;
        let text = '';
        for (let i = 0; i < tokens; i++) {
          const choice = chat
            ? { index: 0, delta: { content: ` t${i}` }, finish_reason: i === tokens - 1 ? 'length' : null }
            : { index: 0, text: ` t${i}`, finish_reason: i === tokens - 1 ? 'length' : null };
          text += `data: ${JSON.stringify({ id: 'x', choices: [choice] })}\n\n`;
        }
        res.writeHead(200, { ...sseHeaders, 'content-encoding': 'gzip' });
        res.end(gzipSync(`${text}data: [DONE]\n\n`));
        return;
      }
      case 'one-word': {
        res.writeHead(200, sseHeaders);
        const key = chat ? '{"id":"x","choices":[{"index":0,"delta":{"content":"' : '{"id":"x","choices":[{"index":0,"text":"';
        res.write(`data: ${key}`);
        const piece = (b.letter ?? 'x').repeat(65_536);
        let left = b.chars;
        while (left > 0) {
          const n = Math.min(left, piece.length);
          if (!res.write(n === piece.length ? piece : piece.slice(0, n))) await new Promise<void>((r) => res.once('drain', () => r()));
          left -= n;
        }
        res.end(`"${chat ? '}' : ''},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`);
        return;
      }
      case 'partial-status':
        await new Promise<void>((written) => req.socket.write('HTTP/1.1 20', () => written()));
        await sleep(20);
        req.socket.resetAndDestroy();
        return;
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    connectionIds.set(s, accepted++);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    dropped,
    get connections() {
      return accepted;
    },
    get finished() {
      return finished;
    },
    receivedAtLeast: (n) => until(() => received.length >= n),
    finishedAtLeast: (n) => until(() => finished >= n),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
