// Worker-thread entry of the prompt workers (./prompt-workers.ts): loads the tokenizer once, then
// answers `{id, endpoint, body, limits}` with the validated request, its HTTP error, or a failure.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTokenizer } from '../tokenizer/index.js';
import { HttpError, validateInferenceRequest } from './request-validation.js';
import type { PromptTask, PromptWorkerReply } from './prompt-workers.js';
import { PromptTokens } from './text-source.js';

const port = parentPort;
if (!port) throw new Error('prompt-worker must run in a worker thread');
const { tokenizer } = workerData as { tokenizer: string | false };

const ready: Promise<PromptTokens> =
  tokenizer === false ? Promise.resolve(new PromptTokens(null)) : loadTokenizer(tokenizer).then((t) => new PromptTokens(t));
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
ready.then(
  () => port.postMessage({ type: 'ready' } satisfies PromptWorkerReply),
  (err: unknown) => port.postMessage({ type: 'failed', error: message(err) } satisfies PromptWorkerReply),
);

port.on('message', (task: PromptTask) => {
  ready.then(
    (prompts) => {
      let reply: PromptWorkerReply;
      try {
        // Buffer's decoder, as on the serving thread, so malformed UTF-8 reads the same there and here.
        const raw = Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength).toString('utf8');
        reply = { type: 'request', id: task.id, request: validateInferenceRequest(task.endpoint, raw, { ...task.limits, prompts }) };
      } catch (err) {
        reply =
          err instanceof HttpError
            ? { type: 'http-error', id: task.id, status: err.status, message: err.message, errorType: err.type }
            : { type: 'error', id: task.id, error: message(err) };
      }
      // Cloned, not transferred: the prompt ids may be the cache's own array.
      port.postMessage(reply);
    },
    () => undefined,
  );
});
