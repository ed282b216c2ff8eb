// plotRuns end to end in one process: where each chart's files go for one and for several runs,
// report.html, and the usage errors that come before anything is written.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plotRuns } from '../../../ts/src/plot/plot-runs.js';
import { writeRun } from './run-files.js';

const root = mkdtempSync(join(tmpdir(), 'infermark-plot-runs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const records = Array.from({ length: 30 }, (_, i) => ({ startMs: i * 200, ttft: 10 + (i % 5), itl: 2, latency: 80 + i, isl: 50, osl: 16 }));

describe('plotRuns', () => {
  it('writes one run’s charts straight into <PATH>/plots by default', async () => {
    const dir = join(root, 'single');
    writeRun(dir, { records });
    const result = await plotRuns({ paths: [dir], formats: ['svg'] });
    const out = join(dir, 'plots');
    expect(result.files.every((f) => f.startsWith(`${out}/`) && f.endsWith('.svg'))).toBe(true);
    expect(readdirSync(out).sort()).toEqual(
      ['dispersed_throughput_over_time', 'itl_over_time', 'latency_over_time', 'latency_vs_isl', 'latency_vs_osl', 'ttft_over_time'].map(
        (c) => `${c}.svg`,
      ),
    );
  });

  it('puts each run’s charts into <output>/<run-name>/ and the charts across runs into <output>', async () => {
    const base = join(root, 'sweep');
    writeRun(join(base, 'c1'), { records, summary: { outputTokenThroughput: 100, perUser: 90 } });
    writeRun(join(base, 'c2'), { records, summary: { outputTokenThroughput: 180, perUser: 80 } });
    const out = join(root, 'sweep-plots');
    await plotRuns({ paths: [base], output: out, formats: ['png'] });
    expect(readdirSync(out).sort()).toEqual([
      'c1',
      'c2',
      'pareto_curve_throughput_per_gpu_vs_interactivity.png',
      'pareto_curve_throughput_per_gpu_vs_latency.png',
      'ttft_vs_throughput.png',
    ]);
    expect(readdirSync(join(out, 'c2'))).toContain('ttft_over_time.png');
  });

  it('does not mistake its own earlier output for runs when plotting again', async () => {
    const dir = join(root, 'again');
    writeRun(dir, { records });
    await plotRuns({ paths: [dir], formats: ['svg'] });
    const second = await plotRuns({ paths: [dir], formats: ['svg'] });
    expect(second.model.runs.map((r) => r.name)).toEqual(['again']);
  });

  it('writes report.html next to the charts from the same model and lists it', async () => {
    const dir = join(root, 'html');
    writeRun(dir, { records });
    const result = await plotRuns({ paths: [dir], formats: ['svg', 'html'] });
    const report = join(dir, 'plots', 'report.html');
    expect(result.files).toContain(report);
    expect(result.files.at(-1)).toBe(report);
    const html = readFileSync(report, 'utf8');
    for (const chart of result.model.charts) expect(html).toContain(JSON.stringify(chart.id));
  });

  it('refuses --gpus below 1 and says when there is no run', async () => {
    await expect(plotRuns({ paths: [root], gpus: 0, formats: ['svg'] })).rejects.toThrow('--gpus must be an integer ≥ 1, got 0');
    const empty = mkdtempSync(join(root, 'empty-'));
    await expect(plotRuns({ paths: [empty], formats: ['svg'] })).rejects.toThrow(`no run directories found under ${empty}`);
  });

  it('is a runtime failure naming the path when the output cannot be written', async () => {
    const dir = join(root, 'blocked');
    const { summaryFile } = writeRun(dir, { records });
    await expect(plotRuns({ paths: [dir], output: join(summaryFile, 'plots'), formats: ['svg'] })).rejects.toThrow(
      new RegExp(`^cannot write output file: ${summaryFile}/plots/ttft_over_time.svg: `),
    );
  });
});
