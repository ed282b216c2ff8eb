// `profile --gpu-telemetry` end to end through the built CLI (docs/exports.md §14): a fake DCGM
// exporter of known power gives the energy figures the run must report; one that stalls, returns
// garbage or disappears mid-run is counted and the run still writes valid artifacts; and with no
// exporter at the default addresses nothing about GPUs is printed or written.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPU_TELEMETRY_DEFAULTS } from '../../ts/src/config/defaults.js';
import { startMockServer, type MockServerHandle } from '../../ts/src/server/mock-server.js';
import { startFakeExporter, type ExporterMode } from '../helpers/dcgm-exporter.js';
import { runProfileCli, spawnProfile, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-gpu-');
let mock: MockServerHandle;

beforeAll(async () => {
  mock = await startMockServer({ port: 0 });
});
afterAll(async () => {
  await mock?.close();
});

const GPUS = [
  { uuid: 'GPU-aaaa', powerW: 300 },
  { uuid: 'GPU-bbbb', powerW: 100 },
];

/** A run of about two seconds: 60 streamed requests of 32 output tokens, 4 at a time. */
function args(artifactDir: string, ...extra: string[]): string[] {
  return [
    ...['-m', 'mock-model', '--url', mock.url, '--endpoint-type', 'chat', '--streaming'],
    ...['--request-count', '60', '--concurrency', '4', '--isl', '64', '--osl', '32', '--ui', 'none'],
    ...['--artifact-dir', join(dir, artifactDir), ...extra],
  ];
}

const json = (path: string): Record<string, any> => JSON.parse(readFileSync(path, 'utf8'));
const jsonl = (path: string): Array<Record<string, any>> =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
const isoNs = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n + BigInt(Number(iso.slice(23, 26))) * 1000n;

describe('profile --gpu-telemetry against an exporter of known power', () => {
  it('reports the energy the power implies over the profiling window, per output token and per request, and only samples inside it', async () => {
    const ex = await startFakeExporter(GPUS);
    try {
      const run = await runProfileCli(args('known', '--gpu-telemetry', ex.url, '--warmup-request-count', '8'), dir);
      expect(run.status, run.stderr).toBe(0);
      const out = join(dir, 'known');
      const summary = json(join(out, 'profile_export_aiperf.json'));
      const gpu = summary['gpu_telemetry'];
      expect(gpu.endpoints).toEqual([expect.objectContaining({ url: ex.url, failed_fetches: 0 })]);
      expect(gpu.gpus.map((g: any) => [g.gpu_uuid, g.hostname, g.gpu_model_name])).toEqual([
        ['GPU-aaaa', 'fake-host', 'NVIDIA Fake 80GB'],
        ['GPU-bbbb', 'fake-host', 'NVIDIA Fake 80GB'],
      ]);
      const startNs = isoNs(gpu.window.start_time);
      const endNs = isoNs(gpu.window.end_time);
      // Each counter integrates its constant power exactly, so the window's energy is P · duration.
      const expected = ex.energyJ(0, startNs, endNs) + ex.energyJ(1, startNs, endNs);
      expect(gpu.total_energy.source).toBe('counter');
      expect(Math.abs(gpu.total_energy.avg / expected - 1)).toBeLessThan(0.02);
      expect(gpu.gpus[0].nvidia_power_usage).toMatchObject({ unit: 'W', avg: 300, p99: 300 });
      expect(gpu.gpus[0].nvidia_memory_total.avg).toBeCloseTo((81_920 * 1.048576) / 1000, 6);
      const osl = summary['total_osl'].avg;
      const requests = summary['request_count'].avg;
      expect(requests).toBe(60);
      expect(gpu.energy_per_output_token).toEqual({ unit: 'J/token', avg: expect.closeTo(gpu.total_energy.avg / osl, 9) });
      expect(gpu.energy_per_request.avg).toBeCloseTo(gpu.total_energy.avg / requests, 9);
      expect(gpu.output_tokens_per_sec_per_watt.avg).toBeCloseTo(osl / gpu.total_energy.avg, 9);
      // The window spans the profiling requests (from its phase start to the last response), not the warmup before them.
      const records = jsonl(join(out, 'profile_export.jsonl'))
        .map((r) => r.metadata)
        .filter((m) => m.benchmark_phase === 'profiling');
      const firstStart = records.reduce(
        (m, r) => (BigInt(r.request_start_ns) < m ? BigInt(r.request_start_ns) : m),
        BigInt(records[0].request_start_ns),
      );
      const lastEnd = records.reduce((m, r) => (BigInt(r.request_end_ns) > m ? BigInt(r.request_end_ns) : m), 0n);
      expect(startNs).toBeLessThanOrEqual(firstStart + 1000n);
      expect(endNs).toBeGreaterThanOrEqual(lastEnd - 1000n);

      const samples = jsonl(join(out, 'gpu_telemetry_export.jsonl'));
      expect(samples.length).toBeGreaterThanOrEqual(2 * 3);
      for (const s of samples) {
        expect(BigInt(s.timestamp_ns)).toBeGreaterThanOrEqual(startNs - 1000n);
        expect(BigInt(s.timestamp_ns)).toBeLessThanOrEqual(endNs + 1000n);
      }
      expect(Object.keys(samples[0]!)).toEqual([
        'timestamp_ns',
        'telemetry_source_url',
        'gpu_index',
        'gpu_uuid',
        'gpu_model_name',
        'pci_bus_id',
        'device',
        'hostname',
        'telemetry_data',
      ]);
      expect(samples[0]!.telemetry_data).toMatchObject({
        nvidia_power_usage: 300,
        nvidia_sm_clock: 1980,
        nvidia_temperature: 61,
        nvidia_xid_errors: 0,
      });

      expect(run.stdout).toContain('infermark | GPU Telemetry');
      expect(run.stdout).toMatch(/fake-host GPU 0 .*NVIDIA Fake 80GB .* 300\.00 /);
      expect(run.stdout).toMatch(/Energy per Output Token: [\d.]+ J/);
      expect(run.stdout).toContain(`GPU Telemetry: ${join(out, 'gpu_telemetry_export.jsonl')}`);
    } finally {
      await ex.close();
    }
  }, 60_000);
});

describe('profile --gpu-telemetry against serve-mock --fake-gpus 2', () => {
  // docs/serve-mock.md §7.1: each GPU draws the idle power, and every output token the engine
  // computes costs J_OUT, split over the GPUs; prompt tokens cost nothing here. Over a window
  // holding every step, the GPUs' energy is 2 · IDLE · duration + J_OUT · output tokens.
  const IDLE = 20;
  const J_OUT = 0.5;

  it('reports the energy per output token the power model implies for the tokens served in the window', async () => {
    const fake = await startMockServer({
      port: 0,
      fakeGpus: 2,
      fakeGpuIdleWatts: IDLE,
      fakeGpuJoulesPerToken: J_OUT,
      fakeGpuJoulesPerPrefillToken: 0,
    });
    try {
      const run = await runProfileCli(
        [
          ...['-m', 'mock-model', '--url', fake.url, '--endpoint-type', 'chat', '--streaming'],
          ...['--request-count', '60', '--concurrency', '4', '--isl', '64', '--osl', '32', '--ui', 'none'],
          ...['--artifact-dir', join(dir, 'fake-gpus'), '--gpu-telemetry', `${fake.url}/metrics`, '--warmup-request-count', '4'],
        ],
        dir,
      );
      expect(run.status, run.stderr).toBe(0);
      const out = join(dir, 'fake-gpus');
      const summary = json(join(out, 'profile_export_aiperf.json'));
      const gpu = summary['gpu_telemetry'];
      expect(gpu.gpus).toHaveLength(2);
      expect(gpu.gpus.map((g: any) => g.gpu_model_name)).toEqual(['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3']);
      // The server generated 32 tokens for each of the 4 warmup and 60 profiling requests; the
      // profiling ones, all inside the window, were served there.
      const served = Object.values(fake.stats());
      expect(served.reduce((n, e) => n + e.count, 0)).toBe(64);
      for (const e of served) expect([e.output_tokens!.min, e.output_tokens!.max]).toEqual([32, 32]);
      const tokens = 60 * 32;
      const implied = (2 * IDLE * gpu.window.duration_sec + J_OUT * tokens) / tokens;
      expect(gpu.total_energy.source).toBe('counter');
      expect(Math.abs(gpu.total_energy.avg / tokens / implied - 1)).toBeLessThan(0.02);
      // The reported figure divides by the client's own count of the output tokens (within a few of 1,920).
      const osl = summary['total_osl'].avg;
      expect(Math.abs(osl / tokens - 1)).toBeLessThan(0.01);
      expect(gpu.energy_per_output_token.avg).toBeCloseTo(gpu.total_energy.avg / osl, 9);
      expect(Math.abs(gpu.energy_per_output_token.avg / implied - 1)).toBeLessThan(0.02);
      expect(gpu.energy_per_request.avg).toBeCloseTo(gpu.total_energy.avg / 60, 9);
      // Busy GPUs draw more than idle power on average.
      for (const g of gpu.gpus) expect(g.nvidia_power_usage.max).toBeGreaterThan(IDLE);

      const startNs = isoNs(gpu.window.start_time);
      const endNs = isoNs(gpu.window.end_time);
      const samples = jsonl(join(out, 'gpu_telemetry_export.jsonl'));
      expect(samples.length).toBeGreaterThanOrEqual(4);
      for (const x of samples) {
        expect(BigInt(x.timestamp_ns)).toBeGreaterThanOrEqual(startNs - 1000n);
        expect(BigInt(x.timestamp_ns)).toBeLessThanOrEqual(endNs + 1000n);
      }
    } finally {
      await fake.close();
    }
  }, 60_000);
});

describe('profile --gpu-telemetry with an exporter that fails mid-run', () => {
  // The last case also names its files with --profile-export-prefix.
  it.each<[ExporterMode, string | null]>([
    ['stall', null],
    ['garbage', null],
    ['gone', 'mine'],
  ])(
    'counts the failures of an exporter that turns %s and still writes every artifact (prefix %s)',
    async (mode, prefix) => {
      const ex = await startFakeExporter(GPUS);
      try {
        const served = (): number => Object.values(mock.stats()).reduce((n, e) => n + e.count, 0);
        const before = served();
        const extra = prefix === null ? [] : ['--profile-export-prefix', prefix];
        const p = spawnProfile(args(`fail-${mode}`, '--gpu-telemetry', ex.url, ...extra), dir);
        // Let a quarter of the requests and some healthy scrapes pass, then break the exporter while the rest run.
        while (served() < before + 15) await new Promise((r) => setTimeout(r, 20));
        ex.setMode(mode);
        const status = await p.exited;
        expect(status, p.stderr()).toBe(0);
        const out = join(dir, `fail-${mode}`);
        const names =
          prefix === null
            ? {
                summary: 'profile_export_aiperf.json',
                gpu: 'gpu_telemetry_export.jsonl',
                records: 'profile_export.jsonl',
                csv: 'profile_export_aiperf.csv',
              }
            : { summary: `${prefix}.json`, gpu: `${prefix}_gpu_telemetry.jsonl`, records: `${prefix}.jsonl`, csv: `${prefix}.csv` };
        const summary = json(join(out, names.summary));
        expect(summary['request_count'].avg).toBe(60);
        const e = summary['gpu_telemetry'].endpoints[0];
        expect(e.failed_fetches).toBeGreaterThan(0);
        const kind = mode === 'stall' ? 'timeout' : mode === 'garbage' ? 'invalid_body' : 'connection';
        expect(e.failures[kind]).toBeGreaterThan(0);
        expect(e.total_fetches).toBeGreaterThan(e.failed_fetches);
        for (const name of [names.records, names.csv]) expect(existsSync(join(out, name)), name).toBe(true);
        const samples = jsonl(join(out, names.gpu));
        expect(samples.length).toBeGreaterThan(0);
        for (const s of samples) expect(s.gpu_uuid).toMatch(/^GPU-/);
        expect(summary['gpu_telemetry'].gpus).toHaveLength(2);
      } finally {
        await ex.close();
      }
    },
    60_000,
  );
});

/** Whether something accepts connections on `url`'s host and port. */
function listening(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect({ host: u.hostname, port: Number(u.port) });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('profile without a DCGM exporter', () => {
  it('prints nothing about GPUs and writes no GPU file or block when nothing answers at the default addresses', async () => {
    for (const url of GPU_TELEMETRY_DEFAULTS.urls) expect(await listening(url), `this test needs ${url} free`).toBe(false);
    const run = await runProfileCli(args('none', '--request-count', '8'), dir);
    expect(run.status, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/GPU/);
    const out = join(dir, 'none');
    expect(readdirSync(out).filter((f) => f.includes('gpu'))).toEqual([]);
    expect(json(join(out, 'profile_export_aiperf.json'))).not.toHaveProperty('gpu_telemetry');
  }, 60_000);

  it('warns about a named exporter that never answered, and still completes', async () => {
    const ex = await startFakeExporter(GPUS);
    const url = ex.url;
    await ex.close();
    const run = await runProfileCli(args('named-dead', '--gpu-telemetry', url, '--request-count', '8'), dir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`warning: GPU telemetry: ${url} gave no GPU metrics`);
    expect(run.stdout).not.toContain('infermark | GPU Telemetry');
    const gpu = json(join(dir, 'named-dead', 'profile_export_aiperf.json'))['gpu_telemetry'];
    expect(gpu.gpus).toEqual([]);
    expect(gpu.endpoints[0].failures.connection).toBe(gpu.endpoints[0].total_fetches);
    expect(existsSync(join(dir, 'named-dead', 'gpu_telemetry_export.jsonl'))).toBe(false);
  }, 60_000);
});
