// GPU telemetry in `plot` (docs/cli.md §7.1–7.3): the export is found beside a run, read per GPU
// (absent fields stay absent, the energy counter becomes joules since the first sample), drawn as
// four charts on the run's time axis, and its unusable lines are noted like the records file's.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_GPU_POINTS, readGpuTelemetry } from '../../../ts/src/plot/gpu-telemetry-file.js';
import { loadRun } from '../../../ts/src/plot/load-run.js';
import { buildPlotModel } from '../../../ts/src/plot/plot-model-builder.js';
import { discoverRuns } from '../../../ts/src/plot/run-discovery.js';
import { writeRun } from './run-files.js';

const FIXTURE = resolve(__dirname, '../../fixtures/gpu-telemetry/gpu_telemetry_export.jsonl');
const root = mkdtempSync(join(tmpdir(), 'infermark-gpu-charts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const GPU_CHARTS = ['gpu_power_over_time', 'gpu_utilization_over_time', 'gpu_memory_used_over_time', 'gpu_energy_over_time'];
type Series = { name: string; data: Array<[number, number | null]> };
const seriesOf = (option: Record<string, unknown>): Series[] => option.series as Series[];

function line(over: { t?: number; uuid?: string; host?: string; index?: number; data?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    timestamp_ns: over.t ?? 1_796_000_000_000_000_000,
    telemetry_source_url: 'http://localhost:9400/metrics',
    gpu_index: over.index ?? 0,
    gpu_uuid: over.uuid ?? 'GPU-a',
    gpu_model_name: 'NVIDIA H100 80GB HBM3',
    hostname: over.host ?? 'node-a',
    telemetry_data: over.data ?? { nvidia_power_usage: 100 },
  });
}

describe('finding the export', () => {
  it('takes gpu_telemetry_export.jsonl beside the default names and P_gpu_telemetry.jsonl beside a prefix P', () => {
    const a = join(root, 'find', 'default');
    writeRun(a);
    copyFileSync(FIXTURE, join(a, 'gpu_telemetry_export.jsonl'));
    const b = join(root, 'find', 'custom');
    writeRun(b, { prefix: 'run1' });
    writeFileSync(join(b, 'run1_gpu_telemetry.jsonl'), `${line()}\n`);
    const c = join(root, 'find', 'none');
    writeRun(c);
    const runs = discoverRuns([join(root, 'find')]);
    expect(runs.map((r) => [r.name, r.gpuTelemetryFile])).toEqual([
      ['custom', join(b, 'run1_gpu_telemetry.jsonl')],
      ['default', join(a, 'gpu_telemetry_export.jsonl')],
      ['none', null],
    ]);
  });
});

describe('reading the export', () => {
  it('gives one series per GPU with the values as written, absent fields as NaN, energy in J since the first sample', async () => {
    const t = await readGpuTelemetry(FIXTURE);
    expect(t).toMatchObject({ samples: 22, skipped: 0, partialLastLine: false, gpusLeftOut: 0 });
    const [g0, g1] = t.gpus;
    expect([g0!.label, g1!.label]).toEqual(['GPU 0', 'GPU 1']);
    expect(g0!.modelName).toBe('NVIDIA H100 80GB HBM3');
    expect(g0!.powerW).toEqual(Array.from({ length: 11 }, (_, k) => 100 + 20 * k));
    expect(g0!.tMs[1]! - g0!.tMs[0]!).toBeCloseTo(500, 3);
    expect(g0!.energyJ.map((e) => Number(e.toFixed(6)))).toEqual(Array.from({ length: 11 }, (_, k) => 100 * k));
    expect(g1!.energyJ.map((e) => Number(e.toFixed(6)))).toEqual(Array.from({ length: 11 }, (_, k) => 75 * k));
    expect(Number.isNaN(g1!.powerW[5])).toBe(true);
    expect(g1!.memoryTotalGb.every(Number.isNaN)).toBe(true);
  });

  it('counts a restart of the energy counter as a new start, not a loss', async () => {
    const path = join(root, 'restart.jsonl');
    const at = (k: number, mj: number) => line({ t: 1_796_000_000_000_000_000 + k * 1e9, data: { nvidia_energy_consumption: mj } });
    writeFileSync(path, `${[at(0, 5), at(1, 5.001), at(2, 0.0005), at(3, 0.001)].join('\n')}\n`);
    const [gpu] = (await readGpuTelemetry(path)).gpus;
    expect(gpu!.energyJ.map((e) => Math.round(e))).toEqual([0, 1000, 1500, 2000]);
  });

  it('names GPUs by host when there are several hosts, and by UUID when that is still ambiguous', async () => {
    const path = join(root, 'hosts.jsonl');
    writeFileSync(
      path,
      `${[line({ host: 'b', uuid: 'GPU-1' }), line({ host: 'a', uuid: 'GPU-2' }), line({ host: 'a', uuid: 'GPU-3' })].join('\n')}\n`,
    );
    expect((await readGpuTelemetry(path)).gpus.map((g) => g.label)).toEqual(['a GPU 0 (GPU-2)', 'a GPU 0 (GPU-3)', 'b GPU 0']);
  });

  it(`draws at most ${MAX_GPU_POINTS} points per GPU, the first and last among them`, async () => {
    const path = join(root, 'long.jsonl');
    const n = 5 * MAX_GPU_POINTS + 3;
    writeFileSync(
      path,
      `${Array.from({ length: n }, (_, k) => line({ t: 1_796_000_000_000_000_000 + k * 1e8, data: { nvidia_power_usage: k } })).join('\n')}\n`,
    );
    const [gpu] = (await readGpuTelemetry(path)).gpus;
    expect(gpu!.powerW.length).toBeLessThanOrEqual(MAX_GPU_POINTS + 1);
    expect([gpu!.powerW[0], gpu!.powerW.at(-1)]).toEqual([0, n - 1]);
  });
});

describe('the GPU charts', () => {
  it('draw power, utilisation, memory and energy per GPU on the run’s time axis, as plain JSON', async () => {
    const dir = join(root, 'charts');
    writeRun(dir, { records: [0, 1, 2].map((i) => ({ startMs: i * 1000, ttft: 10, latency: 100, osl: 5 })) });
    copyFileSync(FIXTURE, join(dir, 'gpu_telemetry_export.jsonl'));
    const loaded = await loadRun(discoverRuns([dir])[0]!);
    expect(loaded.notes).toEqual([]);
    const model = buildPlotModel([loaded], { theme: 'light', gpus: 1 });
    const charts = model.charts.filter((c) => c.id.startsWith('gpu_'));
    expect(charts.map((c) => c.id)).toEqual(GPU_CHARTS);
    const [power, util, memory, energy] = charts.map((c) => c.option);
    expect(seriesOf(power!).map((s) => s.name)).toEqual(['GPU 0', 'GPU 1']);
    // Time 0 is the first request's start: the first scrape was 0.2 s before it.
    expect(seriesOf(power!)[0]!.data.slice(0, 3)).toEqual([
      [-0.2, 100],
      [0.3, 120],
      [0.8, 140],
    ]);
    // GPU 1's missing power reading is a gap, not a 0.
    expect(seriesOf(power!)[1]!.data[5]).toEqual([2.3, null]);
    expect(seriesOf(util!)[0]!.data.at(-1)).toEqual([4.8, 100]);
    expect(JSON.stringify(memory)).toContain('of 80 GB each');
    expect(seriesOf(energy!)[0]!.data.at(-1)).toEqual([4.8, 1000]);
    expect(JSON.stringify(energy)).toContain('Energy (J)');
    expect(JSON.parse(JSON.stringify(charts))).toEqual(charts);
  });

  it('are absent from a run without the export', async () => {
    const dir = join(root, 'no-gpu');
    writeRun(dir);
    const model = buildPlotModel([await loadRun(discoverRuns([dir])[0]!)], { theme: 'light', gpus: 1 });
    expect(model.charts.filter((c) => c.id.startsWith('gpu_'))).toEqual([]);
  });

  it('note unusable lines and an unfinished last line like the records file’s, and draw the rest', async () => {
    const dir = join(root, 'bad-lines');
    writeRun(dir);
    const file = join(dir, 'gpu_telemetry_export.jsonl');
    const good = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');
    writeFileSync(
      file,
      [
        good[0],
        '{"timestamp_ns": 1, "gpu_uuid": "GPU-x"',
        good[1],
        '{"gpu_uuid": "GPU-x", "telemetry_data": {}}',
        '{"timestamp_ns": 1',
      ].join('\n'),
    );
    const loaded = await loadRun(discoverRuns([dir])[0]!);
    expect(loaded.notes).toEqual([
      expect.stringMatching(
        new RegExp(`^2 unusable lines of ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} skipped \\(first: line 2: not JSON \\(`),
      ),
      `the unfinished last line of ${file} was left out`,
    ]);
    expect(loaded.gpuTelemetry!.samples).toBe(2);
    const model = buildPlotModel([loaded], { theme: 'light', gpus: 1 });
    expect(model.charts.filter((c) => c.id.startsWith('gpu_')).map((c) => c.id)).toEqual(GPU_CHARTS);
  });

  it('note an export that cannot be read and still plot the run', async () => {
    const dir = join(root, 'unreadable');
    writeRun(dir);
    const file = join(dir, 'gpu_telemetry_export.jsonl');
    writeFileSync(file, `${line()}\n`);
    const run = discoverRuns([dir])[0]!;
    rmSync(file);
    const loaded = await loadRun(run);
    expect(loaded.notes).toEqual([`GPU telemetry skipped: input file not found: ${file}`]);
    expect(loaded.gpuTelemetry).toBeNull();
  });
});
