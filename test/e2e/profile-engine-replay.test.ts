// Trace replay in the engine against the local fault server, with an in-memory TurnSource: the fixed
// schedule (order, ties, request count, the ceiling as lag, later turns, workers, Ctrl-C) and the
// look-ahead (docs/cli.md §3.4). Send-time accuracy is in profile-engine-replay.timing.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadMode } from '../../ts/src/config/profile-config.js';
import { type EngineOptions, type EngineSummary, LoadEngine } from '../../ts/src/load/engine.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { engineOptions } from '../helpers/engine-options.js';
import { type FakeRow, type FakeTurnSource, fakeTurnSource } from '../helpers/fake-turn-source.js';
import { type Behaviour, type FaultServer, startFaultServer } from '../helpers/fault-server.js';

let server: FaultServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const fixed = (concurrency: number | null = null): LoadMode => ({
  kind: 'fixed-schedule',
  concurrency,
  autoOffset: true,
  startOffsetMs: null,
  endOffsetMs: null,
  automatic: false,
});

interface Replay {
  records: RawRequestRecord[];
  startNs: bigint;
  summary: EngineSummary;
  source: FakeTurnSource;
}

async function replay(
  rows: FakeRow[],
  over: Partial<EngineOptions>,
  behaviour: Behaviour | ((i: number) => Behaviour) = { kind: 'ok', tokens: 2 },
  during?: (e: LoadEngine) => void,
): Promise<Replay> {
  server ??= await startFaultServer(behaviour);
  const source = fakeTurnSource(rows);
  const engine = new LoadEngine(engineOptions(server.url, { mode: fixed(), requestCount: source.turns, ...over }), source);
  const records: RawRequestRecord[] = [];
  let startNs = 0n;
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  engine.on('start', (e: { phase: string; startNs: bigint }) => {
    if (e.phase === 'profiling') startNs = e.startNs;
  });
  during?.(engine);
  const summary = await engine.run();
  return { records, startNs, summary, source };
}

const offsetMs = (r: RawRequestRecord, startNs: bigint): number => Number(r.scheduledNs! - startNs) / 1e6;
const byStart = (records: RawRequestRecord[]): RawRequestRecord[] =>
  [...records].sort((a, b) => (a.requestStartNs < b.requestStartNs ? -1 : a.requestStartNs > b.requestStartNs ? 1 : 0));
/** The text of the last user message the server received for each request, in arrival order. */
const receivedTexts = (): string[] =>
  server!.received.map((r) => {
    const messages = r.body.messages as { content: string }[];
    return messages[messages.length - 1]!.content;
  });

describe('fixed schedule', () => {
  it('schedules each first turn at phase start + (timestamp − zero), with its trace line, lengths and session name', async () => {
    const rows: FakeRow[] = [1000, 1040, 1100.25, 1180].map((ts, i) => ({
      timestampMs: ts,
      text: `row ${i}`,
      isl: 10 + i,
      osl: 4,
      materialised: true,
    }));
    const { records, startNs } = await replay(rows, { scheduleZeroMs: 1000 });
    const sorted = [...records].sort((a, b) => a.requestNum - b.requestNum);
    expect(sorted.map((r) => offsetMs(r, startNs))).toEqual([0, 40, 100.25, 180]);
    expect(sorted.map((r) => r.traceLine)).toEqual([1, 2, 3, 4]);
    expect(sorted.map((r) => r.requestedIsl)).toEqual([10, 11, 12, 13]);
    expect(sorted.every((r) => r.requestedOsl === 4 && r.materialised && r.turnIndex === 0)).toBe(true);
    expect(sorted.map((r) => r.conversationId)).toEqual(['row_1', 'row_2', 'row_3', 'row_4']);
    expect(sorted.map((r) => r.request.body.max_completion_tokens)).toEqual([4, 4, 4, 4]);
    // Sent no earlier than intended.
    expect(records.every((r) => r.requestStartNs >= r.scheduledNs!)).toBe(true);
  });

  it('sends rows with equal timestamps in file order', async () => {
    const rows: FakeRow[] = [{ timestampMs: 0, text: 'a' }, ...['b', 'c', 'd', 'e'].map((text) => ({ timestampMs: 30, text }))];
    const { records, startNs } = await replay(rows, { scheduleZeroMs: 0 });
    expect(receivedTexts()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(byStart(records).map((r) => r.requestNum)).toEqual([0, 1, 2, 3, 4]);
    expect(byStart(records).map((r) => offsetMs(r, startNs))).toEqual([0, 30, 30, 30, 30]);
  });

  it('sends an unsorted file in timestamp order', async () => {
    const rows: FakeRow[] = [
      { timestampMs: 90, text: 'late' },
      { timestampMs: 0, text: 'first' },
      { timestampMs: 45, text: 'middle' },
    ];
    const { records, startNs } = await replay(rows, { scheduleZeroMs: 0 });
    expect(receivedTexts()).toEqual(['first', 'middle', 'late']);
    const sorted = byStart(records);
    expect(sorted.map((r) => r.traceLine)).toEqual([2, 3, 1]);
    expect(sorted.map((r) => r.requestNum)).toEqual([0, 1, 2]);
    expect(sorted.map((r) => offsetMs(r, startNs))).toEqual([0, 45, 90]);
  });

  it('takes the first N turns in schedule order for --request-count N', async () => {
    const rows: FakeRow[] = [60, 0, 40, 20, 80].map((ts) => ({ timestampMs: ts, text: `at ${ts}` }));
    const { records, summary } = await replay(rows, { scheduleZeroMs: 0, requestCount: 3 });
    expect(receivedTexts()).toEqual(['at 0', 'at 20', 'at 40']);
    expect(records).toHaveLength(3);
    expect(summary.sent).toBe(3);
  });

  it('shows a full --concurrency ceiling as schedule lag, never as a shifted schedule', async () => {
    const rows: FakeRow[] = [0, 10, 20].map((ts) => ({ timestampMs: ts }));
    const { records, startNs, summary } = await replay(rows, { scheduleZeroMs: 0, mode: fixed(1) }, { kind: 'ok', tokens: 1, ttftMs: 120 });
    const sorted = byStart(records);
    expect(sorted.map((r) => offsetMs(r, startNs))).toEqual([0, 10, 20]);
    expect(sorted.map((r) => r.waitedForSlot)).toEqual([false, true, true]);
    expect(summary.waitedForSlot).toBe(2);
    // Each waited for the previous one to finish: its lag is at least the server's 120 ms.
    expect(Number(sorted[1]!.requestStartNs - sorted[1]!.scheduledNs!) / 1e6).toBeGreaterThan(100);
    expect(Number(sorted[2]!.requestStartNs - sorted[2]!.scheduledNs!) / 1e6).toBeGreaterThan(200);
    expect(sorted[1]!.requestStartNs).toBeGreaterThanOrEqual(sorted[0]!.requestEndNs);
  });

  it('sends later turns of a session at their timestamp, never before the previous turn completed, and after a delay', async () => {
    const rows: FakeRow[] = [
      { session: 'slow', timestampMs: 0, text: 's0' },
      { session: 'fast', timestampMs: 0, text: 'f0' },
      { session: 'slow', timestampMs: 50, text: 's1' }, // due at 50, but s0 takes ~150 ms
      { session: 'fast', timestampMs: 200, text: 'f1' },
      { session: 'fast', delayMs: 70, text: 'f2' },
      { session: 'fast', text: 'f3' }, // neither: at once
    ];
    const { records, startNs } = await replay(rows, { scheduleZeroMs: 0 }, (i) =>
      i === 0 ? { kind: 'ok', tokens: 1, ttftMs: 150 } : { kind: 'ok', tokens: 1 },
    );
    const get = (conv: string, k: number) => records.find((r) => r.conversationId === conv && r.turnIndex === k)!;
    const s0 = get('slow', 0);
    const s1 = get('slow', 1);
    expect(Number(s0.requestEndNs - startNs) / 1e6).toBeGreaterThan(140);
    expect(s1.scheduledNs!).toBeGreaterThanOrEqual(s0.requestEndNs);
    expect(s1.requestStartNs).toBeGreaterThanOrEqual(s0.requestEndNs);
    expect(offsetMs(get('fast', 1), startNs)).toBe(200);
    const f1 = get('fast', 1);
    const f2 = get('fast', 2);
    expect(Number(f2.scheduledNs! - f1.requestEndNs) / 1e6).toBeGreaterThanOrEqual(70);
    expect(Number(f2.scheduledNs! - f1.requestEndNs) / 1e6).toBeLessThan(75);
    expect(get('fast', 3).requestStartNs).toBeGreaterThanOrEqual(f2.requestEndNs);
    // One turn of a session at a time, and its turns share the session's correlation id.
    expect(new Set(records.filter((r) => r.conversationId === 'fast').map((r) => r.xCorrelationId)).size).toBe(1);
  });

  it('splits sessions over workers by schedule position without changing any intended send time', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 1 });
    const rows: FakeRow[] = [0, 7, 7, 19, 30, 31, 52, 60, 61].map((ts, i) => ({ session: `s${i % 7}`, timestampMs: ts }));
    const run = async (w: number, W: number, startNs: bigint) => {
      const source = fakeTurnSource(rows);
      const e = new LoadEngine(
        engineOptions(server!.url, {
          mode: fixed(),
          scheduleZeroMs: 0,
          requestCount: source.turns,
          workerIndex: w,
          workerCount: W,
          beforeProfiling: async () => startNs,
        }),
        source,
      );
      const recs: RawRequestRecord[] = [];
      e.on('record', (r: RawRequestRecord) => recs.push(r));
      await e.run();
      return recs.map((r) => ({ ...r, offsetNs: r.scheduledNs! - startNs }));
    };
    const one = await run(0, 1, process.hrtime.bigint() + 50_000_000n);
    // Both workers start their schedules at the same instant, as the coordinator has them do.
    const startNs = process.hrtime.bigint() + 50_000_000n;
    const [w0, w1] = await Promise.all([run(0, 2, startNs), run(1, 2, startNs)]);
    const key = (r: RawRequestRecord) => `${r.requestNum}@${r.conversationId}#${r.turnIndex}`;
    // First turns are due at their timestamps; later ones also depend on when responses came.
    const firstTurns = (rs: (RawRequestRecord & { offsetNs: bigint })[]) =>
      rs
        .filter((r) => r.turnIndex === 0)
        .map((r) => `${key(r)}:${r.offsetNs}`)
        .sort();
    expect(firstTurns([...w0, ...w1])).toEqual(firstTurns(one));
    expect([...w0, ...w1].map(key).sort()).toEqual(one.map(key).sort());
    expect(w0.length).toBeGreaterThan(0);
    expect(w1.length).toBeGreaterThan(0);
    // A session stays on one worker: sessions at even schedule positions on worker 0.
    const sessionsOf = (rs: RawRequestRecord[]) => new Set(rs.map((r) => r.conversationId));
    expect([...sessionsOf(w0)].filter((s) => sessionsOf(w1).has(s))).toEqual([]);
    expect(new Set(w0.map((r) => r.sessionNum % 2))).toEqual(new Set([0]));
  });

  it('on interrupt stops issuing at once, and every request it started yields a record', async () => {
    const rows: FakeRow[] = Array.from({ length: 200 }, (_, i) => ({ timestampMs: i * 10 }));
    const { records, summary } = await replay(
      rows,
      { scheduleZeroMs: 0, interruptGraceMs: 100 },
      { kind: 'stall', afterTokens: 1 },
      (e) => {
        void server!.receivedAtLeast(5).then(() => e.interrupt());
      },
    );
    expect(summary.reason).toBe('interrupted');
    // Nothing was sent after the interrupt: the server saw what the engine recorded.
    await new Promise((r) => setTimeout(r, 50));
    expect(server!.received.length).toBe(records.length);
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(records.length).toBeLessThan(10);
    expect(records.every((r) => r.error?.type === 'RequestCancellationError')).toBe(true);
    expect(summary.sent).toBe(records.length);
  });

  it('prepares the bodies of a burst before it is due (look-ahead), not at the send instant', async () => {
    const rows: FakeRow[] = [{ timestampMs: 0 }, ...Array.from({ length: 50 }, () => ({ timestampMs: 300 }))];
    server = await startFaultServer({ kind: 'ok', tokens: 1 });
    const source = fakeTurnSource(rows);
    const calledAt: bigint[] = [];
    const turn = source.turn.bind(source);
    source.turn = (t) => {
      calledAt[t] = process.hrtime.bigint();
      return turn(t);
    };
    let startNs = 0n;
    const engine = new LoadEngine(engineOptions(server.url, { mode: fixed(), scheduleZeroMs: 0, requestCount: source.turns }), source);
    engine.on('start', (e: { startNs: bigint }) => {
      startNs = e.startNs;
    });
    const records: RawRequestRecord[] = [];
    engine.on('record', (r: RawRequestRecord) => records.push(r));
    await engine.run();
    expect(records).toHaveLength(51);
    const due = startNs + 300_000_000n;
    expect(calledAt.slice(1).every((t) => t < due)).toBe(true);
    expect(source.calls.sort((a, b) => a - b)).toEqual(Array.from({ length: 51 }, (_, t) => t));
  });
});
