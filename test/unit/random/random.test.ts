import { describe, expect, it } from 'vitest';
import { RandomStream, fnv1a64, fnv1a64Reference } from '../../../ts/src/random/index.js';

describe('docs/synthesis.md §2.3 test vectors', () => {
  it('SplitMix64 with state 0 gives the first three published draws', () => {
    const s = RandomStream.fromState(0n);
    expect([s.next(), s.next(), s.next()]).toEqual([0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn]);
  });
  it('FNV1A64 of "", "a" and the root label', () => {
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n);
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('infermark/synthesis/root')).toBe(0x185ee0c7d7d4334cn);
  });
  it('the fast FNV agrees with the BigInt reference on varied input', () => {
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    for (const len of [1, 2, 3, 17, 255, 1000, 4096]) {
      expect(fnv1a64(bytes.subarray(0, len))).toBe(fnv1a64Reference(bytes.subarray(0, len)));
    }
    expect(fnv1a64('héllo wörld ✓')).toBe(fnv1a64Reference('héllo wörld ✓'));
  });
  it('stream(0, root): next, unit and below(3)', () => {
    const a = RandomStream.of(0n, 'infermark/synthesis/root');
    expect([a.next(), a.next()]).toEqual([0xe8a0b15acf3feb01n, 0x063e5bd09e71d451n]);
    const b = RandomStream.of(0n, 'infermark/synthesis/root');
    expect(b.unit()).toBe(0.9087019774153756);
    expect(b.unit()).toBe(0.024389017517427947);
    const c = RandomStream.of(0n, 'infermark/synthesis/root');
    expect(Array.from({ length: 8 }, () => c.below(3))).toEqual([1, 1, 0, 0, 0, 0, 1, 2]);
    const d = RandomStream.of(1n, 'infermark/synthesis/root');
    expect(Array.from({ length: 8 }, () => d.below(3))).toEqual([2, 2, 2, 2, 2, 0, 1, 2]);
  });
  it('keyed streams: state after keys and below(1000000)', () => {
    const cases: [bigint, bigint, bigint, bigint, number][] = [
      [0n, 0n, 46n, 0x604cd84b005e9641n, 208735],
      [0n, 0n, 47n, 0x2d99023e4c6c7004n, 402186],
      [42n, 0x1234n, 46n, 0xca878a817a6536aen, 661126],
    ];
    for (const [seed, scope, id, state, draw] of cases) {
      const s = RandomStream.of(seed, 'infermark/prompt/block', scope, id);
      expect(s.currentState).toBe(state);
      expect(s.below(1000000)).toBe(draw);
    }
  });
  it('below(1) consumes exactly one draw and returns 0', () => {
    const a = RandomStream.of(7n, 'x');
    const b = RandomStream.of(7n, 'x');
    expect(a.below(1)).toBe(0);
    b.next();
    expect(a.next()).toBe(b.next());
  });
  it('below accepts bigint bounds and rejects n < 1', () => {
    const s = RandomStream.of(0n, 'infermark/synthesis/root');
    expect(s.below(3n)).toBe(1);
    expect(() => s.below(0)).toThrow(RangeError);
  });
});
