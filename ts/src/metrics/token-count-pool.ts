import { Worker } from 'node:worker_threads';
import type { CountedBatch, TokenCountService } from './token-count.js';
import { compiledWorkerEntry, workerExecArgv } from '../worker-threads.js';

/** The token-counting threads' entry (null before `npm run build:ts`). */
export function tokenCountWorkerEntry(): URL | null {
  return compiledWorkerEntry('metrics/token-count-worker.js');
}

interface Slot {
  worker: Worker;
  id: string;
  inFlight: number;
  pending: Map<number, { resolve: (b: CountedBatch) => void; reject: (e: Error) => void }>;
}

/**
 * Start `threads` workers that each load the tokenizer `spec` (as `loadTokenizer` takes it).
 * Batches go to the least-busy worker. Returns null when the compiled worker entry is missing
 * (e.g. running from TypeScript sources without a build); callers then count in-process.
 */
export function createWorkerTokenCountService(spec: string, threads = 1): TokenCountService | null {
  const entry = tokenCountWorkerEntry();
  if (entry === null) return null;
  let nextId = 0;
  let failure: Error | null = null;
  const slots: Slot[] = Array.from({ length: Math.max(1, threads) }, (_, k) => {
    const slot: Slot = {
      worker: new Worker(entry, { workerData: { spec }, execArgv: workerExecArgv() }),
      id: `record_processor_${k}`,
      inFlight: 0,
      pending: new Map(),
    };
    slot.worker.on('message', (msg: { id: number; counts?: number[]; estimated?: boolean[]; error?: string }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (--slot.inFlight === 0) slot.worker.unref();
      if (msg.counts) p.resolve({ counts: msg.counts, estimated: msg.estimated ?? msg.counts.map(() => false), processorId: slot.id });
      else p.reject(new Error(`${slot.id}: ${msg.error ?? 'unknown error'}`));
    });
    slot.worker.on('error', (err) => {
      failure = new Error(`${slot.id} failed: ${err.message}`, { cause: err });
      for (const p of slot.pending.values()) p.reject(failure);
      slot.pending.clear();
    });
    // Idle workers must not keep the process alive.
    slot.worker.unref();
    return slot;
  });
  return {
    countBatch(texts) {
      if (failure) return Promise.reject(failure);
      const slot = slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      const id = nextId++;
      // Referenced only while it owes an answer: an idle pool never keeps the process alive,
      // a busy one does (an awaited promise alone would not).
      if (slot.inFlight++ === 0) slot.worker.ref();
      return new Promise<CountedBatch>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, texts });
      });
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
