// The load engine of one event loop: schedules requests (closed loop or open-loop rate), sends
// them through undici, and emits one RawRequestRecord per request. Reporters subscribe.
//
// Events (STYLE rule 9):
//   'start'    ({phase, startNs})                     a phase began
//   'progress' (EngineProgress)                       every 250 ms while running
//   'record'   (RawRequestRecord)                     every finished request, success or failure
//   'error'    (RawRequestRecord)                     additionally, for each failed request
//   'done'     (EngineSummary)                        the run is over (no more records follow)
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { PROFILE_DEFAULTS, type ConnectionReuseStrategy } from '../config/defaults.js';
import type { LoadMode } from '../config/profile-config.js';
import type { Dataset } from '../dataset/synthetic.js';
import { RequestOrder } from '../dataset/synthetic.js';
import { RandomStream } from '../random/index.js';
import { ArrivalSchedule } from './arrivals.js';
import type { EventLoopSamples, LoadThreads } from '../metrics/client-health.js';
import { LoopSampler } from './health-sampler.js';
import { Connections } from './connections.js';
import { Exchange, type AbortKind } from './http-client.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { parseResponses } from '../metrics/response-parse.js';
import { buildBody, buildHeaders, buildTurnBody, type EndpointSettings } from './request-builder.js';

export type Phase = 'warmup' | 'profiling';

export interface EngineOptions {
  endpoint: EndpointSettings;
  models: string[];
  /** Normalised base URLs (scheme://host:port[/prefix]); round-robin per session. */
  urls: string[];
  timeoutMs: number;
  dataset: Dataset;
  seed: bigint;
  mode: LoadMode;
  /** Profiling stop conditions (global, across workers). */
  requestCount: number | null;
  benchmarkDurationMs: number | null;
  /** `Infinity` waits for every in-flight request. */
  gracePeriodMs: number;
  warmupRequestCount: number;
  warmupDurationMs: number | null;
  cancellationRate: number | null;
  cancellationDelayMs: number;
  failedRequestThreshold: number | null;
  /** How long in-flight requests may finish after an interrupt or threshold abort. */
  interruptGraceMs: number;
  workerIndex?: number;
  workerCount?: number;
  /** `--connection-reuse-strategy` (ts/src/load/connections.ts); default PROFILE_DEFAULTS.connectionReuseStrategy. */
  connectionReuse?: ConnectionReuseStrategy;
  /**
   * Called when this engine finished its warmup; resolves with the monotonic instant at which
   * the profiling phase starts. A multi-worker coordinator uses it to start every worker's
   * schedule at the same instant.
   */
  beforeProfiling?: () => Promise<bigint>;
  /** Offset of this event loop's clock to the coordinator's (0 for threads of one process). */
  clockOffsetNs?: bigint;
  /** Also sample process CPU during profiling (the coordinator's loop does; workers do not). */
  sampleCpu?: boolean;
}

export interface EngineProgress {
  phase: Phase;
  sent: number;
  completed: number;
  errors: number;
  inFlight: number;
  /** Target request count of the phase, when known. */
  target: number | null;
  elapsedNs: bigint;
}

export type StopReason = 'completed' | 'interrupted' | 'threshold';

export interface EngineSummary {
  reason: StopReason;
  profilingStartNs: bigint | null;
  profilingEndNs: bigint;
  sent: number;
  completed: number;
  errors: number;
  /** Profiling requests that waited for a concurrency slot (open-loop modes). */
  waitedForSlot: number;
  /** This loop's health over the profiling phase (null if profiling never started). */
  health: { loop: EventLoopSamples; cpuPercent: number[] } | null;
  /** With `--workers`: each worker thread's loop over the profiling phase (`health` is then the coordinator's). */
  workerLoops?: EventLoopSamples[];
  /** Where the engine ran; set by whoever chose it (ts/src/profile/run-profile.ts). */
  loadThreads?: LoadThreads;
}

/** Longest stretch the send queue may hold the event loop before yielding to I/O. */
const SEND_SLICE_NS = 500_000n;
/**
 * Node fires a setTimeout longer than 2^31 − 1 ms after 1 ms (with a TimeoutOverflowWarning), so a
 * `--benchmark-grace-period 3000000` once aborted every in-flight request at once. Longer waits
 * are capped at ~24.8 days.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Everything that varies per request; single-turn plans come from the dataset order. */
interface TurnPlan {
  /** Global request index within the phase (send order key, cancellation selection). */
  index: number;
  sessionNum: number;
  turnIndex: number;
  /** No later turn of its session follows (always, for a single-turn request). */
  lastTurn: boolean;
  conversationId: string;
  correlationId: string;
  model: string;
  body: Record<string, unknown>;
  json: string;
  clientIsl: number | null;
  requestedIsl: number | null;
  requestedOsl: number | null;
}

/** The share of `total` that worker `w` of `n` gets: floor(total/n), remainder to the lowest ids. */
export function workerShare(total: number, w: number, n: number): number {
  return Math.floor(total / n) + (w < total % n ? 1 : 0);
}

interface PhaseState {
  phase: Phase;
  startNs: bigint;
  sent: number;
  completed: number;
  errors: number;
  waited: number;
  /** Stop issuing new requests. */
  stopped: boolean;
  target: number | null;
}

export class LoadEngine extends EventEmitter {
  private readonly w: number;
  private readonly W: number;
  /** Every connection of this engine, warmup and profiling alike (ts/src/load/connections.ts). */
  private readonly connections: Connections;
  private readonly order: RequestOrder;
  private readonly inFlight = new Set<Exchange>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly slotWaiters: (() => void)[] = [];
  private readonly sendQueue: (() => void)[] = [];
  private pumpScheduled = false;
  /** Resolvers of every sleeping waitUntil (rate loop, session think times), woken on stop. */
  private readonly sleepers = new Set<() => void>();
  private state: PhaseState | null = null;
  private stopReason: StopReason = 'completed';
  private interruptTimer: NodeJS.Timeout | null = null;
  /**
   * Request bodies are identical for the same (entry, model): build and serialise each once, so
   * a burst of sends costs a header object and a dispatch, not a JSON.stringify of the prompt.
   */
  private readonly bodies = new Map<number, { body: Record<string, unknown>; json: string }>();
  /** Parsed base URLs (origin + path prefix), parsed once rather than per request. */
  private readonly targets: { origin: string; prefix: string }[];
  constructor(private readonly options: EngineOptions) {
    super();
    this.w = options.workerIndex ?? 0;
    this.W = options.workerCount ?? 1;
    this.connections = new Connections(options.connectionReuse ?? PROFILE_DEFAULTS.connectionReuseStrategy, options.timeoutMs);
    this.order = new RequestOrder(options.dataset.entries.length, options.seed);
    this.targets = options.urls.map((u) => {
      const url = new URL(u);
      return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
    });
  }

  /** This worker's closed-loop concurrency (warmup always runs closed-loop). */
  private closedLoopConcurrency(): number {
    const m = this.options.mode;
    const c = m.kind === 'concurrency' ? m.concurrency : (m.concurrency ?? 1);
    return Math.max(1, workerShare(c, this.w, this.W));
  }

  /** Run warmup (if any) and profiling; resolves when every record was emitted. */
  async run(): Promise<EngineSummary> {
    const progressTimer = setInterval(() => this.emitProgress(), 250);
    progressTimer.unref();
    try {
      const o = this.options;
      if (this.stopReason === 'completed' && (o.warmupRequestCount > 0 || o.warmupDurationMs !== null)) {
        await this.runPhase('warmup', process.hrtime.bigint(), o.warmupRequestCount > 0 ? o.warmupRequestCount : null, o.warmupDurationMs);
      }
      let profilingStartNs: bigint | null = null;
      if (this.stopReason === 'completed') {
        profilingStartNs = o.beforeProfiling ? await o.beforeProfiling() : process.hrtime.bigint();
      }
      let health: EngineSummary['health'] = null;
      if (this.stopReason === 'completed' && profilingStartNs !== null) {
        const sampler = new LoopSampler(`worker_${this.w}`, o.sampleCpu ?? this.W === 1);
        try {
          await this.runPhase('profiling', profilingStartNs, o.requestCount, o.benchmarkDurationMs);
        } finally {
          health = sampler.stop();
        }
      }
      const s = this.state;
      const summary: EngineSummary = {
        reason: this.stopReason,
        profilingStartNs,
        profilingEndNs: process.hrtime.bigint(),
        sent: s?.phase === 'profiling' ? s.sent : 0,
        completed: s?.phase === 'profiling' ? s.completed : 0,
        errors: s?.phase === 'profiling' ? s.errors : 0,
        waitedForSlot: s?.phase === 'profiling' ? s.waited : 0,
        health,
      };
      this.emit('done', summary);
      return summary;
    } finally {
      clearInterval(progressTimer);
      if (this.interruptTimer) clearTimeout(this.interruptTimer);
      await this.connections.destroy();
    }
  }

  /**
   * Ctrl-C / SIGTERM: stop issuing at once, give in-flight requests `interruptGraceMs` to
   * finish, then abort them as cancelled.
   */
  interrupt(): void {
    this.stopAll('interrupted');
  }

  /** Stop issuing for `reason` (a coordinator relays interrupts and threshold aborts with it). */
  stop(reason: Exclude<StopReason, 'completed'>): void {
    this.stopAll(reason);
  }

  /** Abort every in-flight request now (a second Ctrl-C). */
  abortInFlight(kind: AbortKind = 'interrupted'): void {
    for (const ex of [...this.inFlight]) ex.abort(kind);
  }

  private stopAll(reason: StopReason): void {
    if (this.stopReason !== 'completed') return;
    this.stopReason = reason;
    if (this.state) this.state.stopped = true;
    this.wakeUp();
    this.releaseSlotWaiters();
    this.interruptTimer = setTimeout(() => this.abortInFlight('interrupted'), this.options.interruptGraceMs);
    this.interruptTimer.unref();
  }

  private emitProgress(): void {
    const s = this.state;
    if (!s) return;
    const p: EngineProgress = {
      phase: s.phase,
      sent: s.sent,
      completed: s.completed,
      errors: s.errors,
      inFlight: this.inFlight.size,
      target: s.target,
      elapsedNs: process.hrtime.bigint() - s.startNs,
    };
    this.emit('progress', p);
  }

  private async runPhase(phase: Phase, startNs: bigint, count: number | null, durationMs: number | null): Promise<void> {
    const s: PhaseState = {
      phase,
      startNs,
      sent: 0,
      completed: 0,
      errors: 0,
      waited: 0,
      stopped: false,
      target: count === null ? null : this.ownCount(count),
    };
    this.state = s;
    this.emit('start', { phase, startNs });
    let durationTimer: NodeJS.Timeout | null = null;
    let graceTimer: NodeJS.Timeout | null = null;
    if (durationMs !== null) {
      const remaining = Math.max(0, durationMs - Number(process.hrtime.bigint() - startNs) / 1e6);
      durationTimer = setTimeout(
        () => {
          s.stopped = true;
          this.wakeUp();
          this.releaseSlotWaiters();
          // Warmup waits for its requests; profiling gives them the grace period (docs/cli.md §3.4).
          if (phase === 'profiling' && Number.isFinite(this.options.gracePeriodMs)) {
            graceTimer = setTimeout(() => this.abortInFlight('grace'), Math.min(this.options.gracePeriodMs, MAX_TIMER_MS));
          }
        },
        Math.min(remaining, MAX_TIMER_MS),
      );
    }
    try {
      const m = this.options.mode;
      if (this.options.dataset.sessions) await this.sessionLoop(s, count);
      else if (phase === 'profiling' && m.kind === 'rate') await this.rateLoop(s, m, count);
      else await this.closedLoop(s, count);
      await this.idle();
    } finally {
      if (durationTimer) clearTimeout(durationTimer);
      if (graceTimer) clearTimeout(graceTimer);
    }
  }

  /** Requests of this worker among global indices 0 … count−1 (indices i with i mod W = w). */
  private ownCount(count: number): number {
    return count > this.w ? Math.floor((count - 1 - this.w) / this.W) + 1 : 0;
  }

  private async closedLoop(s: PhaseState, count: number | null): Promise<void> {
    let j = 0;
    const take = (): number | null => {
      if (s.stopped) return null;
      const i = this.w + j * this.W;
      if (count !== null && i >= count) return null;
      j += 1;
      return i;
    };
    const slot = async (): Promise<void> => {
      let freeNs = process.hrtime.bigint();
      for (;;) {
        // The send itself runs from the paced send queue (see `paced`); `take` is evaluated
        // there too, so a stop between queueing and sending sends nothing.
        const ex = await this.paced(() => {
          const i = take();
          return i === null ? null : this.send(s, i, freeNs, process.hrtime.bigint(), false);
        });
        if (ex === null) return;
        await ex.result;
        freeNs = process.hrtime.bigint();
      }
    };
    await Promise.all(Array.from({ length: this.closedLoopConcurrency() }, () => slot()));
  }

  /**
   * Run `sendFn` from the send queue. Closed-loop slots free up in bursts (all slots at phase
   * start; many completions in one poll of a synchronised server), and sending costs ~0.1 ms of
   * CPU each. Sending a whole burst in one go would hold the event loop for tens of ms while
   * other streams' chunks wait to be stamped. The queue sends for at most SEND_SLICE_NS per
   * loop turn, then yields to I/O with setImmediate, so arrival stamps are delayed by at most
   * about one slice. request_start is stamped at the actual send, so TTFT is unaffected; the
   * wait shows up in credit_to_start_latency.
   */
  private paced<T>(sendFn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.sendQueue.push(() => {
        try {
          resolve(sendFn());
        } catch (err) {
          reject(err);
        }
      });
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(this.pump);
      }
    });
  }

  private readonly pump = (): void => {
    const deadline = process.hrtime.bigint() + SEND_SLICE_NS;
    let n = 0;
    while (n < this.sendQueue.length) {
      this.sendQueue[n]!();
      n += 1;
      if (process.hrtime.bigint() >= deadline) break;
    }
    this.sendQueue.splice(0, n);
    if (this.sendQueue.length > 0) setImmediate(this.pump);
    else this.pumpScheduled = false;
  };

  /**
   * Synthetic multi-turn sessions, closed loop: each slot holds a session from its first turn
   * until its last turn completed (docs/cli.md §3.3); turns run sequentially after their think time,
   * each carrying the whole history with the responses actually received. `count` counts turns.
   * Sessions go to worker `session index mod W`; a failed turn ends its session (its history
   * would be missing a response).
   */
  private async sessionLoop(s: PhaseState, count: number | null): Promise<void> {
    const o = this.options;
    const sessions = o.dataset.sessions!;
    let budget = count === null ? Infinity : workerShare(count, this.w, this.W);
    let k = 0;
    let j = 0;
    const slot = async (): Promise<void> => {
      let readyNs = process.hrtime.bigint();
      while (!s.stopped && budget > 0) {
        const sessionNum = this.w + j * this.W;
        j += 1;
        const session = sessions[sessionNum % sessions.length]!;
        const correlationId = randomUUID();
        const model = o.models[sessionNum % o.models.length]!;
        const history: { user: string; assistant: string }[] = [];
        try {
          for (let t = 0; t < session.turns; t++) {
            if (s.stopped || budget <= 0) return;
            const delay = session.delaysMs[t] ?? 0;
            if (t > 0 && delay > 0) {
              await this.sleepFor(delay, s);
              // Another slot may have spent the budget while this one was thinking.
              if (s.stopped || budget <= 0) return;
              readyNs = process.hrtime.bigint();
            }
            budget -= 1;
            const index = this.w + k * this.W;
            k += 1;
            const entry = o.dataset.entries[this.order.entryFor(session.firstTurn + t)]!;
            const body = buildTurnBody(o.endpoint, model, o.dataset.systemPrompt, history, entry.text, entry.requestedOsl);
            const plan: TurnPlan = {
              index,
              sessionNum,
              turnIndex: t,
              lastTurn: t === session.turns - 1,
              conversationId: `synthetic_session_${session.index}`,
              correlationId,
              model,
              body,
              json: JSON.stringify(body),
              // Later turns carry history whose length is only known after the responses; the
              // record processor counts them (off the timing path).
              clientIsl: t === 0 ? entry.clientIsl : null,
              requestedIsl: entry.requestedIsl,
              requestedOsl: entry.requestedOsl,
            };
            const ready = readyNs;
            const record = await (await this.paced(() => this.send(s, plan, ready, process.hrtime.bigint(), false))).record;
            readyNs = process.hrtime.bigint();
            if (record.error) break;
            history.push({ user: entry.text, assistant: parseResponses(record).outputText });
          }
        } finally {
          // A session cut short (failed turn, phase stopped) keeps no sticky connection open.
          this.connections.endSession(correlationId);
        }
      }
    };
    await Promise.all(Array.from({ length: this.closedLoopConcurrency() }, () => slot()));
  }

  /** Sleep `ms`, waking early when the phase stops. */
  private async sleepFor(ms: number, s: PhaseState): Promise<void> {
    const until = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
    await this.waitUntil(until, s);
  }

  private async rateLoop(s: PhaseState, m: Extract<LoadMode, { kind: 'rate' }>, count: number | null): Promise<void> {
    const schedule = new ArrivalSchedule(m.rate, m.pattern, m.smoothness, this.options.seed);
    const ceiling = m.concurrency === null ? null : Math.max(1, workerShare(m.concurrency, this.w, this.W));
    const endNs = this.options.benchmarkDurationMs === null ? null : s.startNs + BigInt(Math.round(this.options.benchmarkDurationMs * 1e6));
    for (;;) {
      const { index, offsetNs } = schedule.next();
      if (count !== null && index >= count) return;
      if (index % this.W !== this.w) continue;
      const due = s.startNs + offsetNs;
      if (endNs !== null && due >= endNs) return;
      await this.waitUntil(due, s);
      if (s.stopped) return;
      let waited = false;
      if (ceiling !== null && this.inFlight.size >= ceiling) {
        // FIFO: a late send is never skipped; its schedule lag grows instead (docs/cli.md §3.4).
        waited = true;
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        if (s.stopped) return;
      }
      if (waited) s.waited += 1;
      this.send(s, index, due, process.hrtime.bigint(), waited);
    }
  }

  /** Sleep until the monotonic instant `due`; sub-2 ms remainders are polled via setImmediate. */
  private async waitUntil(due: bigint, s: PhaseState): Promise<void> {
    for (;;) {
      if (s.stopped) return;
      const remainingMs = Number(due - process.hrtime.bigint()) / 1e6;
      if (remainingMs <= 0) return;
      if (remainingMs > 2) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(t);
            this.sleepers.delete(wake);
            resolve();
          };
          // The loop re-arms, so a capped wait is still exact.
          const t = setTimeout(wake, Math.min(remainingMs - 1.5, MAX_TIMER_MS));
          this.sleepers.add(wake);
        });
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  private wakeUp(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  private releaseSlotWaiters(): void {
    for (const resolve of this.slotWaiters.splice(0)) resolve();
  }

  private idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The single-turn plan of request `index`: entry from the shuffled order, cached body. */
  private singleTurn(index: number): TurnPlan {
    const o = this.options;
    const entry = o.dataset.entries[this.order.entryFor(index)]!;
    const modelIndex = index % o.models.length;
    const model = o.models[modelIndex]!;
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
      clientIsl: entry.clientIsl,
      requestedIsl: entry.requestedIsl,
      requestedOsl: entry.requestedOsl,
    };
  }

  /** Build, stamp and send one request of the phase; emits its record when it finishes. */
  private send(
    s: PhaseState,
    plan: TurnPlan | number,
    scheduledNs: bigint,
    creditNs: bigint,
    waited: boolean,
  ): Exchange & { record: Promise<RawRequestRecord> } {
    const o = this.options;
    const p = typeof plan === 'number' ? this.singleTurn(plan) : plan;
    const { index, sessionNum, model, body } = p;
    const target = this.targets[sessionNum % this.targets.length]!;
    const xRequestId = randomUUID();
    const xCorrelationId = p.correlationId;
    const headers = buildHeaders(o.endpoint, xRequestId, xCorrelationId);
    const path = target.prefix + o.endpoint.path;
    const cancelAfterMs =
      s.phase === 'profiling' &&
      o.cancellationRate !== null &&
      RandomStream.of(o.seed, 'infermark/dataset/cancel', BigInt(index)).unit() < o.cancellationRate / 100
        ? o.cancellationDelayMs
        : null;
    // The correlation id keys a sticky session: shared by a session's turns, fresh per single-turn request.
    const lease = this.connections.take(target.origin, xCorrelationId);
    const ex = new Exchange(
      lease.client,
      { origin: target.origin, path, headers, body: p.json },
      { streaming: o.endpoint.streaming, timeoutMs: o.timeoutMs, cancelAfterMs, reset: lease.reset },
    );
    s.sent += 1;
    this.inFlight.add(ex);
    ex.start();
    const recorded = ex.result.then((r) => {
      // A failed or cancelled turn ends its session (sessionLoop), so its sticky connection goes too.
      this.connections.give(lease, p.lastTurn || r.error !== null);
      this.inFlight.delete(ex);
      const record: RawRequestRecord = {
        requestNum: index,
        sessionNum,
        xRequestId,
        xCorrelationId,
        conversationId: p.conversationId,
        turnIndex: p.turnIndex,
        phase: s.phase,
        workerId: `worker_${this.w}`,
        scheduledNs,
        creditIssuedNs: creditNs,
        requestStartNs: r.requestStartNs,
        requestAckNs: r.requestAckNs,
        requestEndNs: r.requestEndNs,
        responses: r.responses,
        httpStatus: r.httpStatus,
        error: r.error,
        wasCancelled: r.wasCancelled,
        cancellationNs: r.cancellationNs,
        request: { url: target.origin + path, headers, body },
        model,
        endpointType: o.endpoint.type,
        streaming: o.endpoint.streaming,
        clientIsl: p.clientIsl,
        requestedIsl: p.requestedIsl,
        requestedOsl: p.requestedOsl,
        traceLine: null,
        materialised: false,
        historyChars: 0,
        clockOffsetNs: o.clockOffsetNs ?? 0n,
        waitedForSlot: waited,
        connectionResends: r.connectionResends,
      };
      s.completed += 1;
      if (r.error) s.errors += 1;
      this.emit('record', record);
      if (r.error) this.emit('error', record);
      this.checkThreshold(s);
      const next = this.slotWaiters.shift();
      if (next) next();
      if (this.inFlight.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      return record;
    });
    return Object.assign(ex, { record: recorded });
  }

  /** `--failed-request-threshold`: errors / completed, checked after max(C, 10) completions. */
  private checkThreshold(s: PhaseState): void {
    const t = this.options.failedRequestThreshold;
    if (t === null || s.phase !== 'profiling') return;
    const minCompleted = Math.max(this.closedLoopConcurrency() * this.W, 10);
    if (s.completed >= minCompleted && s.errors / s.completed > t) this.stopAll('threshold');
  }

  /** Emitted on EventEmitter 'error' without a listener would throw; records are data, not faults. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && this.listenerCount('error') === 0) return false;
    return super.emit(event, ...args);
  }
}
