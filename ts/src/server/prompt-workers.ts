import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HttpError, type InferenceEndpoint, type InferenceRequest, type ValidationLimits } from './request-validation.js';
import { compiledWorkerEntry, workerExecArgv } from '../worker-threads.js';

/**
 * Bodies up to this many bytes are handled on the serving thread: the JS tokenizer takes about
 * 1–3 µs per character, so a kilobyte costs at most a few milliseconds there, less than a hop to a
 * thread and back is worth for the short prompts that make up high-rate benchmarks.
 */
export const INLINE_BODY_BYTES = 1024;
/** Without a tokenizer a body costs about 20 ns per byte (JSON, pseudo-tokens, hash): 64 KiB ≈ 1 ms. */
export const INLINE_BODY_BYTES_NO_TOKENIZER = 64 * 1024;

/** The serving thread keeps one core; up to 4 threads tokenise. */
export function defaultTokenizerThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/** A body to validate, as the serving thread posts it. */
export interface PromptTask {
  id: number;
  endpoint: InferenceEndpoint;
  body: Uint8Array;
  limits: ValidationLimits;
}

export type PromptWorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'request'; id: number; request: InferenceRequest }
  | { type: 'http-error'; id: number; status: number; message: string; errorType: string }
  | { type: 'error'; id: number; error: string };

/** The prompt threads' entry (null before `npm run build:ts`). */
export function promptWorkerEntry(): URL | null {
  return compiledWorkerEntry('server/prompt-worker.js');
}

interface Pending {
  resolve: (r: InferenceRequest) => void;
  reject: (e: Error) => void;
  bytes: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Bytes of the bodies it owes answers for: long prompts go to the least loaded thread. */
  pendingBytes: number;
  pending: Map<number, Pending>;
}

/**
 * `threads` worker threads, started at the first long body or by `start()`, ended by `close()`.
 * A thread that owes no answer is unreferenced, so an idle pool never keeps the process alive.
 * If a thread fails (its tokenizer does not load, it crashes), the requests it held fail with
 * 500 and `usable` turns false: the server then handles every body itself.
 */
export class PromptWorkers {
  private slots: Slot[] | null = null;
  private failure: Error | null = null;
  private closed = false;
  private nextId = 0;
  private keepAlive: NodeJS.Timeout | null = null;

  constructor(
    private readonly entry: URL,
    private readonly tokenizer: string | false,
    private readonly threads: number,
    private readonly onFailure: (err: Error) => void,
  ) {}

  /** Whether long bodies should come here (false once a thread failed or the pool closed). */
  get usable(): boolean {
    return this.failure === null && !this.closed;
  }

  /** Start the threads now; resolves when every one has loaded its tokenizer. */
  async start(): Promise<void> {
    // The threads are unreferenced, so while they load nothing may keep the process alive, and
    // the CLI, awaiting this, would end with exit code 13 (an unsettled top-level await). A timer
    // does until they are ready or the pool closes. (Referencing the threads instead makes
    // terminate() of a thread still loading never settle on Node 20.)
    this.keepAlive ??= setInterval(() => undefined, 60_000);
    try {
      await Promise.all(this.ensureSlots().map((s) => s.ready));
    } finally {
      this.release();
    }
  }

  /** Validate `body` on the least loaded thread; rejects with the request's HttpError, if any. */
  validate(endpoint: InferenceEndpoint, body: Uint8Array, limits: ValidationLimits): Promise<InferenceRequest> {
    if (!this.usable) return Promise.reject(this.failure ?? new Error('prompt workers are closed'));
    const slots = this.ensureSlots();
    const slot = slots.reduce((a, b) => (b.pendingBytes < a.pendingBytes ? b : a));
    const id = this.nextId++;
    // The socket's chunks may share their memory with other data: copy into a buffer of its own
    // and hand that over instead of cloning it again.
    const own = new Uint8Array(body.byteLength);
    own.set(body);
    // Referenced only while it owes an answer (an awaited promise alone keeps nothing alive).
    if (slot.pending.size === 0) slot.worker.ref();
    slot.pendingBytes += own.byteLength;
    return new Promise<InferenceRequest>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, bytes: own.byteLength });
      slot.worker.postMessage({ id, endpoint, body: own, limits } satisfies PromptTask, [own.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.release();
    const slots = this.slots ?? [];
    this.slots = [];
    for (const slot of slots) this.rejectAll(slot, new Error('the server is closing'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private release(): void {
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  private ensureSlots(): Slot[] {
    this.slots ??= Array.from({ length: Math.max(1, this.threads) }, () => this.spawn());
    return this.slots;
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry, { workerData: { tokenizer: this.tokenizer }, execArgv: workerExecArgv() });
    let readyFn!: () => void;
    let failFn!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      readyFn = resolve;
      failFn = reject;
    });
    // A start() nobody awaits must not become an unhandled rejection; failures are reported below.
    ready.catch(() => undefined);
    const slot: Slot = { worker, ready, pendingBytes: 0, pending: new Map() };
    worker.on('message', (msg: PromptWorkerReply) => {
      if (msg.type === 'ready') return readyFn();
      if (msg.type === 'failed') {
        const err = new Error(`prompt worker could not load the tokenizer: ${msg.error}`);
        failFn(err);
        return this.fail(slot, err);
      }
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      slot.pendingBytes -= p.bytes;
      if (slot.pending.size === 0) worker.unref();
      if (msg.type === 'request') p.resolve(msg.request);
      else if (msg.type === 'http-error') p.reject(new HttpError(msg.status, msg.message, msg.errorType));
      else p.reject(new Error(msg.error));
    });
    worker.on('error', (err) => {
      failFn(err);
      this.fail(slot, new Error(`prompt worker failed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) => {
      if (this.closed) return;
      const err = new Error(`prompt worker exited with code ${code}`);
      failFn(err);
      this.fail(slot, err);
    });
    worker.unref();
    return slot;
  }

  private fail(slot: Slot, err: Error): void {
    this.rejectAll(slot, err);
    if (this.failure !== null || this.closed) return;
    this.failure = err;
    this.onFailure(err);
  }

  private rejectAll(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
    slot.pendingBytes = 0;
  }
}
