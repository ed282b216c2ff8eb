// GPU telemetry in the exports (docs/exports.md §14): the lines of `gpu_telemetry_export.jsonl`
// (AIPerf 0.13's TelemetryRecord shape), the summary JSON's `gpu_telemetry` block and the console
// summary's per-GPU table.
import type { GpuEndpointStats } from '../metrics/gpu-telemetry-collector.js';
import { GPU_FIELD_ORDER, type GpuIdentity, type GpuSample } from '../metrics/dcgm-samples.js';
import { GPU_GAUGES, type GpuWindowResult } from '../metrics/gpu-telemetry.js';
import type { Stats } from '../metrics/stats.js';
import { jf, toJson, type JsonValue } from './json-writer.js';
import { formatConsole2 } from './number-format.js';
import { isoMicros } from './time-format.js';

/** One sample as a JSONL line (without the newline); fields the exporter did not report are absent. */
export function gpuTelemetryLine(s: GpuSample): string {
  const data: Record<string, JsonValue> = {};
  for (const k of GPU_FIELD_ORDER) {
    const v = s.telemetry_data[k];
    if (v !== undefined) data[k] = jf(v);
  }
  return toJson({
    timestamp_ns: s.timestamp_ns,
    telemetry_source_url: s.telemetry_source_url,
    gpu_index: s.gpu_index,
    gpu_uuid: s.gpu_uuid,
    gpu_model_name: s.gpu_model_name,
    pci_bus_id: s.pci_bus_id,
    device: s.device,
    hostname: s.hostname,
    telemetry_data: data,
  });
}

/** How a GPU is named on screen: its index, and its host when the exporter says. */
export function gpuLabel(id: GpuIdentity): string {
  return id.hostname ? `${id.hostname} GPU ${id.gpu_index}` : `GPU ${id.gpu_index}`;
}

const STAT_KEYS = ['avg', 'min', 'max', 'p50', 'p90', 'p99', 'std'] as const;

function statsJson(unit: string, st: Stats): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { unit };
  for (const k of STAT_KEYS) {
    const v = st[k];
    if (v !== undefined && Number.isFinite(v)) out[k] = jf(v);
  }
  return out;
}

function figure(unit: string, v: number | null): JsonValue {
  return v === null || !Number.isFinite(v) ? null : { unit, avg: jf(v) };
}

/** The summary JSON's `gpu_telemetry` block. */
export function gpuTelemetryJson(r: GpuWindowResult, endpoints: readonly GpuEndpointStats[]): Record<string, JsonValue> {
  return {
    window: { start_time: isoMicros(r.startNs), end_time: isoMicros(r.endNs), duration_sec: jf(r.durationSec) },
    endpoints: endpoints.map((e) => ({
      url: e.url,
      total_fetches: e.total_fetches,
      failed_fetches: e.failed_fetches,
      skipped_ticks: e.skipped_ticks,
      malformed_lines: e.malformed_lines,
      avg_fetch_latency_ms: e.avg_fetch_latency_ms === null ? null : jf(e.avg_fetch_latency_ms),
      failures: { ...e.failures },
    })),
    gpus: r.gpus.map((g) => {
      const out: Record<string, JsonValue> = {
        telemetry_source_url: g.telemetry_source_url,
        gpu_index: g.gpu_index,
        gpu_uuid: g.gpu_uuid,
        gpu_model_name: g.gpu_model_name,
        pci_bus_id: g.pci_bus_id,
        device: g.device,
        hostname: g.hostname,
        sample_count: g.sampleCount,
      };
      for (const [field, unit] of GPU_GAUGES) {
        const st = g.gauges.get(field);
        if (st) out[field] = statsJson(unit, st);
      }
      out['energy'] =
        g.energyJ === null ? null : { unit: 'J', avg: jf(g.energyJ), source: g.energySource, window_coverage: jf(g.energyCoverage) };
      out['xid_errors'] = g.xidLast === null ? null : { last: g.xidLast, seen: g.xidSeen };
      return out;
    }),
    total_energy: r.totalEnergyJ === null ? null : { unit: 'J', avg: jf(r.totalEnergyJ), source: r.energySource },
    avg_power: figure('W', r.avgPowerW),
    energy_per_output_token: figure('J/token', r.energyPerOutputTokenJ),
    energy_per_request: figure('J/request', r.energyPerRequestJ),
    output_tokens_per_sec_per_watt: figure('tokens/sec/W', r.outputTokensPerSecPerWatt),
  };
}

export const GPU_TABLE_TITLE = 'infermark | GPU Telemetry';

const HEADERS = [
  'GPU',
  'Model',
  'Power avg (W)',
  'Energy (J)',
  'Util avg (%)',
  'Mem used max (GB)',
  'Mem total (GB)',
  'SM clock avg (MHz)',
  'Temp max (°C)',
  'XID',
];

function cell(v: number | undefined | null): string {
  return v === undefined || v === null || !Number.isFinite(v) ? 'N/A' : formatConsole2(v);
}

/** A derived figure on the console: 2 decimals from 100 up, else 4 significant digits (J per token is often below 1). */
function fine(v: number): string {
  return Math.abs(v) >= 100 ? formatConsole2(v) : String(Number(v.toPrecision(4)));
}

/**
 * The per-GPU table and the energy lines under it, or null when no GPU was sampled in the window
 * (nothing is printed about GPUs then).
 */
export function gpuTelemetryTable(r: GpuWindowResult, options: { colour?: boolean } = {}): string | null {
  const gpus = r.gpus.filter((g) => g.sampleCount > 0 || g.energyJ !== null);
  if (gpus.length === 0) return null;
  const rows = gpus.map((g) => [
    gpuLabel(g),
    g.gpu_model_name ?? 'N/A',
    cell(g.gauges.get('nvidia_power_usage')?.avg),
    cell(g.energyJ),
    cell(g.gauges.get('nvidia_gpu_utilization')?.avg),
    cell(g.gauges.get('nvidia_memory_used')?.max),
    cell(g.gauges.get('nvidia_memory_total')?.max),
    cell(g.gauges.get('nvidia_sm_clock')?.avg),
    cell(g.gauges.get('nvidia_temperature')?.max),
    g.xidLast === null ? 'N/A' : g.xidSeen.length > 0 ? g.xidSeen.join(' ') : 'none',
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const W = 1 + widths.reduce((s, w) => s + w + 3, 0);
  const bar = (l: string, fill: string, mid: string, rt: string): string => l + widths.map((w) => fill.repeat(w + 2)).join(mid) + rt;
  const bold = (s: string): string => (options.colour ? `\x1b[1m${s}\x1b[22m` : s);
  const cyan = (s: string): string => (options.colour ? `\x1b[36m${s}\x1b[39m` : s);
  const lines = [' '.repeat(Math.max(0, Math.floor((W - GPU_TABLE_TITLE.length) / 2))) + bold(GPU_TABLE_TITLE)];
  lines.push(bar('┏', '━', '┳', '┓'));
  lines.push(`┃${HEADERS.map((h, i) => ` ${h.padStart(widths[i]!)} `).join('┃')}┃`);
  lines.push(bar('┡', '━', '╇', '┩'));
  for (const row of rows)
    lines.push(`│${row.map((c, i) => ` ${i === 0 ? cyan(c.padStart(widths[i]!)) : c.padStart(widths[i]!)} `).join('│')}│`);
  lines.push(bar('└', '─', '┴', '┘'));
  if (r.totalEnergyJ !== null) {
    const how =
      r.energySource === 'counter'
        ? 'energy counter'
        : r.energySource === 'power_integral'
          ? 'power integrated over time'
          : 'counter and power';
    lines.push(`Total GPU Energy: ${formatConsole2(r.totalEnergyJ)} J over ${formatConsole2(r.durationSec)} sec (${how})`);
  }
  if (r.energyPerOutputTokenJ !== null) lines.push(`Energy per Output Token: ${fine(r.energyPerOutputTokenJ)} J`);
  if (r.energyPerRequestJ !== null) lines.push(`Energy per Request: ${fine(r.energyPerRequestJ)} J`);
  if (r.outputTokensPerSecPerWatt !== null) lines.push(`Output Tokens/s per Watt: ${fine(r.outputTokensPerSecPerWatt)}`);
  return `${lines.join('\n')}\n`;
}
