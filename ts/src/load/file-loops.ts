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
import { ceilingSlots, closedLoopRamp } from './ramp.js';

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
  // A concurrency ramp (docs/cli.md §3.4.1): a slot starts once its step of the ramp has come.
  const ramp = closedLoopRamp(ctx);
  const slot = async (): Promise<void> => {
    if (ramp !== null && !(await ramp.pool.take())) return;
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
      if (started === null) {
        // The work is over: slots still waiting for their step of a ramp have nothing to send.
        ramp?.pool.close();
        return;
      }
      lookAhead.fillInBackground();
      await runFileSession(ctx, source, started.session, started.sent, timing);
      freeNs = process.hrtime.bigint();
    }
  };
  try {
    await Promise.all(Array.from({ length: ctx.concurrency }, () => slot()));
  } finally {
    ramp?.dispose();
  }
}

export async function runFileRate(
  ctx: PhaseContext,
  source: TurnSource,
  sequence: SessionSequence,
  m: Extract<LoadMode, { kind: 'rate' }>,
): Promise<void> {
  const { s, w, W } = ctx;
  const rampMs = ctx.shaping.rateRampMs;
  const schedule = new ArrivalSchedule(m.rate, m.pattern, m.smoothness, ctx.options.seed, rampMs === null ? null : rampMs / 1000);
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
  const ceiling = ceilingSlots(ctx, m.concurrency);
  try {
    await runOpenLoopSessions(ctx, source, lookAhead, ceiling.pool, { laterDue: afterDelay(source), paced: false });
  } finally {
    ceiling.dispose();
  }
}
