// One session of a file dataset (docs/cli.md §3.3): its turns one at a time, in order, each later
// turn carrying the history with the responses actually received and sent when its timing says.
// A row without `session_id` is a session of one turn, so single-turn files run through here too.
import { randomUUID } from 'node:crypto';
import type { TurnContent, TurnSource } from '../dataset/turn-source.js';
import { parseResponses } from '../metrics/response-parse.js';
import { modelFor } from './model-choice.js';
import { nextLoopTurn, type PhaseContext, type SentRequest } from './phase-context.js';
import { type HistoryTurn, type PlanIdentity, planFileTurn, type TurnPlan } from './turn-plan.js';

/** Which session is run, and how its turns are numbered. */
export interface FileSessionRun {
  /** The run's number: URL and model round-robin, `session_num` of its records. */
  sessionNum: number;
  /** The file session. */
  s: number;
  /** Turns of it that are sent (its first ones). */
  limit: number;
  /** Request index of its turn k. */
  indexOf(k: number): number;
}

/** A session whose first request is built (the look-ahead prepares these ahead of their send time). */
export interface PreparedSession {
  run: FileSessionRun;
  /** Who sends the session's turns (turn 0's values; later turns change index, turnIndex and lastTurn). */
  identity: PlanIdentity;
  plan: TurnPlan;
  /** The first turn's text, for the next turn's history (null for a verbatim row). */
  text: string | null;
}

/** When later turn `t` (global turn index) is due, given the instant the previous turn completed. */
export type LaterTurnDue = (t: number, previousDoneNs: bigint) => bigint;

export interface SessionTiming {
  laterDue: LaterTurnDue;
  /** Send later turns through the paced send queue (closed loop) rather than at their instant (open loop). */
  paced: boolean;
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

/** Outside the fixed schedule: `delay` ms after the previous turn completed, else at once (docs/cli.md §3.3). */
export function afterDelay(source: Pick<TurnSource, 'delayMs'>): LaterTurnDue {
  return (t, doneNs) => {
    const delay = source.delayMs[t]!;
    return Number.isNaN(delay) || delay <= 0 ? doneNs : doneNs + msToNs(delay);
  };
}

/**
 * Fixed schedule (docs/cli.md §3.4 mode 1): at the turn's timestamp, but never before the previous
 * turn completed; a turn without one as `afterDelay`. The intended time is the later of the two,
 * so a slow response delays the turn without showing as client schedule lag.
 */
export function atTimestamp(source: Pick<TurnSource, 'delayMs' | 'timestampMs'>, phaseStartNs: bigint, zeroMs: number): LaterTurnDue {
  const delayed = afterDelay(source);
  return (t, doneNs) => {
    const ts = source.timestampMs[t]!;
    if (Number.isNaN(ts)) return delayed(t, doneNs);
    const at = phaseStartNs + msToNs(ts - zeroMs);
    // biome-ignore lint/complexity/useMathMinMax: bigints have no Math.max
    return at > doneNs ? at : doneNs;
  };
}

/** Build a session's first request: the look-ahead calls this ahead of the send time. */
export function prepareSession(ctx: PhaseContext, source: TurnSource, run: FileSessionRun): PreparedSession {
  const o = ctx.options;
  const content = source.turn(source.sessionStart[run.s]!);
  const identity: PlanIdentity = {
    index: run.indexOf(0),
    sessionNum: run.sessionNum,
    turnIndex: 0,
    lastTurn: run.limit <= 1,
    conversationId: source.sessionName(run.s),
    correlationId: randomUUID(),
    model: modelFor(o, run.sessionNum),
  };
  return { run, identity, plan: planFileTurn(o.endpoint, identity, content, []), text: content.text };
}

/**
 * Run a session whose first request `first` was just sent: its later turns one at a time, until
 * its last turn sent completed, a turn failed (the next one would lack its answer) or the phase
 * stopped. Resolves when the session is over; the caller's slot is held until then.
 */
export async function runFileSession(
  ctx: PhaseContext,
  source: TurnSource,
  session: PreparedSession,
  first: SentRequest,
  timing: SessionTiming,
): Promise<void> {
  const { run, identity } = session;
  const firstTurn = source.sessionStart[run.s]!;
  const history: HistoryTurn[] = [];
  let text = session.text;
  let sent = first;
  try {
    for (let k = 0; ; k++) {
      const last = k + 1 >= run.limit;
      // The next turn's content does not depend on this response: materialise it while the
      // response streams, a loop turn after the send so that a burst of sends is not held up.
      const next: Promise<TurnContent> | null = last ? null : nextLoopTurn().then(() => source.turn(firstTurn + k + 1));
      // Handled here so that a failure while the response streams is not an unhandled rejection;
      // awaiting `next` below still throws it.
      next?.catch(() => undefined);
      const record = await sent.record;
      const doneNs = process.hrtime.bigint();
      if (last || record.error !== null || ctx.s.stopped) return;
      const content = await next!;
      if (text !== null) history.push({ user: text, assistant: parseResponses(record).outputText });
      const id = { ...identity, index: run.indexOf(k + 1), turnIndex: k + 1, lastTurn: k + 2 >= run.limit };
      // Built before waiting for its time, so the send instant costs only the send.
      const plan = planFileTurn(ctx.options.endpoint, id, content, history);
      text = content.text;
      const scheduledNs = timing.laterDue(firstTurn + k + 1, doneNs);
      await ctx.waitUntil(scheduledNs);
      if (ctx.s.stopped) return;
      const out = timing.paced
        ? await ctx.paced(() => (ctx.s.stopped ? null : ctx.send(plan, scheduledNs, process.hrtime.bigint(), false)))
        : ctx.send(plan, scheduledNs, process.hrtime.bigint(), false);
      if (out === null) return;
      sent = out;
    }
  } finally {
    // A session over (or cut short) keeps no sticky connection open.
    ctx.endSession(identity.correlationId);
  }
}
