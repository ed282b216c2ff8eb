// Charts of the analysis with ECharts (the library of `infermark plot`): arrivals over time and
// histograms of input and output length (from the rows' fields, trace-shape.browser.ts), and
// the distribution of each length metric and of the theoretical hit rate as box plots of the
// report's quantiles (min, P25, median, P75, max; the core keeps no per-row hit rates).
import { BarChart, BoxplotChart } from 'echarts/charts';
import { GridComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { AnalysisReport, MetricStats } from '../trace-core/report.js';
import type { Histogram, TraceShape } from './trace-shape.browser.js';

echarts.use([BarChart, BoxplotChart, GridComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

const LENGTHS: readonly [string, keyof AnalysisReport][] = [
  ['Input Length', 'isl_stats'],
  ['Context Length', 'context_length_stats'],
  ['Unique Prompt Length', 'unique_prompt_length_stats'],
  ['Output Length', 'osl_stats'],
];

const five = (s: MetricStats): number[] => [s.min, s.p25, s.median, s.p75, s.max];

function boxChart(el: HTMLElement, title: string, unit: string, rows: [string, MetricStats][]): void {
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'item' },
    grid: { left: 140, right: 24, top: 36, bottom: 30 },
    yAxis: { type: 'category', data: rows.map(([name]) => name) },
    xAxis: { type: 'value', name: unit, nameLocation: 'middle', nameGap: 22 },
    series: [{ type: 'boxplot', data: rows.map(([, s]) => five(s)) }],
  });
}

function histogramChart(el: HTMLElement, title: string, unit: string, h: Histogram, scale = 1): void {
  // The rows the chart counts, for a reader (or a test) to check against the report.
  el.dataset.rows = String(h.counts.reduce((a, b) => a + b, 0));
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  const label = (i: number): string => {
    const from = (h.start + i * h.width) / scale;
    return h.width === scale ? String(from) : `${from}–${from + h.width / scale - (scale === 1 ? 1 : 0)}`;
  };
  chart.setOption({
    animation: false,
    title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 56, right: 24, top: 36, bottom: 44 },
    xAxis: { type: 'category', data: h.counts.map((_, i) => label(i)), name: unit, nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: 'rows' },
    series: [{ type: 'bar', data: h.counts, barCategoryGap: '5%' }],
  });
}

/** Replace `container`'s charts with those of `report` and `shape` (anything without values is left out). */
export function renderAnalysisCharts(container: HTMLElement, report: AnalysisReport, shape: TraceShape): void {
  for (const el of Array.from(container.querySelectorAll<HTMLElement>('.chart'))) echarts.getInstanceByDom(el)?.dispose();
  container.replaceChildren();
  const add = (testId: string): HTMLElement => {
    const el = document.createElement('div');
    el.className = 'chart';
    el.dataset.testid = testId;
    container.append(el);
    return el;
  };
  if (shape.arrivals !== null) {
    const a = shape.arrivals;
    const rebased = { start: 0, width: a.width, counts: a.counts };
    histogramChart(add('chart-arrivals'), `Arrivals over time (rows per ${a.width / 1000} s)`, 'seconds from the first bin', rebased, 1000);
  }
  if (shape.inputLength !== null) histogramChart(add('chart-isl'), 'Input length', 'tokens', shape.inputLength);
  if (shape.outputLength !== null) histogramChart(add('chart-osl'), 'Output length', 'tokens', shape.outputLength);
  const lengths = LENGTHS.flatMap(([name, key]) => {
    const s = report[key] as MetricStats | null;
    return s === null ? [] : [[name, s] as [string, MetricStats]];
  });
  if (lengths.length > 0) boxChart(add('chart-lengths'), 'Length distributions (min, P25, median, P75, max)', 'tokens', lengths);
  if (report.hit_rate_stats !== null)
    boxChart(add('chart-hit-rate'), 'Theoretical hit rate distribution', 'hit rate', [['Hit rate', report.hit_rate_stats]]);
}
