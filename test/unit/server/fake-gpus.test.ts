// Simulated GPUs (docs/serve-mock.md §7.1): the power and energy model, how replicas share GPUs,
// the DCGM-named page, and the engine driving it on a virtual clock.
import { describe, expect, it } from 'vitest';
import { parsePrometheus } from '../../../ts/src/metrics/server-metrics.js';
import { EngineModel } from '../../../ts/src/server/engine.js';
import { FAKE_GPU_MEMORY_MIB, type FakeGpuConfig, FakeGpus, gpusOfReplica } from '../../../ts/src/server/fake-gpus.js';
import { EngineMetrics } from '../../../ts/src/server/metrics.js';
import { MOCK_DEFAULTS, resolveMockOptions } from '../../../ts/src/server/options.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { jobOf } from './jobs.js';

const config = (over: Partial<FakeGpuConfig> = {}): FakeGpuConfig => ({
  gpus: 1,
  replicas: 1,
  idleWatts: 70,
  joulesPerToken: 0.08,
  joulesPerPrefillToken: 0.01,
  seed: 0n,
  hostname: 'node-a',
  ...over,
});
const noKv = (): number => 0;

describe('energy over a window (§7.1)', () => {
  it('is idle power × time plus the cost of the tokens computed, for windows of whole steps', () => {
    const gpus = new FakeGpus(config(), 1000);
    // 100 ms idle, then 20 steps of 10 ms, each with 8 output tokens; the first also prefills 500 tokens.
    for (let i = 0; i < 20; i++) gpus.recordStep(0, 1100 + 10 * i, 1110 + 10 * i, 8, i === 0 ? 500 : 0);
    const joules = (a: number, b: number): number => gpus.energyJoules(0, b) - gpus.energyJoules(0, a);
    expect(joules(1000, 1100)).toBeCloseTo(70 * 0.1, 12);
    expect(joules(1000, 1400)).toBeCloseTo(70 * 0.4 + 0.08 * 160 + 0.01 * 500, 12);
    expect(joules(1150, 1250)).toBeCloseTo(70 * 0.1 + 0.08 * 8 * 10, 12);
    expect(gpus.energyJoules(0, 1000)).toBe(0);
  });

  it('accrues a step’s energy linearly within the step', () => {
    const gpus = new FakeGpus(config({ idleWatts: 0 }), 0);
    gpus.recordStep(0, 10, 30, 100, 0);
    expect(gpus.energyJoules(0, 10)).toBe(0);
    expect(gpus.energyJoules(0, 15)).toBeCloseTo(8 * 0.25, 12);
    expect(gpus.energyJoules(0, 20)).toBeCloseTo(8 * 0.5, 12);
    expect(gpus.energyJoules(0, 30)).toBeCloseTo(8, 12);
    expect(gpus.energyJoules(0, 1e6)).toBeCloseTo(8, 12);
  });

  it('charges a step of no duration at its start', () => {
    const gpus = new FakeGpus(config({ idleWatts: 0 }), 0);
    gpus.recordStep(0, 10, 10, 1, 0);
    expect(gpus.energyJoules(0, 9.999)).toBe(0);
    expect(gpus.energyJoules(0, 10)).toBeCloseTo(0.08, 12);
  });

  it('stays exact over an hour of steps, long after the early ones have been folded into the running total', () => {
    const gpus = new FakeGpus(config(), 0);
    const steps = 3600 * 100; // 10 ms steps for an hour, 4 output tokens each
    for (let i = 0; i < steps; i++) gpus.recordStep(0, 10 * i, 10 * i + 10, 4, 0);
    const hour = 3_600_000;
    const expected = 70 * 3600 + 0.08 * 4 * steps;
    expect(Math.abs(gpus.energyJoules(0, hour) - expected) / expected).toBeLessThan(1e-9);
    // The last second, still held step by step.
    const second = gpus.energyJoules(0, hour) - gpus.energyJoules(0, hour - 1000);
    expect(second).toBeCloseTo(70 + 0.08 * 4 * 100, 6);
  });
});

describe('the sampled gauges (§7.1)', () => {
  it('with nothing to compute: idle power, 0 % utilisation, idle clock, weights-only memory', () => {
    const [gpu] = new FakeGpus(config(), 0).sample(5000, noKv);
    expect(gpu).toMatchObject({ powerW: 70, utilizationPct: 0, smClockMhz: 345, temperatureC: 36, memCopyUtilizationPct: 0 });
    expect(gpu!.energyMj).toBeCloseTo(70 * 5 * 1000, 9);
    expect(gpu!.memoryUsedMib).toBe(Math.round(FAKE_GPU_MEMORY_MIB * 0.2));
    expect(gpu!.memoryUsedMib + gpu!.memoryFreeMib).toBe(FAKE_GPU_MEMORY_MIB);
  });

  it('power is the mean over the last second and utilisation its busy share', () => {
    const gpus = new FakeGpus(config(), 0);
    // Busy half of the second before t = 3000: 50 steps of 10 ms, 10 output tokens each.
    for (let i = 0; i < 50; i++) gpus.recordStep(0, 2000 + 10 * i, 2010 + 10 * i, 10, 0);
    const [gpu] = gpus.sample(3000, () => 1);
    expect(gpu!.powerW).toBeCloseTo(70 + 0.08 * 500, 9);
    expect(gpu!.utilizationPct).toBe(50);
    expect(gpu!.memCopyUtilizationPct).toBe(30);
    expect(gpu!.smClockMhz).toBe(Math.round(345 + (1980 - 345) * 0.5));
    expect(gpu!.temperatureC).toBe(Math.round(30 + 0.08 * 110));
    expect(gpu!.memoryUsedMib).toBe(Math.round(FAKE_GPU_MEMORY_MIB * 0.9));
    // A second later the window holds no step.
    expect(gpus.sample(4000, noKv)[0]).toMatchObject({ powerW: 70, utilizationPct: 0 });
  });

  it('the energy counter never decreases however the steps and samples interleave', () => {
    const gpus = new FakeGpus(config(), 0);
    let last = -1;
    for (let i = 0; i < 500; i++) {
      gpus.recordStep(0, 7 * i, 7 * i + 7, i % 5, i % 3 === 0 ? 40 : 0);
      const e = gpus.sample(7 * i + 3, noKv)[0]!.energyMj;
      expect(e).toBeGreaterThanOrEqual(last);
      last = e;
    }
  });
});

describe('GPUs and replicas (§7.1)', () => {
  it('maps replicas to GPUs by index modulo the smaller count', () => {
    expect([gpusOfReplica(0, 2, 1)]).toEqual([[0, 1]]);
    expect([gpusOfReplica(0, 2, 2), gpusOfReplica(1, 2, 2)]).toEqual([[0], [1]]);
    expect([gpusOfReplica(0, 4, 2), gpusOfReplica(1, 4, 2)]).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect([0, 1, 2].map((r) => gpusOfReplica(r, 1, 3))).toEqual([[0], [0], [0]]);
  });

  it('one replica over two GPUs: each draws idle power plus half of every step', () => {
    const gpus = new FakeGpus(config({ gpus: 2 }), 0);
    gpus.recordStep(0, 0, 100, 50, 0);
    expect(gpus.energyJoules(0, 1000)).toBeCloseTo(70 + 2, 12);
    expect(gpus.energyJoules(1, 1000)).toBeCloseTo(70 + 2, 12);
  });

  it('two replicas on two GPUs: each GPU pays for its own replica only', () => {
    const gpus = new FakeGpus(config({ gpus: 2, replicas: 2 }), 0);
    gpus.recordStep(1, 0, 100, 50, 0);
    expect(gpus.energyJoules(0, 1000)).toBeCloseTo(70, 12);
    expect(gpus.energyJoules(1, 1000)).toBeCloseTo(70 + 4, 12);
    expect(gpus.sample(1000, (r) => (r === 1 ? 1 : 0)).map((g) => g.utilizationPct)).toEqual([0, 10]);
  });
});

describe('the DCGM-named page (§7.1)', () => {
  it('carries every series for every GPU with the exporter’s labels', () => {
    const text = new FakeGpus(config({ gpus: 2, hostname: 'rack "7"' }), 0).render(1000, noKv);
    const scrape = parsePrometheus(text);
    const names = [
      'DCGM_FI_DEV_SM_CLOCK',
      'DCGM_FI_DEV_GPU_TEMP',
      'DCGM_FI_DEV_POWER_USAGE',
      'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
      'DCGM_FI_DEV_GPU_UTIL',
      'DCGM_FI_DEV_MEM_COPY_UTIL',
      'DCGM_FI_DEV_FB_FREE',
      'DCGM_FI_DEV_FB_USED',
      'DCGM_FI_DEV_XID_ERRORS',
    ];
    expect([...scrape.types.keys()]).toEqual(names);
    expect(scrape.types.get('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')).toBe('counter');
    expect(scrape.samples).toHaveLength(names.length * 2);
    const power = scrape.samples.filter((s) => s.name === 'DCGM_FI_DEV_POWER_USAGE');
    expect(power.map((s) => s.labels)).toEqual(
      [0, 1].map((g) => ({
        gpu: String(g),
        UUID: expect.stringMatching(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        pci_bus_id: g === 0 ? '00000000:18:00.0' : '00000000:28:00.0',
        device: `nvidia${g}`,
        modelName: 'NVIDIA H100 80GB HBM3',
        Hostname: 'rack "7"',
      })),
    );
    expect(power[0]!.labels['UUID']).not.toBe(power[1]!.labels['UUID']);
    expect(scrape.samples.find((s) => s.name === 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')!.value).toBeCloseTo(70_000, 6);
  });

  it('derives the UUIDs from the seed: the same for one seed, others for another', () => {
    const a = new FakeGpus(config({ gpus: 3, seed: 7n }), 0).uuids;
    expect(new FakeGpus(config({ gpus: 3, seed: 7n }), 0).uuids).toEqual(a);
    expect(new FakeGpus(config({ gpus: 3, seed: 8n }), 0).uuids).not.toEqual(expect.arrayContaining([a[0]]));
  });
});

describe('driven by the engine (virtual clock)', () => {
  it('a lone request: output tokens and uncached prompt tokens priced as documented, steps timed as the engine runs them', () => {
    const clock = new VirtualClock();
    const gpus = new FakeGpus(config({ gpus: 2 }), 0);
    const engine = new EngineModel({ ...MOCK_DEFAULTS, seed: 0n }, [new EngineMetrics()], clock, (...step) => gpus.recordStep(...step));
    let last = 0;
    engine.submit(
      jobOf(0, 0, 100, 1000, 20, (_, now, done) => {
        if (done) last = now;
        return true;
      }),
    );
    clock.run();
    // Prefill 5 + 1000 · 0.02 ms with the first token, then 19 decode steps of 5.05 ms.
    expect(last).toBeCloseTo(25 + 19 * 5.05, 9);
    const total = gpus.energyJoules(0, last) + gpus.energyJoules(1, last);
    expect(total).toBeCloseTo(2 * 70 * (last / 1000) + 0.08 * 20 + 0.01 * 1000, 9);
  });
});

describe('options (§1.4)', () => {
  it('refuses fake GPUs without the engine model, and their settings without fake GPUs', () => {
    expect(() => resolveMockOptions({ fakeGpus: 2, latencyModel: 'simple' })).toThrow(
      "option '--fake-gpus' cannot be used with option '--latency-model simple'",
    );
    expect(() => resolveMockOptions({ fakeGpuIdleWatts: 50 })).toThrow("option '--fake-gpu-idle-watts' needs option '--fake-gpus'");
    expect(() => resolveMockOptions({ fakeGpus: 65 })).toThrow("option '--fake-gpus': expected an integer between 0 and 64");
    expect(() => resolveMockOptions({ fakeGpus: 1, fakeGpuJoulesPerToken: -1 })).toThrow('--fake-gpu-joules-per-token');
    expect(resolveMockOptions({ fakeGpus: 2 })).toMatchObject({
      fakeGpus: 2,
      fakeGpuIdleWatts: 70,
      fakeGpuJoulesPerToken: 0.08,
      fakeGpuJoulesPerPrefillToken: 0.01,
    });
  });
});
