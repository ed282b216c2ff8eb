// Worker-thread entry of ./batch-encoder.ts: loads the tokenizer once, then answers `{id, texts}`
// with the batch's token ids (transferred, not copied) or `{id, error, usage}`.
import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import type { BatchEncodeReply } from './batch-encoder.js';
import { encodeTexts } from './batch-encoder.js';
import { loadTokenizer } from './index.js';

const port = parentPort;
if (!port) throw new Error('batch-encode-worker must run in a worker thread');
const { spec } = workerData as { spec: string };
const ready = loadTokenizer(spec);
// The failure is reported per request below; do not crash the thread on the unhandled rejection.
ready.catch(() => undefined);

const failure = (id: number, err: unknown): BatchEncodeReply => ({
  id,
  error: err instanceof Error ? err.message : String(err),
  usage: err instanceof UsageError,
});

port.on('message', (msg: { id: number; texts: string[] }) => {
  ready.then(
    (tok) => {
      let reply: BatchEncodeReply;
      try {
        reply = { id: msg.id, ...encodeTexts(tok, msg.texts) };
      } catch (err) {
        port.postMessage(failure(msg.id, err));
        return;
      }
      port.postMessage(reply, [reply.tokens.buffer as ArrayBuffer, reply.offsets.buffer as ArrayBuffer]);
    },
    (err: unknown) => port.postMessage(failure(msg.id, err)),
  );
});
