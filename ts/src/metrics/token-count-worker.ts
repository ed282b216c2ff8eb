// Worker-thread entry of the token-count pool: loads the tokenizer once, then answers
// `{id, texts}` with `{id, counts, estimated}` (or `{id, error}`).
import { parentPort, workerData } from 'node:worker_threads';
import { HeapPacer } from '../heap-pacer.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { countTexts } from './token-count.js';

interface Request {
  id: number;
  texts: string[];
}

const port = parentPort;
if (!port) throw new Error('token-count-worker must run in a worker thread');
const { spec } = workerData as { spec: string };
const ready = loadTokenizer(spec);
// The failure is reported per request below; do not crash the thread on the unhandled rejection.
ready.catch(() => undefined);
// This thread only counts: its heap is kept near what is live (ts/src/heap-pacer.ts).
const pacer = new HeapPacer();

port.on('message', (msg: Request) => {
  ready.then(
    (tok) => {
      try {
        port.postMessage({ id: msg.id, ...countTexts(tok, msg.texts) });
        pacer.tick();
      } catch (err) {
        port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
      }
    },
    (err: unknown) => port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
