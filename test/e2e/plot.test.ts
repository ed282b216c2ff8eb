// `infermark plot` through the built CLI (dist/bin.js) on real run directories: runs made by
// `profile` against serve-mock (default names and a custom export prefix) and a real AIPerf
// 0.13 run (test/fixtures/aiperf-0.13-run). SVG and PNG files are checked for content, in both
// themes; usage errors exit 2.
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-plot-');
const AIPERF_FIXTURE = resolve(__dirname, '../fixtures/aiperf-0.13-run');
const GPU_FIXTURE = resolve(__dirname, '../fixtures/gpu-telemetry/gpu_telemetry_export.jsonl');
let mock: ChildServer | null = null;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function plot(args: readonly string[]): Promise<Run> {
  const child = spawn(process.execPath, [BIN, 'plot', ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((r) => child.on('exit', (status) => r({ status, stdout, stderr })));
}

const profileArgs = (url: string): string[] => [
  '-m',
  'mock-model',
  '--url',
  url,
  '--endpoint-type',
  'chat',
  '--streaming',
  '--concurrency',
  '4',
  '--request-count',
  '40',
  '--isl',
  '50',
  '--osl',
  '12',
  '--slice-duration',
  '0.25',
  '--ui',
  'none',
];

beforeAll(async () => {
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '20', '--itl', '4', '--tokenizer-threads', '0']);
  for (const [sub, extra] of [
    ['runs/c4', []],
    ['runs/custom', ['--profile-export-prefix', 'mine']],
  ] as const) {
    const r = await runProfileCli([...profileArgs(mock.url), '--artifact-dir', join(dir, sub), ...extra], dir);
    if (r.status !== 0) throw new Error(`profile failed (${r.status}): ${r.stderr}`);
  }
  cpSync(AIPERF_FIXTURE, join(dir, 'aiperf'), { recursive: true });
}, 120_000);
afterAll(async () => {
  await mock?.stop();
});

/** Per-pixel RGB variance of a decoded PNG: 0 for a blank image. */
function pixelVariance(png: PNG): number {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const v = png.data[i]! * 0.299 + png.data[i + 1]! * 0.587 + png.data[i + 2]! * 0.114;
    sum += v;
    sumSq += v * v;
    n++;
  }
  return sumSq / n - (sum / n) ** 2;
}

/** The SVG parses (resvg reads it as a tree) and holds the chart's title and drawn marks. */
function checkSvg(path: string, title: string): void {
  const svg = readFileSync(path, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(() => new Resvg(svg, { font: { loadSystemFonts: false } })).not.toThrow();
  expect(svg).toContain(title);
  expect((svg.match(/<path /g) ?? []).length).toBeGreaterThan(20);
}

describe('plot on a run made by profile', () => {
  it('writes SVG and PNG files with chart content, light theme', async () => {
    const out = join(dir, 'out-light');
    const r = await plot(['runs/c4', '-o', out, '--format', 'svg,png']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Plotted 1 run: c4');
    const files = readdirSync(out);
    for (const chart of [
      'ttft_over_time',
      'itl_over_time',
      'latency_over_time',
      'dispersed_throughput_over_time',
      'timeslices_time_to_first_token',
      'latency_vs_isl',
      'latency_vs_osl',
      'server_metrics_gauges',
    ]) {
      expect(files).toContain(`${chart}.svg`);
      expect(files).toContain(`${chart}.png`);
      expect(r.stdout).toContain(join(out, `${chart}.png`));
    }
    checkSvg(join(out, 'ttft_over_time.svg'), 'Time to first token over time');
    checkSvg(join(out, 'dispersed_throughput_over_time.svg'), 'Output token throughput over time (dispersed)');
    const png = PNG.sync.read(readFileSync(join(out, 'latency_over_time.png')));
    expect([png.width, png.height]).toEqual([1000, 520]);
    expect(pixelVariance(png)).toBeGreaterThan(100);
    // Light theme: an opaque white background.
    expect([...png.data.subarray(0, 4)]).toEqual([255, 255, 255, 255]);
  });

  it('writes non-blank PNGs on a dark background with --theme dark', async () => {
    const out = join(dir, 'out-dark');
    const r = await plot(['runs/c4', '-o', out, '--format', 'png', '--theme', 'dark']);
    expect(r.status).toBe(0);
    for (const chart of ['ttft_over_time', 'dispersed_throughput_over_time', 'latency_vs_osl']) {
      const png = PNG.sync.read(readFileSync(join(out, `${chart}.png`)));
      expect(pixelVariance(png)).toBeGreaterThan(100);
      const [red, green, blue, alpha] = png.data.subarray(0, 4);
      expect(red! + green! + blue!).toBeLessThan(100);
      expect(alpha).toBe(255);
    }
  });

  it('finds a run written with a custom --profile-export-prefix', async () => {
    const out = join(dir, 'out-custom');
    const r = await plot(['runs/custom', '-o', out, '--format', 'svg']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Plotted 1 run: custom');
    checkSvg(join(out, 'latency_over_time.svg'), 'Request latency over time');
    expect(readdirSync(out)).toContain('timeslices_request_latency.svg');
  });

  it('plots several runs: per-run directories and the Pareto charts across them (--paths, --gpus)', async () => {
    const out = join(dir, 'out-all');
    const r = await plot(['--paths', 'runs', 'aiperf', '-o', out, '--format', 'svg', '--gpus', '2']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Plotted 3 runs: c4, custom, aiperf');
    expect(readdirSync(out).sort()).toEqual([
      'aiperf',
      'c4',
      'custom',
      'pareto_curve_throughput_per_gpu_vs_interactivity.svg',
      'pareto_curve_throughput_per_gpu_vs_latency.svg',
      'ttft_vs_throughput.svg',
    ]);
    const pareto = readFileSync(join(out, 'pareto_curve_throughput_per_gpu_vs_interactivity.svg'), 'utf8');
    expect(pareto).toContain('Pareto-optimal');
    expect(pareto).toContain('throughput divided by 2 GPUs');
  });
});

describe('plot with a GPU telemetry export beside the run', () => {
  it('draws the GPU charts in PNG, SVG and report.html, and warns about an unusable line', async () => {
    // The profile run with the hand-made export (test/fixtures/gpu-telemetry) moved to its start.
    const run = join(dir, 'gpu-runs', 'c4gpu');
    cpSync(join(dir, 'runs', 'c4'), run, { recursive: true });
    const firstStartNs = Math.min(
      ...readFileSync(join(run, 'profile_export.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => Number(JSON.parse(l).metadata.request_start_ns)),
    );
    const lines = readFileSync(GPU_FIXTURE, 'utf8').trim().split('\n');
    const shift = firstStartNs - 1_796_000_000_000_000_000;
    const moved = lines.map((l) => {
      const rec = JSON.parse(l);
      return JSON.stringify({ ...rec, timestamp_ns: rec.timestamp_ns + shift });
    });
    writeFileSync(join(run, 'gpu_telemetry_export.jsonl'), `${[moved[0], 'not json', ...moved.slice(1)].join('\n')}\n`);
    const out = join(dir, 'out-gpu');
    const r = await plot(['gpu-runs', '-o', out, '--format', 'svg,png,html']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: c4gpu: 1 unusable line of .*gpu_telemetry_export\.jsonl skipped \(first: line 2: not JSON \(.*\)\)\n$/,
    );
    const files = readdirSync(out);
    const titles = {
      gpu_power_over_time: 'GPU power over time',
      gpu_utilization_over_time: 'GPU utilisation over time',
      gpu_memory_used_over_time: 'GPU memory used over time',
      gpu_energy_over_time: 'GPU energy over time',
    };
    for (const [chart, title] of Object.entries(titles)) {
      expect(files).toContain(`${chart}.png`);
      checkSvg(join(out, `${chart}.svg`), title);
    }
    expect(readFileSync(join(out, 'gpu_power_over_time.svg'), 'utf8')).toContain('GPU 1');
    expect(pixelVariance(PNG.sync.read(readFileSync(join(out, 'gpu_power_over_time.png'))))).toBeGreaterThan(100);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const chart of Object.keys(titles)) expect(html).toContain(`"id":"${chart}"`);
    expect(html).toContain('1 unusable line of');
  });
});

describe('plot on a real AIPerf 0.13 run directory', () => {
  it('reads AIPerf’s files: its records, time slices and server metrics', async () => {
    const out = join(dir, 'out-aiperf');
    const r = await plot(['aiperf', '-o', out, '--format', 'svg,png']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = readdirSync(out);
    for (const chart of [
      'ttft_over_time',
      'itl_over_time',
      'dispersed_throughput_over_time',
      'timeslices_time_to_first_token',
      'server_metrics_gauges',
    ]) {
      expect(files).toContain(`${chart}.png`);
    }
    // 24 profiling requests (the 2 warmup records are left out).
    expect(readFileSync(join(out, 'ttft_over_time.svg'), 'utf8')).toContain('aiperf · 24 requests');
    expect(pixelVariance(PNG.sync.read(readFileSync(join(out, 'ttft_over_time.png'))))).toBeGreaterThan(100);
  });
});

describe('plot usage errors (exit 2)', () => {
  it('says so when no run is found', async () => {
    const r = await plot(['runs/c4/logs', '--format', 'svg']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error: no run directories found under runs/c4/logs\n');
  });

  it.each([
    [['runs', '--format', 'gif'], "error: option '--format <list>': expected one of png, svg, html (comma-separated), got 'gif'\n"],
    [['runs', '--theme', 'blue'], "error: option '--theme <theme>': expected one of light, dark, got 'blue'\n"],
    [['runs', '--gpus', '0'], "error: option '--gpus <n>': expected an integer in [1, 100000], got '0'\n"],
    [['runs', '-o', ''], "error: option '-o, --output <dir>': expected a path, got ''\n"],
  ])('refuses %j', async (args, message) => {
    const r = await plot(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(message);
  });
});
