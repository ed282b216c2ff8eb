// One streaming pass over a records file: what is counted, what is drawn, what is skipped and why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withoutChunkLatencies } from '../../../ts/src/plot/record-fields.js';
import { readRunRecords } from '../../../ts/src/plot/run-records.js';
import { recordLine, writeRun } from './run-files.js';

const root = mkdtempSync(join(tmpdir(), 'infermark-records-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const file = (lines: string[], tail = '\n'): string => {
  const path = join(root, `r${n++}.jsonl`);
  writeFileSync(path, lines.join('\n') + tail);
  return path;
};

describe('withoutChunkLatencies', () => {
  it('removes only the inter_chunk_latency list, leaving every other field as parsed before', () => {
    const line = recordLine({ startMs: 5, ttft: 10, itl: 2, latency: 30, isl: 100, osl: 11 });
    const full = JSON.parse(line);
    const cut = JSON.parse(withoutChunkLatencies(line));
    expect(cut.metrics.inter_chunk_latency.value).toBeNull();
    delete full.metrics.inter_chunk_latency;
    delete cut.metrics.inter_chunk_latency;
    expect(cut).toEqual(full);
  });
  it('leaves a line without the list unchanged', () => {
    const line = recordLine({ startMs: 0, error: true });
    expect(withoutChunkLatencies(line)).toBe(line);
  });
});

describe('readRunRecords', () => {
  it('counts successes and failures, leaves warmup out, and measures time from the earliest start', async () => {
    // Records are in finishing order: the earliest start is not the first line.
    const path = file([
      recordLine({ startMs: 500, ttft: 10, itl: 2, latency: 30, isl: 100, osl: 11 }),
      recordLine({ startMs: 100, ttft: 12, itl: 3, latency: 40, isl: 90, osl: 10 }),
      recordLine({ startMs: 0, phase: 'warmup', ttft: 1, latency: 2, osl: 1 }),
      recordLine({ startMs: 300, error: true }),
    ]);
    const r = await readRunRecords(path);
    expect(r).toMatchObject({ records: 3, successes: 2, failures: 1, warmup: 1, skipped: 0, partialLastLine: false });
    expect(r.sample.map((p) => p.t)).toEqual([0.4, 0]);
    expect(r.sample[1]).toEqual({ t: 0, ttft: 12, itl: 3, latency: 40, isl: 90, osl: 10, scheduleLag: NaN });
  });

  it('skips and counts unusable lines, naming the first one, and keeps reading', async () => {
    const path = file([
      recordLine({ startMs: 0, ttft: 10, latency: 30, osl: 5 }),
      '{"metadata": {"request_start_ns": 1',
      '[1, 2]',
      '{"metadata": {"request_start_ns": "soon"}}',
      '',
      recordLine({ startMs: 10, ttft: 10, latency: 30, osl: 5 }),
    ]);
    const r = await readRunRecords(path);
    expect(r.records).toBe(2);
    expect(r.skipped).toBe(3);
    expect(r.firstSkip).toMatch(/^line 2: not JSON/);
  });

  it('leaves out an unfinished last line (a run stopped while writing, docs/exports.md §10.2)', async () => {
    const path = file([recordLine({ startMs: 0, ttft: 1, latency: 2, osl: 1 }), '{"metadata": {"req'], '');
    const r = await readRunRecords(path);
    expect(r).toMatchObject({ records: 1, skipped: 0, partialLastLine: true });
  });

  it('draws at most the sample size, spread over the whole run, while the median line uses every record', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({ startMs: i * 10, ttft: i < 500 ? 10 : 100, latency: 200, osl: 10 }));
    const { recordsFile } = writeRun(join(root, 'big'), { records });
    const r = await readRunRecords(recordsFile, { sampleSize: 64 });
    expect(r.sample.length).toBeLessThanOrEqual(64);
    expect(r.sample.length).toBeGreaterThanOrEqual(32);
    expect(r.sample[0]!.t).toBe(0);
    expect(r.sample.at(-1)!.t).toBeGreaterThan(8);
    // The median line steps from 10 to 100 ms half way (values within the 1 % of the histograms).
    const early = r.medians.ttft.filter((p) => p.t < 4);
    const late = r.medians.ttft.filter((p) => p.t > 6);
    expect(early.every((p) => Math.abs(p.median - 10) / 10 < 0.01)).toBe(true);
    expect(late.every((p) => Math.abs(p.median - 100) / 100 < 0.01)).toBe(true);
    expect(r.medians.ttft.reduce((s, p) => Math.max(s, p.count), 0)).toBeGreaterThan(0);
  });

  it('spreads output tokens over [first token, last content] into 1 s bins from the first start', async () => {
    // 100 tokens between 0.5 s and 2.5 s after the start: 25, 50, 25 tokens in seconds 0, 1, 2.
    const path = file([recordLine({ startMs: 0, ttft: 500, latency: 2500, osl: 100 })]);
    const r = await readRunRecords(path);
    expect(r.throughput.map((b) => b.t)).toEqual([0, 1, 2]);
    expect(r.throughput.map((b) => Math.round(b.tokensPerSecond * 1e9) / 1e9)).toEqual([25, 50, 25]);
  });

  it('is a usage error naming a records file that cannot be read', async () => {
    await expect(readRunRecords(join(root, 'missing.jsonl'))).rejects.toThrow(`input file not found: ${join(root, 'missing.jsonl')}`);
  });
});
