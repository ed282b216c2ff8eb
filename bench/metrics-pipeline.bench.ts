// Question: how many finished requests per second can the metrics/report side absorb, and how
// long does the end-of-run aggregation take? (It must keep up with the engine without delaying it.)
// Run: npm run build:ts && npx vite-node bench/metrics-pipeline.bench.ts [-- --records 5000 --osl 200 --tokenize-isl]
// Input: synthetic streaming RawRequestRecords (seeded), OSL tokens split over OSL SSE events,
// realistic chat bodies; the bundled Qwen3 tokenizer counts ISL and OSL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import type { RawRequestRecord } from '../ts/src/metrics/raw-record.js';
import { aggregate } from '../ts/src/metrics/aggregate.js';
import { RecordProcessor, type MetricRecord } from '../ts/src/metrics/record-processor.js';
import { createInlineTokenCountService } from '../ts/src/metrics/token-count.js';
import { createWorkerTokenCountService } from '../ts/src/metrics/token-count-pool.js';
import { resolveProfileConfig } from '../ts/src/config/profile-config.js';
import { RunPipeline } from '../ts/src/profile/run-pipeline.js';
import { standardReporters } from '../ts/src/profile/standard-reporters.js';
import { loadTokenizer } from '../ts/src/tokenizer/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--records', 5_000);
// The engine fills clientIsl from the dataset; --tokenize-isl makes the processor count it too.
const TOKENIZE_ISL = process.argv.includes('--tokenize-isl');
const OSL = arg('--osl', 200);
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'token', 'model', 'server', 'latency', 'the', 'of'];

let seed = 12345;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

function makeRecord(i: number): RawRequestRecord {
  const start = BigInt(i) * 10_000_000n;
  const responses = [];
  for (let k = 0; k < OSL; k++) {
    const w = WORDS[Math.floor(rnd() * WORDS.length)]!;
    responses.push({
      recvNs: start + 50_000_000n + BigInt(k) * 20_000_000n,
      data: JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: ` ${w}` }, finish_reason: null }],
      }),
    });
  }
  responses.push({
    recvNs: start + 50_000_000n + BigInt(OSL) * 20_000_000n,
    data: JSON.stringify({ choices: [], usage: { prompt_tokens: 500, completion_tokens: OSL, total_tokens: 500 + OSL } }),
  });
  responses.push({ recvNs: start + 50_000_000n + BigInt(OSL) * 20_000_000n, data: '[DONE]' });
  const prompt = Array.from({ length: 400 }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
  return {
    requestNum: i,
    sessionNum: i,
    xRequestId: `r${i}`,
    xCorrelationId: `c${i}`,
    conversationId: null,
    turnIndex: 0,
    phase: 'profiling',
    workerId: 'worker_0',
    scheduledNs: null,
    creditIssuedNs: start,
    requestStartNs: start,
    requestAckNs: start + 1_000_000n,
    requestEndNs: start + 60_000_000n + BigInt(OSL) * 20_000_000n,
    responses,
    httpStatus: 200,
    error: null,
    wasCancelled: false,
    cancellationNs: null,
    request: {
      url: 'http://127.0.0.1:1/v1/chat/completions',
      headers: { Authorization: 'Bearer sk-bench' },
      body: { model: 'm', messages: [{ role: 'user', content: prompt }], stream: true },
    },
    model: 'm',
    endpointType: 'chat',
    streaming: true,
    clientIsl: TOKENIZE_ISL ? null : 500,
    requestedIsl: 500,
    requestedOsl: OSL,
    traceLine: null,
    materialised: false,
    historyChars: 0,
    clockOffsetNs: 0n,
    waitedForSlot: false,
    connectionResends: 0,
  };
}

const tokenizer = await loadTokenizer('builtin');
const raws = Array.from({ length: N }, (_, i) => makeRecord(i));
const toWallNs = (x: bigint): bigint => 1_700_000_000_000_000_000n + x;
const processor = new RecordProcessor({ tokens: createInlineTokenCountService(tokenizer), toWallNs });
const BATCH = 256;
let processed: MetricRecord[] = [];

const bench = new Bench({ iterations: 3, warmupIterations: 0, time: 0 });
bench.add(`process ${N} records (OSL ${OSL}, ISL ~500, inline Qwen3)`, async () => {
  processed = [];
  for (let i = 0; i < raws.length; i += BATCH) processed.push(...(await processor.processBatch(raws.slice(i, i + BATCH))));
});
bench.add(`process ${N} records, 2 worker threads (record_processor_0/1)`, async () => {
  const pool = createWorkerTokenCountService('builtin', 2);
  if (!pool) throw new Error('build first: npm run build:ts');
  const p = new RecordProcessor({ tokens: pool, toWallNs });
  await pool.countBatch(['warm up']);
  const batches: Promise<MetricRecord[]>[] = [];
  for (let i = 0; i < raws.length; i += BATCH) batches.push(p.processBatch(raws.slice(i, i + BATCH)));
  await Promise.all(batches);
  await pool.close();
});
bench.add(`aggregate ${N} records`, () => {
  aggregate(processed, { goodput: { time_to_first_token: 100 } });
});
bench.add(`run pipeline end to end, 2 worker threads: ${N} records → all files`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'infermark-bench-'));
  const config = resolveProfileConfig(
    {
      model: ['m'],
      url: ['http://127.0.0.1:1'],
      streaming: true,
      concurrency: 64,
      artifactDir: dir,
      sliceDuration: 10,
      noServerMetrics: true,
      ui: 'none',
    },
    ['infermark', 'profile'],
  );
  const pipeline = await RunPipeline.open({
    config,
    reporters: standardReporters(),
    tokens: tokenizer,
    tokenizer: { spec: 'builtin', resolvedPath: null },
    goodput: null,
    version: 'bench',
    recordProcessorThreads: 2,
    toWallNs,
  });
  for (const r of raws) pipeline.record(r);
  await pipeline.finish();
  rmSync(dir, { recursive: true, force: true });
});
await bench.run();

console.table(
  bench.tasks.map((task) => {
    const r = task.result as { latency?: { mean: number }; mean?: number } | undefined;
    const ms = r?.latency?.mean ?? r?.mean ?? NaN;
    return { task: task.name, 'mean ms': ms.toFixed(1), 'records/s': Math.round(N / (ms / 1000)).toLocaleString('en-US') };
  }),
);
