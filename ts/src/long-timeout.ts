// Timers for user-given durations of any length. Node fires a setTimeout longer than 2^31 − 1 ms
// after 1 ms (with a TimeoutOverflowWarning), so a `--request-cancellation-delay 3000000` or a
// serve-mock `--ttft 3e9` once fired at once. A long wait is a chain of timers of at most that length.

/** The longest delay one Node timer keeps (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A running long timer; pass it to {@link clearLongTimeout}. */
export interface LongTimeout {
  /** The Node timer of the current link of the chain. */
  timer: NodeJS.Timeout;
  /** Whether the timer keeps the process alive (every link inherits it). */
  ref: boolean;
  cleared: boolean;
}

/**
 * Call `fn` after `delayMs` milliseconds, however long (a non-finite or negative delay counts as 0,
 * as with setTimeout; `Infinity` never fires). Each link is at most {@link MAX_TIMER_MS}.
 */
export function setLongTimeout(fn: () => void, delayMs: number, options: { ref?: boolean } = {}): LongTimeout {
  const handle: LongTimeout = { timer: undefined as unknown as NodeJS.Timeout, ref: options.ref !== false, cleared: false };
  const arm = (remaining: number): void => {
    const link = Math.min(remaining, MAX_TIMER_MS);
    handle.timer = setTimeout(() => {
      if (handle.cleared) return;
      const left = remaining - link;
      if (left > 0) arm(left);
      else fn();
    }, link);
    if (!handle.ref) handle.timer.unref();
  };
  // `Infinity` is a wait that never ends: one link after another, for as long as the process runs.
  arm(Number.isNaN(delayMs) ? 0 : Math.max(delayMs, 0));
  return handle;
}

/** Stop `handle` (null and cleared timers are ignored). */
export function clearLongTimeout(handle: LongTimeout | null | undefined): void {
  if (!handle || handle.cleared) return;
  handle.cleared = true;
  clearTimeout(handle.timer);
}
