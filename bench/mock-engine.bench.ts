// Question: does the engine simulation stay under docs/serve-mock.md §10's budgets — ≤ 0.2 ms + 2 µs
// per running sequence of CPU per step, and ≤ 64 bytes per KV block of simulated capacity?
// Run: node --expose-gc node_modules/.bin/vite-node bench/mock-engine.bench.ts
// Steps: all step costs set to 0 so steps run back to back; the step rate then measures the
// simulator's own overhead (admission, composition, emission, block registration, scheduling).
import { EngineModel } from '../ts/src/server/engine.js';
import type { Job } from '../ts/src/server/job.js';
import { KvCache, blockHashes } from '../ts/src/server/kv-cache.js';
import { EngineMetrics } from '../ts/src/server/metrics.js';

function job(num: number, promptTokens: number, outputTokens: number, onStep: Job['onStep']): Job {
  return {
    num,
    stream: true,
    promptTokens,
    outputTokens,
    promptIds: Uint32Array.from({ length: promptTokens }, (_, i) => num * 1_000_003 + i),
    outputIds: new Uint32Array(outputTokens),
    submittedAt: performance.now(),
    replica: 0,
    cachedTokens: 0,
    admittedAt: -1,
    onStep,
  };
}

async function stepOverhead(running: number): Promise<{ steps: number; usPerStep: number }> {
  const metrics = [new EngineMetrics()];
  const engine = new EngineModel(
    {
      maxNumSeqs: running,
      maxNumBatchedTokens: 8192,
      stepBaseMs: 0,
      decodeMsPerSeq: 0,
      prefillMsPerToken: 0,
      stepJitterCv: 0,
      kvBlockSize: 16,
      kvCacheBlocks: 1_000_000,
      prefixCache: true,
      replicas: 1,
      seed: 0n,
    },
    metrics,
  );
  // Sequences that finish after a few hundred tokens and are replaced, so admission and
  // block registration are part of the measured work, as in a real run.
  let submitted = 0;
  let stop = false;
  const submit = (): void => {
    const n = submitted++;
    engine.submit(
      job(n, 100, 200, (_t, _now, done) => {
        if (done && !stop) submit();
        return true;
      }),
    );
  };
  for (let i = 0; i < running; i++) submit();
  const start = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  stop = true;
  const cpu = process.cpuUsage(start);
  engine.stop();
  const steps = metrics[0]!.iterationTokens.count;
  return { steps, usPerStep: (cpu.user + cpu.system) / steps + 0 * t0 };
}

/** Bytes per block of simulated capacity: the cache's typed arrays plus any JS-heap growth. */
function kvBytesPerBlock(blocks: number): { arrays: number; heap: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  const before = process.memoryUsage().heapUsed;
  const kv = new KvCache(blocks);
  // Fill the whole capacity with distinct cached blocks (the worst case for memory).
  const perLease = 1024;
  for (let b = 0; b < blocks; b += perLease) {
    const ids = Uint32Array.from({ length: perLease * 16 }, (_, i) => b * 16 + i);
    const hashes = blockHashes(ids, 16);
    const lease = kv.acquire(hashes, 0, perLease)!;
    for (const h of hashes) kv.register(lease, h);
    kv.release(lease);
  }
  gc();
  const heap = process.memoryUsage().heapUsed - before;
  if (kv.cachedBlocks !== blocks) throw new Error(`expected ${blocks} cached blocks, got ${kv.cachedBlocks}`);
  let arrays = 0;
  for (const v of Object.values(kv)) if (ArrayBuffer.isView(v)) arrays += v.byteLength;
  return { arrays: arrays / blocks, heap: Math.max(0, heap) / blocks };
}

console.log('running seqs | steps in 2 s | CPU µs/step | budget µs/step (200 + 2·n)');
for (const n of [1, 64, 256]) {
  const r = await stepOverhead(n);
  console.log(`${String(n).padStart(12)} | ${String(r.steps).padStart(12)} | ${r.usPerStep.toFixed(1).padStart(11)} | ${200 + 2 * n}`);
}
for (const blocks of [16_384, 262_144]) {
  const m = kvBytesPerBlock(blocks);
  console.log(`KV cache full, ${blocks} blocks: typed arrays ${m.arrays.toFixed(1)} B/block, JS heap growth ${m.heap.toFixed(1)} B/block`);
}
