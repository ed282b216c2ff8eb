// The page's side of the worker protocol (protocol.browser.ts): one worker per job, so Cancel
// can end it at once even inside a long WASM call (`terminate`), and a finished job frees its
// memory with its worker.
import type { FromWorker, JobError, JobKind, JobProgress, JobRequest, JobResult, ToWorker } from './protocol.browser.js';

export type JobOutcome<K extends JobKind> =
  | { status: 'done'; result: JobResult<K> }
  | { status: 'failed'; error: JobError }
  | { status: 'cancelled' };

export interface RunningJob<K extends JobKind> {
  outcome: Promise<JobOutcome<K>>;
  /** Stop the job now: the worker is terminated and `outcome` resolves `cancelled`. */
  cancel(): void;
}

let nextId = 1;

/** Start `request` in a new worker; `onProgress` sees each progress message. */
export function startJob<K extends JobKind>(request: JobRequest<K>, onProgress: (p: JobProgress) => void): RunningJob<K> {
  const id = nextId++;
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `infermark-${request.kind}` });
  let settle: (o: JobOutcome<K>) => void = () => undefined;
  const outcome = new Promise<JobOutcome<K>>((resolve) => {
    settle = (o) => {
      worker.terminate();
      resolve(o);
    };
  });
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    if (m.type === 'ready' || m.id !== id) return;
    if (m.type === 'progress') {
      const { type: _t, id: _i, ...p } = m;
      onProgress(p);
    } else if (m.type === 'result') settle({ status: 'done', result: m.result as JobResult<K> });
    else if (m.type === 'error') settle({ status: 'failed', error: m.error });
    else if (m.type === 'cancelled') settle({ status: 'cancelled' });
  };
  worker.onerror = (event) => {
    event.preventDefault();
    settle({
      status: 'failed',
      error: {
        message: `internal error: ${event.message || 'the worker failed to start'}`,
        code: null,
        file: null,
        line: null,
        field: null,
        reason: null,
      },
    });
  };
  const start: ToWorker = { type: 'start', id, request };
  worker.postMessage(start);
  return {
    outcome,
    cancel: () => {
      const cancel: ToWorker = { type: 'cancel', id };
      worker.postMessage(cancel);
      settle({ status: 'cancelled' });
    },
  };
}
