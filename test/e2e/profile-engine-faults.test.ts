// The engine against a misbehaving server: every fault becomes the right error type and the run goes on.
import { afterEach, describe, expect, it } from 'vitest';
import { LoadEngine, type EngineOptions } from '../../ts/src/load/engine.js';
import { engineOptions as smallRun } from '../helpers/engine-options.js';

/** One 3-token prompt asking for 5 (the fault server's answers are checked against these). */
const engineOptions = (url: string, over: Partial<EngineOptions> = {}): EngineOptions =>
  smallRun(url, {
    dataset: {
      entries: [{ index: 0, requestedIsl: 3, requestedOsl: 5, text: 'hello there you', clientIsl: 3 }],
      systemPrompt: null,
      inexact: [],
    },
    ...over,
  });
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { startFaultServer, type Behaviour, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function run(behaviour: Behaviour | ((i: number) => Behaviour), over: Partial<EngineOptions> = {}): Promise<RawRequestRecord[]> {
  server = await startFaultServer(behaviour);
  const engine = new LoadEngine(engineOptions(server.url, over));
  const records: RawRequestRecord[] = [];
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  await engine.run();
  return records;
}

describe('engine against injected faults', () => {
  it('records well-formed streams as successes with one response per SSE event', async () => {
    const records = await run({ kind: 'ok', tokens: 4 });
    expect(records).toHaveLength(6);
    for (const r of records) {
      expect(r.error).toBeNull();
      expect(r.httpStatus).toBe(200);
      expect(r.responses.map((x) => x.data).at(-1)).toBe('[DONE]');
      expect(r.responses).toHaveLength(5);
      expect(r.requestAckNs! >= r.requestStartNs).toBe(true);
      expect(r.requestEndNs >= r.responses.at(-1)!.recvNs).toBe(true);
    }
    expect(new Set(records.map((r) => r.requestNum))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
  });

  it('counts a 500 as an error and keeps going', async () => {
    const records = await run((i) => (i % 2 === 0 ? { kind: 'status', status: 500 } : { kind: 'ok' }));
    expect(records).toHaveLength(6);
    const errors = records.filter((r) => r.error);
    expect(errors).toHaveLength(3);
    expect(errors[0]!.error).toEqual({ code: 500, type: 'Internal Server Error', message: 'injected 500' });
  });

  it('reports a 429 with its reason phrase', async () => {
    const records = await run({ kind: 'status', status: 429, body: 'slow down' }, { requestCount: 2 });
    expect(records.map((r) => r.error)).toEqual([
      { code: 429, type: 'Too Many Requests', message: 'slow down' },
      { code: 429, type: 'Too Many Requests', message: 'slow down' },
    ]);
  });

  it('turns a connection reset mid-stream into a ConnectionError', async () => {
    const records = await run((i) => (i === 1 ? { kind: 'reset', afterTokens: 2 } : { kind: 'ok' }), {
      mode: { kind: 'concurrency', concurrency: 1 },
      requestCount: 3,
    });
    expect(records).toHaveLength(3);
    const failed = records.find((r) => r.requestNum === 1)!;
    expect(failed.error?.type).toBe('ConnectionError');
    expect(failed.error?.code).toBeNull();
    expect(failed.responses.length).toBe(2);
    expect(records.filter((r) => r.error === null)).toHaveLength(2);
  });

  it('accepts a request timeout with a fractional millisecond (was a ConnectionError on every request: undici wants integer timeouts)', async () => {
    const records = await run({ kind: 'ok', tokens: 2 }, { timeoutMs: 2000.5, requestCount: 2 });
    expect(records.map((r) => r.error)).toEqual([null, null]);
  });

  it('aborts a stalled stream at the request timeout with a TimeoutError', async () => {
    const t0 = Date.now();
    const records = await run((i) => (i === 0 ? { kind: 'stall', afterTokens: 1 } : { kind: 'ok' }), { timeoutMs: 300, requestCount: 3 });
    expect(Date.now() - t0).toBeLessThan(3000);
    const stalled = records.find((r) => r.requestNum === 0)!;
    expect(stalled.error?.type).toBe('TimeoutError');
    const ms = Number(stalled.requestEndNs - stalled.requestStartNs) / 1e6;
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(1000);
    expect(records.filter((r) => r.error === null)).toHaveLength(2);
  });

  it('fails a stream without [DONE] or finish_reason with IncompleteStreamError 502', async () => {
    const records = await run({ kind: 'no-done', tokens: 3 }, { requestCount: 1 });
    expect(records[0]!.error).toEqual({ code: 502, type: 'IncompleteStreamError', message: 'stream ended without a completion signal' });
  });

  it('fails a stream that completes with [DONE] but no content with EmptyStreamError 502 (issue 16: was a success)', async () => {
    const records = await run({ kind: 'empty-done' }, { requestCount: 1 });
    expect(records[0]!.error).toEqual({ code: 502, type: 'EmptyStreamError', message: 'stream completed without any content' });
  });

  it('fails an unrequested gzip body with InvalidResponseError naming the encoding (issue 16: was "stream ended without a completion signal")', async () => {
    const records = await run({ kind: 'gzip' }, { requestCount: 2 });
    expect(records.map((r) => r.error)).toEqual([
      {
        code: 502,
        type: 'InvalidResponseError',
        message: 'server sent Content-Encoding: gzip, which was not requested (infermark does not decode compressed responses)',
      },
      {
        code: 502,
        type: 'InvalidResponseError',
        message: 'server sent Content-Encoding: gzip, which was not requested (infermark does not decode compressed responses)',
      },
    ]);
    expect(server!.received[0]!.headers['accept-encoding']).toBeUndefined();
  });

  it('receives one 8 MiB single-word event whole, as one content response', async () => {
    const records = await run({ kind: 'one-word', chars: 8 * 1024 * 1024 }, { requestCount: 1 });
    const r = records[0]!;
    expect(r.error).toBeNull();
    expect(r.responses).toHaveLength(2);
    const event = JSON.parse(r.responses[0]!.data) as { choices: { delta: { content: string } }[] };
    expect(event.choices[0]!.delta.content).toBe('x'.repeat(8 * 1024 * 1024));
    expect(r.responses[1]!.data).toBe('[DONE]');
  });

  it('fails malformed SSE (no completion signal after junk)', async () => {
    const records = await run({ kind: 'malformed' }, { requestCount: 1 });
    expect(records[0]!.error?.type).toBe('IncompleteStreamError');
    expect(records[0]!.responses.map((r) => r.data)).toContain('{this is not json');
  });

  it('fails on an SSE error event with the payload code', async () => {
    const records = await run({ kind: 'sse-error', afterTokens: 2 }, { requestCount: 1 });
    expect(records[0]!.error).toEqual({ code: 503, type: 'server_error', message: 'injected stream error' });
  });

  it('measures a slow start inside TTFT and still succeeds', async () => {
    const records = await run({ kind: 'slow-start', delayMs: 150, tokens: 2 }, { requestCount: 1 });
    const r = records[0]!;
    expect(r.error).toBeNull();
    expect(Number(r.requestAckNs! - r.requestStartNs) / 1e6).toBeGreaterThanOrEqual(145);
  });

  it('fails an invalid non-streaming JSON body with InvalidResponseError 502', async () => {
    const base = engineOptions('x').endpoint;
    const records = await run({ kind: 'invalid-json' }, { requestCount: 1, endpoint: { ...base, streaming: false } });
    expect(records[0]!.error?.code).toBe(502);
    expect(records[0]!.error?.type).toBe('InvalidResponseError');
  });

  it('reports a refused connection as ConnectionError without stopping the run', async () => {
    const s = await startFaultServer({ kind: 'ok' });
    const url = s.url;
    await s.close();
    const engine = new LoadEngine(engineOptions(url, { requestCount: 3 }));
    const records: RawRequestRecord[] = [];
    engine.on('record', (r: RawRequestRecord) => records.push(r));
    await engine.run();
    expect(records).toHaveLength(3);
    expect(records.every((r) => r.error?.type === 'ConnectionError')).toBe(true);
  });

  it('stops issuing once --failed-request-threshold is exceeded', async () => {
    server = await startFaultServer({ kind: 'status', status: 500 });
    const engine = new LoadEngine(engineOptions(server.url, { requestCount: 100, failedRequestThreshold: 0.5 }));
    const records: RawRequestRecord[] = [];
    engine.on('record', (r: RawRequestRecord) => records.push(r));
    const summary = await engine.run();
    expect(summary.reason).toBe('threshold');
    expect(records.length).toBeGreaterThanOrEqual(10);
    expect(records.length).toBeLessThan(100);
  });

  it('sends the §3.1 chat body and headers', async () => {
    const base = engineOptions('x').endpoint;
    await run(
      { kind: 'ok' },
      { requestCount: 1, endpoint: { ...base, apiKey: 'sk-test', headers: { 'X-Custom': 'v' }, extra: { ignore_eos: true } } },
    );
    const got = server!.received[0]!;
    expect(got.path).toBe('/v1/chat/completions');
    expect(got.body).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hello there you' }],
      stream: true,
      max_completion_tokens: 5,
      stream_options: { include_usage: true },
      ignore_eos: true,
    });
    expect(got.headers.authorization).toBe('Bearer sk-test');
    expect(got.headers['x-custom']).toBe('v');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('round-robins sessions over several --url values and ignores HTTP(S)_PROXY', async () => {
    const a = await startFaultServer({ kind: 'ok', tokens: 1 });
    const b = await startFaultServer({ kind: 'ok', tokens: 1 });
    const proxy = await startFaultServer({ kind: 'status', status: 502 });
    const saved = { http: process.env.HTTP_PROXY, https: process.env.HTTPS_PROXY };
    process.env.HTTP_PROXY = proxy.url;
    process.env.HTTPS_PROXY = proxy.url;
    try {
      const engine = new LoadEngine(
        engineOptions(a.url, { urls: [a.url, `${b.url}/prefix/`], requestCount: 4, mode: { kind: 'concurrency', concurrency: 1 } }),
      );
      const records: RawRequestRecord[] = [];
      engine.on('record', (r: RawRequestRecord) => records.push(r));
      await engine.run();
      expect(records.every((r) => r.error === null)).toBe(true);
      expect(a.received).toHaveLength(2);
      expect(b.received).toHaveLength(2);
      expect(b.received[0]!.path).toBe('/prefix/v1/chat/completions');
      expect(proxy.received).toHaveLength(0);
    } finally {
      if (saved.http === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved.http;
      if (saved.https === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved.https;
      await Promise.all([a.close(), b.close(), proxy.close()]);
    }
  });
});
