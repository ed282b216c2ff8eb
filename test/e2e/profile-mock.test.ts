// The engine against serve-mock, apart from timing (that is profile-mock.timing.test.ts): every
// request is sent and recorded once, and the ISL/OSL the client reports are what the mock counted
// (its ground truth, docs/serve-mock.md §8).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticDataset, type Dataset } from '../../ts/src/dataset/synthetic.js';
import { LoadEngine, type EngineOptions } from '../../ts/src/load/engine.js';
import { wallNs } from '../../ts/src/metrics/clock.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { RecordProcessor, type MetricRecord } from '../../ts/src/metrics/record-processor.js';
import { createInlineTokenCountService } from '../../ts/src/metrics/token-count.js';
import { startMockServer } from '../../ts/src/server/mock-server.js';
import { loadTokenizer, type Tokenizer } from '../../ts/src/tokenizer/index.js';

const OSL = 20;
let tok: Tokenizer;
let dataset: Dataset;
let dir = '';

beforeAll(async () => {
  tok = await loadTokenizer('builtin');
  dataset = buildSyntheticDataset(
    tok,
    { isl: 120, islStddev: 20, osl: OSL, oslStddev: 0, numDatasetEntries: 16, seed: 1n, sharedSystemPromptLength: null },
    'completions',
  );
  dir = mkdtempSync(join(tmpdir(), 'infermark-profile-mock-'));
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run the engine (no warmup) against a fresh `none`-model mock; returns its records and the mock's recorded rows. */
async function runAgainstMock(
  name: string,
  over: Partial<EngineOptions>,
): Promise<{ recs: MetricRecord[]; truth: Array<{ prompt_tokens: number; output_tokens: number }> }> {
  const recordFile = join(dir, `${name}.jsonl`);
  const mock = await startMockServer({ port: 0, latencyModel: 'none', recordRequests: recordFile });
  const raws: RawRequestRecord[] = [];
  try {
    const engine = new LoadEngine({
      endpoint: {
        type: 'completions',
        path: '/v1/completions',
        streaming: true,
        apiKey: null,
        headers: {},
        extra: {},
        streamUsage: true,
        useLegacyMaxTokens: false,
      },
      models: ['mock-model'],
      urls: [mock.url],
      timeoutMs: 30_000,
      dataset,
      trace: null,
      scheduleZeroMs: 0,
      seed: 0n,
      mode: { kind: 'concurrency', concurrency: 4 },
      requestCount: 40,
      benchmarkDurationMs: null,
      gracePeriodMs: 30_000,
      warmupRequestCount: 0,
      warmupDurationMs: null,
      cancellationRate: null,
      cancellationDelayMs: 0,
      failedRequestThreshold: null,
      interruptGraceMs: 1000,
      ...over,
    });
    engine.on('record', (r: RawRequestRecord) => raws.push(r));
    await engine.run();
  } finally {
    // Closing the mock flushes its recorder: every row is in the file once close resolves.
    await mock.close();
  }
  const processor = new RecordProcessor({ tokens: createInlineTokenCountService(tok), toWallNs: wallNs });
  const recs = await processor.processBatch(raws);
  const truth = readFileSync(recordFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return { recs, truth };
}

const metric = (recs: MetricRecord[], tag: string): number[] => recs.map((r) => r.metrics[tag] as number);
const ascending = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

describe('profile engine against the mock (bookkeeping)', () => {
  it('closed loop: sends the request count once each; OSL as requested; ISL as requested, as the client counted it and as the mock did', async () => {
    const { recs, truth } = await runAgainstMock('closed', { mode: { kind: 'concurrency', concurrency: 8 }, requestCount: 96 });
    expect(recs).toHaveLength(96);
    expect(recs.map((r) => r.error)).toEqual(recs.map(() => null));
    expect(new Set(recs.map((r) => r.raw.requestNum)).size).toBe(96);
    expect(metric(recs, 'output_sequence_length')).toEqual(recs.map(() => OSL));
    for (const r of recs) expect(r.metrics['input_sequence_length']).toBe(r.raw.clientIsl);
    // Issue 9: prompts re-encode to exactly their requested length (they used to be one short at times).
    for (const r of recs) expect(r.metrics['input_sequence_length']).toBe(r.raw.requestedIsl);
    expect(metric(recs, 'input_sequence_length').every((v) => v > 0)).toBe(true);
    // Completions prompts carry no chat template, so the mock counts exactly what the client did.
    expect(truth).toHaveLength(96);
    expect(ascending(truth.map((t) => t.prompt_tokens))).toEqual(ascending(metric(recs, 'input_sequence_length')));
    expect(ascending(truth.map((t) => t.prompt_tokens))).toEqual(ascending(recs.map((r) => r.raw.requestedIsl!)));
    expect(truth.map((t) => t.output_tokens)).toEqual(truth.map(() => OSL));
  });

  it('open loop at a constant rate: sends the request count, each once', async () => {
    const { recs, truth } = await runAgainstMock('rate', {
      mode: { kind: 'rate', rate: 1000, pattern: 'constant', smoothness: 1, concurrency: null },
      requestCount: 25,
    });
    expect(recs).toHaveLength(25);
    expect(ascending(recs.map((r) => r.raw.requestNum))).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(recs.every((r) => r.error === null && r.raw.scheduledNs !== null)).toBe(true);
    expect(truth).toHaveLength(25);
  });
});
