// Charts of the analysis with ECharts (the library of `infermark plot`): the distribution of
// each length metric and of the theoretical hit rate, drawn from the report's quantiles
// (min, P25, median, P75, max) as box plots.
import { BoxplotChart } from 'echarts/charts';
import { GridComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { AnalysisReport, MetricStats } from '../trace-core/report.js';

echarts.use([BoxplotChart, GridComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

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

/** Replace `container`'s charts with those of `report` (metrics without values are left out). */
export function renderAnalysisCharts(container: HTMLElement, report: AnalysisReport): void {
  for (const el of Array.from(container.querySelectorAll<HTMLElement>('.chart'))) echarts.getInstanceByDom(el)?.dispose();
  container.replaceChildren();
  const add = (testId: string): HTMLElement => {
    const el = document.createElement('div');
    el.className = 'chart';
    el.dataset.testid = testId;
    container.append(el);
    return el;
  };
  const lengths = LENGTHS.flatMap(([name, key]) => {
    const s = report[key] as MetricStats | null;
    return s === null ? [] : [[name, s] as [string, MetricStats]];
  });
  if (lengths.length > 0) boxChart(add('chart-lengths'), 'Length distributions (min, P25, median, P75, max)', 'tokens', lengths);
  if (report.hit_rate_stats !== null)
    boxChart(add('chart-hit-rate'), 'Theoretical hit rate distribution', 'hit rate', [['Hit rate', report.hit_rate_stats]]);
}
