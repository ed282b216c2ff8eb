// Entry point of one load-generation worker thread: runs a LoadEngine on its own event loop and
// undici pool and streams its records to the coordinator in small batches.
import { parentPort, workerData } from 'node:worker_threads';
import type { TurnSource } from '../dataset/turn-source.js';
import { LoadEngine, type EngineProgress } from './engine.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';
import type { CoordinatorMessage, OpenTraceTurnSource, WorkerInit, WorkerMessage } from './workers.js';

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');
const init = workerData as WorkerInit;

/** This thread's own TurnSource of the file dataset, opened from the spec with the coordinator's opener module. */
async function openSource(): Promise<TurnSource | null> {
  const spec = init.options.trace;
  if (spec === null) return null;
  if (init.traceOpener === null) throw new Error('a file dataset needs a trace opener module');
  const opener = ((await import(init.traceOpener)) as { openTraceTurnSource?: OpenTraceTurnSource }).openTraceTurnSource;
  if (typeof opener !== 'function') throw new Error(`${init.traceOpener} does not export openTraceTurnSource`);
  return opener(spec);
}

let startResolve: ((ns: bigint) => void) | null = null;
const engine = new LoadEngine(
  {
    ...init.options,
    beforeProfiling: () =>
      new Promise<bigint>((resolve) => {
        startResolve = resolve;
        post({ type: 'warmup-done' });
      }),
  },
  await openSource(),
);

function post(msg: WorkerMessage): void {
  port!.postMessage(msg);
}

// Batching keeps postMessage overhead per record small at high request rates; 20 ms is well
// below the 1 s flush guarantee of the records file. Cloning a streamed record (its SSE events,
// headers and body) costs ~0.1 ms of this thread, the one that stamps chunks, so a batch is
// capped at 16 records (~2 ms) rather than 256 (a ~40 ms stall whenever a burst of streams ends).
const BATCH_MAX = 16;
let batch: RawRequestRecord[] = [];
let flushTimer: NodeJS.Timeout | null = null;
function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  if (batch.length === 0) return;
  post({ type: 'records', records: batch });
  batch = [];
}
engine.on('record', (r: RawRequestRecord) => {
  batch.push(r);
  if (batch.length >= BATCH_MAX) flush();
  else flushTimer ??= setTimeout(flush, 20);
});
engine.on('progress', (p: EngineProgress) => post({ type: 'progress', phase: p.phase, sent: p.sent, inFlight: p.inFlight }));
engine.on('start', (e: { phase: 'warmup' | 'profiling'; startNs: bigint }) => post({ type: 'start', phase: e.phase, startNs: e.startNs }));

port.on('message', (msg: CoordinatorMessage) => {
  switch (msg.type) {
    case 'start-profiling':
      startResolve?.(msg.startNs);
      startResolve = null;
      break;
    case 'stop':
      engine.stop(msg.reason);
      // A stop that arrives while waiting for the profiling start must not leave the wait hanging.
      startResolve?.(process.hrtime.bigint());
      startResolve = null;
      break;
    case 'abort':
      engine.abortInFlight('interrupted');
      break;
    case 'hold':
      engine.holdSends(msg.held);
      break;
  }
});

const summary = await engine.run();
flush();
post({ type: 'done', summary });
port.close();
