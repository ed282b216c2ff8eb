import { describe, expect, it } from 'vitest';
import { monoNow, sinceNs } from '../../../ts/src/metrics/clock.js';

describe('sinceNs', () => {
  it('is 0 for a start still ahead (announced early), and the time since it once passed', () => {
    expect(sinceNs(monoNow() + 1_000_000_000n)).toBe(0n);
    expect(sinceNs(monoNow() - 2_000_000_000n)).toBeGreaterThanOrEqual(2_000_000_000n);
  });
});
