// User-centric timing (docs/cli.md §3.4 mode 2) against the local fault server: each user's pace,
// users starting mid-session with virtual history, fresh sessions, the request count and the worker
// split. Send-time accuracy is in profile-engine-replay.timing.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import type { Dataset } from '../../ts/src/dataset/synthetic.js';
import { RequestOrder } from '../../ts/src/dataset/synthetic.js';
import { type EngineOptions, LoadEngine } from '../../ts/src/load/engine.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { engineOptions } from '../helpers/engine-options.js';
import { type Behaviour, type FaultServer, startFaultServer } from '../helpers/fault-server.js';

let server: FaultServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** 12 prompts; 6 sessions of 4 turns; each entry's synthetic reply names it. */
const DATASET: Dataset = {
  entries: Array.from({ length: 12 }, (_, i) => ({ index: i, requestedIsl: 2, requestedOsl: 3, text: `prompt ${i}`, clientIsl: 2 })),
  systemPrompt: 'sys',
  inexact: [],
  sessions: Array.from({ length: 6 }, (_, i) => ({ index: i, turns: 4, delaysMs: [0, 0, 0, 0], firstTurn: 4 * i })),
  replies: Array.from({ length: 12 }, (_, i) => `reply ${i}`),
};

const USERS = 4;
const RATE = 40; // g = U/λ = 100 ms; user u starts at u·25 ms
const userCentric = { kind: 'user-centric' as const, rate: RATE, users: USERS, concurrency: null };

async function run(over: Partial<EngineOptions>, behaviour: Behaviour = { kind: 'ok', tokens: 2 }) {
  server ??= await startFaultServer(behaviour);
  const engine = new LoadEngine(engineOptions(server.url, { dataset: DATASET, mode: userCentric, requestCount: 12, ...over }));
  const records: RawRequestRecord[] = [];
  let startNs = 0n;
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  engine.on('start', (e: { startNs: bigint }) => {
    startNs = e.startNs;
  });
  const summary = await engine.run();
  return { records, startNs, summary };
}

/** User u's records in the order it sent them (request index u + k·U). */
const userRecords = (records: RawRequestRecord[], u: number) =>
  records.filter((r) => r.requestNum % USERS === u).sort((a, b) => a.requestNum - b.requestNum);

describe('user-centric mode', () => {
  it('paces each user one turn every U/λ, user u starting at u/λ; --request-count N sends indices below N', async () => {
    // g = 400 ms here: a turn's reply must come back within g for the next to keep its pace (the
    // test below covers a later one), and a loaded CI machine once took 110 ms to answer.
    const { records, startNs, summary } = await run({ mode: { ...userCentric, rate: 10 } });
    expect(records.map((r) => r.requestNum).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(summary.sent).toBe(12);
    for (let u = 0; u < USERS; u++) {
      const offsets = userRecords(records, u).map((r) => Number(r.scheduledNs! - startNs) / 1e6);
      expect(offsets).toEqual([0, 1, 2].map((k) => u * 100 + k * 400));
    }
  });

  it('starts user i mid-session at turn floor(i·T/U) mod T, with the virtual earlier turns and their synthetic replies in the history', async () => {
    const { records } = await run({});
    const order = new RequestOrder(DATASET.entries.length, 0n);
    for (let u = 0; u < USERS; u++) {
      const first = userRecords(records, u)[0]!;
      expect(first.turnIndex).toBe(u); // floor(u·4/4) mod 4
      expect(first.conversationId).toBe(`synthetic_session_${u}`);
      const messages = first.request.body.messages as { role: string; content: string }[];
      const expected: { role: string; content: string }[] = [{ role: 'system', content: 'sys' }];
      for (let t = 0; t < u; t++) {
        const e = order.entryFor(4 * u + t);
        expected.push({ role: 'user', content: `prompt ${e}` }, { role: 'assistant', content: `reply ${e}` });
      }
      expected.push({ role: 'user', content: `prompt ${order.entryFor(4 * u + u)}` });
      expect(messages).toEqual(expected);
      expect(first.clientIsl).toBe(u === 0 ? 2 : null);
    }
  });

  it("goes on with a fresh session, turn 0, after a session's last turn: session (u + n·U) mod S", async () => {
    const { records } = await run({});
    const u3 = userRecords(records, 3);
    expect(u3.map((r) => r.turnIndex)).toEqual([3, 0, 1]);
    expect(u3.map((r) => r.conversationId)).toEqual(['synthetic_session_3', 'synthetic_session_1', 'synthetic_session_1']);
    expect(u3[0]!.xCorrelationId).not.toBe(u3[1]!.xCorrelationId);
    // The fresh session's first turn has no history but the shared system prompt.
    expect((u3[1]!.request.body.messages as unknown[]).length).toBe(2);
    // Its next turn carries the response actually received.
    const messages = u3[2]!.request.body.messages as { role: string; content: string }[];
    expect(messages[2]).toEqual({ role: 'assistant', content: ' t0 t1' });
  });

  it('sends the next turn at the previous completion when that is later than previous send + U/λ', async () => {
    const { records } = await run({ requestCount: 8 }, { kind: 'ok', tokens: 1, ttftMs: 160 });
    for (let u = 0; u < USERS; u++) {
      const [a, b] = userRecords(records, u);
      expect(b!.scheduledNs!).toBeGreaterThanOrEqual(a!.requestEndNs);
      expect(Number(b!.scheduledNs! - a!.scheduledNs!) / 1e6).toBeGreaterThan(150);
    }
  });

  it('splits users u mod W over workers without changing any intended send time', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 1 });
    const at = async (w: number, W: number, startNs: bigint) => {
      const { records } = await run({ workerIndex: w, workerCount: W, beforeProfiling: async () => startNs });
      return records.map((r) => `${r.requestNum}:${r.turnIndex}:${r.scheduledNs! - startNs}`);
    };
    const one = await at(0, 1, process.hrtime.bigint() + 50_000_000n);
    // Both workers start their schedules at the same instant, as the coordinator has them do.
    const startNs = process.hrtime.bigint() + 50_000_000n;
    const [w0, w1] = await Promise.all([at(0, 2, startNs), at(1, 2, startNs)]);
    expect([...w0, ...w1].sort()).toEqual([...one].sort());
    expect(w0.every((k) => Number(k.split(':')[0]) % 2 === 0)).toBe(true);
    expect(w1).toHaveLength(6);
  });
});
