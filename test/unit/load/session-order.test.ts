// The order file sessions are sent in, which turns --request-count keeps and each turn's request
// index (ts/src/load/session-order.ts; docs/cli.md §3.3–3.4).
import { describe, expect, it } from 'vitest';
import { argsortKeys, FixedScheduleOrder, SessionSequence } from '../../../ts/src/load/session-order.js';
import { RandomStream } from '../../../ts/src/random/index.js';
import { fakeTurnSource } from '../../helpers/fake-turn-source.js';

/** The obvious argsort: by key, ties by index. */
function reference(keys: Float64Array): number[] {
  return Array.from(keys, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

describe('argsortKeys', () => {
  it('sorts by key with ties in index order, like a comparator sort', () => {
    const rnd = RandomStream.of(7n, 'test/argsort');
    // Many exact ties, quarter-millisecond steps (more than the 1 µs quantum apart), and negative keys.
    const keys = Float64Array.from({ length: 5000 }, () => rnd.below(800) / 4 - 20);
    expect(Array.from(argsortKeys(keys))).toEqual(reference(keys));
  });

  it('keeps keys a millisecond apart ordered over a ten-hour span', () => {
    const keys = Float64Array.from([36_000_000, 0, 17.5, 17, 36_000_000 - 1, 18]);
    expect(Array.from(argsortKeys(keys))).toEqual([1, 3, 2, 5, 4, 0]);
  });
});

describe('FixedScheduleOrder', () => {
  it('takes a timestamp-sorted single-turn file as it is, without an index', () => {
    const src = fakeTurnSource([{ timestampMs: 0 }, { timestampMs: 5 }, { timestampMs: 5 }, { timestampMs: 9 }]);
    const order = new FixedScheduleOrder(src, null);
    expect(order.order).toBeNull();
    expect([0, 1, 2, 3].map((p) => order.sessionAt(p))).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map((t) => order.rankOf(t))).toEqual([0, 1, 2, 3]);
    expect(order.count).toBe(4);
  });

  it('orders an unsorted file by first timestamp, ties in file order', () => {
    const src = fakeTurnSource([{ timestampMs: 30 }, { timestampMs: 10 }, { timestampMs: 20 }, { timestampMs: 10 }]);
    const order = new FixedScheduleOrder(src, null);
    expect([0, 1, 2, 3].map((p) => order.sessionAt(p))).toEqual([1, 3, 2, 0]);
    expect([0, 1, 2, 3].map((t) => order.rankOf(t))).toEqual([3, 0, 2, 1]);
  });

  it('ranks the turns of interleaved sessions by time, and --request-count keeps the first N of them', () => {
    // File order: A0 (0 ms), B0 (100), A1 (5000), B1 (6000); the source groups them A0 A1 B0 B1.
    const src = fakeTurnSource([
      { session: 'A', timestampMs: 0 },
      { session: 'B', timestampMs: 100 },
      { session: 'A', timestampMs: 5000 },
      { session: 'B', timestampMs: 6000 },
    ]);
    const all = new FixedScheduleOrder(src, null);
    expect([0, 1, 2, 3].map((t) => all.rankOf(t))).toEqual([0, 2, 1, 3]);
    const three = new FixedScheduleOrder(src, 3);
    expect([three.limitOf(0), three.limitOf(1)]).toEqual([2, 1]);
    const two = new FixedScheduleOrder(src, 2);
    expect([two.limitOf(0), two.limitOf(1)]).toEqual([1, 1]);
  });

  it('places a later turn by its delay after the previous one, and never before the previous turn', () => {
    const src = fakeTurnSource([
      { session: 'A', timestampMs: 0 },
      { session: 'A', delayMs: 50 }, // nominal 50
      { session: 'A', timestampMs: 10 }, // earlier than its predecessor: nominal 50, still after it
      { session: 'B', timestampMs: 30 },
    ]);
    const order = new FixedScheduleOrder(src, null);
    expect([0, 1, 2, 3].map((t) => order.rankOf(t))).toEqual([0, 2, 3, 1]);
    expect(new FixedScheduleOrder(src, 2).limitOf(0)).toBe(1);
  });

  it('splits the sessions by schedule position over workers, every kept turn once', () => {
    const rows = Array.from({ length: 11 }, (_, i) => ({ session: `s${i % 4}`, timestampMs: (i * 37) % 50 }));
    const order = new FixedScheduleOrder(fakeTurnSource(rows), 7);
    expect([0, 1, 2].map((w) => order.ownTurns(w, 3)).reduce((a, b) => a + b)).toBe(7);
    expect(order.ownTurns(0, 1)).toBe(7);
  });

  it('refuses a session whose first turn has no timestamp', () => {
    expect(() => new FixedScheduleOrder(fakeTurnSource([{ timestampMs: 0 }, { delayMs: 5 }]), null)).toThrow(/session 1 has no timestamp/);
  });
});

describe('SessionSequence', () => {
  // Sessions in file order: s0 = turns 0, 1; s1 = turn 2.
  const src = fakeTurnSource([{ session: 'x' }, { session: 'x' }, { session: 'y' }]);

  it('numbers turns in file order and replays the file again when the count asks for more', () => {
    const seq = new SessionSequence(src, null, 5);
    expect([0, 1, 2, 3].map((j) => seq.at(j))).toEqual([
      { j: 0, s: 0, base: 0, limit: 2 },
      { j: 1, s: 1, base: 2, limit: 1 },
      { j: 2, s: 0, base: 3, limit: 2 },
      null,
    ]);
  });

  it('cuts the session the count ends in after its first turns', () => {
    expect(new SessionSequence(src, null, 4).at(2)).toEqual({ j: 2, s: 0, base: 3, limit: 1 });
  });

  it('gives worker w the runs j ≡ w (mod W) and counts its turns', () => {
    const seq = new SessionSequence(src, null, 5);
    expect([seq.ownTurns(0, 2), seq.ownTurns(1, 2)]).toEqual([4, 1]);
    expect(new SessionSequence(src, null, null).ownTurns(0, 2)).toBeNull();
  });

  it('follows a given order (the fixed schedule’s, for warmup), numbering turns in it', () => {
    const seq = new SessionSequence(src, Uint32Array.from([1, 0]), null);
    expect([seq.at(0), seq.at(1), seq.at(2)]).toEqual([
      { j: 0, s: 1, base: 0, limit: 1 },
      { j: 1, s: 0, base: 1, limit: 2 },
      { j: 2, s: 1, base: 3, limit: 1 },
    ]);
  });
});
