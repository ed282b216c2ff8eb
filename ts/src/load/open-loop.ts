// The open-loop dispatch of file sessions (fixed schedule, request rate over a file): each session's
// first turn is sent at its intended time whatever is in flight, from bodies the look-ahead built
// beforehand; a `--concurrency` ceiling makes a due session wait for a slot, first come first
// served, with its intended time kept, so the wait shows as schedule lag (docs/cli.md §3.4).
import type { TurnSource } from '../dataset/turn-source.js';
import type { LookAhead } from './look-ahead.js';
import { nextLoopTurn, type PhaseContext, SEND_SLICE_NS } from './phase-context.js';
import { type FileSessionRun, type PreparedSession, runFileSession, type SessionTiming } from './session-runner.js';
import type { SlotPool } from './slot-pool.js';

/**
 * How long before a send instant the look-ahead stops preparing (besides its own estimate of one
 * preparation): waitUntil then polls the last stretch, so the send leaves on time.
 */
const PREPARE_MARGIN_NS = 1_000_000n;

export async function runOpenLoopSessions(
  ctx: PhaseContext,
  source: TurnSource,
  lookAhead: LookAhead<FileSessionRun, PreparedSession>,
  slots: SlotPool,
  timing: SessionTiming,
): Promise<void> {
  const { s } = ctx;
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  const unsubscribe = ctx.onStop(() => slots.close());
  let yieldedNs = process.hrtime.bigint();
  try {
    while (failure === null) {
      const head = lookAhead.peek();
      if (head === null) break;
      const due = head.item.dueNs!;
      if (ctx.endNs !== null && due >= ctx.endNs) break;
      if (due > process.hrtime.bigint()) {
        await lookAhead.fillUntil(due - PREPARE_MARGIN_NS);
        await ctx.waitUntil(due);
        yieldedNs = process.hrtime.bigint();
      }
      if (s.stopped) break;
      lookAhead.take();
      let waited = false;
      if (!slots.tryTake()) {
        waited = true;
        lookAhead.fillInBackground();
        if (!(await slots.take())) break;
        s.waited += 1;
      }
      const sent = ctx.send(head.prepared.plan, due, process.hrtime.bigint(), waited);
      const session = runFileSession(ctx, source, head.prepared, sent, timing).then(
        () => {
          slots.give();
          running.delete(session);
        },
        (error: unknown) => {
          slots.give();
          running.delete(session);
          failure ??= { error };
        },
      );
      running.add(session);
      // Rows due at one instant go out back to back, but a long burst yields to I/O now and then
      // so that the chunks of the streams already running are stamped on time.
      if (process.hrtime.bigint() - yieldedNs >= SEND_SLICE_NS) {
        await nextLoopTurn();
        yieldedNs = process.hrtime.bigint();
      }
    }
  } finally {
    unsubscribe();
  }
  await Promise.all(running);
  if (failure !== null) throw (failure as { error: unknown }).error;
}
