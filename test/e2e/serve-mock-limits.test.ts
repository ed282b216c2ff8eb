// docs/serve-mock.md §2, limits on what a client sends, against the built CLI in its own process
// (so that a held serving loop shows as unanswered probes). Regressions: a 100 MB JSON body was
// read whole (the limit was 256 MiB) and then parsed and tokenised, on the serving thread with
// --tokenizer-threads 0, so /health went unanswered for minutes; and connections that never sent
// a request kept their descriptors for 60 to 90 s, so a few hundred of them starved the server.
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type ChildServer, startChildServer, startMockProcess } from '../helpers/child-server.js';

const MiB = 1024 * 1024;

/** A completions body of about `bytes` bytes that is valid JSON. */
function bigBody(bytes: number): Buffer {
  const head = '{"prompt":"';
  const tail = '","max_tokens":1}';
  const body = Buffer.alloc(bytes, 'a ');
  body.write(head, 0);
  body.write(tail, bytes - tail.length);
  return body;
}

/** GET /health every 100 ms on fresh connections until `stop()`; the slowest answer (or wait) in ms. */
function healthProbes(url: string): { stop: () => Promise<number> } {
  let running = true;
  let slowest = 0;
  let pending: { since: number } | null = null;
  const loop = (async () => {
    while (running) {
      const since = performance.now();
      pending = { since };
      const status = await new Promise<number>((done) => {
        const req = request(`${url}/health`, { agent: false }, (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0));
        });
        req.on('error', () => done(0));
        req.end();
      });
      pending = null;
      expect(status).toBe(200);
      slowest = Math.max(slowest, performance.now() - since);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      // A probe still unanswered counts with the time it has waited so far.
      const waiting = pending === null ? 0 : performance.now() - (pending as { since: number }).since;
      await Promise.race([loop, new Promise((r) => setTimeout(r, 100))]);
      return Math.max(slowest, waiting);
    },
  };
}

/**
 * POST `body` to /v1/completions, with a Content-Length or (`chunked`) in 1 MiB chunks that stop
 * once the answer arrives. Resolves with the status, the time to it, and the bytes sent by then.
 */
function upload(url: string, body: Buffer, chunked: boolean): Promise<{ status: number; ms: number; sent: number }> {
  return new Promise((done, fail) => {
    const start = performance.now();
    let sent = 0;
    let answered = false;
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = body.length;
    const req = request(`${url}/v1/completions`, { method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      res.resume();
      done({ status: res.statusCode ?? 0, ms: performance.now() - start, sent });
    });
    // The server closes the connection after its early answer: writing then fails, which is expected.
    req.on('error', (err) => {
      if (!answered) fail(err);
    });
    const write = (): void => {
      while (sent < body.length && !answered) {
        const chunk = body.subarray(sent, sent + MiB);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'no answer'> =>
  Promise.race([p, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), ms))]);

describe('request body limit', () => {
  let mock: ChildServer;
  const body = bigBody(100 * MiB);
  beforeAll(async () => {
    // No tokenizer threads: every body would be handled on the serving thread, the worst case.
    mock = await startMockProcess(['--fast', '--tokenizer-threads', '0']);
  });
  // SIGKILL: before the fix the loop is held for minutes and would not get to handle a SIGTERM.
  afterAll(() => mock?.stop('SIGKILL'));

  /** Upload `body` while /health is probed: the probes must stay under 1 s, the answer come within 10 s. */
  async function uploadWhileProbing(chunked: boolean): Promise<{ status: number; ms: number; sent: number }> {
    const probes = healthProbes(mock.url);
    const answer = await within(upload(mock.url, body, chunked), 10_000);
    const slowestHealth = await probes.stop();
    expect(slowestHealth, 'slowest /health (ms) while the body arrived').toBeLessThan(1000);
    expect(answer, `an answer to the ${chunked ? 'chunked ' : ''}100 MB body within 10 s`).not.toBe('no answer');
    return answer as { status: number; ms: number; sent: number };
  }

  it('answers a 100 MB body 413 from its Content-Length at once, and /health stays responsive', async () => {
    const { status, ms } = await uploadWhileProbing(false);
    expect(status).toBe(413);
    expect(ms).toBeLessThan(5000);
  });

  it('cuts off a chunked 100 MB body with 413 once it passes the limit, and /health stays responsive', async () => {
    const { status, sent } = await uploadWhileProbing(true);
    expect(status).toBe(413);
    // The default limit is 1 MiB (32 bytes per token of --max-model-len 32768): the answer comes
    // long before the 100 MB are sent.
    expect(sent).toBeLessThan(10 * MiB);
  });
});

describe('--max-body-bytes', () => {
  let mock: ChildServer;
  beforeAll(async () => {
    mock = await startMockProcess(['--fast', '--max-body-bytes', '1000']);
  });
  afterAll(() => mock?.stop());

  it('accepts a body of exactly the limit and answers 413 to one byte more, with the limit in the message', async () => {
    const exact = bigBody(1000);
    const over = bigBody(1001);
    for (const chunked of [false, true]) {
      expect((await upload(mock.url, exact, chunked)).status).toBe(200);
      expect((await upload(mock.url, over, chunked)).status).toBe(413);
    }
    const r = await fetch(`${mock.url}/v1/completions`, { method: 'POST', body: over.toString('latin1') });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({
      error: { message: 'request body exceeds --max-body-bytes (1000 bytes)', type: 'invalid_request_error', code: 413 },
    });
    // The server is still there for the next request.
    expect((await fetch(`${mock.url}/health`)).status).toBe(200);
  });

  it('refuses a body announced too long with `Expect: 100-continue` before the client sends it', async () => {
    /** The server's first answer to headers that announce `length` bytes and wait for 100 Continue. */
    const firstAnswer = (length: number): Promise<string> =>
      new Promise((done, fail) => {
        const socket = connect(mock.port, '127.0.0.1', () => {
          socket.write(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`);
        });
        socket.once('data', (d: Buffer) => {
          done(d.toString('latin1').split('\r\n')[0]!);
          socket.destroy();
        });
        socket.once('error', fail);
      });
    expect(await firstAnswer(1001)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(await firstAnswer(1000)).toBe('HTTP/1.1 100 Continue');
  });
});

describe('descriptors', () => {
  let mock: ChildServer;
  beforeAll(async () => {
    // 150 descriptors: a few hundred idle connections use them all up. Default time limits.
    mock = await startChildServer(
      'sh',
      ['-c', `ulimit -n 150 && exec "$0" "$@"`, process.execPath, BIN, 'serve-mock', '--port', '0', '--fast'],
      {
        listening: /listening on (http:\/\/\S+)/,
      },
    );
  });
  afterAll(() => mock?.stop());

  it('serves again within the headers timeout (10 s) after 300 idle connections took every descriptor', async () => {
    const idle = Array.from({ length: 300 }, () => connect(mock.port, '127.0.0.1').on('error', () => undefined));
    const start = performance.now();
    try {
      let answered: number | null = null;
      while (answered === null && performance.now() - start < 16_000) {
        await new Promise((r) => setTimeout(r, 500));
        const status = await Promise.race([
          fetch(`${mock.url}/health`).then(
            (r) => r.status,
            () => 0,
          ),
          new Promise<number>((r) => setTimeout(() => r(0), 1000)),
        ]);
        if (status === 200) answered = performance.now() - start;
      }
      expect(answered, '/health answered within 16 s').not.toBeNull();
      expect(answered!).toBeLessThan(10_000 + 3000);
    } finally {
      for (const s of idle) s.destroy();
    }
  }, 30_000);
});
