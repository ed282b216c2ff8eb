// The profiling-window arithmetic of GPU telemetry (docs/metrics.md §14) and the DCGM mapping
// (docs/exports.md §14).
import { describe, expect, it } from 'vitest';
import { dcgmSamples, type GpuSample } from '../../../ts/src/metrics/dcgm-samples.js';
import {
  counterIncrease,
  coverage,
  powerIntegral,
  samplesByGpu,
  summariseGpuWindow,
  valueAt,
  type TimedValue,
} from '../../../ts/src/metrics/gpu-telemetry.js';
import { parsePrometheus } from '../../../ts/src/metrics/server-metrics.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;

function sample(tSec: number, data: GpuSample['telemetry_data'], uuid = 'GPU-a', index = 0): GpuSample {
  return {
    timestamp_ns: T0 + BigInt(Math.round(tSec * 1e9)),
    round_trip_ns: 2_000_000n,
    telemetry_source_url: 'http://x:9400/metrics',
    gpu_index: index,
    gpu_uuid: uuid,
    gpu_model_name: 'H100',
    pci_bus_id: null,
    device: null,
    hostname: 'h',
    telemetry_data: data,
  };
}

describe('valueAt and coverage', () => {
  const pts: TimedValue[] = [
    [0, 10],
    [1, 20],
    [3, 20],
  ];
  it('interpolates linearly between scrapes and holds the end values beyond them', () => {
    expect(valueAt(pts, 0.5)).toBe(15);
    expect(valueAt(pts, 2)).toBe(20);
    expect(valueAt(pts, -4)).toBe(10);
    expect(valueAt(pts, 9)).toBe(20);
  });
  it('takes the later value across a decrease (a counter reset)', () => {
    expect(
      valueAt(
        [
          [0, 100],
          [1, 5],
        ],
        0.5,
      ),
    ).toBe(5);
  });
  it('says which part of the window the scrapes span', () => {
    expect(coverage(pts, 6)).toBeCloseTo(0.5);
    expect(coverage([[7, 1]], 6)).toBe(0);
  });
});

describe('counterIncrease', () => {
  // A counter growing 100 units/s, scraped every 0.3 s from before the window to after it.
  const linear: TimedValue[] = Array.from({ length: 12 }, (_, i) => [-0.25 + 0.3 * i, 100 * (-0.25 + 0.3 * i) + 5000]);

  it('is the counter interpolated at both edges of the window, not the scrapes nearest them', () => {
    expect(counterIncrease(linear, 2)).toBeCloseTo(200, 9);
    expect(counterIncrease(linear, 1.05)).toBeCloseTo(105, 9);
  });

  it('counts a reset inside the window as a restart from zero', () => {
    const reset: TimedValue[] = [
      [0, 1000],
      [1, 1100],
      [2, 30],
      [3, 130],
    ];
    expect(counterIncrease(reset, 3)).toBe(100 + 30 + 100);
  });

  it('is null with one scrape, or with scrapes that miss the window', () => {
    expect(counterIncrease([[0.5, 3]], 1)).toBeNull();
    expect(
      counterIncrease(
        [
          [5, 1],
          [6, 2],
        ],
        1,
      ),
    ).toBeNull();
  });
});

describe('powerIntegral', () => {
  it('integrates a constant draw over the whole window even when the scrapes start late', () => {
    expect(
      powerIntegral(
        [
          [0.4, 250],
          [1.2, 250],
        ],
        2,
      ),
    ).toBeCloseTo(500, 9);
  });
  it('integrates a ramp by trapezoids', () => {
    expect(
      powerIntegral(
        [
          [0, 100],
          [1, 300],
        ],
        1,
      ),
    ).toBeCloseTo(200, 9);
  });
  it('is null without a scrape', () => {
    expect(powerIntegral([], 1)).toBeNull();
  });
});

describe('summariseGpuWindow', () => {
  // 300 W from t = -0.5 s to 10.5 s in 0.333 s steps; the counter (MJ) integrates it exactly.
  const steps = Array.from({ length: 34 }, (_, i) => -0.5 + 0.333 * i);
  const gpuA = steps.map((t) =>
    sample(t, { nvidia_power_usage: 300, nvidia_energy_consumption: (300 * (t + 1)) / 1e6, nvidia_gpu_utilization: 80 }),
  );
  const gpuB = steps.map((t) => sample(t, { nvidia_power_usage: 100, nvidia_gpu_utilization: 20 }, 'GPU-b', 1));
  const start = T0;
  const end = T0 + 10n * S;

  it('takes the energy from the counter and the gauges from the samples inside the window only', () => {
    const r = summariseGpuWindow(samplesByGpu([...gpuA]), start, end, { outputTokens: 6000, requests: 60 });
    const g = r.gpus[0]!;
    expect(g.energySource).toBe('counter');
    expect(g.energyJ).toBeCloseTo(3000, 6);
    expect(g.sampleCount).toBe(gpuA.filter((s) => s.timestamp_ns >= start && s.timestamp_ns <= end).length);
    expect(g.gauges.get('nvidia_power_usage')!.avg).toBe(300);
    expect(r.totalEnergyJ).toBeCloseTo(3000, 6);
    expect(r.energySource).toBe('counter');
    expect(r.avgPowerW).toBeCloseTo(300, 6);
    expect(r.energyPerOutputTokenJ).toBeCloseTo(0.5, 9);
    expect(r.energyPerRequestJ).toBeCloseTo(50, 9);
    // 6000 tokens in 10 s = 600 tokens/s at 300 W.
    expect(r.outputTokensPerSecPerWatt).toBeCloseTo(2, 9);
  });

  it('integrates power for a GPU without an energy counter and says the total is mixed', () => {
    const r = summariseGpuWindow(samplesByGpu([...gpuA, ...gpuB]), start, end, { outputTokens: 4000, requests: 10 });
    const b = r.gpus.find((g) => g.gpu_uuid === 'GPU-b')!;
    expect(b.energySource).toBe('power_integral');
    expect(b.energyJ).toBeCloseTo(1000, 6);
    expect(r.totalEnergyJ).toBeCloseTo(4000, 6);
    expect(r.energySource).toBe('mixed');
    expect(r.energyPerOutputTokenJ).toBeCloseTo(1, 9);
  });

  it('leaves the per-token and per-request figures out when there were none', () => {
    const r = summariseGpuWindow(samplesByGpu(gpuA), start, end, { outputTokens: 0, requests: 0 });
    expect(r.energyPerOutputTokenJ).toBeNull();
    expect(r.energyPerRequestJ).toBeNull();
    expect(r.outputTokensPerSecPerWatt).toBeNull();
    expect(r.totalEnergyJ).toBeCloseTo(3000, 6);
  });

  it('anchors the counter on precisely dated scrapes only: one whose answer waited on a busy loop does not skew the energy', () => {
    const late = gpuA.map((s) => ({ ...s }));
    // The scrape right after the window opened was read at t = 0.166 s but its answer was handled 0.4 s later.
    const i = late.findIndex((s) => s.timestamp_ns > start);
    late[i] = { ...late[i]!, timestamp_ns: late[i]!.timestamp_ns + 200_000_000n, round_trip_ns: 400_000_000n };
    const r = summariseGpuWindow(samplesByGpu(late), start, end, { outputTokens: 1, requests: 1 });
    expect(r.totalEnergyJ).toBeCloseTo(3000, 6);
    const trusting = summariseGpuWindow(samplesByGpu(late.map((s) => ({ ...s, round_trip_ns: 2_000_000n }))), start, end, {
      outputTokens: 1,
      requests: 1,
    });
    expect(Math.abs(trusting.totalEnergyJ! - 3000)).toBeGreaterThan(10);
  });

  it('keeps the last XID code and every non-zero one seen in the window', () => {
    const xs = [0, 0, 79, 0, 13].map((x, i) => sample(i, { nvidia_xid_errors: x }));
    const g = summariseGpuWindow(samplesByGpu(xs), T0, T0 + 10n * S, { outputTokens: 1, requests: 1 }).gpus[0]!;
    expect(g.xidLast).toBe(13);
    expect(g.xidSeen).toEqual([13, 79]);
  });
});

describe('dcgmSamples', () => {
  const text = [
    '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
    '# TYPE DCGM_FI_DEV_POWER_USAGE gauge',
    'DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA H100",Hostname="node1",pci_bus_id="00:02"} 123.5',
    'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA H100",Hostname="node1",pci_bus_id="00:01"} 250',
    '# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter',
    'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-a"} 2500000000',
    'DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a"} 1000',
    'DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-a"} 3000',
    'DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-a"} NaN',
    'DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="GPU-a"} 0.25',
    'DCGM_FI_DEV_SM_CLOCK{gpu="all"} 1',
    'vllm:num_requests_running 3',
  ].join('\n');
  const out = dcgmSamples(parsePrometheus(text), 'http://node1:9400/metrics', 42n);

  it('gives one sample per GPU, by index, with its labels as identity', () => {
    expect(out.map((s) => [s.gpu_index, s.gpu_uuid, s.hostname])).toEqual([
      [0, 'GPU-a', 'node1'],
      [1, 'GPU-b', 'node1'],
    ]);
    expect(out[1]).toMatchObject({ device: 'nvidia1', gpu_model_name: 'NVIDIA H100', pci_bus_id: '00:02', timestamp_ns: 42n });
  });

  it("converts to AIPerf's units: energy mJ → MJ, framebuffer MiB → GB, SM activity ratio → %", () => {
    const d = out[0]!.telemetry_data;
    expect(d.nvidia_power_usage).toBe(250);
    expect(d.nvidia_energy_consumption).toBeCloseTo(2.5, 12);
    expect(d.nvidia_memory_used).toBeCloseTo(1.048576, 9);
    expect(d.nvidia_memory_total).toBeCloseTo(4 * 1.048576, 9);
    expect(d.nvidia_sm_utilization).toBe(25);
  });

  it('leaves out what the exporter did not report or reported as NaN, and series without a GPU index', () => {
    const d = out[0]!.telemetry_data;
    expect('nvidia_temperature' in d).toBe(false);
    expect('nvidia_sm_clock' in d).toBe(false);
    expect(Object.keys(out[1]!.telemetry_data)).toEqual(['nvidia_power_usage']);
  });
});
