// Engine phases and stop conditions against the local fault server: warmup, duration + grace
// period, cancellation, the concurrency ceiling of rate mode, and interrupts.
import { afterEach, describe, expect, it } from 'vitest';
import { LoadEngine, workerShare, type EngineOptions } from '../../ts/src/load/engine.js';
import { endpointOf, engineOptions } from '../helpers/engine-options.js';

/** Completions without usage, two models to rotate, a longer timeout and a shorter interrupt grace. */
const opts = (url: string, over: Partial<EngineOptions>): EngineOptions =>
  engineOptions(url, {
    endpoint: endpointOf('completions', { streamUsage: false }),
    models: ['a', 'b'],
    timeoutMs: 10_000,
    interruptGraceMs: 300,
    ...over,
  });
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { startFaultServer, type Behaviour, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function run(b: Behaviour | ((i: number) => Behaviour), over: Partial<EngineOptions>, during?: (e: LoadEngine) => void) {
  server = await startFaultServer(b);
  const engine = new LoadEngine(opts(server.url, over));
  const records: RawRequestRecord[] = [];
  const starts: string[] = [];
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  engine.on('start', (e: { phase: string }) => starts.push(e.phase));
  during?.(engine);
  const summary = await engine.run();
  return { records, starts, summary };
}

describe('engine phases', () => {
  it('runs warmup requests first, marked warmup, then the profiling count', async () => {
    const { records, starts } = await run({ kind: 'ok', tokens: 2 }, { warmupRequestCount: 3, requestCount: 4 });
    expect(starts).toEqual(['warmup', 'profiling']);
    expect(
      records
        .filter((r) => r.phase === 'warmup')
        .map((r) => r.requestNum)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(
      records
        .filter((r) => r.phase === 'profiling')
        .map((r) => r.requestNum)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    // biome-ignore lint/complexity/useMathMinMax: bigints have no Math.max
    const lastWarmupEnd = records.filter((r) => r.phase === 'warmup').reduce((m, r) => (r.requestEndNs > m ? r.requestEndNs : m), 0n);
    expect(records.filter((r) => r.phase === 'profiling').every((r) => r.requestStartNs >= lastWarmupEnd)).toBe(true);
  });

  it('sends a model per request round-robin and the shuffled dataset order', async () => {
    const { records } = await run({ kind: 'ok', tokens: 1 }, { requestCount: 6, mode: { kind: 'concurrency', concurrency: 1 } });
    const byNum = [...records].sort((a, b) => a.requestNum - b.requestNum);
    expect(byNum.map((r) => r.model)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(new Set(byNum.slice(0, 3).map((r) => r.request.body.prompt)).size).toBe(3);
    expect(new Set(byNum.map((r) => r.xCorrelationId)).size).toBe(6);
  });

  it('stops issuing at --benchmark-duration and aborts stragglers when the grace period expires', async () => {
    const t0 = Date.now();
    const { records } = await run((i) => (i < 2 ? { kind: 'ok', tokens: 2 } : { kind: 'stall', afterTokens: 1 }), {
      requestCount: null,
      benchmarkDurationMs: 300,
      gracePeriodMs: 200,
      mode: { kind: 'concurrency', concurrency: 2 },
    });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(2000);
    const expired = records.filter((r) => r.error?.type === 'GracePeriodExpiredError');
    expect(expired.length).toBe(2);
    expect(expired.every((r) => r.error!.code === null)).toBe(true);
    expect(records.filter((r) => r.error === null).length).toBeGreaterThanOrEqual(2);
  });

  it('lets stragglers finish under a grace period longer than a 32-bit timer (was aborted 1 ms after the duration)', async () => {
    const { records } = await run(
      { kind: 'ok', tokens: 3, ttftMs: 200, itlMs: 50 },
      { requestCount: null, benchmarkDurationMs: 100, gracePeriodMs: 3_000_000_000, mode: { kind: 'concurrency', concurrency: 2 } },
    );
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records.map((r) => r.error)).toEqual(records.map(() => null));
  });

  it('cancels the requests selected by infermark/dataset/cancel after the delay', async () => {
    const rate = 50;
    const { records } = await run(
      { kind: 'ok', tokens: 5, ttftMs: 100, itlMs: 20 },
      { requestCount: 12, cancellationRate: rate, cancellationDelayMs: 20, mode: { kind: 'concurrency', concurrency: 4 } },
    );
    // Request k is selected when stream(0, "infermark/dataset/cancel", k).unit() < 0.5 (docs/cli.md §3.4):
    // a fixed vector, checked against an independent implementation of docs/synthesis.md §2.1.
    const selected = new Set([0, 1, 3, 5, 11]);
    expect(records.map((r) => r.requestNum).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const r of records) {
      if (selected.has(r.requestNum)) {
        expect(r.error).toEqual({
          code: 499,
          type: 'RequestCancellationError',
          message: 'request cancelled by --request-cancellation-rate',
        });
        expect(r.wasCancelled).toBe(true);
        expect(r.cancellationNs).not.toBeNull();
      } else {
        expect(r.error).toBeNull();
      }
    }
  });

  it('holds a rate-mode request for a free slot when the --concurrency ceiling is full (FIFO) and marks it', async () => {
    const { records, summary } = await run(
      { kind: 'ok', tokens: 2, ttftMs: 150 },
      { requestCount: 6, mode: { kind: 'rate', rate: 200, pattern: 'constant', smoothness: 1, concurrency: 2 } },
    );
    expect(records).toHaveLength(6);
    const waited = records.filter((r) => r.waitedForSlot);
    expect(waited.length).toBe(4);
    expect(summary.waitedForSlot).toBe(4);
    for (const r of waited) expect(Number(r.requestStartNs - r.scheduledNs!) / 1e6).toBeGreaterThan(50);
    const inOrder = [...records].sort((a, b) => (a.requestStartNs < b.requestStartNs ? -1 : 1)).map((r) => r.requestNum);
    expect(inOrder).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('on interrupt stops issuing and cancels what is still running after the grace', async () => {
    // Interrupt once both slots hold a stalled stream.
    const { records, summary } = await run(
      { kind: 'stall', afterTokens: 1 },
      { requestCount: 100 },
      (e) => void server!.receivedAtLeast(2).then(() => e.interrupt()),
    );
    expect(summary.reason).toBe('interrupted');
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.error?.type === 'RequestCancellationError' && r.wasCancelled)).toBe(true);
  });

  it('runs synthetic sessions turn by turn with the received history and think times', async () => {
    const sessions = [
      { index: 0, turns: 3, delaysMs: [0, 60, 60], firstTurn: 0 },
      { index: 1, turns: 2, delaysMs: [0, 0], firstTurn: 3 },
    ];
    server = await startFaultServer({ kind: 'ok', tokens: 2 });
    const base = opts(server.url, {}).endpoint;
    const engine = new LoadEngine(
      opts(server.url, {
        endpoint: { ...base, type: 'chat', path: '/v1/chat/completions' },
        dataset: { ...opts('x', {}).dataset, sessions },
        requestCount: 5,
        // One slot: the turn budget is spent in session order (with two slots a new session
        // may take the last turn while another session thinks, which is correct but not fixed).
        mode: { kind: 'concurrency', concurrency: 1 },
      }),
    );
    const records: RawRequestRecord[] = [];
    engine.on('record', (r: RawRequestRecord) => records.push(r));
    await engine.run();
    expect(records).toHaveLength(5);
    const s0 = records.filter((r) => r.sessionNum === 0).sort((a, b) => a.turnIndex - b.turnIndex);
    expect(s0.map((r) => r.turnIndex)).toEqual([0, 1, 2]);
    expect(new Set(s0.map((r) => r.xCorrelationId)).size).toBe(1);
    expect(s0.every((r) => r.model === 'a')).toBe(true);
    const messages = s0[2]!.request.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[1]!.content).toBe(' t0 t1');
    expect(messages[0]!.content).toBe(s0[0]!.request.body.messages && (s0[0]!.request.body.messages as { content: string }[])[0]!.content);
    // Think time: turn 1 starts ≥ 60 ms after turn 0 ended.
    expect(Number(s0[1]!.requestStartNs - s0[0]!.requestEndNs) / 1e6).toBeGreaterThanOrEqual(55);
    expect(s0[1]!.clientIsl).toBeNull();
    expect(s0[0]!.clientIsl).toBe(2);
    const s1 = records.filter((r) => r.sessionNum === 1);
    expect(s1.map((r) => r.turnIndex).sort()).toEqual([0, 1]);
    expect(s1.every((r) => r.model === 'b')).toBe(true);
  });

  it('splits rate-mode arrivals i mod W over workers without changing any send time', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 1 });
    const startNs = process.hrtime.bigint() + 50_000_000n;
    const mode = { kind: 'rate' as const, rate: 200, pattern: 'poisson' as const, smoothness: 1, concurrency: null };
    const run1 = async (w: number) => {
      const e = new LoadEngine(
        opts(server!.url, { mode, requestCount: 20, workerIndex: w, workerCount: 2, beforeProfiling: async () => startNs }),
      );
      const recs: RawRequestRecord[] = [];
      e.on('record', (r: RawRequestRecord) => recs.push(r));
      await e.run();
      return recs;
    };
    const [w0, w1] = await Promise.all([run1(0), run1(1)]);
    expect(w0.map((r) => r.requestNum).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(w1.map((r) => r.requestNum).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    const { ArrivalSchedule } = await import('../../ts/src/load/arrivals.js');
    const sched = new ArrivalSchedule(200, 'poisson', 1, 0n);
    const expected = Array.from({ length: 20 }, () => startNs + sched.next().offsetNs);
    for (const r of [...w0, ...w1]) expect(r.scheduledNs).toBe(expected[r.requestNum]);
    expect(new Set([...w0, ...w1].map((r) => r.workerId))).toEqual(new Set(['worker_0', 'worker_1']));
  });

  it('sends no closed-loop request before a profiling start announced ahead', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 1 });
    let startNs = 0n;
    const e = new LoadEngine(
      opts(server.url, {
        mode: { kind: 'concurrency', concurrency: 4 },
        requestCount: 8,
        beforeProfiling: async () => {
          startNs = process.hrtime.bigint() + 300_000_000n;
          return startNs;
        },
      }),
    );
    const recs: RawRequestRecord[] = [];
    e.on('record', (r: RawRequestRecord) => recs.push(r));
    await e.run();
    expect(recs).toHaveLength(8);
    for (const r of recs) expect(r.requestStartNs).toBeGreaterThanOrEqual(startNs);
  });

  it('splits concurrency closed-form over workers', () => {
    expect([0, 1, 2].map((w) => workerShare(10, w, 3))).toEqual([4, 3, 3]);
    expect([0, 1].map((w) => workerShare(1, w, 2))).toEqual([1, 0]);
  });
});
