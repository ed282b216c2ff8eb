import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../ts/src/metrics/aggregate.js';
import {
  clientHealthLine,
  connectionResendsLine,
  evaluateClientHealth,
  type ClientHealthSamples,
} from '../../../ts/src/metrics/client-health.js';
import { DONE, chatDelta, processor, raw } from './fixtures.js';

const calm: ClientHealthSamples = {
  loops: [{ loopId: 'main', lagP50Ms: 0.4, lagP99Ms: 1.2, lagMaxMs: 3, utilizationPct: [20, 30, 25] }],
  cpuPercent: [30, 40],
};
const noSched = {
  unqueuedScheduleLagMs: [],
  meanInterArrivalMs: null,
  requestedRate: null,
  achievedRate: null,
  waitedFraction: 0,
  connectionResends: 0,
};

describe('client health', () => {
  it('reports a normal run as healthy with the footer figures', () => {
    const res = evaluateClientHealth(calm, { ...noSched, unqueuedScheduleLagMs: [0.1, 0.2, 0.4] });
    expect(res.saturated).toBe(false);
    expect(clientHealthLine(res)).toBe('Client: healthy (event-loop lag p99 1.20 ms; schedule lag p99 0.40 ms; CPU avg 35%)');
  });

  it('flags event-loop lag p99 above 15 ms net of the monitor resolution (the worst loop counts)', () => {
    const res = evaluateClientHealth(
      { ...calm, loops: [...calm.loops, { loopId: 'worker_1', lagP50Ms: 5, lagP99Ms: 31.2, lagMaxMs: 80, utilizationPct: [] }] },
      noSched,
    );
    expect(res.values['client_event_loop_lag_p99']).toBe(31.2);
    expect(res.reasons).toEqual(['event-loop lag p99 31.20 ms > 15 ms']);
    expect(clientHealthLine(res)).toBe(
      'Client: SATURATED — event-loop lag p99 31.20 ms > 15 ms (latencies may be overstated; try --workers N or less load)',
    );
  });

  it('does not flag a lag p99 of exactly 15 ms', () => {
    const at = evaluateClientHealth(
      { ...calm, loops: [{ loopId: 'worker_0', lagP50Ms: 1, lagP99Ms: 15, lagMaxMs: 20, utilizationPct: [] }] },
      noSched,
    );
    expect(at.saturated).toBe(false);
  });

  it('flags a loop above 90 % utilisation in at least 20 % of its samples', () => {
    const busy = (u: number[]) =>
      evaluateClientHealth(
        { loops: [{ loopId: 'main', lagP50Ms: 0, lagP99Ms: 0, lagMaxMs: 0, utilizationPct: u }], cpuPercent: [] },
        noSched,
      );
    expect(busy([95, 10, 10, 10, 10]).saturated).toBe(true); // 1 of 5 = 20 %
    expect(busy([95, 10, 10, 10, 10, 10]).saturated).toBe(false); // 1 of 6
    expect(busy([90, 90, 90]).saturated).toBe(false); // not above 90
  });

  it('flags schedule lag p99 above max(10 ms, 10 % of the mean inter-arrival time)', () => {
    expect(evaluateClientHealth(null, { ...noSched, unqueuedScheduleLagMs: [11, 11], meanInterArrivalMs: 50 }).saturated).toBe(true);
    expect(evaluateClientHealth(null, { ...noSched, unqueuedScheduleLagMs: [11, 11], meanInterArrivalMs: 200 }).saturated).toBe(false);
    expect(evaluateClientHealth(null, { ...noSched, unqueuedScheduleLagMs: [10, 10], meanInterArrivalMs: 1 }).saturated).toBe(false);
  });

  it('flags a rate shortfall only when few requests waited for a slot', () => {
    const base = { ...noSched, requestedRate: 100, achievedRate: 90 };
    expect(evaluateClientHealth(null, { ...base, waitedFraction: 0.01 }).reasons).toEqual([
      'achieved 90.00 req/s < 95% of requested 100.00 req/s',
    ]);
    expect(evaluateClientHealth(null, { ...base, waitedFraction: 0.2 }).saturated).toBe(false);
    expect(evaluateClientHealth(null, { ...base, achievedRate: 95 }).saturated).toBe(false);
  });

  it('derives client schedule lag from unqueued open-loop requests in aggregation', async () => {
    const mk = (n: number, sched: number, start: number, waited = false) =>
      raw({
        requestNum: n,
        scheduledMs: sched,
        startMs: start,
        creditMs: start,
        isl: 1,
        waitedForSlot: waited,
        events: [
          [start + 10, chatDelta('a')],
          [start + 10, DONE],
        ],
        endMs: start + 10,
      });
    const recs = await processor({ openLoop: true }).processBatch([mk(0, 0, 1), mk(1, 100, 101), mk(2, 200, 260, true), mk(3, 300, 301)]);
    const run = aggregate(recs, { requestRate: 10, clientHealth: calm });
    expect(run.blocks.get('client_schedule_lag_max')!.stats.avg).toBe(1);
    expect(run.blocks.get('schedule_lag')!.stats.max).toBe(60);
    expect(run.blocks.get('requested_request_rate')!.stats.avg).toBe(10);
    expect(run.blocks.get('achieved_request_rate')!.stats.avg).toBe(10);
    expect(run.clientHealth.saturated).toBe(false);
  });
});

describe('connection resends', () => {
  it('counts the profiling requests sent again on a new connection, and the footer mentions them only when there were any', async () => {
    const mk = (n: number, resends: number) =>
      raw({
        requestNum: n,
        startMs: n * 10,
        isl: 1,
        connectionResends: resends,
        events: [
          [n * 10 + 5, chatDelta('a')],
          [n * 10 + 5, DONE],
        ],
        endMs: n * 10 + 5,
      });
    const resent = aggregate(await processor().processBatch([mk(0, 0), mk(1, 1), mk(2, 1)]), { clientHealth: calm });
    expect(resent.blocks.get('client_connection_resends')).toEqual({ unit: 'requests', stats: { avg: 2 } });
    expect(resent.clientHealth.saturated).toBe(false);
    expect(connectionResendsLine(resent.clientHealth)).toBe(
      'Connection resends: 2 requests sent again on a new connection (the server had closed the kept-alive one before answering)',
    );
    const none = aggregate(await processor().processBatch([mk(0, 0)]), { clientHealth: calm });
    expect(none.blocks.get('client_connection_resends')!.stats.avg).toBe(0);
    expect(connectionResendsLine(none.clientHealth)).toBeNull();
  });
});

describe('long runs', () => {
  it('folds a day of 1 s samples and a million replay offsets without a stack overflow', async () => {
    const day = Array.from({ length: 86_400 * 3 }, (_, i) => (i === 5 ? 99 : 10));
    const res = evaluateClientHealth(
      { loops: [{ loopId: 'main', lagP50Ms: 0, lagP99Ms: 0, lagMaxMs: 0, utilizationPct: day }], cpuPercent: day },
      { ...noSched },
    );
    expect(res.values['client_cpu_percent_max']).toBe(99);
    expect(res.values['client_event_loop_utilization_max']).toBe(99);
  });
});

describe('fixed-schedule replay metrics (docs/metrics.md §8)', () => {
  it('reports lag percentiles relative to the smallest offset and flags p99 > 500 ms', async () => {
    const mk = (n: number, sched: number, lag: number) =>
      raw({
        requestNum: n,
        scheduledMs: sched,
        startMs: sched + lag,
        isl: 1,
        events: [
          [sched + lag + 5, chatDelta('a')],
          [sched + lag + 5, DONE],
        ],
        endMs: sched + lag + 5,
      });
    const p = processor({ openLoop: true, fixedSchedule: true });
    const ok = aggregate(await p.processBatch([mk(0, 0, 2), mk(1, 100, 3), mk(2, 200, 12)]), { fixedSchedule: true });
    // offsets 2, 3, 12 → 0, 1, 10
    expect(ok.blocks.get('replay_sched_lag_p50')!.stats.avg).toBe(1);
    expect(ok.blocks.get('replay_sched_lag_p99')!.stats.avg).toBeCloseTo(9.82, 12);
    expect(ok.blocks.get('replay_sched_degraded')!.stats.avg).toBe(0);
    expect(ok.blocks.get('replay_send_schedule_offset')!.stats.max).toBe(12);
    const late = aggregate(await p.processBatch([mk(0, 0, 1), mk(1, 100, 900)]), { fixedSchedule: true });
    expect(late.replayDegraded).toBe(true);
    expect(late.blocks.get('replay_sched_degraded')!.stats.avg).toBe(1);
  });
});
