// Encoding batches of texts to token ids, in this thread or on a worker thread. hash-prompts
// encodes on a worker so that the main thread stays free to act on Ctrl-C and SIGTERM at once,
// however long one batch takes (issue 16: 78 s to stop on one 5 MB single-word prompt).
import { Worker } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import { compiledWorkerEntry, workerExecArgv } from '../worker-threads.js';
import type { BatchEncoder, EncodedBatch } from './encode-batch.js';

export { encodeTexts, inlineBatchEncoder, type BatchEncoder, type EncodedBatch } from './encode-batch.js';

/** What the worker thread posts back (ts/src/tokenizer/batch-encode-worker.ts). */
export type BatchEncodeReply =
  | { id: number; tokens: Uint32Array; offsets: Uint32Array; estimated: number }
  | { id: number; error: string; usage: boolean };

/**
 * A batch encoder on one worker thread that loads the tokenizer `spec` (as `loadTokenizer` takes
 * it) itself; null when the compiled worker entry is missing (running from the TypeScript sources
 * without a build). A tokenizer that fails to load rejects every batch with its error (a
 * UsageError when it was one).
 */
export function workerBatchEncoder(spec: string): BatchEncoder | null {
  const entry = compiledWorkerEntry('tokenizer/batch-encode-worker.js');
  if (entry === null) return null;
  const worker = new Worker(entry, { workerData: { spec }, execArgv: workerExecArgv() });
  const pending = new Map<number, { resolve: (b: EncodedBatch) => void; reject: (e: Error) => void }>();
  let failure: Error | null = null;
  let nextId = 0;
  const failAll = (err: Error): void => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (msg: BatchEncodeReply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) worker.unref();
    if ('error' in msg) p.reject(msg.usage ? new UsageError(msg.error) : new Error(msg.error));
    else p.resolve({ tokens: msg.tokens, offsets: msg.offsets, estimated: msg.estimated });
  });
  worker.on('error', (err) => failAll(new Error(`tokenizer thread failed: ${err.message}`, { cause: err })));
  worker.on('exit', () => failAll(failure ?? new Error('tokenizer thread stopped')));
  // An idle encoder must not keep the process alive; one that owes an answer does.
  worker.unref();
  return {
    encodeBatch(texts) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      if (pending.size === 0) worker.ref();
      return new Promise<EncodedBatch>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, texts });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
