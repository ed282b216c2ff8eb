// The chart builders: which charts a run gets, that options are plain JSON (the browser renders the
// same object), and that the cross-run charts mark the Pareto-optimal runs by metrics/pareto.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crossRunCharts } from '../../../ts/src/plot/cross-run-charts.js';
import { loadRun } from '../../../ts/src/plot/load-run.js';
import type { ChartSpec } from '../../../ts/src/plot/plot-model.js';
import { buildPlotModel } from '../../../ts/src/plot/plot-model-builder.js';
import { discoverRuns } from '../../../ts/src/plot/run-discovery.js';
import { runFigures } from '../../../ts/src/plot/run-summary.js';
import { writeRun } from './run-files.js';

const root = mkdtempSync(join(tmpdir(), 'infermark-charts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const figures = (throughput: number, perUser: number, latency: number, ttft: number) =>
  runFigures([
    { tag: 'output_token_throughput', unit: 'tokens/sec', stats: { avg: throughput } },
    { tag: 'output_token_throughput_per_user', unit: 'tokens/sec/user', stats: { avg: perUser } },
    { tag: 'request_latency', unit: 'ms', stats: { avg: latency } },
    { tag: 'time_to_first_token', unit: 'ms', stats: { avg: ttft } },
  ]);

/** Names of the points in a chart's series of that name. */
const pointNames = (chart: ChartSpec, series: string): string[] =>
  ((chart.option.series as Array<{ name: string; data: Array<{ name: string }> }>).find((s) => s.name === series)?.data ?? []).map(
    (d) => d.name,
  );

function isPlainJson(value: unknown): boolean {
  if (value === null || ['string', 'boolean'].includes(typeof value)) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.values(value as object).every(isPlainJson);
  return false;
}

describe('cross-run charts', () => {
  const runs = [
    { name: 'c1', figures: figures(100, 90, 100, 10) },
    { name: 'c4', figures: figures(350, 80, 120, 15) },
    { name: 'c8', figures: figures(300, 60, 200, 30) }, // dominated by c4 on both axes
    { name: 'c16', figures: figures(600, 40, 400, 80) },
  ];

  it('are made only when there are several runs', () => {
    expect(crossRunCharts('light', runs.slice(0, 1), 1)).toEqual([]);
    expect(crossRunCharts('light', runs, 1).map((c) => c.id)).toEqual([
      'pareto_curve_throughput_per_gpu_vs_interactivity',
      'pareto_curve_throughput_per_gpu_vs_latency',
      'ttft_vs_throughput',
    ]);
  });

  it('mark the runs no other run beats on both axes, joined in x order', () => {
    const [interactivity, latency] = crossRunCharts('light', runs, 1);
    expect(pointNames(interactivity!, 'Pareto-optimal')).toEqual(['c16', 'c4', 'c1']);
    expect(pointNames(interactivity!, 'run')).toEqual(['c8']);
    // Latency is better when lower: c8 (200 ms, 300 tok/s) is beaten by c4 (120 ms, 350 tok/s).
    expect(pointNames(latency!, 'Pareto-optimal')).toEqual(['c1', 'c4', 'c16']);
  });

  it('divide throughput by --gpus on the per-GPU axis', () => {
    const [chart] = crossRunCharts('light', runs, 4);
    const frontier = (chart!.option.series as Array<{ name: string; data: Array<{ name: string; value: number[] }> }>)[1]!.data;
    expect(frontier.find((d) => d.name === 'c16')!.value).toEqual([40, 150]);
    expect(JSON.stringify(chart!.option)).toContain('throughput divided by 4 GPUs');
  });

  it('leave out a run without the metrics, and never mark it', () => {
    const broken = [...runs, { name: 'failed', figures: figures(NaN, NaN, NaN, NaN) }];
    const [chart] = crossRunCharts('light', broken, 1);
    expect([...pointNames(chart!, 'run'), ...pointNames(chart!, 'Pareto-optimal')]).not.toContain('failed');
    expect(JSON.stringify(chart!.option)).toContain('1 run without these metrics left out');
  });

  it('use per-user E2E throughput when the run was not streamed (docs/cli.md §8)', () => {
    const f = runFigures([{ tag: 'e2e_output_token_throughput', unit: 'tokens/sec/user', stats: { avg: 33 } }]);
    expect(f.tokensPerUser).toBe(33);
  });
});

describe('buildPlotModel', () => {
  it('gives a run its per-run charts, as plain JSON, with the summary, errors and notes of the run', async () => {
    const dir = join(root, 'one');
    const records = Array.from({ length: 50 }, (_, i) => ({
      startMs: i * 100,
      ttft: 10 + i,
      itl: 2,
      latency: 100 + i,
      isl: 100 + i,
      osl: 20,
      scheduleLag: 0.5,
    }));
    writeRun(dir, { records });
    writeFileSync(
      join(dir, 'profile_export_aiperf_timeslices.json'),
      JSON.stringify({
        slice_duration_seconds: 2,
        timeslices: [0, 1, 2].map((k) => ({
          start_ns: 1e18 + k * 2e9,
          time_to_first_token: { unit: 'ms', avg: 10 + k, p50: 9, p90: 12, p99: 13 },
          request_throughput: { unit: 'requests/sec', avg: 5 },
        })),
      }),
    );
    writeFileSync(
      join(dir, 'server_metrics_export.json'),
      JSON.stringify({
        schema_version: '1.0',
        metrics: {
          'vllm:num_requests_running': { type: 'gauge', series: [{ labels: { engine: '0' }, stats: { avg: 3.5, p50: 4, max: 4 } }] },
          'vllm:time_to_first_token_seconds': {
            type: 'histogram',
            series: [{ labels: {}, stats: { count: 5, avg: 0.01, p50_estimate: 0.01, p90_estimate: 0.02, p99_estimate: 0.05 } }],
          },
          'vllm:prompt_tokens_total': { type: 'counter', series: [{ labels: {}, stats: { total: 5, rate: 1 } }] },
        },
      }),
    );
    const loaded = await loadRun(discoverRuns([dir])[0]!);
    const model = buildPlotModel([loaded], { theme: 'dark', gpus: 1 });
    expect(model.charts.map((c) => c.id)).toEqual([
      'ttft_over_time',
      'itl_over_time',
      'latency_over_time',
      'dispersed_throughput_over_time',
      'timeslices_time_to_first_token',
      'timeslices_request_throughput',
      'latency_vs_isl',
      'latency_vs_osl',
      'schedule_lag_over_time',
      'server_metrics_gauges',
      'server_metrics_latency_histograms',
    ]);
    expect(model.charts.every((c) => c.run === 'one')).toBe(true);
    for (const chart of model.charts) expect(isPlainJson(chart.option), chart.id).toBe(true);
    expect(model.runs).toEqual([
      expect.objectContaining({
        name: 'one',
        producer: 'infermark',
        records: 50,
        errors: [{ code: 500, type: 'HTTPError', message: 'boom', count: 2 }],
        config: { endpoint: { model_names: ['m'] } },
        notes: [],
      }),
    ]);
    expect(model.runs[0]!.summary.find((r) => r.tag === 'request_latency')).toEqual({
      tag: 'request_latency',
      unit: 'ms',
      stats: { avg: 200, p99: 400 },
    });
  });

  it('draws every request of a small run with its median line, and the scatter at its real values', async () => {
    const dir = join(root, 'small');
    writeRun(dir, { records: [0, 1, 2].map((i) => ({ startMs: i * 1000, ttft: 10 * (i + 1), latency: 100, osl: 5 })) });
    const model = buildPlotModel([await loadRun(discoverRuns([dir])[0]!)], { theme: 'light', gpus: 1 });
    const ttft = model.charts.find((c) => c.id === 'ttft_over_time')!;
    const [scatter, median] = ttft.option.series as Array<{ type: string; data: number[][] }>;
    expect(scatter!.type).toBe('scatter');
    expect(scatter!.data).toEqual([
      [0, 10],
      [1, 20],
      [2, 30],
    ]);
    expect(median!.type).toBe('line');
    expect(median!.data.length).toBeGreaterThan(0);
    // No ITL values, no schedule lag, no time slices: those charts are left out, not drawn empty.
    expect(model.charts.map((c) => c.id)).not.toContain('itl_over_time');
    expect(model.charts.map((c) => c.id)).not.toContain('schedule_lag_over_time');
  });

  it('notes a time-slice file it could not read and still plots the run', async () => {
    const dir = join(root, 'bad-slices');
    writeRun(dir);
    writeFileSync(join(dir, 'profile_export_aiperf_timeslices.json'), '{\n"timeslices": [\n}');
    const loaded = await loadRun(discoverRuns([dir])[0]!);
    expect(loaded.notes).toEqual([
      expect.stringMatching(/^time slices skipped: invalid JSON in .*profile_export_aiperf_timeslices\.json:3: /),
    ]);
    expect(buildPlotModel([loaded], { theme: 'light', gpus: 1 }).charts.length).toBeGreaterThan(0);
  });

  it('refuses a summary that is not valid JSON, naming the file and line', async () => {
    const dir = join(root, 'bad-summary');
    const { summaryFile } = writeRun(dir);
    writeFileSync(summaryFile, '{"schema_version": "1.5",\n"x": }');
    await expect(loadRun(discoverRuns([dir])[0]!)).rejects.toThrow(new RegExp(`^invalid run summary ${summaryFile}:2: `));
  });

  it('reads an AIPerf-shaped summary and says so', async () => {
    const dir = join(root, 'aiperf');
    writeRun(dir, { summary: { producer: 'aiperf' } });
    const loaded = await loadRun(discoverRuns([dir])[0]!);
    expect(loaded.summary.producer).toBe('aiperf');
  });
});
