// The GPU telemetry exports (docs/exports.md §14): the JSONL line, the summary block and the console table.
import { describe, expect, it } from 'vitest';
import type { GpuSample } from '../../../ts/src/metrics/dcgm-samples.js';
import { samplesByGpu, summariseGpuWindow } from '../../../ts/src/metrics/gpu-telemetry.js';
import { toJson } from '../../../ts/src/report/json-writer.js';
import { gpuTelemetryJson, gpuTelemetryLine, gpuTelemetryTable } from '../../../ts/src/report/gpu-telemetry-export.js';

const T0 = 1_800_000_000_000_000_000n;

function sample(tSec: number, data: GpuSample['telemetry_data'], extra: Partial<GpuSample> = {}): GpuSample {
  return {
    timestamp_ns: T0 + BigInt(Math.round(tSec * 1e9)),
    round_trip_ns: 1_000_000n,
    telemetry_source_url: 'http://n:9400/metrics',
    gpu_index: 0,
    gpu_uuid: 'GPU-a',
    gpu_model_name: 'NVIDIA H100',
    pci_bus_id: null,
    device: 'nvidia0',
    hostname: 'n',
    telemetry_data: data,
    ...extra,
  };
}

describe('gpuTelemetryLine', () => {
  it("writes AIPerf's TelemetryRecord keys in order, floats as floats, fields in a fixed order, unreported ones absent", () => {
    const line = gpuTelemetryLine(sample(0, { nvidia_temperature: 60, nvidia_power_usage: 250, nvidia_energy_consumption: 1.5 }));
    expect(line).toBe(
      '{"timestamp_ns":1800000000000000000,"telemetry_source_url":"http://n:9400/metrics","gpu_index":0,"gpu_uuid":"GPU-a",' +
        '"gpu_model_name":"NVIDIA H100","pci_bus_id":null,"device":"nvidia0","hostname":"n",' +
        '"telemetry_data":{"nvidia_power_usage":250.0,"nvidia_energy_consumption":1.5,"nvidia_temperature":60.0}}',
    );
  });
});

describe('the summary block and the console table', () => {
  const samples = [0, 1, 2, 3, 4].map((t) =>
    sample(t, {
      nvidia_power_usage: 200,
      nvidia_energy_consumption: (200 * t) / 1e6,
      nvidia_gpu_utilization: 50,
      nvidia_xid_errors: t === 3 ? 79 : 0,
    }),
  );
  const window = summariseGpuWindow(samplesByGpu(samples), T0, T0 + 4_000_000_000n, { outputTokens: 1000, requests: 8 });

  it('carries the window, the endpoint counts, per-GPU statistics and the derived figures', () => {
    const block = JSON.parse(
      toJson(
        gpuTelemetryJson(window, [
          {
            url: 'http://n:9400/metrics',
            total_fetches: 9,
            failed_fetches: 2,
            skipped_ticks: 1,
            malformed_lines: 0,
            avg_fetch_latency_ms: 3,
            failures: { timeout: 1, connection: 1, http_status: 0, invalid_body: 0, no_gpu_metrics: 0 },
          },
        ]),
      ),
    );
    expect(block.window.duration_sec).toBe(4);
    expect(block.endpoints[0]).toMatchObject({ failed_fetches: 2, failures: { timeout: 1, connection: 1 } });
    expect(block.gpus[0].nvidia_power_usage).toMatchObject({ unit: 'W', avg: 200, p99: 200 });
    expect(block.gpus[0].energy).toMatchObject({ unit: 'J', avg: 800, source: 'counter', window_coverage: 1 });
    expect(block.gpus[0].xid_errors).toEqual({ last: 0, seen: [79] });
    expect(block.gpus[0]).not.toHaveProperty('nvidia_temperature');
    expect(block.energy_per_output_token).toEqual({ unit: 'J/token', avg: 0.8 });
    expect(block.energy_per_request).toEqual({ unit: 'J/request', avg: 100 });
    expect(block.output_tokens_per_sec_per_watt).toEqual({ unit: 'tokens/sec/W', avg: 1.25 });
  });

  it('prints a row per GPU and the energy lines, and nothing when no GPU was sampled in the window', () => {
    const table = gpuTelemetryTable(window)!;
    expect(table).toContain('infermark | GPU Telemetry');
    expect(table).toMatch(/│ +n GPU 0 │ +NVIDIA H100 │ +200\.00 │ +800\.00 │ +50\.00 │ +N\/A │ +N\/A │ +N\/A │ +N\/A │ +79 │/);
    expect(table).toContain('Total GPU Energy: 800.00 J over 4.00 sec (energy counter)');
    expect(table).toContain('Energy per Output Token: 0.8 J');
    expect(table).toContain('Energy per Request: 100.00 J');
    expect(table).toContain('Output Tokens/s per Watt: 1.25');
    expect(gpuTelemetryTable(summariseGpuWindow(new Map(), T0, T0 + 1n, { outputTokens: 1, requests: 1 }))).toBeNull();
  });
});
