// User-centric timing (docs/cli.md §3.4 mode 2) over the synthetic multi-turn sessions: U users, each
// sending one turn every g = U/λ seconds (later when its previous turn is still running), user i
// starting at i/λ in the middle of a session so that the mix is in steady state from the start.
//
// Choices the spec leaves open, fixed here:
// * User u's n-th session is session (u + n·U) mod S of the dataset, so users start on different
//   sessions and every session is used before one is used twice.
// * The virtual earlier turns of a user's first session carry their prompts and each entry's
//   synthetic reply (`Dataset.replies`, docs/cli.md §3.4) in the history; they are not sent.
// * The turn a user sends k-th (counting from 0) has request index q = u + k·U: at the nominal
//   pace it is sent at q/λ, so the indices follow the intended send order, `--request-count N`
//   sends the turns with q < N, and user u's turns belong to worker u mod W.
// * "Previous send" of the pacing rule is the previous turn's intended time, so a late send does
//   not push the user's later turns back.
// * A `--concurrency` ceiling counts requests in flight (each user has at most one).
import { randomUUID } from 'node:crypto';
import type { LoadMode } from '../config/profile-config.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { parseResponses } from '../metrics/response-parse.js';
import { modelFor } from './model-choice.js';
import type { PhaseContext } from './phase-context.js';
import { ceilingSlots } from './ramp.js';
import { type SyntheticPlans, sessionTurnPlan } from './synthetic-loops.js';
import type { HistoryTurn } from './turn-plan.js';

/** Turns user u sends under `--request-count N` (those with index u + k·U < N). */
function userTurns(u: number, users: number, count: number): number {
  return u < count ? Math.ceil((count - u) / users) : 0;
}

/** The turn a user of `turns`-turn first session starts at: a_i = floor(i·T_i/U) mod T_i. */
export function userStartTurn(u: number, users: number, turns: number): number {
  return Math.floor((u * turns) / users) % turns;
}

export async function runUserCentric(
  ctx: PhaseContext,
  plans: SyntheticPlans,
  mode: Extract<LoadMode, { kind: 'user-centric' }>,
  count: number | null,
): Promise<void> {
  const o = ctx.options;
  const { s, w, W } = ctx;
  const sessions = o.dataset.sessions;
  const replies = o.dataset.replies;
  if (!sessions || sessions.length === 0) throw new Error('user-centric mode needs synthetic multi-turn sessions');
  if (!replies) throw new Error('user-centric mode needs the synthetic replies of the dataset (build it with `replies`)');
  const U = mode.users;
  const gapNs = BigInt(Math.round((U / mode.rate) * 1e9));
  const ownUsers: number[] = [];
  for (let u = w; u < U; u += W) ownUsers.push(u);
  s.target = count === null ? null : ownUsers.reduce((n, u) => n + userTurns(u, U, count), 0);
  // The ceiling (opened step by step under a concurrency ramp, docs/cli.md §3.4.1).
  const ceiling = ceilingSlots(ctx, mode.concurrency);
  const slots = ceiling.pool;
  const unsubscribe = ctx.onStop(() => slots.close());

  const runUser = async (u: number): Promise<void> => {
    let dueNs = s.startNs + BigInt(Math.round((u / mode.rate) * 1e9));
    let sentTurns = 0;
    for (let n = 0; ; n++) {
      const sessionNum = u + n * U;
      const session = sessions[sessionNum % sessions.length]!;
      const startTurn = n === 0 ? userStartTurn(u, U, session.turns) : 0;
      const history: HistoryTurn[] = [];
      for (let t = 0; t < startTurn; t++) {
        const entry = plans.entryAt(session.firstTurn + t);
        history.push({ user: entry.text, assistant: replies[entry.index]! });
      }
      const correlationId = randomUUID();
      const model = modelFor(o, sessionNum);
      try {
        for (let t = startTurn; t < session.turns; t++) {
          const index = u + sentTurns * U;
          if (s.stopped || (count !== null && index >= count)) return;
          if (ctx.endNs !== null && dueNs >= ctx.endNs) return;
          // Built before waiting, in the gap after the previous response, not at the send instant.
          const entry = plans.entryAt(session.firstTurn + t);
          const plan = sessionTurnPlan(ctx, { index, sessionNum, session, turn: t, correlationId, model, history, entry });
          await ctx.waitUntil(dueNs);
          if (s.stopped) return;
          let waited = false;
          if (!slots.tryTake()) {
            waited = true;
            if (!(await slots.take())) return;
            s.waited += 1;
          }
          const scheduledNs = dueNs;
          let record: RawRequestRecord;
          try {
            record = await ctx.send(plan, scheduledNs, process.hrtime.bigint(), waited).record;
          } finally {
            slots.give();
          }
          sentTurns += 1;
          const doneNs = process.hrtime.bigint();
          dueNs = scheduledNs + gapNs > doneNs ? scheduledNs + gapNs : doneNs;
          // A failed turn ends the session (the next turn would lack its answer); the user goes on with a fresh one.
          if (record.error) break;
          history.push({ user: entry.text, assistant: parseResponses(record).outputText });
        }
      } finally {
        ctx.endSession(correlationId);
      }
    }
  };
  try {
    await Promise.all(ownUsers.map((u) => runUser(u)));
  } finally {
    unsubscribe();
    ceiling.dispose();
  }
}
