// The default `engine` latency model: continuous batching over a prefix KV cache (docs/serve-mock.md §4).
import { RandomStream } from '../random/index.js';
import type { EngineMetrics } from './metrics.js';
import { type BlockLease, KvCache, blockHashes, chainHash } from './kv-cache.js';
import { type ClockTimer, type Job, type LatencyModel, type ModelClock, lognormalFactor, realClock } from './job.js';

export interface EngineConfig {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  stepBaseMs: number;
  decodeMsPerSeq: number;
  prefillMsPerToken: number;
  stepJitterCv: number;
  kvBlockSize: number;
  kvCacheBlocks: number;
  prefixCache: boolean;
  replicas: number;
  seed: bigint;
}

/**
 * Told of every engine step when it is scheduled: replica, start and end on the model clock (ms),
 * the output tokens it computes (decoding sequences plus those whose prefill it completes) and
 * the uncached prompt tokens it prefills. The simulated GPUs (./fake-gpus.ts) draw power from it.
 */
export type StepObserver = (replica: number, start: number, end: number, outputTokens: number, prefillTokens: number) => void;

interface Seq {
  job: Job;
  hashes: number[];
  lease: BlockLease | null;
  prefillLeft: number;
  produced: number;
  /** Prefill tokens computed in the current step; -1 while decoding in it; 0 idle. */
  chunk: number;
  cancelled: boolean;
}

class Replica {
  private waiting: Seq[] = [];
  private waitingHead = 0;
  private running: Seq[] = [];
  private readonly kv: KvCache;
  private readonly jitter: RandomStream;
  private timer: ClockTimer | null = null;
  private busy = false;
  private stopped = false;
  private readonly byJob = new Map<Job, Seq>();

  constructor(
    private readonly index: number,
    private readonly cfg: EngineConfig,
    private readonly metrics: EngineMetrics,
    private readonly clock: ModelClock,
    private readonly onStep: StepObserver | undefined,
  ) {
    this.kv = new KvCache(cfg.kvCacheBlocks);
    this.jitter = RandomStream.of(cfg.seed, 'infermark/mock/step-jitter', BigInt(index));
  }

  submit(job: Job): void {
    job.replica = this.index;
    const seq: Seq = {
      job,
      hashes: this.cfg.prefixCache ? blockHashes(job.promptIds, this.cfg.kvBlockSize) : [],
      lease: null,
      prefillLeft: 0,
      produced: 0,
      chunk: 0,
      cancelled: false,
    };
    this.byJob.set(job, seq);
    this.waiting.push(seq);
    this.metrics.waiting++;
    if (!this.busy) this.startStep(job.submittedAt);
  }

  cancel(job: Job): void {
    const seq = this.byJob.get(job);
    if (!seq || seq.cancelled) return;
    seq.cancelled = true;
    this.byJob.delete(job);
    if (seq.lease === null) {
      // Still waiting: skipped lazily at admission.
      this.metrics.waiting--;
    } else {
      this.running.splice(this.running.indexOf(seq), 1);
      this.kv.release(seq.lease);
      this.metrics.running = this.running.length;
      this.updateKvGauge();
    }
  }

  /** Drop the idle cached blocks of the prefix cache; returns how many. */
  resetPrefixCache(): number {
    const dropped = this.kv.evictIdle();
    this.updateKvGauge();
    return dropped;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) {
      this.clock.clearTimeout(this.timer);
      this.clock.clearImmediate(this.timer);
    }
    this.timer = null;
  }

  private updateKvGauge(): void {
    this.metrics.kvUsage = this.kv.used / this.kv.capacity;
  }

  /** FCFS admission at the start of a step, stopping at the first request that does not fit. */
  private admit(at: number): void {
    const bs = this.cfg.kvBlockSize;
    while (this.waitingHead < this.waiting.length && this.running.length < this.cfg.maxNumSeqs) {
      const seq = this.waiting[this.waitingHead]!;
      if (seq.cancelled) {
        this.waitingHead++;
        continue;
      }
      const job = seq.job;
      const p = job.promptTokens;
      let cached = 0;
      if (this.cfg.prefixCache) {
        const hit = this.kv.leadingHits(seq.hashes);
        cached = Math.min(hit * bs, Math.floor((p - 1) / bs) * bs);
      }
      const need = Math.ceil((p + job.outputTokens) / bs) - cached / bs;
      const lease = this.kv.acquire(seq.hashes, cached / bs, need);
      if (lease === null) break;
      this.waitingHead++;
      this.metrics.waiting--;
      seq.lease = lease;
      seq.prefillLeft = p - cached;
      job.cachedTokens = cached;
      // A step starts at the previous one's deadline; a timer that Node fired early (it measures
      // from the loop's cached clock) runs it before that instant, so admission is capped at now:
      // a recorded queue_ms never exceeds the ttft_ms of the token this step emits.
      job.admittedAt = Math.min(Math.max(at, job.submittedAt), this.clock.now());
      if (this.cfg.prefixCache) {
        this.metrics.prefixQueries += p;
        this.metrics.prefixHits += cached;
      }
      this.running.push(seq);
    }
    // Compact the FIFO now and then so it does not grow without bound.
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    this.metrics.running = this.running.length;
    this.updateKvGauge();
  }

  private startStep(at: number): void {
    if (this.stopped) return;
    this.admit(at);
    if (this.running.length === 0) {
      this.busy = false;
      return;
    }
    this.busy = true;
    let decodes = 0;
    for (const seq of this.running) {
      if (seq.prefillLeft === 0) {
        seq.chunk = -1;
        decodes++;
      } else {
        seq.chunk = 0;
      }
    }
    let budget = this.cfg.maxNumBatchedTokens - decodes;
    let prefill = 0;
    let prefillsDone = 0;
    for (const seq of this.running) {
      if (budget <= 0) break;
      if (seq.prefillLeft > 0) {
        const take = Math.min(seq.prefillLeft, budget);
        seq.chunk = take;
        budget -= take;
        prefill += take;
        if (take === seq.prefillLeft) prefillsDone++;
      }
    }
    let duration = this.cfg.stepBaseMs + this.cfg.decodeMsPerSeq * decodes + this.cfg.prefillMsPerToken * prefill;
    if (this.cfg.stepJitterCv > 0) duration *= lognormalFactor(this.cfg.stepJitterCv, this.jitter.unit(), this.jitter.unit());
    this.metrics.iterationTokens.observe(decodes + prefill);
    const deadline = at + duration;
    this.onStep?.(this.index, at, deadline, decodes + prefillsDone, prefill);
    const delay = deadline - this.clock.now();
    // A late timer is absorbed: the next step starts at this deadline, not when we woke up.
    this.timer =
      delay > 0.5 ? this.clock.setTimeout(() => this.endStep(deadline), delay) : this.clock.setImmediate(() => this.endStep(deadline));
  }

  private endStep(deadline: number): void {
    this.timer = null;
    if (this.stopped) return;
    const now = this.clock.now();
    const finished: Seq[] = [];
    for (const seq of [...this.running]) {
      if (seq.cancelled) continue;
      let emit = false;
      if (seq.chunk === -1) {
        emit = true;
      } else if (seq.chunk > 0) {
        seq.prefillLeft -= seq.chunk;
        if (seq.prefillLeft === 0) {
          emit = true;
          // Prompt blocks become hittable as soon as prefill is done.
          if (this.cfg.prefixCache) for (const h of seq.hashes) this.kv.register(seq.lease!, h);
        }
      }
      seq.chunk = 0;
      if (!emit) continue;
      seq.produced++;
      const done = seq.produced >= seq.job.outputTokens;
      const keep = seq.job.onStep(1, now, done);
      if (!keep && !done) {
        this.cancel(seq.job);
      } else if (done) {
        finished.push(seq);
      }
    }
    for (const seq of finished) this.finish(seq);
    this.metrics.running = this.running.length;
    this.updateKvGauge();
    this.startStep(deadline);
  }

  private finish(seq: Seq): void {
    this.byJob.delete(seq.job);
    this.running.splice(this.running.indexOf(seq), 1);
    const lease = seq.lease!;
    if (this.cfg.prefixCache) {
      const bs = this.cfg.kvBlockSize;
      const job = seq.job;
      const p = job.promptTokens;
      const total = p + job.outputTokens;
      // Full blocks past the prompt's: the prompt's partial tail followed by the output.
      const start = seq.hashes.length * bs;
      const tail = new Uint32Array(total - start);
      for (let i = start; i < p; i++) tail[i - start] = job.promptIds[i]!;
      tail.set(job.outputIds, p - start);
      let prev = seq.hashes.length > 0 ? seq.hashes[seq.hashes.length - 1]! : 0;
      for (let at = 0; at + bs <= tail.length; at += bs) {
        prev = chainHash(prev, tail, at, at + bs);
        this.kv.register(lease, prev);
      }
    }
    this.kv.release(lease);
  }
}

export class EngineModel implements LatencyModel {
  private readonly replicasList: Replica[];
  private nextReplica = 0;

  constructor(
    private readonly cfg: EngineConfig,
    metrics: EngineMetrics[],
    clock: ModelClock = realClock,
    onStep?: StepObserver,
  ) {
    this.replicasList = metrics.map((m, i) => new Replica(i, cfg, m, clock, onStep));
  }

  get replicas(): number {
    return this.replicasList.length;
  }

  reject(promptTokens: number, outputTokens: number): string | null {
    const need = Math.ceil((promptTokens + outputTokens) / this.cfg.kvBlockSize);
    return need > this.cfg.kvCacheBlocks ? 'prompt + output exceed the KV cache capacity' : null;
  }

  submit(job: Job): void {
    const replica = this.replicasList[this.nextReplica]!;
    this.nextReplica = (this.nextReplica + 1) % this.replicasList.length;
    replica.submit(job);
  }

  cancel(job: Job): void {
    this.replicasList[job.replica]?.cancel(job);
  }

  resetPrefixCache(): number {
    return this.replicasList.reduce((n, r) => n + r.resetPrefixCache(), 0);
  }

  stop(): void {
    for (const r of this.replicasList) r.stop();
  }
}
