// The charts of one run (docs/cli.md §7): per-request values over time with their median line,
// dispersed output-token throughput, time slices, latency against ISL and OSL, schedule lag, and
// the server's gauges and latency histograms, and the GPUs' telemetry (./gpu-charts.ts).
import { chartOption, MEDIAN_COLOUR, round } from './chart-style.js';
import { gpuCharts } from './gpu-charts.js';
import type { GpuTelemetry } from './gpu-telemetry-file.js';
import type { MedianPoint } from './time-binned-medians.js';
import type { ChartSpec, PlotTheme } from './plot-model.js';
import type { RecordPoint, RunRecords } from './run-records.js';
import type { ServerMetrics } from './server-metrics-file.js';
import type { Timeslices } from './timeslices-file.js';

/** What one run's charts are made from. */
export interface RunChartInput {
  name: string;
  records: RunRecords;
  /** The summary's `output_token_throughput` avg, drawn as a reference line (NaN when absent). */
  outputTokenThroughput: number;
  timeslices: Timeslices | null;
  serverMetrics: ServerMetrics | null;
  gpuTelemetry: GpuTelemetry | null;
}

const TIME_AXIS = { name: 'Time since the first request started (s)', min: 0 };

/** Scatter of the drawn requests plus the median line from every request. */
function overTime(
  theme: PlotTheme,
  input: RunChartInput,
  id: string,
  title: string,
  yName: string,
  pick: (p: RecordPoint) => number,
  median: MedianPoint[],
): ChartSpec | null {
  const points = input.records.sample.filter((p) => Number.isFinite(pick(p))).map((p) => [round(p.t), round(pick(p))]);
  if (points.length === 0) return null;
  const r = input.records;
  const subtitle =
    points.length < r.successes
      ? `${input.name} · ${r.successes.toLocaleString('en-US')} requests, ${points.length.toLocaleString('en-US')} drawn evenly; median line from all`
      : `${input.name} · ${r.successes.toLocaleString('en-US')} requests`;
  return {
    id,
    title,
    run: input.name,
    option: chartOption(theme, {
      title,
      subtitle,
      x: TIME_AXIS,
      y: { name: yName },
      series: [
        { type: 'scatter', name: 'request', symbolSize: 4, large: points.length > 2000, data: points, itemStyle: { opacity: 0.55 } },
        {
          type: 'line',
          name: 'rolling median',
          showSymbol: false,
          lineStyle: { width: 2.5, color: MEDIAN_COLOUR[theme] },
          itemStyle: { color: MEDIAN_COLOUR[theme] },
          data: median.map((m) => [round(m.t), round(m.median)]),
        },
      ],
    }),
  };
}

function dispersedThroughput(theme: PlotTheme, input: RunChartInput): ChartSpec | null {
  const bins = input.records.throughput;
  if (bins.length === 0) return null;
  const title = 'Output token throughput over time (dispersed)';
  const avg = input.outputTokenThroughput;
  return {
    id: 'dispersed_throughput_over_time',
    title,
    run: input.name,
    option: chartOption(theme, {
      title,
      subtitle: `${input.name} · each request's output tokens spread over [first token, last content], summed per 1 s`,
      x: TIME_AXIS,
      y: { name: 'Output tokens/s' },
      series: [
        {
          type: 'line',
          name: 'output tokens/s',
          // A bin's value holds from its start to the next bin's.
          step: 'end',
          showSymbol: false,
          areaStyle: { opacity: 0.25 },
          data: bins.map((b) => [round(b.t), round(b.tokensPerSecond)]),
          ...(Number.isFinite(avg)
            ? {
                markLine: {
                  symbol: 'none',
                  label: { position: 'insideEndTop', formatter: 'run average {c}' },
                  data: [{ yAxis: round(avg), name: 'run average' }],
                },
              }
            : {}),
        },
      ],
    }),
  };
}

const TIMESLICE_TITLES: Record<string, string> = {
  time_to_first_token: 'Time to first token per time slice',
  inter_token_latency: 'Inter-token latency per time slice',
  request_latency: 'Request latency per time slice',
  output_token_throughput: 'Output token throughput per time slice',
  request_throughput: 'Request throughput per time slice',
};

function timesliceCharts(theme: PlotTheme, input: RunChartInput): ChartSpec[] {
  const ts = input.timeslices;
  if (ts === null) return [];
  const width = Number.isFinite(ts.sliceSeconds) ? ` of ${ts.sliceSeconds} s` : '';
  return ts.series.map((s) => {
    const title = TIMESLICE_TITLES[s.tag] ?? `${s.tag} per time slice`;
    return {
      id: `timeslices_${s.tag}`,
      title,
      run: input.name,
      option: chartOption(theme, {
        title,
        subtitle: `${input.name} · slices${width}, plotted at each slice's start`,
        x: { name: 'Slice start (s since the first slice)', min: 0 },
        y: { name: `${s.tag} (${s.unit})` },
        series: Object.entries(s.stats).map(([stat, values]) => ({
          type: 'line',
          name: stat,
          symbolSize: 5,
          connectNulls: false,
          data: values.map((v, i) => [round(s.t[i]!), round(v)]),
        })),
      }),
    };
  });
}

function versus(
  theme: PlotTheme,
  input: RunChartInput,
  id: string,
  title: string,
  xName: string,
  pickX: (p: RecordPoint) => number,
): ChartSpec | null {
  const points = input.records.sample
    .filter((p) => Number.isFinite(pickX(p)) && Number.isFinite(p.latency))
    .map((p) => [round(pickX(p)), round(p.latency)]);
  if (points.length === 0) return null;
  return {
    id,
    title,
    run: input.name,
    option: chartOption(theme, {
      title,
      subtitle: `${input.name} · ${points.length.toLocaleString('en-US')} requests drawn`,
      x: { name: xName },
      y: { name: 'Request latency (ms)' },
      legend: false,
      series: [
        { type: 'scatter', name: 'request', symbolSize: 4, large: points.length > 2000, data: points, itemStyle: { opacity: 0.55 } },
      ],
    }),
  };
}

function serverGauges(theme: PlotTheme, input: RunChartInput): ChartSpec | null {
  const gauges = input.serverMetrics?.gauges ?? [];
  if (gauges.length === 0) return null;
  const title = 'Server gauges over the run';
  // Gauges come in different units (requests, fractions of the KV cache): each bar is labelled
  // with its value so a small one is still read.
  const label = { show: true, position: 'right', formatter: '{c}', fontSize: 10 };
  const option = chartOption(theme, {
    title,
    subtitle: `${input.name} · mean, median and maximum of each gauge's scrapes (each in its own unit)`,
    x: { name: 'value' },
    y: { name: '', type: 'category', data: gauges.map((g) => g.label) },
    zoom: false,
    series: (['avg', 'p50', 'max'] as const).map((stat) => ({ type: 'bar', name: stat, label, data: gauges.map((g) => round(g[stat])) })),
  });
  // Long metric names need room on the left; the chart grows with the number of gauges (svg-render.ts).
  option.grid = { left: 330, right: 80, top: 100, bottom: 60 };
  return { id: 'server_metrics_gauges', title, run: input.name, option };
}

function serverLatencyHistograms(theme: PlotTheme, input: RunChartInput): ChartSpec | null {
  const hists = input.serverMetrics?.latencyHistograms ?? [];
  if (hists.length === 0) return null;
  const title = "Server's latency histograms";
  const option = chartOption(theme, {
    title,
    subtitle: `${input.name} · quantile estimates from the Prometheus buckets over the run`,
    x: { name: 'seconds' },
    y: { name: '', type: 'category', data: hists.map((h) => h.label) },
    zoom: false,
    series: (['p50', 'p90', 'p99'] as const).map((stat) => ({
      type: 'bar',
      name: stat,
      label: { show: true, position: 'right', formatter: '{c}', fontSize: 10 },
      data: hists.map((h) => round(h[stat])),
    })),
  });
  option.grid = { left: 330, right: 80, top: 100, bottom: 60 };
  return { id: 'server_metrics_latency_histograms', title, run: input.name, option };
}

/** Every chart of one run, in report order; a chart whose data the run does not have is left out. */
export function runCharts(theme: PlotTheme, input: RunChartInput): ChartSpec[] {
  const m = input.records.medians;
  const charts = [
    overTime(theme, input, 'ttft_over_time', 'Time to first token over time', 'TTFT (ms)', (p) => p.ttft, m.ttft),
    overTime(theme, input, 'itl_over_time', 'Inter-token latency over time', 'ITL (ms)', (p) => p.itl, m.itl),
    overTime(theme, input, 'latency_over_time', 'Request latency over time', 'Request latency (ms)', (p) => p.latency, m.latency),
    dispersedThroughput(theme, input),
    ...timesliceCharts(theme, input),
    versus(theme, input, 'latency_vs_isl', 'Request latency against input length', 'Input sequence length (tokens)', (p) => p.isl),
    versus(theme, input, 'latency_vs_osl', 'Request latency against output length', 'Output sequence length (tokens)', (p) => p.osl),
    overTime(theme, input, 'schedule_lag_over_time', 'Schedule lag over time', 'Schedule lag (ms)', (p) => p.scheduleLag, m.scheduleLag),
    serverGauges(theme, input),
    serverLatencyHistograms(theme, input),
    ...gpuCharts(theme, {
      name: input.name,
      telemetry: input.gpuTelemetry,
      originMs: input.records.records > 0 ? input.records.originMs : null,
    }),
  ];
  return charts.filter((c): c is ChartSpec => c !== null);
}
