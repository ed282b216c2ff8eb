// GPU telemetry over the profiling window (docs/metrics.md §13): per-GPU statistics of the samples
// taken inside it, each GPU's energy from its counter's delta across the window (or, without a
// counter, from its power integrated over time), and the run's energy per output token, per
// request, and output tokens/s per watt. Pure: the scraping is ./gpu-telemetry-collector.ts.
import { gpuKey, type GpuField, type GpuIdentity, type GpuSample } from './dcgm-samples.js';
import { computeStats, type Stats } from './stats.js';

/** The gauges summarised per GPU, in export order, with their units. */
export const GPU_GAUGES: ReadonlyArray<readonly [GpuField, string]> = [
  ['nvidia_power_usage', 'W'],
  ['nvidia_gpu_utilization', '%'],
  ['nvidia_memory_utilization', '%'],
  ['nvidia_memory_used', 'GB'],
  ['nvidia_memory_total', 'GB'],
  ['nvidia_sm_clock', 'MHz'],
  ['nvidia_temperature', '°C'],
];

const J_PER_MJ = 1e6;

/** [seconds since the window start, value], sorted by time. */
export type TimedValue = readonly [number, number];

/** The value of a piecewise-linear series at `t`, held constant outside the sampled span. */
export function valueAt(points: readonly TimedValue[], t: number): number {
  if (t <= points[0]![0]) return points[0]![1];
  const last = points[points.length - 1]!;
  if (t >= last[0]) return last[1];
  let hi = points.findIndex(([x]) => x >= t);
  if (hi <= 0) hi = 1;
  const [t0, v0] = points[hi - 1]!;
  const [t1, v1] = points[hi]!;
  // A decrease is a counter reset: nothing between the two scrapes is known, take the later one.
  if (v1 < v0 || t1 === t0) return v1;
  return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}

/** The part of [0, duration] the series spans (0–1). */
export function coverage(points: readonly TimedValue[], duration: number): number {
  if (points.length === 0 || duration <= 0) return 0;
  const from = Math.max(0, points[0]![0]);
  const to = Math.min(duration, points[points.length - 1]![0]);
  return to > from ? (to - from) / duration : 0;
}

/**
 * The increase of a cumulative counter over [0, duration]: the counter interpolated linearly at
 * both ends of the window between the scrapes around them, and any decrease inside (a reset)
 * counted as a restart from zero. Null without two scrapes that overlap the window.
 */
export function counterIncrease(points: readonly TimedValue[], duration: number): number | null {
  if (points.length < 2 || coverage(points, duration) === 0) return null;
  const seq = [valueAt(points, 0), ...points.filter(([t]) => t > 0 && t < duration).map(([, v]) => v), valueAt(points, duration)];
  let total = 0;
  for (let i = 1; i < seq.length; i++) {
    const d = seq[i]! - seq[i - 1]!;
    total += d >= 0 ? d : seq[i]!;
  }
  return total;
}

/**
 * ∫ power dt over [0, duration] in J, the power linear between scrapes and held at the first and
 * last scrape's value beyond them (trapezoids). Null without a scrape.
 */
export function powerIntegral(points: readonly TimedValue[], duration: number): number | null {
  if (points.length === 0 || duration <= 0) return points.length === 0 ? null : 0;
  const knots: TimedValue[] = [
    [0, valueAt(points, 0)],
    ...points.filter(([t]) => t > 0 && t < duration),
    [duration, valueAt(points, duration)],
  ];
  let joules = 0;
  for (let i = 1; i < knots.length; i++) joules += ((knots[i]![1] + knots[i - 1]![1]) / 2) * (knots[i]![0] - knots[i - 1]![0]);
  return joules;
}

export type EnergySource = 'counter' | 'power_integral';

export interface GpuWindowSummary extends GpuIdentity {
  telemetry_source_url: string;
  /** Samples taken inside the window. */
  sampleCount: number;
  /** Statistics of each gauge over the window's samples (absent when the exporter did not report it). */
  gauges: Map<GpuField, Stats>;
  /** J over the window, or null without power or energy data. */
  energyJ: number | null;
  energySource: EnergySource | null;
  /** The part of the window the scrapes the energy came from span (0–1). */
  energyCoverage: number;
  /** The last XID code seen in the window (0: none), and every non-zero code seen. */
  xidLast: number | null;
  xidSeen: number[];
}

export interface GpuRunFigures {
  /** Output tokens of the profiling requests (`total_osl`, reasoning included). */
  outputTokens: number;
  /** Successful profiling requests (`request_count`). */
  requests: number;
}

export interface GpuWindowResult {
  startNs: bigint;
  endNs: bigint;
  durationSec: number;
  gpus: GpuWindowSummary[];
  /** Σ energy of the GPUs that have some, J. */
  totalEnergyJ: number | null;
  /** How the total was obtained: one source for all GPUs, or `mixed`. */
  energySource: EnergySource | 'mixed' | null;
  /** totalEnergyJ / durationSec. */
  avgPowerW: number | null;
  energyPerOutputTokenJ: number | null;
  energyPerRequestJ: number | null;
  /** Output tokens per joule, which is output tokens/s per watt of average power. */
  outputTokensPerSecPerWatt: number | null;
}

function series(samples: readonly GpuSample[], field: GpuField, startNs: bigint): TimedValue[] {
  const out: TimedValue[] = [];
  for (const s of samples) {
    const v = s.telemetry_data[field];
    if (v !== undefined) out.push([Number(s.timestamp_ns - startNs) / 1e9, v]);
  }
  return out;
}

/** Round trips up to this long always date a reading well enough to anchor the energy counter. */
const PRECISE_ROUND_TRIP_NS = 50_000_000n;

/**
 * The samples whose time is known well enough to interpolate a counter between: a scrape whose
 * answer waited on a busy event loop has a timestamp off by up to half its round trip, so those
 * taking more than 4× the median (and over 50 ms) are left out — unless that leaves fewer than two.
 */
export function preciselyDated(samples: readonly GpuSample[]): readonly GpuSample[] {
  if (samples.length < 3) return samples;
  const rtts = samples.map((s) => s.round_trip_ns).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const median = rtts[Math.floor(rtts.length / 2)]!;
  const limit = median * 4n > PRECISE_ROUND_TRIP_NS ? median * 4n : PRECISE_ROUND_TRIP_NS;
  const kept = samples.filter((s) => s.round_trip_ns <= limit);
  return kept.length >= 2 ? kept : samples;
}

/** One GPU's window figures from all its samples (those around the window feed the interpolation). */
export function summariseGpu(samples: readonly GpuSample[], startNs: bigint, endNs: bigint): GpuWindowSummary {
  const first = samples[0]!;
  const duration = Number(endNs - startNs) / 1e9;
  const inside = samples.filter((s) => s.timestamp_ns >= startNs && s.timestamp_ns <= endNs);
  const gauges = new Map<GpuField, Stats>();
  for (const [field] of GPU_GAUGES) {
    const values = inside.map((s) => s.telemetry_data[field]).filter((v): v is number => v !== undefined);
    const stats = computeStats(values);
    if (stats) gauges.set(field, stats);
  }
  const energy = series(
    preciselyDated(samples.filter((s) => s.telemetry_data.nvidia_energy_consumption !== undefined)),
    'nvidia_energy_consumption',
    startNs,
  );
  const power = series(samples, 'nvidia_power_usage', startNs);
  let energyJ: number | null = null;
  let energySource: EnergySource | null = null;
  let energyCoverage = 0;
  const fromCounter = counterIncrease(energy, duration);
  if (fromCounter !== null) {
    energyJ = fromCounter * J_PER_MJ;
    energySource = 'counter';
    energyCoverage = coverage(energy, duration);
  } else if (power.length > 0 && duration >= 0) {
    energyJ = powerIntegral(power, duration);
    energySource = 'power_integral';
    energyCoverage = coverage(power, duration);
  }
  const xids = inside.map((s) => s.telemetry_data.nvidia_xid_errors).filter((v): v is number => v !== undefined);
  return {
    gpu_index: first.gpu_index,
    gpu_uuid: first.gpu_uuid,
    gpu_model_name: first.gpu_model_name,
    pci_bus_id: first.pci_bus_id,
    device: first.device,
    hostname: first.hostname,
    telemetry_source_url: first.telemetry_source_url,
    sampleCount: inside.length,
    gauges,
    energyJ,
    energySource,
    energyCoverage,
    xidLast: xids.length > 0 ? xids[xids.length - 1]! : null,
    xidSeen: [...new Set(xids.filter((x) => x !== 0))].sort((a, b) => a - b),
  };
}

/** Samples grouped by GPU (host and UUID), each group in time order. */
export function samplesByGpu(samples: readonly GpuSample[]): Map<string, GpuSample[]> {
  const out = new Map<string, GpuSample[]>();
  for (const s of samples) {
    const key = gpuKey(s);
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  for (const list of out.values()) list.sort((a, b) => (a.timestamp_ns < b.timestamp_ns ? -1 : a.timestamp_ns > b.timestamp_ns ? 1 : 0));
  return out;
}

/** The window's figures for every GPU and the run's derived energy figures. */
export function summariseGpuWindow(
  byGpu: ReadonlyMap<string, readonly GpuSample[]>,
  startNs: bigint,
  endNs: bigint,
  run: GpuRunFigures,
): GpuWindowResult {
  const durationSec = Math.max(0, Number(endNs - startNs) / 1e9);
  const gpus = [...byGpu.values()].filter((s) => s.length > 0).map((s) => summariseGpu(s, startNs, endNs));
  const withEnergy = gpus.filter((g) => g.energyJ !== null);
  const totalEnergyJ = withEnergy.length === 0 ? null : withEnergy.reduce((sum, g) => sum + g.energyJ!, 0);
  const sources = new Set(withEnergy.map((g) => g.energySource!));
  const energySource = sources.size === 0 ? null : sources.size === 1 ? [...sources][0]! : 'mixed';
  const positive = totalEnergyJ !== null && totalEnergyJ > 0;
  return {
    startNs,
    endNs,
    durationSec,
    gpus,
    totalEnergyJ,
    energySource,
    avgPowerW: totalEnergyJ !== null && durationSec > 0 ? totalEnergyJ / durationSec : null,
    energyPerOutputTokenJ: totalEnergyJ !== null && run.outputTokens > 0 ? totalEnergyJ / run.outputTokens : null,
    energyPerRequestJ: totalEnergyJ !== null && run.requests > 0 ? totalEnergyJ / run.requests : null,
    outputTokensPerSecPerWatt: positive && run.outputTokens > 0 ? run.outputTokens / totalEnergyJ : null,
  };
}
