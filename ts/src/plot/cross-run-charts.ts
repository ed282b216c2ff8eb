// The charts across runs (docs/cli.md §7): throughput per GPU against interactivity and against
// latency, and TTFT against throughput, each with its Pareto-optimal runs marked by the one
// Pareto rule (metrics/pareto.ts).
import { paretoOptimal, type ParetoDirection } from '../metrics/pareto.js';
import { chartOption, FRONTIER_COLOUR, round } from './chart-style.js';
import type { ChartSpec, PlotTheme } from './plot-model.js';
import type { RunFigures } from './run-summary.js';

export interface CrossRunInput {
  name: string;
  figures: RunFigures;
}

interface Axis {
  name: string;
  pick: (f: RunFigures, gpus: number) => number;
  direction: ParetoDirection;
}

const PER_GPU: Axis = { name: 'Output tokens/s per GPU', pick: (f, gpus) => f.outputTokenThroughput / gpus, direction: 'max' };
const PER_USER: Axis = { name: 'Output tokens/s per user (interactivity)', pick: (f) => f.tokensPerUser, direction: 'max' };
const LATENCY: Axis = { name: 'Mean request latency (ms)', pick: (f) => f.requestLatencyAvg, direction: 'min' };
const THROUGHPUT: Axis = { name: 'Output tokens/s', pick: (f) => f.outputTokenThroughput, direction: 'max' };
const TTFT: Axis = { name: 'Mean time to first token (ms)', pick: (f) => f.ttftAvg, direction: 'min' };

/** One chart: every run as a labelled point, the Pareto-optimal ones in their own series joined by the frontier line. */
function paretoChart(
  theme: PlotTheme,
  runs: readonly CrossRunInput[],
  gpus: number,
  id: string,
  title: string,
  x: Axis,
  y: Axis,
): ChartSpec {
  const points = runs.map((r) => ({ name: r.name, x: x.pick(r.figures, gpus), y: y.pick(r.figures, gpus) }));
  const optimal = paretoOptimal(
    points.map((p) => [p.x, p.y]),
    [x.direction, y.direction],
  );
  const drawn = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const item = (p: { name: string; x: number; y: number }) => ({ name: p.name, value: [round(p.x), round(p.y)] });
  const frontier = points.filter((_, i) => optimal[i]).sort((a, b) => a.x - b.x);
  const missing = points.length - drawn.length;
  const notes = [
    gpus > 1 ? `throughput divided by ${gpus} GPUs` : '',
    missing > 0 ? `${missing} run${missing === 1 ? '' : 's'} without these metrics left out` : '',
  ].filter((s) => s !== '');
  return {
    id,
    title,
    run: null,
    option: chartOption(theme, {
      title,
      subtitle: [`${drawn.length} runs · Pareto-optimal runs marked and joined`, ...notes].join(' · '),
      x: { name: x.name },
      y: { name: y.name },
      series: [
        {
          type: 'scatter',
          name: 'run',
          symbolSize: 10,
          data: drawn.filter((p) => !frontier.includes(p)).map(item),
          label: { show: true, formatter: '{b}', position: 'right', fontSize: 11 },
        },
        {
          type: 'line',
          name: 'Pareto-optimal',
          symbol: 'diamond',
          symbolSize: 14,
          itemStyle: { color: FRONTIER_COLOUR[theme] },
          lineStyle: { color: FRONTIER_COLOUR[theme], width: 2 },
          data: frontier.map(item),
          label: { show: true, formatter: '{b}', position: 'top', fontSize: 11 },
        },
      ],
    }),
  };
}

/** The charts across runs; none for a single run (there is nothing to compare). */
export function crossRunCharts(theme: PlotTheme, runs: readonly CrossRunInput[], gpus: number): ChartSpec[] {
  if (runs.length < 2) return [];
  return [
    paretoChart(
      theme,
      runs,
      gpus,
      'pareto_curve_throughput_per_gpu_vs_interactivity',
      'Throughput per GPU against interactivity',
      PER_USER,
      PER_GPU,
    ),
    paretoChart(theme, runs, gpus, 'pareto_curve_throughput_per_gpu_vs_latency', 'Throughput per GPU against latency', LATENCY, PER_GPU),
    paretoChart(theme, runs, gpus, 'ttft_vs_throughput', 'Time to first token against throughput', THROUGHPUT, TTFT),
  ];
}
