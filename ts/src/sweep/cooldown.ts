// The pause between the runs of a sweep or of repeated runs (`--cooldown-seconds`,
// `--profile-run-cooldown-seconds`): Ctrl-C ends it at once.
import { clearLongTimeout, setLongTimeout } from '../long-timeout.js';

/** Wait `ms`, or less when `signal` aborts. */
export function cooldown(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearLongTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setLongTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
