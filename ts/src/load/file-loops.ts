// File sessions outside the fixed schedule (docs/cli.md §3.3–3.4): the closed loop (each of the
// `--concurrency` slots holds a session from its first turn until its last completed; warmup
// always runs this way) and the request rate (each arrival starts the next session). Sessions come
// from a SessionSequence; run j belongs to worker j mod W.
import type { LoadMode } from '../config/profile-config.js';
import type { TurnSource } from '../dataset/turn-source.js';
import { ArrivalSchedule } from './arrivals.js';
import { LOOK_AHEAD, LookAhead, type Upcoming } from './look-ahead.js';
import { runOpenLoopSessions } from './open-loop.js';
import type { PhaseContext } from './phase-context.js';
import { afterDelay, type FileSessionRun, prepareSession, runFileSession } from './session-runner.js';
import type { SessionRun, SessionSequence } from './session-order.js';
import { SlotPool } from './slot-pool.js';
import { workerShare } from './worker-share.js';

function fileRun(run: SessionRun): FileSessionRun {
  return { sessionNum: run.j, s: run.s, limit: run.limit, indexOf: (k) => run.base + k };
}

export async function runFileClosedLoop(ctx: PhaseContext, source: TurnSource, sequence: SessionSequence): Promise<void> {
  const { s, w, W } = ctx;
  let k = 0;
  const pull = (): Upcoming<FileSessionRun> | null => {
    const run = sequence.at(w + k * W);
    if (run === null) return null;
    k += 1;
    return { dueNs: null, value: fileRun(run) };
  };
  const lookAhead = new LookAhead(
    pull,
    (run: FileSessionRun) => prepareSession(ctx, source, run),
    { maxItems: LOOK_AHEAD.maxItems, windowNs: null },
    () => s.stopped,
  );
  const timing = { laterDue: afterDelay(source), paced: true };
  const slot = async (): Promise<void> => {
    let freeNs = process.hrtime.bigint();
    for (;;) {
      // Sent from the paced queue like every closed-loop send (a burst of freed slots is spread
      // over loop turns); the stop check runs there too, so a stop in between sends nothing.
      const started = await ctx.paced(() => {
        if (s.stopped) return null;
        const next = lookAhead.take();
        if (next === null) return null;
        return { session: next.prepared, sent: ctx.send(next.prepared.plan, freeNs, process.hrtime.bigint(), false) };
      });
      if (started === null) return;
      lookAhead.fillInBackground();
      await runFileSession(ctx, source, started.session, started.sent, timing);
      freeNs = process.hrtime.bigint();
    }
  };
  await Promise.all(Array.from({ length: ctx.concurrency }, () => slot()));
}

export async function runFileRate(
  ctx: PhaseContext,
  source: TurnSource,
  sequence: SessionSequence,
  m: Extract<LoadMode, { kind: 'rate' }>,
): Promise<void> {
  const { s, w, W } = ctx;
  const schedule = new ArrivalSchedule(m.rate, m.pattern, m.smoothness, ctx.options.seed);
  const pull = (): Upcoming<FileSessionRun> | null => {
    for (;;) {
      const { index, offsetNs } = schedule.next();
      const run = sequence.at(index);
      if (run === null) return null;
      if (index % W === w) return { dueNs: s.startNs + offsetNs, value: fileRun(run) };
    }
  };
  const lookAhead = new LookAhead(
    pull,
    (run: FileSessionRun) => prepareSession(ctx, source, run),
    LOOK_AHEAD,
    () => s.stopped,
  );
  const slots = new SlotPool(m.concurrency === null ? null : Math.max(1, workerShare(m.concurrency, w, W)));
  await runOpenLoopSessions(ctx, source, lookAhead, slots, { laterDue: afterDelay(source), paced: false });
}
