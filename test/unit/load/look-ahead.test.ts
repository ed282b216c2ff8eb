// Bodies prepared ahead of their send time in a bounded window (ts/src/load/look-ahead.ts), and the
// FIFO slots of the --concurrency ceiling (ts/src/load/slot-pool.ts).
import { describe, expect, it } from 'vitest';
import { LookAhead, type Upcoming } from '../../../ts/src/load/look-ahead.js';
import { SlotPool } from '../../../ts/src/load/slot-pool.js';

const MS = 1_000_000n;

/** A schedule of `n` items due `gapMs` apart from `t0`, and the values prepared so far. */
function schedule(n: number, t0: bigint, gapMs: number) {
  let i = 0;
  const prepared: number[] = [];
  const pull = (): Upcoming<number> | null => (i < n ? { dueNs: t0 + BigInt(i) * BigInt(gapMs) * MS, value: i++ } : null);
  const prepare = (v: number): string => {
    prepared.push(v);
    return `body ${v}`;
  };
  return { pull, prepare, prepared };
}

describe('LookAhead', () => {
  it('prepares only what is due within the window', async () => {
    const now = process.hrtime.bigint();
    const s = schedule(10_000, now, 10);
    const la = new LookAhead(s.pull, s.prepare, { maxItems: 256, windowNs: 1000n * MS }, () => false);
    await la.fillUntil(now + 60_000n * MS);
    // Items 0 … ~100 are due within 1 s of now; nothing beyond the window is built.
    expect(s.prepared.length).toBeGreaterThanOrEqual(95);
    expect(s.prepared.length).toBeLessThanOrEqual(102);
    expect(s.prepared).toEqual(s.prepared.map((_, k) => k));
  });

  it('holds at most maxItems, however many are due at one instant', async () => {
    const now = process.hrtime.bigint();
    const s = schedule(10_000, now, 0);
    const la = new LookAhead(s.pull, s.prepare, { maxItems: 256, windowNs: 1000n * MS }, () => false);
    await la.fillUntil(now + 60_000n * MS);
    expect(la.size).toBe(256);
    expect(la.take()).toEqual({ item: { dueNs: now, value: 0 }, prepared: 'body 0' });
    await la.fillUntil(now + 60_000n * MS);
    expect(s.prepared.length).toBe(257);
  });

  it('prepares nothing ahead when the deadline has come, but still hands out the next item, built on demand', async () => {
    const now = process.hrtime.bigint();
    const s = schedule(3, now, 0);
    const la = new LookAhead(s.pull, s.prepare, { maxItems: 256, windowNs: null }, () => false);
    await la.fillUntil(now);
    expect(s.prepared).toEqual([]);
    expect(la.take()?.prepared).toBe('body 0');
    expect(la.take()?.prepared).toBe('body 1');
    expect(la.take()?.prepared).toBe('body 2');
    expect(la.take()).toBeNull();
  });

  it('fills up from loop turns of its own in the closed loop, and stops when the phase stops', async () => {
    const s = schedule(1000, 0n, 0);
    let stopped = false;
    const la = new LookAhead(s.pull, s.prepare, { maxItems: 40, windowNs: null }, () => stopped);
    la.fillInBackground();
    expect(s.prepared).toEqual([]); // not on the caller's turn
    await new Promise((r) => setTimeout(r, 20));
    expect(la.size).toBe(40);
    la.take();
    stopped = true;
    la.fillInBackground();
    await new Promise((r) => setTimeout(r, 20));
    expect(la.size).toBe(39);
  });
});

describe('SlotPool', () => {
  it('grants slots first come, first served, and refuses the waiters when closed', async () => {
    const pool = new SlotPool(1);
    expect(pool.tryTake()).toBe(true);
    const order: string[] = [];
    const a = pool.take().then((ok) => order.push(`a ${ok}`));
    const b = pool.take().then((ok) => order.push(`b ${ok}`));
    // A newcomer does not overtake the queue even when a slot is given back at that moment.
    expect(pool.tryTake()).toBe(false);
    pool.give();
    await a;
    expect(order).toEqual(['a true']);
    pool.close();
    await b;
    expect(order).toEqual(['a true', 'b false']);
    expect(await pool.take()).toBe(false);
  });

  it('has no ceiling without a capacity', () => {
    const pool = new SlotPool(null);
    expect(Array.from({ length: 1000 }, () => pool.tryTake()).every(Boolean)).toBe(true);
  });
});
