// A run's GPU telemetry export (docs/exports.md, `gpu_telemetry_export.jsonl` or
// `<prefix>_gpu_telemetry.jsonl`: one line per GPU per scrape) as series per GPU for the
// `gpu_*_over_time` charts of docs/cli.md §7.3. Read as a stream; unusable lines are counted like
// the records file's.
import { readLines } from './jsonl-lines.js';

/** Most GPUs drawn per chart; the others are named in a note. */
export const MAX_GPU_SERIES = 64;
/** Most points drawn per GPU and chart: longer series keep every k-th sample (and the last). */
export const MAX_GPU_POINTS = 2000;

/** One GPU's samples, in time order; a value the exporter did not report is NaN. */
export interface GpuSeries {
  /** `GPU 0`; with several hosts `HOST GPU 0`; the UUID's start is added when that is still ambiguous. */
  label: string;
  uuid: string;
  hostname: string | null;
  modelName: string | null;
  /** Wall-clock ms of each sample. */
  tMs: number[];
  powerW: number[];
  utilizationPct: number[];
  memoryUsedGb: number[];
  memoryTotalGb: number[];
  /** Joules since this GPU's first sample, from the cumulative energy counter (a drop counts as a restart). */
  energyJ: number[];
}

export interface GpuTelemetry {
  gpus: GpuSeries[];
  /** Usable lines read. */
  samples: number;
  skipped: number;
  firstSkip: string | null;
  partialLastLine: boolean;
  /** GPUs beyond MAX_GPU_SERIES, left out. */
  gpusLeftOut: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numberOr = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
const stringOr = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

interface Accumulator extends GpuSeries {
  index: number | null;
  /** The counter's last value (MJ) and the total so far (J), for the restart-aware energy. */
  lastCounterMj: number;
  totalJ: number;
}

/** The last sample's line is kept: a chart that ends early would misstate the run's end. */
function decimate<T>(values: T[], stride: number): T[] {
  if (stride <= 1) return values;
  const out = values.filter((_, i) => i % stride === 0);
  if ((values.length - 1) % stride !== 0) out.push(values[values.length - 1]!);
  return out;
}

/** Read a GPU telemetry export. A missing or unreadable file throws (the caller turns it into a note). */
export async function readGpuTelemetry(path: string): Promise<GpuTelemetry> {
  const byKey = new Map<string, Accumulator>();
  const out = { samples: 0, skipped: 0, firstSkip: null as string | null, gpusLeftOut: 0 };
  const leftOut = new Set<string>();
  const skip = (lineNo: number, reason: string): void => {
    out.skipped++;
    out.firstSkip ??= `line ${lineNo}: ${reason}`;
  };
  const { partialLastLine } = await readLines(path, {
    line(text, lineNo) {
      if (text.trim() === '') return;
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch (err) {
        skip(lineNo, `not JSON (${(err as Error).message})`);
        return;
      }
      if (!isObject(rec)) return skip(lineNo, 'not a JSON object');
      const tNs = numberOr(rec.timestamp_ns);
      if (Number.isNaN(tNs)) return skip(lineNo, 'no numeric timestamp_ns');
      const uuid = stringOr(rec.gpu_uuid);
      if (uuid === null) return skip(lineNo, 'no gpu_uuid');
      const data = rec.telemetry_data;
      if (!isObject(data)) return skip(lineNo, 'no telemetry_data object');
      const hostname = stringOr(rec.hostname);
      const key = `${hostname ?? ''}\u0000${uuid}`;
      let gpu = byKey.get(key);
      if (!gpu) {
        if (byKey.size >= MAX_GPU_SERIES) {
          leftOut.add(key);
          return;
        }
        const index = numberOr(rec.gpu_index);
        gpu = {
          label: '',
          uuid,
          hostname,
          modelName: stringOr(rec.gpu_model_name),
          index: Number.isNaN(index) ? null : index,
          tMs: [],
          powerW: [],
          utilizationPct: [],
          memoryUsedGb: [],
          memoryTotalGb: [],
          energyJ: [],
          lastCounterMj: NaN,
          totalJ: 0,
        };
        byKey.set(key, gpu);
      }
      out.samples++;
      gpu.tMs.push(tNs / 1e6);
      gpu.powerW.push(numberOr(data.nvidia_power_usage));
      gpu.utilizationPct.push(numberOr(data.nvidia_gpu_utilization));
      gpu.memoryUsedGb.push(numberOr(data.nvidia_memory_used));
      gpu.memoryTotalGb.push(numberOr(data.nvidia_memory_total));
      const counterMj = numberOr(data.nvidia_energy_consumption);
      if (Number.isNaN(counterMj)) {
        gpu.energyJ.push(NaN);
      } else {
        if (!Number.isNaN(gpu.lastCounterMj)) {
          const d = counterMj - gpu.lastCounterMj;
          gpu.totalJ += (d >= 0 ? d : counterMj) * 1e6;
        }
        gpu.lastCounterMj = counterMj;
        gpu.energyJ.push(gpu.totalJ);
      }
    },
    tooLong(lineNo) {
      skip(lineNo, 'longer than 64 MiB');
    },
  });
  const gpus = [...byKey.values()];
  const hosts = new Set(gpus.map((g) => g.hostname));
  for (const g of gpus) {
    const name = g.index === null ? g.uuid : `GPU ${g.index}`;
    g.label = hosts.size > 1 ? `${g.hostname ?? '?'} ${name}` : name;
  }
  const counts = new Map<string, number>();
  for (const g of gpus) counts.set(g.label, (counts.get(g.label) ?? 0) + 1);
  for (const g of gpus) if (counts.get(g.label)! > 1) g.label = `${g.label} (${g.uuid.slice(0, 12)})`;
  gpus.sort(
    (a, b) => (a.hostname ?? '').localeCompare(b.hostname ?? '') || (a.index ?? 0) - (b.index ?? 0) || a.label.localeCompare(b.label),
  );
  return {
    gpus: gpus.map((g) => finish(g)),
    ...out,
    gpusLeftOut: leftOut.size,
    partialLastLine,
  };
}

/** In time order (scrapes can land out of order), then thinned to MAX_GPU_POINTS. */
function finish(g: Accumulator): GpuSeries {
  let order = g.tMs.map((_, i) => i);
  if (g.tMs.some((t, i) => i > 0 && t < g.tMs[i - 1]!)) order = order.sort((a, b) => g.tMs[a]! - g.tMs[b]!);
  const stride = Math.ceil(order.length / MAX_GPU_POINTS);
  const kept = decimate(order, stride);
  const pick = (values: number[]): number[] => kept.map((i) => values[i]!);
  // Restart-aware energy assumes file order is time order; a reordered file keeps the values as read.
  return {
    label: g.label,
    uuid: g.uuid,
    hostname: g.hostname,
    modelName: g.modelName,
    tMs: pick(g.tMs),
    powerW: pick(g.powerW),
    utilizationPct: pick(g.utilizationPct),
    memoryUsedGb: pick(g.memoryUsedGb),
    memoryTotalGb: pick(g.memoryTotalGb),
    energyJ: pick(g.energyJ),
  };
}
