// Fixed-schedule replay (docs/cli.md §3.4 mode 1): a session's first turn at
// `phase_start + (timestamp − zero)`, later turns at their timestamp (never before the previous
// turn completed), else after their delay, else at once. Sessions at schedule positions
// p ≡ w (mod W) belong to worker w, so splitting across workers changes no send time.
import type { LoadMode } from '../config/profile-config.js';
import type { TurnSource } from '../dataset/turn-source.js';
import { LOOK_AHEAD, LookAhead, type Upcoming } from './look-ahead.js';
import { runOpenLoopSessions } from './open-loop.js';
import type { PhaseContext } from './phase-context.js';
import { atTimestamp, type FileSessionRun, msToNs, prepareSession } from './session-runner.js';
import type { FixedScheduleOrder } from './session-order.js';
import { ceilingSlots } from './ramp.js';

export async function runFixedSchedule(
  ctx: PhaseContext,
  source: TurnSource,
  order: FixedScheduleOrder,
  mode: Extract<LoadMode, { kind: 'fixed-schedule' }>,
  zeroMs: number,
): Promise<void> {
  const { s, w, W } = ctx;
  let p = w;
  const pull = (): Upcoming<FileSessionRun> | null => {
    while (p < order.sessions) {
      const position = p;
      p += W;
      const session = order.sessionAt(position);
      const limit = order.limitOf(session);
      if (limit === 0) continue;
      const first = source.sessionStart[session]!;
      return {
        dueNs: s.startNs + msToNs(source.timestampMs[first]! - zeroMs),
        value: { sessionNum: position, s: session, limit, indexOf: (k) => order.rankOf(first + k) },
      };
    }
    return null;
  };
  const lookAhead = new LookAhead(
    pull,
    (run: FileSessionRun) => prepareSession(ctx, source, run),
    LOOK_AHEAD,
    () => s.stopped,
  );
  // The ceiling (opened step by step under a concurrency ramp, docs/cli.md §3.4.1).
  const ceiling = ceilingSlots(ctx, mode.concurrency);
  try {
    await runOpenLoopSessions(ctx, source, lookAhead, ceiling.pool, { laterDue: atTimestamp(source, s.startNs, zeroMs), paced: false });
  } finally {
    ceiling.dispose();
  }
}
