// The display sample: bounded, deterministic, evenly spread (docs/cli.md §7: downsample for
// display only).
import { describe, expect, it } from 'vitest';
import { DisplaySample } from '../../../ts/src/plot/display-sample.js';

const sampleOf = (n: number, cap: number): number[] => {
  const s = new DisplaySample<number>(cap);
  for (let i = 0; i < n; i++) s.offer(() => i);
  return [...s.items()];
};

describe('DisplaySample', () => {
  it('keeps everything while the stream fits', () => {
    expect(sampleOf(100, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('holds between cap/2 and cap items for any longer stream', () => {
    for (const n of [101, 1000, 5001, 123_457]) {
      const items = sampleOf(n, 100);
      expect(items.length).toBeLessThanOrEqual(100);
      expect(items.length).toBeGreaterThanOrEqual(50);
    }
  });

  it('keeps items at one even stride from the first, so the whole stream is covered', () => {
    const items = sampleOf(10_000, 100);
    const stride = items[1]! - items[0]!;
    expect(items[0]).toBe(0);
    expect(items.every((v, i) => v === i * stride)).toBe(true);
    expect(items.at(-1)!).toBeGreaterThan(10_000 - 2 * stride);
  });

  it('is deterministic', () => {
    expect(sampleOf(54_321, 500)).toEqual(sampleOf(54_321, 500));
  });

  it('builds only the items it keeps', () => {
    const s = new DisplaySample<number>(10);
    let built = 0;
    for (let i = 0; i < 10_000; i++)
      s.offer(() => {
        built++;
        return i;
      });
    expect(built).toBeLessThan(100);
    expect(s.offered).toBe(10_000);
  });
});
