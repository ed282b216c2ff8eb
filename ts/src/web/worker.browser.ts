// The app's Web Worker: receives `start`/`cancel` messages (protocol.browser.ts), runs one job at
// a time through its module (jobs.browser.ts), posts progress and the outcome.
import { JobCancelled } from './cancelled.browser.js';
import { JOBS } from './jobs.browser.js';
import type { FromWorker, JobKind, JobRunner, ToWorker } from './protocol.browser.js';
import { toJobError } from './worker-errors.browser.js';

const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

const running = new Map<number, AbortController>();

async function start(id: number, request: ToWorker & { type: 'start' }): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const run = JOBS[request.request.kind as JobKind] as JobRunner<JobKind> | undefined;
    if (run === undefined) throw new Error(`unknown job kind '${String(request.request.kind)}'`);
    const result = await run(request.request, {
      signal: controller.signal,
      progress: (p) => scope.postMessage({ type: 'progress', id, ...p }),
    });
    scope.postMessage({ type: 'result', id, result });
  } catch (err) {
    if (err instanceof JobCancelled) scope.postMessage({ type: 'cancelled', id });
    else scope.postMessage({ type: 'error', id, error: toJobError(err) });
  } finally {
    running.delete(id);
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'start') void start(message.id, message);
  else if (message.type === 'cancel') running.get(message.id)?.abort();
};
scope.postMessage({ type: 'ready' });
