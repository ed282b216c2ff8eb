// `report.html` (docs/cli.md §7): one self-contained page with every run's summary table,
// configuration, errors and charts. ECharts' browser bundle, the styles, the page script and the
// data are inlined; a Content-Security-Policy lets the page run only its own scripts (by hash)
// and reach no host at all, so opening it offline works and shows the same thing.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { embeddedAssets, notInSingleExecutable } from '../embedded-assets.js';
import { RuntimeFailure } from '../errors.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { PlotModel } from './plot-model.js';
import { reportApp } from './report-app.js';
import { type LiveSource, reportData, scriptJson } from './report-data.js';
import { REPORT_CSS } from './report-style.js';

/** The report's file name in plot's output directory (docs/cli.md §7). */
export const REPORT_FILE = 'report.html';

let bundle: string | null = null;

/** ECharts' browser build from the installed package (the version package.json pins), ready to inline. */
export function echartsBundle(): string {
  if (embeddedAssets()) throw new RuntimeFailure(notInSingleExecutable('report.html and the live dashboard'));
  bundle ??= inlineScript(readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8'), 'echarts');
  return bundle;
}

/**
 * Script text that may stand between `<script>` and `</script>`: a `</script` inside it (only
 * possible in a string, regex or comment) is written `<\/script`, which means the same there.
 * `<!--` would switch the HTML parser's script states; neither source has one, and a future
 * version that does is refused rather than inlined wrongly.
 */
export function inlineScript(source: string, name: string): string {
  if (source.includes('<!--')) throw new Error(`cannot inline ${name}: it contains '<!--'`);
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

/** The page script: `reportApp`'s own source, called once. */
function appScript(): string {
  return inlineScript(`(${reportApp.toString()})();`, 'the report script');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export interface ReportHtmlOptions {
  /** The dashboard's page: where it polls for new runs (same origin). report.html has none. */
  live?: LiveSource | null;
}

/**
 * The Content-Security-Policy of a page with these scripts: only they run (no injected script,
 * no inline handler), nothing is fetched from anywhere (the dashboard's page may ask its own
 * origin for new runs). Inline styles are allowed: ECharts' tooltips carry style attributes.
 */
export function contentSecurityPolicy(scripts: readonly string[], live: boolean): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(sha256).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    `connect-src ${live ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The report page of `model`, as one HTML string. */
export function renderReportHtml(model: PlotModel, options: ReportHtmlOptions = {}): string {
  const live = options.live ?? null;
  const scripts = [echartsBundle(), appScript()];
  const runs = model.runs.length;
  const title = runs === 1 ? `infermark report: ${model.runs[0]!.name}` : `infermark report: ${runs} runs`;
  return [
    ...pageHead({ title, scripts, css: REPORT_CSS, connectSelf: live !== null }),
    `<body class="${model.theme}">`,
    '<header><h1>infermark report</h1></header>',
    '<div id="report"><noscript>This report draws its tables and charts with JavaScript.</noscript></div>',
    `<script type="application/json" id="report-data">${scriptJson(reportData(model, live))}</script>`,
    ...scripts.map((s) => `<script>${s}</script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * The document's start up to `</head>` for a page whose only scripts are `scripts` (inlined, allowed
 * by their hashes) and that loads nothing, or only its own origin's data when `connectSelf`.
 */
export function pageHead(page: { title: string; scripts: readonly string[]; css: string; connectSelf: boolean }): string[] {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(page.scripts, page.connectSelf)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // An empty icon: without it the browser asks the server (or the file system) for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${page.css}</style>`,
    '</head>',
  ];
}

/** Text for an HTML text node or attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `report.html` of `model` in `outputDir` (which exists), written atomically; the HTML writer `plotRuns` takes. */
export async function writeReportHtml(model: PlotModel, outputDir: string): Promise<string[]> {
  const path = join(outputDir, REPORT_FILE);
  await writeFileAtomic(path, renderReportHtml(model));
  return [path];
}
