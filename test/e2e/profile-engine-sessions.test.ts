// Sessions of a file dataset outside the fixed schedule (docs/cli.md §3.3–3.4) against the local fault
// server, with an in-memory TurnSource: history with the responses received, one turn at a time,
// think times, --concurrency counting sessions, the rate mode, verbatim rows, warmup, failed turns.
import { afterEach, describe, expect, it } from 'vitest';
import { type EngineOptions, LoadEngine } from '../../ts/src/load/engine.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { parseResponses } from '../../ts/src/metrics/response-parse.js';
import { endpointOf, engineOptions } from '../helpers/engine-options.js';
import { type FakeRow, fakeTurnSource } from '../helpers/fake-turn-source.js';
import { type Behaviour, type FaultServer, startFaultServer } from '../helpers/fault-server.js';

let server: FaultServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function run(
  rows: FakeRow[],
  over: Partial<EngineOptions>,
  behaviour: Behaviour | ((i: number) => Behaviour) = { kind: 'ok', tokens: 2 },
): Promise<{ records: RawRequestRecord[]; startNs: bigint }> {
  server = await startFaultServer(behaviour);
  const source = fakeTurnSource(rows);
  const engine = new LoadEngine(engineOptions(server.url, { requestCount: source.turns, ...over }), source);
  const records: RawRequestRecord[] = [];
  let startNs = 0n;
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  engine.on('start', (e: { phase: string; startNs: bigint }) => {
    if (e.phase === 'profiling') startNs = e.startNs;
  });
  await engine.run();
  return { records, startNs };
}

/** Three sessions of three turns, interleaved in the file like a trace. */
const THREE_BY_THREE: FakeRow[] = [0, 1, 2].flatMap((k) => ['A', 'B', 'C'].map((session) => ({ session, text: `${session}${k}` })));

const turnsOf = (records: RawRequestRecord[], conv: string) =>
  records.filter((r) => r.conversationId === conv && r.phase === 'profiling').sort((a, b) => a.turnIndex - b.turnIndex);

describe('file sessions', () => {
  it('chat: each later turn carries the user turns and the responses actually received', async () => {
    // Every response has a different length, so a response put in the wrong place would show.
    const { records } = await run(THREE_BY_THREE, { mode: { kind: 'concurrency', concurrency: 2 } }, (i) => ({
      kind: 'ok',
      tokens: i + 1,
    }));
    expect(records).toHaveLength(9);
    for (const conv of ['A', 'B', 'C']) {
      const turns = turnsOf(records, conv);
      expect(turns.map((r) => r.turnIndex)).toEqual([0, 1, 2]);
      const messages = turns[2]!.request.body.messages as { role: string; content: string }[];
      expect(messages).toEqual([
        { role: 'user', content: `${conv}0` },
        { role: 'assistant', content: parseResponses(turns[0]!).outputText },
        { role: 'user', content: `${conv}1` },
        { role: 'assistant', content: parseResponses(turns[1]!).outputText },
        { role: 'user', content: `${conv}2` },
      ]);
      expect(parseResponses(turns[0]!).outputText).not.toBe(parseResponses(turns[1]!).outputText);
      expect(new Set(turns.map((r) => r.xCorrelationId)).size).toBe(1);
    }
  });

  it('completions: the system text, then prompts and responses joined with newlines; historyChars marks the turn', async () => {
    const rows: FakeRow[] = [0, 1].map((k) => ({ session: 'S', text: `q${k}`, system: 'SYS ' }));
    const { records } = await run(rows, { endpoint: endpointOf('completions'), mode: { kind: 'concurrency', concurrency: 1 } });
    const [t0, t1] = turnsOf(records, 'S');
    expect(t0!.request.body.prompt).toBe('SYS q0');
    const prompt = `SYS q0\n${parseResponses(t0!).outputText}\nq1`;
    expect(t1!.request.body.prompt).toBe(prompt);
    expect(t1!.historyChars).toBe(prompt.length - 'q1'.length);
    expect(t0!.historyChars).toBe('SYS '.length);
  });

  it('never has two turns of a session in flight, and --concurrency counts sessions', async () => {
    const rows: FakeRow[] = [0, 1, 2].flatMap((k) => ['A', 'B', 'C', 'D'].map((session) => ({ session, text: `${session}${k}` })));
    const { records } = await run(rows, { mode: { kind: 'concurrency', concurrency: 2 } }, { kind: 'ok', tokens: 2, ttftMs: 20 });
    expect(records).toHaveLength(12);
    const spans = ['A', 'B', 'C', 'D'].map((conv) => {
      const turns = turnsOf(records, conv);
      for (let k = 1; k < turns.length; k++) expect(turns[k]!.requestStartNs).toBeGreaterThanOrEqual(turns[k - 1]!.requestEndNs);
      return { from: turns[0]!.requestStartNs, to: turns[turns.length - 1]!.requestEndNs };
    });
    // At every session start, at most 2 sessions (itself included) are between their first start and last end.
    for (const s of spans) expect(spans.filter((o) => o.from <= s.from && s.from < o.to).length).toBeLessThanOrEqual(2);
    // Sessions start in file order.
    expect(spans.map((s) => s.from)).toEqual([...spans.map((s) => s.from)].sort((a, b) => (a < b ? -1 : 1)));
  });

  it("waits a turn's delay after the previous turn completed; no delay means at once", async () => {
    const rows: FakeRow[] = [{ session: 'S' }, { session: 'S', delayMs: 80 }, { session: 'S' }];
    const { records } = await run(rows, { mode: { kind: 'concurrency', concurrency: 1 } });
    const [t0, t1, t2] = turnsOf(records, 'S');
    expect(Number(t1!.scheduledNs! - t0!.requestEndNs) / 1e6).toBeGreaterThanOrEqual(80);
    expect(Number(t1!.requestStartNs - t0!.requestEndNs) / 1e6).toBeGreaterThanOrEqual(80);
    expect(t2!.scheduledNs!).toBeGreaterThanOrEqual(t1!.requestEndNs);
    expect(Number(t2!.scheduledNs! - t1!.requestEndNs) / 1e6).toBeLessThan(20);
  });

  it('sends every turn once by default, numbered in file order, and replays the file again for a larger count', async () => {
    const once = await run(THREE_BY_THREE, { mode: { kind: 'concurrency', concurrency: 3 } });
    expect(once.records.map((r) => r.traceLine).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(once.records.map((r) => r.requestNum).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await server!.close();
    const more = await run(THREE_BY_THREE, { mode: { kind: 'concurrency', concurrency: 1 }, requestCount: 11 });
    expect(more.records).toHaveLength(11);
    expect(more.records.filter((r) => r.conversationId === 'A')).toHaveLength(5);
    expect(more.records.filter((r) => r.conversationId === 'B')).toHaveLength(3);
  });

  it('ends a session at a failed turn and goes on with the next session', async () => {
    const { records } = await run(THREE_BY_THREE, { mode: { kind: 'concurrency', concurrency: 1 } }, (i) =>
      i === 3 ? { kind: 'status', status: 500 } : { kind: 'ok', tokens: 1 },
    );
    // One slot: A0 A1 A2 B0 (fails) C0 C1 C2.
    expect(turnsOf(records, 'A')).toHaveLength(3);
    expect(turnsOf(records, 'B').map((r) => r.error?.code)).toEqual([500]);
    expect(turnsOf(records, 'C')).toHaveLength(3);
  });

  it('rate mode: each arrival starts the next session at its intended time', async () => {
    const { records, startNs } = await run(THREE_BY_THREE, {
      mode: { kind: 'rate', rate: 20, pattern: 'constant', smoothness: 1, concurrency: null },
    });
    expect(records).toHaveLength(9);
    const firsts = records.filter((r) => r.turnIndex === 0).sort((a, b) => a.requestNum - b.requestNum);
    expect(firsts.map((r) => r.conversationId)).toEqual(['A', 'B', 'C']);
    expect(firsts.map((r) => Number(r.scheduledNs! - startNs) / 1e6)).toEqual([0, 50, 100]);
    for (const conv of ['A', 'B', 'C']) {
      const turns = turnsOf(records, conv);
      for (let k = 1; k < 3; k++) expect(turns[k]!.requestStartNs).toBeGreaterThanOrEqual(turns[k - 1]!.requestEndNs);
    }
  });

  it('rate mode: a --concurrency ceiling holds arriving sessions first come first served, as lag', async () => {
    const rows: FakeRow[] = ['A', 'B', 'C'].flatMap((session) => [0, 1].map((k) => ({ session, text: `${session}${k}` })));
    const { records, startNs } = await run(
      rows,
      { mode: { kind: 'rate', rate: 100, pattern: 'constant', smoothness: 1, concurrency: 1 } },
      { kind: 'ok', tokens: 1, ttftMs: 40 },
    );
    const firsts = records.filter((r) => r.turnIndex === 0).sort((a, b) => a.requestNum - b.requestNum);
    expect(firsts.map((r) => Number(r.scheduledNs! - startNs) / 1e6)).toEqual([0, 10, 20]);
    expect(firsts.map((r) => r.waitedForSlot)).toEqual([false, true, true]);
    // B starts only after A's last turn ended: the slot is the session's.
    expect(firsts[1]!.requestStartNs).toBeGreaterThanOrEqual(turnsOf(records, 'A')[1]!.requestEndNs);
  });

  it('sends messages and payload rows verbatim, with --extra-inputs and the row extra', async () => {
    const messages = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hello' },
    ];
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
    const payload = { model: 'row-model', messages: [{ role: 'user', content: 'raw' }], stream: false, max_tokens: 2 };
    const rows: FakeRow[] = [
      { messages, tools, osl: 5, extra: { seed: 1 } },
      { payload, extra: { top_k: 3 } },
    ];
    const { records } = await run(rows, {
      endpoint: endpointOf('chat', { extra: { temperature: 0 } }),
      mode: { kind: 'concurrency', concurrency: 1 },
    });
    expect(records.map((r) => r.error)).toEqual([null, null]);
    const bodies = server!.received.map((r) => r.body);
    expect(bodies[0]).toEqual({
      model: 'm',
      messages,
      tools,
      stream: true,
      max_completion_tokens: 5,
      stream_options: { include_usage: true },
      temperature: 0,
      seed: 1,
    });
    expect(bodies[1]).toEqual({ ...payload, temperature: 0, top_k: 3 });
    const payloadRecord = records.find((r) => r.traceLine === 2)!;
    expect(payloadRecord.streaming).toBe(false);
    expect(payloadRecord.model).toBe('row-model');
  });

  it('warms up closed-loop over the same order, then profiling sends every turn again', async () => {
    const { records } = await run(THREE_BY_THREE, {
      mode: { kind: 'rate', rate: 50, pattern: 'constant', smoothness: 1, concurrency: null },
      warmupRequestCount: 4,
    });
    const warmup = records.filter((r) => r.phase === 'warmup');
    const profiling = records.filter((r) => r.phase === 'profiling');
    // --concurrency defaults to 1 for warmup: session A's three turns, then B's first.
    expect(warmup.map((r) => `${r.conversationId}${r.turnIndex}`).sort()).toEqual(['A0', 'A1', 'A2', 'B0']);
    expect(profiling.map((r) => r.traceLine).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // biome-ignore lint/complexity/useMathMinMax: bigints have no Math.max
    const lastWarmupEnd = warmup.reduce((m, r) => (r.requestEndNs > m ? r.requestEndNs : m), 0n);
    expect(profiling.every((r) => r.requestStartNs >= lastWarmupEnd)).toBe(true);
  });

  it('splits sessions j mod W over workers; together they send every turn once', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 1 });
    const run1 = async (w: number) => {
      const source = fakeTurnSource(THREE_BY_THREE);
      const e = new LoadEngine(
        engineOptions(server!.url, {
          mode: { kind: 'concurrency', concurrency: 2 },
          requestCount: source.turns,
          workerIndex: w,
          workerCount: 2,
        }),
        source,
      );
      const recs: RawRequestRecord[] = [];
      e.on('record', (r: RawRequestRecord) => recs.push(r));
      await e.run();
      return recs;
    };
    const [w0, w1] = await Promise.all([run1(0), run1(1)]);
    expect(new Set(w0.map((r) => r.conversationId))).toEqual(new Set(['A', 'C']));
    expect(new Set(w1.map((r) => r.conversationId))).toEqual(new Set(['B']));
    expect([...w0, ...w1].map((r) => r.requestNum).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('fails the run with the error of a turn that cannot be built while the previous response streams', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 1, ttftMs: 50 });
    const source = fakeTurnSource(THREE_BY_THREE);
    const turn = source.turn.bind(source);
    source.turn = (t) => {
      if (t === 1) throw new Error('row 4 cannot be built');
      return turn(t);
    };
    const e = new LoadEngine(engineOptions(server.url, { mode: { kind: 'concurrency', concurrency: 1 }, requestCount: 9 }), source);
    await expect(e.run()).rejects.toThrow('row 4 cannot be built');
  });

  it("reports the worker's own turns as its progress target", async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 1, ttftMs: 150 });
    const source = fakeTurnSource(THREE_BY_THREE);
    const e = new LoadEngine(
      engineOptions(server.url, { mode: { kind: 'concurrency', concurrency: 2 }, requestCount: 8, workerIndex: 0, workerCount: 2 }),
      source,
    );
    const targets = new Set<number | null>();
    e.on('progress', (p: { target: number | null }) => targets.add(p.target));
    await e.run();
    // Worker 0 runs sessions A and C (runs 0 and 2); the count of 8 cuts C after its second turn.
    expect(targets).toEqual(new Set([5]));
  });
});
