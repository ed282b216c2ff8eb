// `--workers N`: a coordinator that runs N LoadEngines in worker threads (each with its own event
// loop and undici pool), splits the work closed-form (docs/cli.md §3.4) and merges their records.
// Threads share the process's monotonic clock, so every record's clock offset is exactly 0.
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LoadMode } from '../config/profile-config.js';
import type { TraceSpec, TurnSource } from '../dataset/turn-source.js';
import type { EventLoopSamples, LoadThreads } from '../metrics/client-health.js';
import type { EngineOptions, EngineProgress, EngineSummary, StopReason } from './engine.js';
import { LoopSampler } from './health-sampler.js';
import { sinceNs } from '../metrics/clock.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { compiledWorkerEntry, workerExecArgv } from '../worker-threads.js';
import { UsageError } from '../errors.js';
import { ownCount, workerShare } from './worker-share.js';

/**
 * Concurrent streams one engine thread is given before another is added. From back-to-back runs
 * at 500 lock-step streams on 2 cores (docs/BENCHMARKS.md, "Client overhead on TTFT"): two engine
 * threads kept their loops' lag p99 at 69–91 ms, one thread let it reach 129–312 ms; not
 * calibrated more finely than that.
 */
export const STREAMS_PER_ENGINE_THREAD = 256;

/**
 * Where the load engine runs. `--workers 1` keeps it on the main thread, `--workers N` (N > 1)
 * uses N worker threads. Without `--workers` it always runs in worker threads: the main thread
 * then only turns records into reports (response parsing, JSON lines, files, aggregation), work
 * that would otherwise hold the stamping loop and grow its heap (long young-generation GC pauses),
 * and one more thread is added per STREAMS_PER_ENGINE_THREAD concurrent streams, up to the cores.
 */
export function planLoadThreads(
  workers: number | null,
  mode: LoadMode,
  cores = availableParallelism(),
  shard: { index: number; count: number } | null = null,
  /** The most threads the prefill and warmup caps allow over the whole run (docs/cli.md §3.4.1), null: no limit. */
  capThreads: number | null = null,
): LoadThreads {
  // A shard's threads split its own share of the concurrency (docs/cli.md §3.8).
  const share =
    mode.concurrency === null ? null : shard === null ? mode.concurrency : workerShare(mode.concurrency, shard.index, shard.count);
  if (workers !== null) {
    if (shard !== null && share !== null && workers > share) {
      throw new UsageError(
        `option '--workers': ${workers} workers but shard ${shard.index} has only ${share} of the ${mode.concurrency} concurrent sessions`,
      );
    }
    return { threads: workers, mainThread: workers === 1, automatic: false, streams: null, cores };
  }
  // Open-loop sends without a ceiling (a rate, a fixed schedule, user-centric) have no known
  // concurrency: one engine thread.
  const streams: number | null = share;
  const wanted = streams === null ? 1 : Math.ceil(streams / STREAMS_PER_ENGINE_THREAD);
  // Each thread needs a slot of every cap it splits: a shard's share of the cap bounds its threads.
  const capShare = capThreads === null ? Infinity : shard === null ? capThreads : workerShare(capThreads, shard.index, shard.count);
  const threads = Math.max(1, Math.min(wanted, cores, streams ?? 1, capShare));
  return { threads, mainThread: false, automatic: true, streams, cores };
}

/** How a worker thread opens `EngineOptions.trace`: the export `openTraceTurnSource` of a trace opener module. */
export type OpenTraceTurnSource = (spec: TraceSpec) => TurnSource | Promise<TurnSource>;

export interface WorkerInit {
  options: Omit<EngineOptions, 'beforeProfiling'>;
  /** URL of the module whose `openTraceTurnSource` opens `options.trace` (null: no file dataset). */
  traceOpener: string | null;
}

export type WorkerMessage =
  | { type: 'records'; records: RawRequestRecord[] }
  | { type: 'warmup-done' }
  | { type: 'start'; phase: 'warmup' | 'profiling'; startNs: bigint }
  /** The worker's own progress (every 250 ms): what only it knows, the requests sent and in flight. */
  | { type: 'progress'; phase: 'warmup' | 'profiling'; sent: number; inFlight: number }
  | { type: 'done'; summary: EngineSummary };

export type CoordinatorMessage =
  | { type: 'start-profiling'; startNs: bigint }
  | { type: 'stop'; reason: Exclude<StopReason, 'completed'> }
  | { type: 'abort' }
  | { type: 'hold'; held: boolean };

/** The load engine threads' entry. */
function workerEntry(): URL {
  const entry = compiledWorkerEntry('load/worker-main.js');
  if (entry) return entry;
  throw new Error('worker entry dist/load/worker-main.js not found; run `npm run build:ts` first');
}

/** Same events and control surface as LoadEngine, over N worker threads. */
export class WorkerCoordinator extends EventEmitter {
  private readonly workers: Worker[] = [];
  private stopReason: StopReason = 'completed';
  private completed = 0;
  private errors = 0;
  /** Per worker, its last reported phase, requests sent in it, and requests in flight. */
  private readonly workerProgress: Array<{ phase: 'warmup' | 'profiling'; sent: number; inFlight: number }> = [];
  private phase: 'warmup' | 'profiling' = 'warmup';
  private phaseStartNs = process.hrtime.bigint();
  private interruptTimer: NodeJS.Timeout | null = null;

  /**
   * @param traceOpener with a file dataset (`options.trace`), the compiled module whose export
   *   `openTraceTurnSource(spec)` (OpenTraceTurnSource) each worker thread opens it with. The caller
   *   names it (ts/src/dataset/trace-file.ts through `compiledWorkerEntry`), so the load engine does not
   *   depend on how a file becomes a TurnSource, and tests can give an in-memory one.
   */
  constructor(
    private readonly options: Omit<EngineOptions, 'beforeProfiling'>,
    private readonly count: number,
    private readonly traceOpener: URL | null = null,
    /**
     * Resolves with the monotonic instant every worker starts profiling at, once all finished their
     * warmup (a sharded run's rendezvous, ts/src/load/shard-rendezvous.ts). Default: 20 ms from now,
     * so the message reaches every worker before the first arrival is due. A rejection stops the
     * workers before they send a profiling request (its caller reports why).
     */
    private readonly agreeStart: (() => Promise<bigint>) | null = null,
  ) {
    super();
    if (options.trace !== null && traceOpener === null) throw new Error('a file dataset on worker threads needs a trace opener module');
  }

  async run(): Promise<EngineSummary> {
    const entry = workerEntry();
    let warmupDone = 0;
    const summaries: EngineSummary[] = [];
    let sampler: LoopSampler | null = null;
    let profilingStartNs: bigint | null = null;
    const progressTimer = setInterval(() => this.emitProgress(), 250);
    progressTimer.unref();
    // Every worker starts its schedule at the same instant.
    const begin = (startNs: bigint): void => {
      if (this.stopReason !== 'completed') return;
      profilingStartNs = startNs;
      this.phase = 'profiling';
      this.phaseStartNs = startNs;
      this.completed = 0;
      this.errors = 0;
      sampler = new LoopSampler('main', true);
      this.emit('start', { phase: 'profiling', startNs });
      for (const x of this.workers) x.postMessage({ type: 'start-profiling', startNs } satisfies CoordinatorMessage);
    };
    await Promise.all(
      Array.from({ length: this.count }, (_, w) => {
        const init: WorkerInit = {
          options: { ...this.options, workerIndex: w, workerCount: this.count, sampleCpu: false },
          traceOpener: this.traceOpener?.href ?? null,
        };
        const worker = new Worker(entry, { workerData: init, execArgv: workerExecArgv() });
        this.workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.on('message', (msg: WorkerMessage) => {
            switch (msg.type) {
              case 'records':
                for (const r of msg.records) this.onRecord(r);
                break;
              case 'progress':
                this.workerProgress[w] = { phase: msg.phase, sent: msg.sent, inFlight: msg.inFlight };
                break;
              case 'start':
                if (msg.phase === 'warmup' && w === 0) {
                  this.phase = 'warmup';
                  this.phaseStartNs = msg.startNs;
                  this.emit('start', { phase: 'warmup', startNs: msg.startNs });
                }
                break;
              case 'warmup-done':
                warmupDone += 1;
                if (warmupDone === this.count) {
                  const agreed = this.agreeStart ? this.agreeStart() : Promise.resolve(process.hrtime.bigint() + 20_000_000n);
                  agreed.then(begin, () => this.stop('interrupted'));
                }
                break;
              case 'done':
                summaries.push(msg.summary);
                break;
            }
          });
          worker.on('error', reject);
          worker.on('exit', () => resolve());
        });
      }),
    );
    clearInterval(progressTimer);
    if (this.interruptTimer) clearTimeout(this.interruptTimer);
    const mainHealth = (sampler as LoopSampler | null)?.stop() ?? null;
    const loops: EventLoopSamples[] = summaries.flatMap((s) => (s.health ? [s.health.loop] : []));
    const summary: EngineSummary = {
      reason: this.stopReason,
      profilingStartNs,
      profilingEndNs: process.hrtime.bigint(),
      sent: summaries.reduce((n, s) => n + s.sent, 0),
      completed: summaries.reduce((n, s) => n + s.completed, 0),
      errors: summaries.reduce((n, s) => n + s.errors, 0),
      waitedForSlot: summaries.reduce((n, s) => n + s.waitedForSlot, 0),
      health: mainHealth ? { loop: mainHealth.loop, cpuPercent: mainHealth.cpuPercent } : null,
      workerLoops: loops,
    };
    this.emit('done', summary);
    return summary;
  }

  private onRecord(r: RawRequestRecord): void {
    if (r.phase === 'profiling') {
      this.completed += 1;
      if (r.error) this.errors += 1;
      this.checkThreshold();
    }
    this.emit('record', r);
    if (r.error && this.listenerCount('error') > 0) this.emit('error', r);
  }

  private checkThreshold(): void {
    const t = this.options.failedRequestThreshold;
    if (t === null) return;
    const m = this.options.mode;
    const c = m.kind === 'concurrency' ? m.concurrency : (m.concurrency ?? 1);
    if (this.completed >= Math.max(c, 10) && this.errors / this.completed > t) this.stop('threshold');
  }

  private emitProgress(): void {
    const p: EngineProgress = {
      phase: this.phase,
      // A worker's sends count once it reports them in this phase; its records may arrive first.
      sent: Math.max(
        this.completed,
        this.workerProgress.reduce((n, p) => n + (p.phase === this.phase ? p.sent : 0), 0),
      ),
      completed: this.completed,
      errors: this.errors,
      inFlight: this.workerProgress.reduce((n, p) => n + p.inFlight, 0),
      // A shard's own part of the request count (docs/cli.md §3.8).
      target:
        this.phase === 'profiling'
          ? this.options.requestCount === null
            ? null
            : ownCount(this.options.requestCount, this.options.shardIndex ?? 0, this.options.shardCount ?? 1)
          : this.options.warmupRequestCount || null,
      // The start is announced ahead of its instant (so every thread hears it in time): 0 until then.
      elapsedNs: sinceNs(this.phaseStartNs),
    };
    this.emit('progress', p);
  }

  interrupt(): void {
    this.stop('interrupted');
  }

  stop(reason: Exclude<StopReason, 'completed'>): void {
    if (this.stopReason !== 'completed') return;
    this.stopReason = reason;
    for (const w of this.workers) w.postMessage({ type: 'stop', reason } satisfies CoordinatorMessage);
  }

  /** LoadEngine.holdSends on every worker thread. */
  holdSends(held: boolean): void {
    for (const w of this.workers) w.postMessage({ type: 'hold', held } satisfies CoordinatorMessage);
  }

  abortInFlight(): void {
    for (const w of this.workers) w.postMessage({ type: 'abort' } satisfies CoordinatorMessage);
  }
}
