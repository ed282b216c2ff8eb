// The load engine of one event loop: runs the phases, picks the schedule of docs/cli.md §3.4 (one
// file per kind: synthetic-loops, file-loops, fixed-schedule, user-centric), sends each request
// through undici, and emits one RawRequestRecord per request. Reporters subscribe.
//
// Events (STYLE rule 9):
//   'start'    ({phase, startNs})                     a phase began
//   'progress' (EngineProgress)                       every 250 ms while running
//   'record'   (RawRequestRecord)                     every finished request, success or failure
//   'error'    (RawRequestRecord)                     additionally, for each failed request
//   'done'     (EngineSummary)                        the run is over (no more records follow)
import { retrievalPayloadCheck } from './retrieval-plans.js';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { PROFILE_DEFAULTS, type ConnectionReuseStrategy, type ModelSelectionStrategy } from '../config/defaults.js';
import type { LoadMode } from '../config/profile-config.js';
import type { Dataset } from '../dataset/synthetic.js';
import type { TraceSpec, TurnSource } from '../dataset/turn-source.js';
import { RandomStream } from '../random/index.js';
import type { EventLoopSamples, LoadThreads } from '../metrics/client-health.js';
import { LoopSampler } from './health-sampler.js';
import { Connections } from './connections.js';
import { Exchange, type AbortKind } from './http-client.js';
import { sinceNs } from '../metrics/clock.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { runFileClosedLoop, runFileRate } from './file-loops.js';
import { runFixedSchedule } from './fixed-schedule.js';
import { type Phase, type PhaseContext, type PhaseState, SEND_SLICE_NS, type SentRequest } from './phase-context.js';
import { buildHeaders, type EndpointSettings } from './request-builder.js';
import { FixedScheduleOrder, SessionSequence } from './session-order.js';
import { runClosedLoop, runRateLoop, runSyntheticSessions, SyntheticPlans } from './synthetic-loops.js';
import type { TurnPlan } from './turn-plan.js';
import { runUserCentric } from './user-centric.js';
import { ownCount, splitSlot, workerShare } from './worker-share.js';
import { clearLongTimeout, type LongTimeout, MAX_TIMER_MS, setLongTimeout } from '../long-timeout.js';
import { type LoadShapingConfig, NO_SHAPING, type PhaseShaping } from '../config/load-shaping.js';
import { ownRampOffsetsNs, RampedSlots } from './ramp.js';
import { SlotPool } from './slot-pool.js';

export { workerShare };
export type { Phase };

export interface EngineOptions {
  endpoint: EndpointSettings;
  models: string[];
  /** `--model-selection-strategy` (./model-choice.ts); round-robin when absent. */
  modelSelection?: ModelSelectionStrategy;
  /** Normalised base URLs (scheme://host:port[/prefix]); round-robin per session. */
  urls: string[];
  /**
   * Per URL, the `Authorization: Basic …` value of the user:password it was given with (absent or
   * null: none); `--api-key` and `-H Authorization` replace it (docs/cli.md §3.1).
   */
  basicAuthorization?: ReadonlyArray<string | null>;
  timeoutMs: number;
  /** The synthetic dataset; unused (it may have no entries) when the engine runs a file dataset. */
  dataset: Dataset;
  /**
   * The file dataset to replay, as plain data a worker thread reopens it from (ts/src/load/worker-main.ts);
   * null for the synthetic dataset. On the main thread the engine takes the opened TurnSource instead.
   */
  trace: TraceSpec | null;
  /**
   * Fixed schedule (docs/cli.md §3.4 mode 1): the trace timestamp (ms, after synthesis scaling) sent at
   * the phase start; a session's first turn is due `timestamp − scheduleZeroMs` ms later. Unused otherwise.
   */
  scheduleZeroMs: number;
  seed: bigint;
  mode: LoadMode;
  /**
   * Profiling stop conditions (global, across workers). `requestCount` counts turns. With a file
   * dataset, null means no count: the fixed schedule then sends every turn once, while the closed
   * loop and the request rate replay the file again and again until the duration ends or the run
   * is stopped (so the glue passes the number of turns for "every turn once", docs/cli.md §3.4).
   */
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
  /** This process's shard of a sharded run (docs/cli.md §3.8): the split composes with the workers'. */
  shardIndex?: number;
  shardCount?: number;
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
  /** `--export-http-trace`: every record carries its HTTP timeline (ts/src/load/http-trace.ts). */
  httpTrace?: boolean;
  /** Ramps, the prefill cap and the warmup's own load (docs/cli.md §3.4.1); absent: none of them. */
  shaping?: LoadShapingConfig;
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

/** The profiling schedule of a file dataset: the fixed schedule's order, or the session sequence of the other modes. */
interface FileSchedule {
  fixed: FixedScheduleOrder | null;
  sequence: SessionSequence | null;
  /** This worker's turns (progress target), or null without a request count. */
  target: number | null;
}

export class LoadEngine extends EventEmitter {
  /** This engine's slot of the split and the number of slots, over every worker of every shard. */
  private readonly w: number;
  private readonly W: number;
  /** Engines of this process (`--workers`). */
  private readonly localWorkers: number;
  /** Every connection of this engine, warmup and profiling alike (ts/src/load/connections.ts). */
  private readonly connections: Connections;
  private readonly inFlight = new Set<Exchange>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly slotWaiters: (() => void)[] = [];
  private readonly sendQueue: (() => void)[] = [];
  private pumpScheduled = false;
  /** The report side is behind (`holdSends`): paced (closed-loop) sends wait in the queue. */
  private sendsHeld = false;
  /** Resolvers of every sleeping waitUntil (rate loop, session think times), woken on stop. */
  private readonly sleepers = new Set<() => void>();
  /** What schedules asked to hear when the phase stops issuing (their slot pools). */
  private readonly stopListeners = new Set<() => void>();
  private state: PhaseState | null = null;
  private stopReason: StopReason = 'completed';
  private interruptTimer: NodeJS.Timeout | null = null;
  /** The synthetic dataset's order and cached bodies; built on first use (a file run has no entries). */
  private synthetic: SyntheticPlans | null = null;
  /** A file dataset's profiling schedule, built before any phase starts (`prepareFileSchedule`). */
  private fileSchedule: FileSchedule | null = null;
  /** Parsed base URLs (origin + path prefix) and their Basic credentials, parsed once rather than per request. */
  private readonly targets: { origin: string; prefix: string; authorization: string | null }[];
  private readonly shaping: LoadShapingConfig;
  /**
   * This engine's share of the phase's `--prefill-concurrency` (docs/cli.md §3.4.1): a request
   * takes a slot before it is sent and gives it back at its first content response; null: no cap.
   */
  private prefill: { pool: SlotPool; dispose(): void } | null = null;

  /**
   * @param source the opened file dataset of `options.trace` (null: the synthetic dataset). A
   *   worker thread opens its own from `options.trace` (ts/src/load/worker-main.ts).
   */
  constructor(
    private readonly options: EngineOptions,
    private readonly source: TurnSource | null = null,
  ) {
    super();
    const slot = splitSlot(options.workerIndex ?? 0, options.workerCount ?? 1, options.shardIndex ?? 0, options.shardCount ?? 1);
    this.w = slot.slot;
    this.W = slot.slots;
    this.localWorkers = options.workerCount ?? 1;
    this.connections = new Connections(
      options.connectionReuse ?? PROFILE_DEFAULTS.connectionReuseStrategy,
      options.timeoutMs,
      options.httpTrace === true,
    );
    this.shaping = options.shaping ?? NO_SHAPING;
    this.targets = options.urls.map((u, i) => {
      const url = new URL(u);
      return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, ''), authorization: options.basicAuthorization?.[i] ?? null };
    });
  }

  /** The closed-loop concurrency of a phase over every worker (a warmup has its own, docs/cli.md §3.4.1). */
  private totalConcurrency(phase: Phase): number {
    const m = this.options.mode;
    if (phase === 'warmup' && this.shaping.warmup.concurrency !== null) return this.shaping.warmup.concurrency;
    return m.kind === 'concurrency' ? m.concurrency : (m.concurrency ?? 1);
  }

  /** This worker's closed-loop concurrency. */
  private closedLoopConcurrency(phase: Phase = 'profiling'): number {
    return Math.max(1, workerShare(this.totalConcurrency(phase), this.w, this.W));
  }

  private phaseShaping(phase: Phase): PhaseShaping {
    return phase === 'warmup' ? this.shaping.warmup : this.shaping.profiling;
  }

  /** This engine's share of the phase's prefill cap, opened step by step under a prefill ramp. */
  private prefillSlots(phase: Phase, startNs: bigint): { pool: SlotPool; dispose(): void } | null {
    const { prefillConcurrency: total, prefillRampMs } = this.phaseShaping(phase);
    if (total === null) return null;
    if (prefillRampMs === null || total <= 1) return { pool: new SlotPool(workerShare(total, this.w, this.W)), dispose: () => undefined };
    const ramp = new RampedSlots(startNs, ownRampOffsetsNs(total, this.w, this.W, prefillRampMs));
    return { pool: ramp.pool, dispose: () => ramp.dispose() };
  }

  /** Run warmup (if any) and profiling; resolves when every record was emitted. */
  async run(): Promise<EngineSummary> {
    const progressTimer = setInterval(() => this.emitProgress(), 250);
    progressTimer.unref();
    try {
      const o = this.options;
      this.prepareFileSchedule();
      const warmupSessions = this.shaping.warmup.sessions;
      if (this.stopReason === 'completed' && (o.warmupRequestCount > 0 || o.warmupDurationMs !== null || warmupSessions !== null)) {
        await this.runPhase('warmup', process.hrtime.bigint(), o.warmupRequestCount > 0 ? o.warmupRequestCount : null, o.warmupDurationMs);
      }
      let profilingStartNs: bigint | null = null;
      if (this.stopReason === 'completed') {
        profilingStartNs = o.beforeProfiling ? await o.beforeProfiling() : process.hrtime.bigint();
      }
      let health: EngineSummary['health'] = null;
      if (this.stopReason === 'completed' && profilingStartNs !== null) {
        const sampler = new LoopSampler(`worker_${this.w}`, o.sampleCpu ?? this.localWorkers === 1);
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

  /**
   * Hold or resume the paced sends: every closed-loop send (synthetic, file and session turns)
   * waits while held, so a record processor that cannot keep up with a fast server bounds the
   * backlog of finished records instead of letting it (and memory) grow without limit. Open-loop
   * schedules (request rate, fixed schedule, user-centric) are not held: their send times are
   * the stimulus. A stopped phase is never held (its queued sends return at once).
   */
  holdSends(held: boolean): void {
    this.sendsHeld = held;
    if (!held) this.schedulePump();
  }

  /** Abort every in-flight request now (a second Ctrl-C). */
  abortInFlight(kind: AbortKind = 'interrupted'): void {
    for (const ex of [...this.inFlight]) ex.abort(kind);
  }

  private stopAll(reason: StopReason): void {
    if (this.stopReason !== 'completed') return;
    this.stopReason = reason;
    if (this.state) this.state.stopped = true;
    this.notifyStop();
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
      // The start is announced ahead of its instant (so every thread hears it in time): 0 until then.
      elapsedNs: sinceNs(s.startNs),
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
      // Schedules whose split is not i mod W set their own (file datasets, user-centric).
      target: count === null ? null : ownCount(count, this.w, this.W),
    };
    this.state = s;
    this.emit('start', { phase, startNs });
    // Long timers: a `--benchmark-grace-period 3000000` once aborted every in-flight request at once.
    let durationTimer: LongTimeout | null = null;
    let graceTimer: LongTimeout | null = null;
    if (durationMs !== null) {
      const remaining = Math.max(0, durationMs - Number(process.hrtime.bigint() - startNs) / 1e6);
      durationTimer = setLongTimeout(() => {
        s.stopped = true;
        this.notifyStop();
        // Profiling gives its requests the grace period (docs/cli.md §3.4); warmup waits for them
        // unless `--warmup-grace-period` bounds the wait (§3.4.1).
        const grace = phase === 'profiling' ? this.options.gracePeriodMs : (this.shaping.warmup.gracePeriodMs ?? Infinity);
        if (Number.isFinite(grace)) graceTimer = setLongTimeout(() => this.abortInFlight('grace'), grace);
      }, remaining);
    }
    try {
      const endNs = durationMs === null ? null : startNs + BigInt(Math.round(durationMs * 1e6));
      // A coordinator announces the profiling start a little ahead (20 ms for worker threads, 0.5 s
      // for shards) so that every thread hears it in time: a closed loop must not send before it.
      await this.waitUntil(startNs, s);
      this.prefill = this.prefillSlots(phase, startNs);
      await this.schedule(this.context(s, endNs), count);
      await this.idle();
    } finally {
      clearLongTimeout(durationTimer);
      clearLongTimeout(graceTimer);
      this.prefill?.dispose();
      this.prefill = null;
    }
  }

  /**
   * A file dataset's profiling schedule depends only on the file and the options: build it (an
   * O(n) pass over the turns, an index sort for an unsorted fixed schedule) before any phase
   * starts, so that a long file never makes the first sends late.
   */
  private prepareFileSchedule(): void {
    const source = this.source;
    const m = this.options.mode;
    // The configuration rules of docs/cli.md §3.6 keep these out; a caller that skips them fails here, before any request.
    if (this.options.trace !== null && source === null)
      throw new Error('a file dataset needs its opened TurnSource (LoadEngine constructor)');
    if (source === null) {
      if (m.kind === 'fixed-schedule') throw new Error('the fixed schedule replays a file dataset');
      if (m.kind === 'user-centric' && !this.options.dataset.sessions)
        throw new Error('user-centric mode needs synthetic multi-turn sessions');
      return;
    }
    const count = this.options.requestCount;
    if (m.kind === 'user-centric') throw new Error('user-centric mode runs on the synthetic multi-turn dataset only');
    if (m.kind === 'fixed-schedule') {
      const fixed = new FixedScheduleOrder(source, count);
      this.fileSchedule = { fixed, sequence: null, target: fixed.ownTurns(this.w, this.W) };
    } else {
      const sequence = new SessionSequence(source, null, count);
      this.fileSchedule = { fixed: null, sequence, target: sequence.ownTurns(this.w, this.W) };
    }
  }

  /** Run the phase's schedule (docs/cli.md §3.4, mode selection): one file per kind in ts/src/load/. */
  private async schedule(ctx: PhaseContext, count: number | null): Promise<void> {
    const m = this.options.mode;
    const profiling = ctx.s.phase === 'profiling';
    const source = this.source;
    const file = this.fileSchedule;
    if (source !== null && file !== null) {
      if (!profiling) {
        // Warmup: the sessions in the order profiling sends them (docs/cli.md §3.4, warmup), in the
        // closed loop or at the warmup's rate (§3.4.1).
        const warmup = new SessionSequence(source, file.fixed?.order ?? null, count, this.shaping.warmup.sessions);
        ctx.s.target = warmup.ownTurns(this.w, this.W);
        const rate = this.warmupRateMode();
        if (rate !== null) return runFileRate(ctx, source, warmup, rate);
        return runFileClosedLoop(ctx, source, warmup);
      }
      ctx.s.target = file.target;
      if (file.fixed !== null && m.kind === 'fixed-schedule')
        return runFixedSchedule(ctx, source, file.fixed, m, this.options.scheduleZeroMs);
      if (m.kind === 'rate') return runFileRate(ctx, source, file.sequence!, m);
      return runFileClosedLoop(ctx, source, file.sequence!);
    }
    this.synthetic ??= new SyntheticPlans(this.options);
    const warmupSessions = profiling ? null : this.shaping.warmup.sessions;
    if (this.options.dataset.sessions) {
      if (profiling && m.kind === 'user-centric') return runUserCentric(ctx, this.synthetic, m, count);
      return runSyntheticSessions(ctx, this.synthetic, count, warmupSessions);
    }
    // A single-turn session is one request: `--num-warmup-sessions` caps the requests like a count.
    const singleCount = warmupSessions === null ? count : count === null ? warmupSessions : Math.min(count, warmupSessions);
    if (!profiling) {
      if (warmupSessions !== null) ctx.s.target = ownCount(singleCount!, this.w, this.W);
      const rate = this.warmupRateMode();
      if (rate !== null) return runRateLoop(ctx, this.synthetic, rate, singleCount);
      return runClosedLoop(ctx, this.synthetic, singleCount);
    }
    if (m.kind === 'rate') return runRateLoop(ctx, this.synthetic, m, count);
    return runClosedLoop(ctx, this.synthetic, count);
  }

  /** The warmup at a rate (`--warmup-request-rate`, else `--request-rate`, docs/cli.md §3.4.1), or null: the closed loop. */
  private warmupRateMode(): Extract<LoadMode, { kind: 'rate' }> | null {
    const r = this.shaping.warmup.rate;
    return r === null ? null : { kind: 'rate', ...r, concurrency: this.shaping.warmup.concurrency };
  }

  /** What a schedule drives the phase through (ts/src/load/phase-context.ts). */
  private context(s: PhaseState, endNs: bigint | null): PhaseContext {
    return {
      s,
      options: this.options,
      w: this.w,
      W: this.W,
      endNs,
      concurrency: this.closedLoopConcurrency(s.phase),
      totalConcurrency: this.totalConcurrency(s.phase),
      shaping: this.phaseShaping(s.phase),
      send: (plan, scheduledNs, creditNs, waited) => this.send(s, plan, scheduledNs, creditNs, waited),
      paced: (sendFn) => this.paced(sendFn),
      waitUntil: (due) => this.waitUntil(due, s),
      inFlight: () => this.inFlight.size,
      requestCompleted: () => new Promise<void>((resolve) => this.slotWaiters.push(resolve)),
      onStop: (fn) => {
        this.stopListeners.add(fn);
        return () => this.stopListeners.delete(fn);
      },
      endSession: (correlationId) => this.connections.endSession(correlationId),
    };
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
      this.schedulePump();
    });
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.sendQueue.length === 0) return;
    this.pumpScheduled = true;
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    if (this.sendsHeld && !this.state?.stopped) {
      this.pumpScheduled = false;
      return;
    }
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

  /** The phase stops issuing: wake every sleeper and every waiter for a slot, so the schedules see it. */
  private notifyStop(): void {
    // Sends held for the report side are released: a stopped phase sends nothing, but its slots must see the stop.
    this.schedulePump();
    for (const wake of [...this.sleepers]) wake();
    for (const resolve of this.slotWaiters.splice(0)) resolve();
    for (const listener of [...this.stopListeners]) listener();
  }

  private idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Build, stamp and send one request of the phase; emits its record when it finishes. */
  private send(s: PhaseState, p: TurnPlan, scheduledNs: bigint, creditNs: bigint, waited: boolean): SentRequest {
    const o = this.options;
    const { index, sessionNum, model, body } = p;
    // `--url-strategy round-robin` (docs/cli.md §3.12): each session takes the next URL, and all its turns stay there.
    const urlIndex = sessionNum % this.targets.length;
    const target = this.targets[urlIndex]!;
    const xRequestId = randomUUID();
    const xCorrelationId = p.correlationId;
    const headers = buildHeaders(o.endpoint, xRequestId, xCorrelationId, target.authorization);
    // `--endpoint-type template` has no default path: then the base URL is the target (ts/src/endpoints/template.ts).
    const path = target.prefix + o.endpoint.path || '/';
    const cancelAfterMs =
      s.phase === 'profiling' &&
      o.cancellationRate !== null &&
      RandomStream.of(o.seed, 'infermark/dataset/cancel', BigInt(index)).unit() < o.cancellationRate / 100
        ? o.cancellationDelayMs
        : null;
    // The correlation id keys a sticky session: shared by a session's turns, fresh per single-turn request.
    const lease = this.connections.take(target.origin, xCorrelationId);
    const prefill = this.prefill?.pool ?? null;
    // Whether this request holds a prefill slot (one queued and aborted before it was sent holds none).
    let holdsPrefill = false;
    const ex = new Exchange(
      lease.client,
      { origin: target.origin, path, headers, body: p.json },
      {
        streaming: p.streaming,
        timeoutMs: o.timeoutMs,
        cancelAfterMs,
        reset: lease.reset,
        checkPayload: retrievalPayloadCheck(o.endpoint.type, p.body),
        httpTrace: o.httpTrace === true,
        // The prefill slot goes back at the first content response, or at the end without one.
        ...(prefill === null
          ? {}
          : {
              onFirstContent: () => {
                if (!holdsPrefill) return;
                holdsPrefill = false;
                prefill.give();
              },
            }),
        endpointType: o.endpoint.type,
        template: o.endpoint.template ?? null,
      },
    );
    s.sent += 1;
    this.inFlight.add(ex);
    if (prefill === null) ex.start();
    else if (prefill.tryTake()) {
      holdsPrefill = true;
      ex.start();
    } else {
      // Issued, in flight, but not sent until a request ahead of it has its first token (FIFO);
      // request_start is stamped when it is sent, so the wait shows in credit_to_start_latency.
      void prefill.take().then((granted) => {
        if (!granted) return;
        if (ex.isSettled()) prefill.give();
        else {
          holdsPrefill = true;
          ex.start();
        }
      });
    }
    const recorded = ex.result.then((r) => {
      // A failed or cancelled turn ends its session (every session schedule), so its sticky connection goes too.
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
        streaming: p.streaming,
        clientIsl: p.clientIsl,
        requestedIsl: p.requestedIsl,
        requestedOsl: p.requestedOsl,
        traceLine: p.traceLine,
        materialised: p.materialised,
        historyChars: p.historyChars,
        clockOffsetNs: o.clockOffsetNs ?? 0n,
        waitedForSlot: waited,
        connectionResends: r.connectionResends,
        ...(r.httpTrace === null ? {} : { httpTrace: r.httpTrace }),
        ...(this.targets.length > 1 ? { urlIndex } : {}),
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
    const minCompleted = Math.max(this.closedLoopConcurrency('profiling') * this.W, 10);
    if (s.completed >= minCompleted && s.errors / s.completed > t) this.stopAll('threshold');
  }

  /** Emitted on EventEmitter 'error' without a listener would throw; records are data, not faults. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && this.listenerCount('error') === 0) return false;
    return super.emit(event, ...args);
  }
}
