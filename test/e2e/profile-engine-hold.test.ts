// The engine holds its closed-loop sends while the report side is behind (issue 16: memory that
// stays flat). Against a zero-latency server the engine finishes requests faster than they can be
// processed; without the hold the finished records waiting for processing grew without bound.
import { afterEach, describe, expect, it } from 'vitest';
import { LoadEngine } from '../../ts/src/load/engine.js';
import { WorkerCoordinator } from '../../ts/src/load/workers.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { engineOptions } from '../helpers/engine-options.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('holding the sends', () => {
  it('sends nothing while held and the rest of the closed loop once resumed', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 2 });
    const s = server;
    const engine = new LoadEngine(engineOptions(s.url, { requestCount: 20, mode: { kind: 'concurrency', concurrency: 2 } }));
    const records: RawRequestRecord[] = [];
    const whileHeld: number[] = [];
    engine.on('record', (r: RawRequestRecord) => {
      records.push(r);
      if (records.length !== 1) return;
      engine.holdSends(true);
      // Long enough for the other request in flight to finish and for a free slot to send, were it not held.
      void pause(300).then(() => {
        whileHeld.push(s.received.length, records.length);
        engine.holdSends(false);
      });
    });
    const summary = await engine.run();
    expect(whileHeld).toEqual([2, 2]);
    expect(summary.reason).toBe('completed');
    expect(records.length).toBe(20);
    expect(s.received.length).toBe(20);
  });

  it('lets a phase that is stopped while held end at once', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 2 });
    const engine = new LoadEngine(engineOptions(server.url, { requestCount: 50, mode: { kind: 'concurrency', concurrency: 2 } }));
    let records = 0;
    engine.on('record', () => {
      records++;
      if (records === 1) {
        engine.holdSends(true);
        void pause(100).then(() => engine.interrupt());
      }
    });
    const summary = await engine.run();
    expect(summary.reason).toBe('interrupted');
    expect(records).toBe(2);
    expect(server.received.length).toBe(2);
  });

  it('does not hold an open-loop request rate (its send times are the stimulus)', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 2 });
    const engine = new LoadEngine(
      engineOptions(server.url, {
        requestCount: 10,
        mode: { kind: 'rate', rate: 200, pattern: 'constant', smoothness: 1, concurrency: null },
      }),
    );
    engine.holdSends(true);
    const records: RawRequestRecord[] = [];
    engine.on('record', (r: RawRequestRecord) => records.push(r));
    await engine.run();
    expect(records.length).toBe(10);
  });

  it('holds the sends of every worker thread', async () => {
    server = await startFaultServer({ kind: 'ok', tokens: 2 });
    const s = server;
    const engine = new WorkerCoordinator(engineOptions(s.url, { requestCount: 400, mode: { kind: 'concurrency', concurrency: 2 } }), 2);
    const checks: number[] = [];
    let records = 0;
    engine.on('record', () => {
      records++;
      if (records !== 1) return;
      engine.holdSends(true);
      // Records reach this thread in batches (up to 16, or after 20 ms) and the hold reaches the
      // threads by message: they may send a few dozen more before it arrives; after that, nothing.
      void pause(300)
        .then(() => checks.push(s.received.length))
        .then(() => pause(300))
        .then(() => {
          checks.push(s.received.length);
          engine.holdSends(false);
        });
    });
    const summary = await engine.run();
    expect(checks[0]).toBe(checks[1]);
    expect(checks[0]).toBeLessThan(400);
    expect(summary.completed).toBe(400);
  });
});
