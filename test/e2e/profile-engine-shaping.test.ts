// Load shaping in the engine (docs/cli.md §3.4.1), observed where it matters: the prefill cap at
// the server (requests that arrived and have no first token yet), the concurrency ramp by the
// records' own send and end stamps, the rate ramp and the warmup's rate by the intended send times
// the records carry. Assertions follow from causality or the planner, never from how fast the
// machine is.
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadShapingConfig, NO_SHAPING } from '../../ts/src/config/load-shaping.js';
import { ArrivalSchedule } from '../../ts/src/load/arrivals.js';
import { LoadEngine, type EngineOptions } from '../../ts/src/load/engine.js';
import { WorkerCoordinator } from '../../ts/src/load/workers.js';
import { rampLimitAt } from '../../ts/src/load/ramp.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { engineOptions } from '../helpers/engine-options.js';
import { startFaultServer } from '../helpers/fault-server.js';
import { startPrefillServer } from '../helpers/prefill-server.js';

const NONE = NO_SHAPING;

function shaping(profiling: Partial<LoadShapingConfig['profiling']>, warmup: Partial<LoadShapingConfig['warmup']> = {}): LoadShapingConfig {
  return { threadLimit: null, profiling: { ...NONE.profiling, ...profiling }, warmup: { ...NONE.warmup, ...warmup } };
}

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
});

/** Runs `options` on one loop, or on `threads` worker threads (the compiled engine in dist/). */
async function run(options: EngineOptions, threads = 1) {
  const engine = threads === 1 ? new LoadEngine(options) : new WorkerCoordinator(options, threads);
  const records: RawRequestRecord[] = [];
  const starts: Record<string, bigint> = {};
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  engine.on('start', (e: { phase: string; startNs: bigint }) => {
    starts[e.phase] = e.startNs;
  });
  const summary = await engine.run();
  return { records, starts, summary };
}

/** The most of `records` in flight at once, by their own start and end stamps. */
function maxInFlight(records: RawRequestRecord[], at?: (r: RawRequestRecord) => number): number {
  let most = 0;
  for (const r of records) {
    const n = records.filter((o) => o.requestStartNs <= r.requestStartNs && o.requestEndNs > r.requestStartNs).length;
    most = Math.max(most, at ? n - at(r) : n);
  }
  return most;
}

describe('--prefill-concurrency', () => {
  it('never lets more than N requests wait for their first token at the server, with concurrency 8', async () => {
    const server = await startPrefillServer(30, 5);
    closers.push(server.close);
    const { records } = await run(
      engineOptions(server.url, {
        mode: { kind: 'concurrency', concurrency: 8 },
        requestCount: 24,
        shaping: shaping({ prefillConcurrency: 2 }),
      }),
    );
    expect(records.filter((r) => r.error === null)).toHaveLength(24);
    expect(server.maxWaiting).toBeLessThanOrEqual(2);
    // The cap was the bottleneck (8 would otherwise have been waiting at once).
    expect(server.maxWaiting).toBe(2);
    // The requests held back were issued in time and sent later: the wait is credit-to-start, not TTFT.
    expect(records.some((r) => r.requestStartNs - r.creditIssuedNs > 10_000_000n)).toBe(true);
  });

  it('holds an open-loop rate to the cap too, and a request that fails before its first token gives its slot back', async () => {
    const faults = await startFaultServer((i) => (i % 3 === 0 ? { kind: 'status', status: 500 } : { kind: 'ok', tokens: 2, ttftMs: 20 }));
    closers.push(() => faults.close());
    const { records } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'rate', rate: 200, pattern: 'constant', smoothness: 1, concurrency: null },
        requestCount: 15,
        shaping: shaping({ prefillConcurrency: 1 }),
      }),
    );
    expect(records).toHaveLength(15);
    expect(records.filter((r) => r.error !== null)).toHaveLength(5);
    // With one prefill slot, no request was sent before the previous one had its first token or
    // ended: by the records' stamps, sends never overlap a request still without content.
    const sorted = [...records].sort((a, b) => (a.requestStartNs < b.requestStartNs ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const firstContent = prev.error === null ? prev.responses.find((x) => x.data.includes('content'))!.recvNs : prev.requestEndNs;
      expect(sorted[i]!.requestStartNs).toBeGreaterThanOrEqual(firstContent);
    }
  });
});

describe('--concurrency-ramp-duration', () => {
  it('grows the requests in flight stepwise from 1 to the target over the ramp', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 2, ttftMs: 60 });
    closers.push(() => faults.close());
    const rampMs = 600;
    const { records, starts } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'concurrency', concurrency: 4 },
        requestCount: 28,
        shaping: shaping({ concurrencyRampMs: rampMs }),
      }),
    );
    expect(records.filter((r) => r.error === null)).toHaveLength(28);
    const t0 = starts['profiling']!;
    // At each send, the requests in flight never exceed the ramp's limit at that instant (a step's
    // slot opens at its offset or later, so this holds however loaded the machine is).
    for (const r of records) {
      const elapsedMs = Number(r.requestStartNs - t0) / 1e6;
      const inFlight = records.filter((o) => o.requestStartNs <= r.requestStartNs && o.requestEndNs > r.requestStartNs).length;
      expect(inFlight).toBeLessThanOrEqual(rampLimitAt(4, rampMs, elapsedMs));
    }
    // Requests went out one at a time until the first step (D/3); the target was reached.
    const overlapping = records.filter((r) =>
      records.some((o) => o !== r && o.requestStartNs <= r.requestStartNs && o.requestEndNs > r.requestStartNs),
    );
    const firstOverlapMs = Math.min(...overlapping.map((r) => Number(r.requestStartNs - t0) / 1e6));
    expect(firstOverlapMs).toBeGreaterThanOrEqual(rampMs / 3);
    expect(records.filter((r) => Number(r.requestStartNs - t0) / 1e6 < rampMs / 3).length).toBeGreaterThanOrEqual(2);
    expect(maxInFlight(records)).toBe(4);
  });

  it('holds the global ramp over three worker threads (steps split g mod W), reaching the target', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 2, ttftMs: 60 });
    closers.push(() => faults.close());
    const rampMs = 500;
    const { records, starts } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'concurrency', concurrency: 6 },
        requestCount: 48,
        shaping: shaping({ concurrencyRampMs: rampMs }),
      }),
      3,
    );
    expect(records.filter((r) => r.error === null)).toHaveLength(48);
    expect(new Set(records.map((r) => r.workerId))).toEqual(new Set(['worker_0', 'worker_1', 'worker_2']));
    const t0 = starts['profiling']!;
    for (const r of records) {
      const inFlight = records.filter((o) => o.requestStartNs <= r.requestStartNs && o.requestEndNs > r.requestStartNs).length;
      expect(inFlight).toBeLessThanOrEqual(rampLimitAt(6, rampMs, Number(r.requestStartNs - t0) / 1e6));
    }
    expect(maxInFlight(records)).toBe(6);
  });

  it('holds --prefill-concurrency over two worker threads (3 = 2 + 1)', async () => {
    const server = await startPrefillServer(30, 5);
    closers.push(server.close);
    const { records } = await run(
      engineOptions(server.url, {
        mode: { kind: 'concurrency', concurrency: 8 },
        requestCount: 24,
        shaping: shaping({ prefillConcurrency: 3 }),
      }),
      2,
    );
    expect(records.filter((r) => r.error === null)).toHaveLength(24);
    expect(server.maxWaiting).toBeLessThanOrEqual(3);
  });

  it('ramps an open-loop --concurrency ceiling the same way', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 2, ttftMs: 80 });
    closers.push(() => faults.close());
    const rampMs = 400;
    const { records, starts } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'rate', rate: 500, pattern: 'constant', smoothness: 1, concurrency: 3 },
        requestCount: 20,
        shaping: shaping({ concurrencyRampMs: rampMs }),
      }),
    );
    expect(records).toHaveLength(20);
    const t0 = starts['profiling']!;
    for (const r of records) {
      const inFlight = records.filter((o) => o.requestStartNs <= r.requestStartNs && o.requestEndNs > r.requestStartNs).length;
      expect(inFlight).toBeLessThanOrEqual(rampLimitAt(3, rampMs, Number(r.requestStartNs - t0) / 1e6));
    }
    expect(records.filter((r) => r.waitedForSlot).length).toBeGreaterThan(0);
  });
});

describe('--request-rate-ramp-duration', () => {
  it('schedules the sends from a low rate up to the target, exactly as planned', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 1 });
    closers.push(() => faults.close());
    const { records, starts } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'rate', rate: 40, pattern: 'poisson', smoothness: 1, concurrency: null },
        requestCount: 30,
        shaping: shaping({ rateRampMs: 500 }),
      }),
    );
    const plan = new ArrivalSchedule(40, 'poisson', 1, 0n, 0.5);
    const planned = Array.from({ length: 30 }, () => plan.next().offsetNs);
    const t0 = starts['profiling']!;
    const scheduled = [...records].sort((a, b) => a.requestNum - b.requestNum).map((r) => (r.scheduledNs as bigint) - t0);
    expect(scheduled).toEqual(planned);
    // Sparse first, dense after: the first 5 arrivals take longer than the last 5.
    expect(planned[4]! - planned[0]!).toBeGreaterThan(planned[29]! - planned[25]!);
  });
});

describe('warmup load', () => {
  it('--warmup-concurrency: the warmup runs at its own concurrency, profiling at --concurrency', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 2, ttftMs: 50 });
    closers.push(() => faults.close());
    const { records } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'concurrency', concurrency: 1 },
        requestCount: 3,
        warmupRequestCount: 6,
        shaping: shaping({}, { concurrency: 3 }),
      }),
    );
    const warmup = records.filter((r) => r.phase === 'warmup');
    expect(warmup).toHaveLength(6);
    expect(maxInFlight(warmup)).toBe(3);
    expect(maxInFlight(records.filter((r) => r.phase === 'profiling'))).toBe(1);
  });

  it('--warmup-request-rate and --warmup-arrival-pattern: the warmup is sent open loop on its own schedule', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 1 });
    closers.push(() => faults.close());
    const { records, starts } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'concurrency', concurrency: 1 },
        requestCount: 2,
        warmupRequestCount: 5,
        shaping: shaping({}, { rate: { rate: 50, pattern: 'poisson', smoothness: 1 } }),
      }),
    );
    const plan = new ArrivalSchedule(50, 'poisson', 1, 0n);
    const planned = Array.from({ length: 5 }, () => plan.next().offsetNs);
    const warmup = records.filter((r) => r.phase === 'warmup').sort((a, b) => a.requestNum - b.requestNum);
    expect(warmup.map((r) => (r.scheduledNs as bigint) - starts['warmup']!)).toEqual(planned);
    expect(records.filter((r) => r.phase === 'profiling')).toHaveLength(2);
  });

  it('--num-warmup-sessions: a single-turn warmup sends that many requests', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 1 });
    closers.push(() => faults.close());
    const { records } = await run(
      engineOptions(faults.url, { mode: { kind: 'concurrency', concurrency: 2 }, requestCount: 2, shaping: shaping({}, { sessions: 3 }) }),
    );
    expect(records.filter((r) => r.phase === 'warmup')).toHaveLength(3);
    expect(records.filter((r) => r.phase === 'profiling')).toHaveLength(2);
  });

  it('--warmup-grace-period: warmup requests still running after the duration and the grace are aborted, and profiling goes on', async () => {
    const faults = await startFaultServer((i) => (i < 2 ? { kind: 'stall', afterTokens: 1 } : { kind: 'ok', tokens: 2 }));
    closers.push(() => faults.close());
    const t = Date.now();
    const { records } = await run(
      engineOptions(faults.url, {
        mode: { kind: 'concurrency', concurrency: 2 },
        requestCount: 4,
        warmupDurationMs: 150,
        shaping: shaping({}, { gracePeriodMs: 100 }),
      }),
    );
    expect(Date.now() - t).toBeLessThan(4000);
    const warmup = records.filter((r) => r.phase === 'warmup');
    expect(warmup.filter((r) => r.error?.type === 'GracePeriodExpiredError')).toHaveLength(2);
    expect(records.filter((r) => r.phase === 'profiling' && r.error === null)).toHaveLength(4);
  });
});
