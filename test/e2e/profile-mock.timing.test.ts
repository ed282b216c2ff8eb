// The engine against serve-mock's `simple` model with fixed TTFT/ITL and no jitter: the measured
// TTFT, ITL and latency match the injected ground truth within docs/serve-mock.md §6's tolerance
// (TTFT ± 3 ms, latency ± 5 ms). Only latency checks belong here (this file runs alone, after the
// main suite); request counts and ISL/OSL against the mock's counts are in profile-mock.test.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSyntheticDataset, type Dataset } from '../../ts/src/dataset/synthetic.js';
import { wallNs } from '../../ts/src/metrics/clock.js';
import { LoadEngine, type EngineOptions } from '../../ts/src/load/engine.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { RecordProcessor, type MetricRecord } from '../../ts/src/metrics/record-processor.js';
import { createInlineTokenCountService } from '../../ts/src/metrics/token-count.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer, type Tokenizer } from '../../ts/src/tokenizer/index.js';
import { type ChildServer, startMockProcess } from '../helpers/child-server.js';

const TTFT = 40;
const ITL = 5;
const OSL = 20;
// The mock runs in its own process (built CLI): sharing the client's event loop would add the
// mock's own work to every measured latency.
let mock: ChildServer | undefined;
let recordDir = '';
const recordFile = (): string => join(recordDir, 'mock-requests.jsonl');

/** The mock's ground truth (docs/serve-mock.md §8): one row per finished request, oldest first. */
function recordedRows(): Array<{ ttft_ms: number; e2e_ms: number }> {
  if (!existsSync(recordFile())) return [];
  const text = readFileSync(recordFile(), 'utf8');
  // A row being appended may be cut short: only complete lines count.
  return text
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l));
}

let tok: Tokenizer;
let dataset: Dataset;

beforeAll(async () => {
  tok = await loadTokenizer('builtin');
  dataset = buildSyntheticDataset(
    tok,
    { isl: 120, islStddev: 20, osl: OSL, oslStddev: 0, numDatasetEntries: 16, seed: 1n, sharedSystemPromptLength: null },
    'completions',
  );
  recordDir = mkdtempSync(join(tmpdir(), 'infermark-profile-mock-'));
  // No tokenizer threads: these prompts are short (they would stay on the serving thread anyway),
  // and a thread still loading its tokenizer would take CPU from the first test's measurements.
  mock = await startMockProcess([
    '--latency-model',
    'simple',
    '--ttft',
    String(TTFT),
    '--itl',
    String(ITL),
    '--tokenizer-threads',
    '0',
    '--record-requests',
    recordFile(),
  ]);
}, 60_000);
afterAll(async () => {
  // On SIGTERM the mock writes its recorder summary into recordDir: removed once it has exited.
  await mock?.stop();
  if (recordDir) rmSync(recordDir, { recursive: true, force: true });
});

function options(over: Partial<EngineOptions>): EngineOptions {
  return {
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
    urls: [mock!.url],
    timeoutMs: 30_000,
    dataset,
    trace: null,
    scheduleZeroMs: 0,
    seed: 0n,
    mode: { kind: 'concurrency', concurrency: 4 },
    requestCount: 40,
    benchmarkDurationMs: null,
    gracePeriodMs: 30_000,
    // Warm the connections and the mock's code paths so first-request effects stay out.
    warmupRequestCount: 4,
    warmupDurationMs: null,
    cancellationRate: null,
    cancellationDelayMs: 0,
    failedRequestThreshold: null,
    interruptGraceMs: 1000,
    ...over,
  };
}

async function runAndProcess(over: Partial<EngineOptions>): Promise<MetricRecord[]> {
  const engine = new LoadEngine(options(over));
  const raws: RawRequestRecord[] = [];
  engine.on('record', (r: RawRequestRecord) => raws.push(r));
  await engine.run();
  const processor = new RecordProcessor({ tokens: createInlineTokenCountService(tok), toWallNs: wallNs });
  return (await processor.processBatch(raws)).filter((r) => r.phase === 'profiling');
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const metric = (recs: MetricRecord[], tag: string): number[] => recs.map((r) => r.metrics[tag] as number);

describe('profile engine against the simple mock (jitter 0)', () => {
  it('measures TTFT within ±3 ms, ITL ≈ itl and latency within ±5 ms of ttft + (osl−1)·itl', async () => {
    const recs = await runAndProcess({});
    const ttft = metric(recs, 'time_to_first_token');
    const latency = metric(recs, 'request_latency');
    const itl = metric(recs, 'inter_token_latency');
    expect(Math.abs(median(ttft) - TTFT)).toBeLessThanOrEqual(3);
    expect(Math.abs(median(latency) - (TTFT + (OSL - 1) * ITL))).toBeLessThanOrEqual(5);
    expect(Math.abs(median(itl) - ITL)).toBeLessThanOrEqual(0.5);
  });

  // In flight on a shared 2-core machine the mock's own timers run late, so the property
  // checked is the client's overhead: client TTFT − the TTFT the mock itself recorded.
  it('adds at most 3 ms to the server-side TTFT at concurrency 8', async () => {
    const before = recordedRows().length;
    const recs = await runAndProcess({ mode: { kind: 'concurrency', concurrency: 8 }, requestCount: 96, warmupRequestCount: 8 });
    // The mock appends a row when it has sent a response, maybe after the client has it: wait for
    // this run's 8 + 96 rows.
    await vi.waitFor(() => expect(recordedRows().length).toBeGreaterThanOrEqual(before + 8 + 96), { timeout: 10_000, interval: 20 });
    const truth = recordedRows().slice(before + 8, before + 8 + 96);
    const clientTtft = median(metric(recs, 'time_to_first_token'));
    const serverTtft = median(truth.map((t) => t.ttft_ms));
    expect(clientTtft - serverTtft).toBeGreaterThanOrEqual(0);
    expect(clientTtft - serverTtft).toBeLessThanOrEqual(3);
    const clientLatency = median(metric(recs, 'request_latency'));
    const serverE2e = median(truth.map((t) => t.e2e_ms));
    expect(Math.abs(clientLatency - serverE2e)).toBeLessThanOrEqual(5);
  });

  it('paces open-loop arrivals: constant rate sends at the scheduled instants', async () => {
    const recs = await runAndProcess({
      mode: { kind: 'rate', rate: 50, pattern: 'constant', smoothness: 1, concurrency: null },
      requestCount: 25,
      warmupRequestCount: 2,
    });
    const starts = recs.map((r) => r.raw.requestStartNs).sort((a, b) => (a < b ? -1 : 1));
    const spanS = Number(starts.at(-1)! - starts[0]!) / 1e9;
    expect(Math.abs(24 / spanS / 50 - 1)).toBeLessThan(0.05);
    const lagsMs = recs.map((r) => Number(r.raw.requestStartNs - r.raw.scheduledNs!) / 1e6);
    // Never early; typically sub-millisecond late. The median, not the max: one OS
    // descheduling on a shared machine can delay a single send by tens of ms.
    expect(Math.min(...lagsMs)).toBeGreaterThanOrEqual(0);
    expect(median(lagsMs)).toBeLessThan(5);
  });
});
