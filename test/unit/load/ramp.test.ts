// The ramps of docs/cli.md §3.4.1 as the planner computes them: concurrency steps split exactly
// across threads and shards, and the request-rate ramp's send times.
import { describe, expect, it } from 'vitest';
import { ArrivalSchedule } from '../../../ts/src/load/arrivals.js';
import { ownRampOffsetsNs, RampedSlots, rampLimitAt, rampStepOffsetNs, RateRamp } from '../../../ts/src/load/ramp.js';
import { splitSlot, workerShare } from '../../../ts/src/load/worker-share.js';

describe('concurrency ramp plan', () => {
  it('opens one slot at t = 0 and one more every D/(C−1), reaching C at D (AIPerf linear steps)', () => {
    const offsets = Array.from({ length: 5 }, (_, g) => Number(rampStepOffsetNs(g, 5, 1000)) / 1e6);
    expect(offsets).toEqual([0, 250, 500, 750, 1000]);
    expect([0, 249, 250, 600, 999, 1000, 5000].map((t) => rampLimitAt(5, 1000, t))).toEqual([1, 1, 2, 3, 4, 5, 5]);
    // A target of 1 has nothing to ramp.
    expect(rampLimitAt(1, 1000, 0)).toBe(1);
  });

  it('splits the steps across threads so that the open slots add up to the global limit at every instant', () => {
    for (const [C, W] of [
      [7, 3],
      [8, 2],
      [5, 5],
      [100, 4],
    ] as const) {
      const per = Array.from({ length: W }, (_, w) => ownRampOffsetsNs(C, w, W, 2000));
      // Each thread gets its share of the concurrency, as without a ramp.
      expect(per.map((o) => o.length)).toEqual(Array.from({ length: W }, (_, w) => workerShare(C, w, W)));
      for (let t = 0; t <= 2100; t += 7) {
        const open = per.reduce((n, o) => n + o.filter((x) => Number(x) <= t * 1e6).length, 0);
        expect(open).toBe(rampLimitAt(C, 2000, t));
      }
    }
  });

  it('keeps the totals across shards: the slots of workers × shards split one global plan', () => {
    const C = 9;
    const shards = 2;
    const workers = 2;
    const all: bigint[] = [];
    for (let k = 0; k < shards; k++)
      for (let w = 0; w < workers; w++) {
        const { slot, slots } = splitSlot(w, workers, k, shards);
        all.push(...ownRampOffsetsNs(C, slot, slots, 900));
      }
    expect(all.sort((a, b) => (a < b ? -1 : 1))).toEqual(Array.from({ length: C }, (_, g) => rampStepOffsetNs(g, C, 900)));
  });

  it('opens a ramped pool in step order and hands each new slot to the longest waiter', async () => {
    const start = process.hrtime.bigint();
    const ramp = new RampedSlots(start, [0n, 30_000_000n, 60_000_000n]);
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => ramp.pool.take().then((ok) => ok && order.push(i))));
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    ramp.dispose();
    expect(order).toEqual([0, 1, 2]);
    // The last slot opened no earlier than its step (timers never fire early).
    expect(elapsedMs).toBeGreaterThanOrEqual(59);
  });

  it('refuses the waiters of a closed pool (the phase stopped, or its work ran out)', async () => {
    const ramp = new RampedSlots(process.hrtime.bigint(), [0n, 10_000_000_000n]);
    expect(ramp.pool.tryTake()).toBe(true);
    const waiting = ramp.pool.take();
    ramp.pool.close();
    expect(await waiting).toBe(false);
    ramp.dispose();
  });
});

describe('request-rate ramp', () => {
  it('starts at R × 0.1 s / D and grows linearly to R at D', () => {
    const r = new RateRamp(10, 2);
    expect(r.rateAt(0)).toBeCloseTo(0.5);
    expect(r.rateAt(1)).toBeCloseTo(5.25);
    expect(r.rateAt(2)).toBe(10);
    expect(r.rateAt(9)).toBe(10);
    // The integrated rate at D is D·(r0 + R)/2 = 10.5 arrivals; after it, 1/R apart.
    expect(r.timeOf(10.5)).toBeCloseTo(2);
    expect(r.timeOf(20.5)).toBeCloseTo(3);
    expect(r.timeOf(0)).toBe(0);
  });

  it('sends constant arrivals where the ramped rate has integrated to 1, 2, 3, …: sparse at first, at R after D', () => {
    const schedule = new ArrivalSchedule(10, 'constant', 1, 0n, 2);
    const times = Array.from({ length: 31 }, () => Number(schedule.next().offsetNs) / 1e9);
    const inSecond = (a: number) => times.filter((t) => t >= a && t < a + 1).length;
    // Λ(1) = 0.5 + 4.75/2 = 2.875 → arrivals 0, 1, 2 in the first second; Λ(2) = 10.5 → 8 in the next.
    expect([inSecond(0), inSecond(1), inSecond(2)]).toEqual([3, 8, 10]);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    // After the ramp the gaps are 1/R.
    expect(times[30]! - times[29]!).toBeCloseTo(0.1, 9);
  });

  it('keeps the random draws of a pattern: the same unit-rate arrivals, moved by the ramp only', () => {
    const plain = new ArrivalSchedule(1, 'poisson', 1, 7n);
    const ramped = new ArrivalSchedule(1, 'poisson', 1, 7n, 5);
    const ramp = new RateRamp(1, 5);
    for (let i = 0; i < 50; i++) {
      const unitRate = Number(plain.next().offsetNs) / 1e9;
      expect(Number(ramped.next().offsetNs) / 1e9).toBeCloseTo(ramp.timeOf(unitRate), 6);
    }
  });
});
