// The schedules of the synthetic dataset (docs/cli.md §3.3–3.4): the closed loop, the open-loop
// request rate, and closed-loop multi-turn sessions.
import { randomUUID } from 'node:crypto';
import type { LoadMode } from '../config/profile-config.js';
import { type DatasetEntry, RequestOrder, type SyntheticSession } from '../dataset/synthetic.js';
import { parseResponses } from '../metrics/response-parse.js';
import { ArrivalSchedule } from './arrivals.js';
import type { EngineOptions } from './engine.js';
import type { PhaseContext } from './phase-context.js';
import { modelFor, modelIndexFor } from './model-choice.js';
import { ceilingSlots, closedLoopRamp } from './ramp.js';
import { buildBody, buildTurnBody } from './request-builder.js';
import { retrievalTurnPlan } from './retrieval-plans.js';
import { isRetrievalType } from '../config/retrieval-config.js';
import type { HistoryTurn, TurnPlan } from './turn-plan.js';
import { workerShare } from './worker-share.js';

/** The synthetic dataset's requests: entries in the seeded order, and their bodies built once. */
export class SyntheticPlans {
  private readonly order: RequestOrder;
  /**
   * Request bodies are identical for the same (entry, model): build and serialise each once, so
   * a burst of sends costs a header object and a dispatch, not a JSON.stringify of the prompt.
   */
  private readonly bodies = new Map<number, { body: Record<string, unknown>; json: string }>();
  /** The same for embeddings and rankings requests of one entry (./retrieval-plans.ts). */
  private readonly retrievalBodies = new Map<string, { body: Record<string, unknown>; json: string }>();

  constructor(private readonly options: EngineOptions) {
    this.order = new RequestOrder(options.dataset.entries.length, options.seed);
  }

  /** The entry of position `k` of the seeded order (docs/cli.md §3.3). */
  entryAt(k: number): DatasetEntry {
    return this.options.dataset.entries[this.order.entryFor(k)]!;
  }

  /** The single-turn plan of request `index`: entry from the shuffled order, cached body. */
  singleTurn(index: number): TurnPlan {
    const o = this.options;
    const modelIndex = modelIndexFor(o, index);
    const model = o.models[modelIndex]!;
    const type = o.endpoint.type;
    if (isRetrievalType(type)) return retrievalTurnPlan(o, type, index, model, (k) => this.entryAt(k), randomUUID(), this.retrievalBodies);
    const entry = this.entryAt(index);
    const bodyKey = entry.index * o.models.length + modelIndex;
    let cached = this.bodies.get(bodyKey);
    if (!cached) {
      const built = buildBody(o.endpoint, model, { system: o.dataset.systemPrompt, user: entry.text }, entry.requestedOsl);
      cached = { body: built, json: JSON.stringify(built) };
      this.bodies.set(bodyKey, cached);
    }
    return {
      index,
      sessionNum: index,
      turnIndex: 0,
      lastTurn: true,
      conversationId: `synthetic_${entry.index}`,
      correlationId: randomUUID(),
      model,
      body: cached.body,
      json: cached.json,
      streaming: o.endpoint.streaming,
      clientIsl: entry.clientIsl,
      requestedIsl: entry.requestedIsl,
      requestedOsl: entry.requestedOsl,
      traceLine: null,
      materialised: false,
      historyChars: 0,
    };
  }
}

/** Closed loop: `ctx.concurrency` slots, each sending the next request as soon as its previous one finished. */
export async function runClosedLoop(ctx: PhaseContext, plans: SyntheticPlans, count: number | null): Promise<void> {
  const { s, w, W } = ctx;
  let j = 0;
  // A concurrency ramp (docs/cli.md §3.4.1): a slot sends once its step of the ramp has come.
  const ramp = closedLoopRamp(ctx);
  const take = (): number | null => {
    if (s.stopped) return null;
    const i = w + j * W;
    if (count !== null && i >= count) {
      ramp?.pool.close();
      return null;
    }
    j += 1;
    return i;
  };
  const slot = async (): Promise<void> => {
    if (ramp !== null && !(await ramp.pool.take())) return;
    let freeNs = process.hrtime.bigint();
    for (;;) {
      // The send itself runs from the paced send queue (see PhaseContext.paced); `take` is evaluated
      // there too, so a stop between queueing and sending sends nothing.
      const ex = await ctx.paced(() => {
        const i = take();
        return i === null ? null : ctx.send(plans.singleTurn(i), freeNs, process.hrtime.bigint(), false);
      });
      if (ex === null) return;
      await ex.result;
      freeNs = process.hrtime.bigint();
    }
  };
  try {
    await Promise.all(Array.from({ length: ctx.concurrency }, () => slot()));
  } finally {
    ramp?.dispose();
  }
}

/**
 * Synthetic multi-turn sessions, closed loop: each slot holds a session from its first turn
 * until its last turn completed (docs/cli.md §3.3); turns run sequentially after their think time,
 * each carrying the whole history with the responses actually received. `count` counts turns.
 * Sessions go to worker `session index mod W`; a failed turn ends its session (its history
 * would be missing a response).
 */
export async function runSyntheticSessions(
  ctx: PhaseContext,
  plans: SyntheticPlans,
  count: number | null,
  sessionCount: number | null = null,
): Promise<void> {
  const o = ctx.options;
  const { s, w, W } = ctx;
  const sessions = o.dataset.sessions!;
  let budget = count === null ? Infinity : workerShare(count, w, W);
  let k = 0;
  let j = 0;
  const ramp = closedLoopRamp(ctx);
  // `--num-warmup-sessions`: sessions w, w + W, … below the count are this worker's.
  const moreSessions = (): boolean => sessionCount === null || w + j * W < sessionCount;
  const slot = async (): Promise<void> => {
    if (ramp !== null && !(await ramp.pool.take())) return;
    let readyNs = process.hrtime.bigint();
    while (!s.stopped && budget > 0 && moreSessions()) {
      const sessionNum = w + j * W;
      j += 1;
      const session = sessions[sessionNum % sessions.length]!;
      const correlationId = randomUUID();
      const model = modelFor(o, sessionNum);
      const history: HistoryTurn[] = [];
      try {
        for (let t = 0; t < session.turns; t++) {
          if (s.stopped || budget <= 0) return;
          const delay = session.delaysMs[t] ?? 0;
          if (t > 0 && delay > 0) {
            await ctx.waitUntil(process.hrtime.bigint() + BigInt(Math.round(delay * 1e6)));
            // Another slot may have spent the budget while this one was thinking.
            if (s.stopped || budget <= 0) return;
            readyNs = process.hrtime.bigint();
          }
          budget -= 1;
          const index = w + k * W;
          k += 1;
          const entry = plans.entryAt(session.firstTurn + t);
          const plan = sessionTurnPlan(ctx, { index, sessionNum, session, turn: t, correlationId, model, history, entry });
          const ready = readyNs;
          const record = await (await ctx.paced(() => ctx.send(plan, ready, process.hrtime.bigint(), false))).record;
          readyNs = process.hrtime.bigint();
          if (record.error) break;
          history.push({ user: entry.text, assistant: parseResponses(record).outputText });
        }
      } finally {
        // A session cut short (failed turn, phase stopped) keeps no sticky connection open.
        ctx.endSession(correlationId);
      }
    }
    // The work is over: slots still waiting for their step of a ramp have nothing to send.
    ramp?.pool.close();
  };
  try {
    await Promise.all(Array.from({ length: ctx.concurrency }, () => slot()));
  } finally {
    ramp?.dispose();
  }
}

/**
 * Open-loop request rate (docs/cli.md §3.4 mode 3): arrival i at its drawn offset, sent by worker
 * i mod W; a `--concurrency` ceiling counts requests in flight and holds a due request until one
 * completes (FIFO), so its schedule lag grows instead of the schedule shifting.
 */
/** What a synthetic session's turn is: its place in the phase, its session, and its history so far. */
export interface SessionTurn {
  /** Global request index within the phase. */
  index: number;
  sessionNum: number;
  session: SyntheticSession;
  turn: number;
  correlationId: string;
  model: string;
  /** The turns before this one (sent, or virtual in user-centric mode), with their replies. */
  history: readonly HistoryTurn[];
  entry: DatasetEntry;
}

/**
 * The plan of one turn of a synthetic session (closed-loop sessions and user-centric users): the
 * body carries the history; a turn with history has no client ISL yet, since its length is only
 * known once the replies are in (the record processor counts it, off the timing path).
 */
export function sessionTurnPlan(ctx: PhaseContext, t: SessionTurn): TurnPlan {
  const o = ctx.options;
  const body = buildTurnBody(o.endpoint, t.model, o.dataset.systemPrompt, t.history, t.entry.text, t.entry.requestedOsl);
  return {
    index: t.index,
    sessionNum: t.sessionNum,
    turnIndex: t.turn,
    lastTurn: t.turn === t.session.turns - 1,
    conversationId: `synthetic_session_${t.session.index}`,
    correlationId: t.correlationId,
    model: t.model,
    body,
    json: JSON.stringify(body),
    streaming: o.endpoint.streaming,
    clientIsl: t.history.length === 0 ? t.entry.clientIsl : null,
    requestedIsl: t.entry.requestedIsl,
    requestedOsl: t.entry.requestedOsl,
    traceLine: null,
    materialised: false,
    historyChars: 0,
  };
}

export async function runRateLoop(
  ctx: PhaseContext,
  plans: SyntheticPlans,
  m: Extract<LoadMode, { kind: 'rate' }>,
  count: number | null,
): Promise<void> {
  const { s, w, W } = ctx;
  const rampMs = ctx.shaping.rateRampMs;
  const schedule = new ArrivalSchedule(m.rate, m.pattern, m.smoothness, ctx.options.seed, rampMs === null ? null : rampMs / 1000);
  // The ceiling's slots (opened step by step under a concurrency ramp, docs/cli.md §3.4.1).
  const ceiling = ceilingSlots(ctx, m.concurrency);
  const unsubscribe = ctx.onStop(() => ceiling.pool.close());
  try {
    for (;;) {
      const { index, offsetNs } = schedule.next();
      if (count !== null && index >= count) return;
      if (index % W !== w) continue;
      const due = s.startNs + offsetNs;
      if (ctx.endNs !== null && due >= ctx.endNs) return;
      await ctx.waitUntil(due);
      if (s.stopped) return;
      let waited = false;
      if (!ceiling.pool.tryTake()) {
        // FIFO: a late send is never skipped; its schedule lag grows instead (docs/cli.md §3.4).
        waited = true;
        if (!(await ceiling.pool.take())) return;
        s.waited += 1;
      }
      const sent = ctx.send(plans.singleTurn(index), due, process.hrtime.bigint(), waited);
      void sent.result.then(() => ceiling.pool.give());
    }
  } finally {
    unsubscribe();
    ceiling.dispose();
  }
}
