// A chart to SVG without a browser: ECharts' server-side renderer, animation off, the chart's
// theme and size fixed, so the same ChartSpec gives the same file on every machine.
import { createRequire } from 'node:module';
import { embeddedAssets, notInSingleExecutable } from '../embedded-assets.js';
import { RuntimeFailure } from '../errors.js';
import { CHART_HEIGHT, CHART_WIDTH, echartsThemeName } from './chart-style.js';
import type { ChartSpec, PlotTheme } from './plot-model.js';

type ECharts = typeof import('echarts');

// ECharts takes about half a second to load: loaded on the first chart, so that every other
// command (and `--version`) starts without it.
const require = createRequire(import.meta.url);
let echartsModule: ECharts | null = null;
function echarts(): ECharts {
  // ECharts' server-side renderer is not embedded in the single executable (docs/single-executable.md).
  if (embeddedAssets()) throw new RuntimeFailure(notInSingleExecutable('drawing charts'));
  echartsModule ??= require('echarts') as ECharts;
  return echartsModule;
}

/** The SVG text of `chart`; category charts grow taller with their rows so labels never overlap. */
export function renderSvg(chart: ChartSpec, theme: PlotTheme): string {
  const instance = echarts().init(null, echartsThemeName(theme), {
    renderer: 'svg',
    ssr: true,
    width: CHART_WIDTH,
    height: chartHeight(chart),
  });
  try {
    instance.setOption(chart.option);
    return instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
}

/** Height in pixels: the default, or room for each category row's bars in a chart with a category y axis. */
export function chartHeight(chart: ChartSpec): number {
  const y = chart.option.yAxis as { type?: string; data?: unknown[] } | undefined;
  const bars = Array.isArray(chart.option.series) ? chart.option.series.length : 1;
  if (y?.type === 'category' && Array.isArray(y.data)) return Math.max(CHART_HEIGHT, 160 + (12 * bars + 14) * y.data.length);
  return CHART_HEIGHT;
}
