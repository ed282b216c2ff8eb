// The GPU telemetry charts of one run (docs/cli.md §7.3): power, utilisation, memory used and
// energy over time, one line per GPU, on the time axis of the run's other charts.
import { chartOption, round } from './chart-style.js';
import type { GpuSeries, GpuTelemetry } from './gpu-telemetry-file.js';
import type { ChartSpec, PlotTheme } from './plot-model.js';

export interface GpuChartInput {
  name: string;
  telemetry: GpuTelemetry | null;
  /** The run's time 0: wall-clock ms of its earliest request start, or null (then the first sample's time). */
  originMs: number | null;
}

type Field = 'powerW' | 'utilizationPct' | 'memoryUsedGb' | 'energyJ';

/** Below this many joules on a GPU, energy is drawn in J; above, in kJ. */
const KJ_FROM = 10_000;

function lineChart(
  theme: PlotTheme,
  input: GpuChartInput,
  id: string,
  title: string,
  yName: string,
  subtitle: string,
  field: Field,
  scale = 1,
): ChartSpec | null {
  const gpus = input.telemetry?.gpus ?? [];
  const origin = input.originMs ?? Math.min(...gpus.map((g) => g.tMs[0] ?? Infinity));
  const series = gpus
    .map((g) => ({
      type: 'line',
      name: g.label,
      showSymbol: false,
      connectNulls: false,
      data: g.tMs.map((t, i) => [round((t - origin) / 1000), round(g[field][i]! / scale)]),
    }))
    .filter((s) => s.data.some(([, v]) => v !== null));
  if (series.length === 0) return null;
  const option = chartOption(theme, {
    title,
    subtitle: `${input.name} · ${subtitle}`,
    // Not fixed at 0: the baseline scrape just before the first request is drawn too.
    x: { name: 'Time since the first request started (s)' },
    y: { name: yName },
    series,
  });
  // With negative times the y axis would be drawn at x = 0, inside the plot.
  option.yAxis = { ...(option.yAxis as Record<string, unknown>), axisLine: { onZero: false } };
  return { id, title, run: input.name, option };
}

function describeGpus(gpus: readonly GpuSeries[]): string {
  const models = [...new Set(gpus.map((g) => g.modelName).filter((m): m is string => m !== null))];
  const count = `${gpus.length} GPU${gpus.length === 1 ? '' : 's'}`;
  return models.length === 1 ? `${count} (${models[0]})` : count;
}

/** The GPU charts of a run with a telemetry export; none without one. */
export function gpuCharts(theme: PlotTheme, input: GpuChartInput): ChartSpec[] {
  const gpus = input.telemetry?.gpus ?? [];
  if (gpus.length === 0) return [];
  const who = describeGpus(gpus);
  const totals = [...new Set(gpus.flatMap((g) => g.memoryTotalGb.filter(Number.isFinite)))];
  const memoryOf = totals.length === 1 ? `, of ${round(totals[0]!)} GB each` : '';
  const maxEnergy = Math.max(0, ...gpus.flatMap((g) => g.energyJ.filter(Number.isFinite)));
  const kj = maxEnergy >= KJ_FROM;
  const charts = [
    lineChart(theme, input, 'gpu_power_over_time', 'GPU power over time', 'Power (W)', `${who}, as scraped`, 'powerW'),
    lineChart(
      theme,
      input,
      'gpu_utilization_over_time',
      'GPU utilisation over time',
      'GPU utilisation (%)',
      `${who}, as scraped`,
      'utilizationPct',
    ),
    lineChart(
      theme,
      input,
      'gpu_memory_used_over_time',
      'GPU memory used over time',
      'Memory used (GB)',
      `${who}${memoryOf}`,
      'memoryUsedGb',
    ),
    lineChart(
      theme,
      input,
      'gpu_energy_over_time',
      'GPU energy over time',
      `Energy (${kj ? 'kJ' : 'J'})`,
      `${who}, from each GPU's energy counter since its first sample`,
      'energyJ',
      kj ? 1000 : 1,
    ),
  ];
  return charts.filter((c): c is ChartSpec => c !== null);
}
