// The look every chart shares, in plain JSON so the SVG renderer and the browser draw the same:
// the font that ships with the package, the theme's background, title, grid, zoom and hover.
import type { PlotTheme } from './plot-model.js';

/** The one font of every chart: DejaVu Sans ships with the package, so text renders the same everywhere. */
export const FONT_FAMILY = 'DejaVu Sans';

/** Size of the rendered SVG and PNG files, in pixels. */
export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 520;

/** The ECharts theme name to pass to `echarts.init` for a `--theme`: its built-in `dark`, or the default. */
export function echartsThemeName(theme: PlotTheme): 'dark' | undefined {
  return theme === 'dark' ? 'dark' : undefined;
}

/** Backgrounds: explicit, so a PNG is never transparent. */
const BACKGROUND: Record<PlotTheme, string> = { light: '#ffffff', dark: '#15171c' };
/** The colour of the Pareto-optimal points and their frontier line. */
export const FRONTIER_COLOUR: Record<PlotTheme, string> = { light: '#d62728', dark: '#ff6b6b' };
/** The colour of a median line drawn over its scatter. */
export const MEDIAN_COLOUR: Record<PlotTheme, string> = { light: '#222222', dark: '#f2f2f2' };

export interface AxisSpec {
  name: string;
  type?: 'value' | 'log' | 'category';
  /** Category names, for a category axis. */
  data?: string[];
  /** Fixed lower end (time axes start at 0); otherwise the axis fits the data. */
  min?: number;
}

/** The option parts every chart has, around its own series. */
export function chartOption(
  theme: PlotTheme,
  parts: {
    title: string;
    subtitle?: string;
    x: AxisSpec;
    y: AxisSpec;
    series: Record<string, unknown>[];
    legend?: boolean;
    zoom?: boolean;
  },
): Record<string, unknown> {
  const axis = (a: AxisSpec, position: 'x' | 'y'): Record<string, unknown> => ({
    type: a.type ?? 'value',
    name: a.name,
    nameLocation: 'middle',
    nameGap: position === 'x' ? 30 : 58,
    // A value axis fits its data instead of always starting at 0.
    ...(a.type === undefined || a.type === 'value' ? { scale: true } : {}),
    ...(a.data ? { data: a.data } : {}),
    ...(a.min !== undefined ? { min: a.min } : {}),
    splitLine: { show: true },
  });
  return {
    animation: false,
    backgroundColor: BACKGROUND[theme],
    textStyle: { fontFamily: FONT_FAMILY },
    title: {
      text: parts.title,
      ...(parts.subtitle ? { subtext: parts.subtitle } : {}),
      left: 'center',
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 16 },
      subtextStyle: { fontFamily: FONT_FAMILY },
    },
    grid: { left: 80, right: 40, top: parts.subtitle ? 100 : 76, bottom: 60, containLabel: false },
    tooltip: { trigger: 'item' },
    ...(parts.legend === false ? {} : { legend: { top: parts.subtitle ? 64 : 38, textStyle: { fontFamily: FONT_FAMILY } } }),
    // Zoom with the mouse wheel and drag in the browser; nothing is drawn for it in a file.
    ...(parts.zoom === false ? {} : { dataZoom: [{ type: 'inside', xAxisIndex: 0 }] }),
    xAxis: axis(parts.x, 'x'),
    yAxis: axis(parts.y, 'y'),
    series: parts.series,
  };
}

/** Rounded for the chart's data: display values need no more than 6 significant digits, and the JSON shrinks. */
export function round(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  return Number(v.toPrecision(6));
}
