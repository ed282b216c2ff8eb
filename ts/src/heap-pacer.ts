// Paced full garbage collections for the threads of a long `profile` run that never stamp chunk
// arrivals (the report side on the main thread, the token-counting threads).
//
// Why: those threads allocate fast (every response's events are copied in, parsed and written
// out) while what they keep is small and flat. V8 sizes a heap by the allocation rate and the
// time its collector gets, not by what stays live, so on a busy machine the heaps kept growing:
// a million-request run at OSL 256 grew past 1 GB of RSS with some 60 MB live on the main thread.
// A full collection every few seconds (tens of ms for such a heap) resets V8's limits to what is
// live. Node offers no heap-size setting for a running main thread, hence `--expose-gc`, set here
// at run time; the collection runs only on the thread that asks.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null | undefined;

/** This thread's full collection, or null where it cannot be had. */
function fullCollection(): (() => void) | null {
  if (collector !== undefined) return collector;
  try {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') collector = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collector = runInNewContext('gc') as () => void;
    }
  } catch {
    collector = null;
  }
  return collector;
}

/** Collects at most once per `intervalMs`, when `tick` is called (after a unit of work). */
export class HeapPacer {
  private last = performance.now();

  constructor(private readonly intervalMs = 3000) {}

  tick(): void {
    const now = performance.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    fullCollection()?.();
  }
}
