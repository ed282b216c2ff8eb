// Issue 16 defect 4: a user-given duration beyond 2^31 − 1 ms fired at once (TimeoutOverflowWarning).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearLongTimeout, MAX_TIMER_MS, setLongTimeout } from '../../ts/src/long-timeout.js';

const DAY_MS = 86_400_000;

describe('setLongTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a short delay like setTimeout', () => {
    const fn = vi.fn();
    setLongTimeout(fn, 50);
    vi.advanceTimersByTime(49);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('waits the whole of a delay longer than one Node timer (60 days), then fires once', () => {
    const fn = vi.fn();
    setLongTimeout(fn, 60 * DAY_MS);
    vi.advanceTimersByTime(1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60 * DAY_MS - MAX_TIMER_MS - 2);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100 * DAY_MS);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('never arms a Node timer beyond 2^31 − 1 ms', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    setLongTimeout(() => undefined, 1e12);
    for (const call of spy.mock.calls) expect(call[1]).toBeLessThanOrEqual(MAX_TIMER_MS);
    spy.mockRestore();
  });

  it('can be cleared in a later link of the chain', () => {
    const fn = vi.fn();
    const t = setLongTimeout(fn, 3 * MAX_TIMER_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    clearLongTimeout(t);
    vi.advanceTimersByTime(5 * MAX_TIMER_MS);
    expect(fn).not.toHaveBeenCalled();
  });

  it('treats a negative or NaN delay as 0, and never fires an infinite one', () => {
    const now = vi.fn();
    const never = vi.fn();
    setLongTimeout(now, -5);
    setLongTimeout(now, Number.NaN);
    setLongTimeout(never, Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(1);
    expect(now).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(10 * MAX_TIMER_MS);
    expect(never).not.toHaveBeenCalled();
  });
});
