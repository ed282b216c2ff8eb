// Issue 16 defect 4: serve-mock's latencies (`--ttft 3e9`) go through the real clock, whose timers
// fired at once beyond 2^31 − 1 ms.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { realClock } from '../../../ts/src/server/job.js';

describe('realClock', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits a TTFT of 3e9 ms in full instead of firing at once', () => {
    const fire = vi.fn();
    realClock.setTimeout(fire, 3e9);
    vi.advanceTimersByTime(2 ** 31);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(3e9 - 2 ** 31);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('clears a long timer', () => {
    const fire = vi.fn();
    const t = realClock.setTimeout(fire, 3e9);
    realClock.clearTimeout(t);
    vi.advanceTimersByTime(4e9);
    expect(fire).not.toHaveBeenCalled();
  });
});
