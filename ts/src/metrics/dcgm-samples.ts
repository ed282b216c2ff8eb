// One DCGM exporter scrape → one sample per GPU (docs/exports.md §14): the exporter's metric names
// and labels mapped to the field names and units of AIPerf 0.13's GPU telemetry records. Pure.
import type { PromScrape } from './prometheus-text.js';

/** The fields of a sample's `telemetry_data`, in export order. */
export interface GpuTelemetryData {
  /** W. */
  nvidia_power_usage?: number;
  /** MJ, cumulative since the driver loaded (DCGM counts mJ; AIPerf exports MJ). */
  nvidia_energy_consumption?: number;
  /** %. */
  nvidia_gpu_utilization?: number;
  /** %. */
  nvidia_memory_utilization?: number;
  /** GB (10^9 bytes) of framebuffer in use. */
  nvidia_memory_used?: number;
  /** GB of framebuffer in all (used + free + reserved, or the exporter's total); infermark's addition. */
  nvidia_memory_total?: number;
  /** MHz; infermark's addition. */
  nvidia_sm_clock?: number;
  /** °C. */
  nvidia_temperature?: number;
  /** The last XID error's code (0: none). */
  nvidia_xid_errors?: number;
  nvidia_encoder_utilization?: number;
  nvidia_decoder_utilization?: number;
  /** % (DCGM reports a 0–1 ratio). */
  nvidia_sm_utilization?: number;
  /** µs of throttling for power (DCGM counts ns). */
  nvidia_power_violation?: number;
}

export type GpuField = keyof GpuTelemetryData;

/** The order of a sample's fields in the export, whatever order the exporter wrote its series in. */
export const GPU_FIELD_ORDER: readonly GpuField[] = [
  'nvidia_power_usage',
  'nvidia_energy_consumption',
  'nvidia_gpu_utilization',
  'nvidia_memory_utilization',
  'nvidia_memory_used',
  'nvidia_memory_total',
  'nvidia_sm_clock',
  'nvidia_temperature',
  'nvidia_xid_errors',
  'nvidia_encoder_utilization',
  'nvidia_decoder_utilization',
  'nvidia_sm_utilization',
  'nvidia_power_violation',
];

/** Who a GPU is: the labels dcgm-exporter writes on each of its series. */
export interface GpuIdentity {
  gpu_index: number;
  gpu_uuid: string | null;
  gpu_model_name: string | null;
  pci_bus_id: string | null;
  device: string | null;
  hostname: string | null;
}

/** One GPU at one scrape. */
export interface GpuSample extends GpuIdentity {
  /**
   * Wall-clock epoch ns of the reading: the midpoint between sending the scrape and having its
   * whole response, the best estimate of when the exporter wrote it.
   */
  timestamp_ns: bigint;
  /** How long that scrape took (ns): the timestamp is good to half of it. Not exported. */
  round_trip_ns: bigint;
  telemetry_source_url: string;
  telemetry_data: GpuTelemetryData;
}

const MIB_TO_GB = 1.048576e-3;

/** DCGM field → our field and the factor to its unit (AIPerf's mapping; FB_FREE only feeds the total). */
const FIELDS: ReadonlyMap<string, readonly [GpuField, number]> = new Map([
  ['DCGM_FI_DEV_POWER_USAGE', ['nvidia_power_usage', 1]],
  ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', ['nvidia_energy_consumption', 1e-9]],
  ['DCGM_FI_DEV_GPU_UTIL', ['nvidia_gpu_utilization', 1]],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', ['nvidia_memory_utilization', 1]],
  ['DCGM_FI_DEV_FB_USED', ['nvidia_memory_used', MIB_TO_GB]],
  ['DCGM_FI_DEV_SM_CLOCK', ['nvidia_sm_clock', 1]],
  ['DCGM_FI_DEV_GPU_TEMP', ['nvidia_temperature', 1]],
  ['DCGM_FI_DEV_XID_ERRORS', ['nvidia_xid_errors', 1]],
  ['DCGM_FI_DEV_ENC_UTIL', ['nvidia_encoder_utilization', 1]],
  ['DCGM_FI_DEV_DEC_UTIL', ['nvidia_decoder_utilization', 1]],
  ['DCGM_FI_PROF_SM_ACTIVE', ['nvidia_sm_utilization', 100]],
  ['DCGM_FI_DEV_POWER_VIOLATION', ['nvidia_power_violation', 1e-3]],
] as const);

/** The framebuffer series that add up to the total when the exporter does not report one. */
const FB_PARTS = ['DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_FB_RESERVED'] as const;

/** The per-GPU samples of one scrape; series without a numeric `gpu` label and non-finite values are skipped. */
export function dcgmSamples(scrape: PromScrape, url: string, timestampNs: bigint, roundTripNs = 0n): GpuSample[] {
  const gpus = new Map<number, { id: GpuIdentity; data: GpuTelemetryData; fb: Map<string, number> }>();
  for (const s of scrape.samples) {
    if (!Number.isFinite(s.value)) continue;
    const name = s.name.endsWith('_total') ? s.name.slice(0, -'_total'.length) : s.name;
    const field = FIELDS.get(name);
    const fbPart = name === 'DCGM_FI_DEV_FB_TOTAL' || (FB_PARTS as readonly string[]).includes(name);
    if (!field && !fbPart) continue;
    const gpuLabel = s.labels['gpu'];
    if (gpuLabel === undefined || !/^\d+$/.test(gpuLabel)) continue;
    const index = Number(gpuLabel);
    let g = gpus.get(index);
    if (!g) {
      g = {
        id: {
          gpu_index: index,
          gpu_uuid: s.labels['UUID'] ?? null,
          gpu_model_name: s.labels['modelName'] ?? null,
          pci_bus_id: s.labels['pci_bus_id'] ?? null,
          device: s.labels['device'] ?? null,
          hostname: s.labels['Hostname'] ?? null,
        },
        data: {},
        fb: new Map(),
      };
      gpus.set(index, g);
    }
    if (field) g.data[field[0]] = s.value * field[1];
    if (fbPart) g.fb.set(name, s.value);
  }
  const out: GpuSample[] = [];
  for (const g of [...gpus.values()].sort((a, b) => a.id.gpu_index - b.id.gpu_index)) {
    const total = g.fb.get('DCGM_FI_DEV_FB_TOTAL');
    if (total !== undefined) g.data.nvidia_memory_total = total * MIB_TO_GB;
    else if (g.fb.has('DCGM_FI_DEV_FB_USED') && g.fb.has('DCGM_FI_DEV_FB_FREE')) {
      let mib = 0;
      for (const part of FB_PARTS) mib += g.fb.get(part) ?? 0;
      g.data.nvidia_memory_total = mib * MIB_TO_GB;
    }
    if (Object.keys(g.data).length === 0) continue;
    out.push({ timestamp_ns: timestampNs, round_trip_ns: roundTripNs, telemetry_source_url: url, ...g.id, telemetry_data: g.data });
  }
  return out;
}

/** The key a GPU is known by across scrapes and endpoints: its host and UUID (index and endpoint without a UUID). */
export function gpuKey(s: GpuSample): string {
  return s.gpu_uuid === null ? `${s.hostname ?? ''}|${s.telemetry_source_url}#${s.gpu_index}` : `${s.hostname ?? ''}|${s.gpu_uuid}`;
}
