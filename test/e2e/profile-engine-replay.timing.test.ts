// Send-time accuracy of trace replay (this file runs alone, after the main suite): fixed-schedule
// sends at their timestamps, file-session think times, and user-centric per-user gaps, each within a
// few milliseconds of what the schedule intends (docs/cli.md §3.3–3.4; docs/metrics.md §8).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../ts/src/dataset/synthetic.js';
import { type EngineOptions, LoadEngine } from '../../ts/src/load/engine.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { engineOptions } from '../helpers/engine-options.js';
import { type FakeRow, fakeTurnSource } from '../helpers/fake-turn-source.js';

// serve-mock answers at once, in its own process (built CLI): a server on the client's event loop
// would add its own work to every send's lag.
let mock: ChildServer;
beforeAll(async () => {
  mock = await startMockProcess(['--latency-model', 'none', '--tokenizer-threads', '0']);
}, 60_000);
afterAll(() => mock?.stop());

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (ns: bigint): number => Number(ns) / 1e6;

async function run(over: Partial<EngineOptions>, rows: FakeRow[] | null) {
  const source = rows === null ? null : fakeTurnSource(rows);
  // The send path's first calls are compiled on the way: a warmup keeps that out of the measurement.
  const engine = new LoadEngine(engineOptions(mock.url, { requestCount: source?.turns ?? null, warmupRequestCount: 20, ...over }), source);
  const records: RawRequestRecord[] = [];
  let startNs = 0n;
  engine.on('record', (r: RawRequestRecord) => {
    if (r.phase === 'profiling') records.push(r);
  });
  engine.on('start', (e: { phase: string; startNs: bigint }) => {
    if (e.phase === 'profiling') startNs = e.startNs;
  });
  await engine.run();
  return { records, startNs };
}

describe('trace replay timing', () => {
  it('sends a compressed fixed schedule at its timestamps within a few ms', async () => {
    // A 12 s trace with a speedup of 20: fractional, irregular timestamps over 600 ms, some equal.
    const original = Array.from({ length: 80 }, (_, i) => Math.floor((i * i * 1877) % 12_000));
    original.sort((a, b) => a - b);
    const rows: FakeRow[] = original.map((ts) => ({ timestampMs: 5000 + ts / 20 }));
    const { records, startNs } = await run(
      {
        // A ceiling that never binds here, so that warmup runs 8 sessions at once and opens the
        // connections the replay's overlapping sends need: opening one is not the schedule's doing.
        mode: { kind: 'fixed-schedule', concurrency: 8, autoOffset: true, startOffsetMs: null, endOffsetMs: null, automatic: false },
        scheduleZeroMs: 5000,
      },
      rows,
    );
    expect(records).toHaveLength(80);
    const lags = records.map((r) => {
      expect(ms(r.scheduledNs! - startNs)).toBeCloseTo(original[r.requestNum]! / 20, 6);
      return ms(r.requestStartNs - r.scheduledNs!);
    });
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
    // Robust to a stall of the host (two cores shared with other jobs), not to a schedule off by a tick.
    expect(quantile(lags, 0.5)).toBeLessThan(3);
    expect(quantile(lags, 0.75)).toBeLessThan(5);
  });

  it("waits a session turn's delay within a few ms", async () => {
    const rows: FakeRow[] = ['A', 'B', 'C', 'D'].flatMap((session) => [{ session }, { session, delayMs: 40 }, { session, delayMs: 25 }]);
    const { records } = await run({ mode: { kind: 'concurrency', concurrency: 4 } }, rows);
    const gaps: number[] = [];
    for (const conv of ['A', 'B', 'C', 'D']) {
      const turns = records.filter((r) => r.conversationId === conv).sort((a, b) => a.turnIndex - b.turnIndex);
      gaps.push(ms(turns[1]!.requestStartNs - turns[0]!.requestEndNs) - 40, ms(turns[2]!.requestStartNs - turns[1]!.requestEndNs) - 25);
    }
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    expect(quantile(gaps, 0.5)).toBeLessThan(3);
    expect(quantile(gaps, 0.75)).toBeLessThan(5);
  });

  it('keeps every user-centric user at one turn per U/λ within a few ms, from the start', async () => {
    const dataset: Dataset = {
      entries: Array.from({ length: 8 }, (_, i) => ({ index: i, requestedIsl: 2, requestedOsl: 2, text: `p${i}`, clientIsl: 2 })),
      systemPrompt: null,
      inexact: [],
      sessions: Array.from({ length: 5 }, (_, i) => ({ index: i, turns: 3, delaysMs: [0, 0, 0], firstTurn: 3 * i })),
      replies: Array.from({ length: 8 }, (_, i) => `r${i}`),
    };
    // 5 users at 100 turns/s: each user every 50 ms, user u first at u·10 ms.
    const { records, startNs } = await run(
      { dataset, mode: { kind: 'user-centric', rate: 100, users: 5, concurrency: null }, requestCount: 40 },
      null,
    );
    expect(records).toHaveLength(40);
    const gapErrors: number[] = [];
    for (let u = 0; u < 5; u++) {
      const mine = records.filter((r) => r.requestNum % 5 === u).sort((a, b) => a.requestNum - b.requestNum);
      expect(Math.abs(ms(mine[0]!.requestStartNs - startNs) - u * 10)).toBeLessThan(5);
      for (let k = 1; k < mine.length; k++) gapErrors.push(Math.abs(ms(mine[k]!.requestStartNs - mine[k - 1]!.requestStartNs) - 50));
    }
    expect(quantile(gapErrors, 0.5)).toBeLessThan(3);
    expect(quantile(gapErrors, 0.75)).toBeLessThan(5);
  });
});
