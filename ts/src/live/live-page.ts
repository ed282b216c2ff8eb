// The live dashboard's page (docs/cli.md §3.5): one HTML document with ECharts' browser build and
// the page script (./live-app.ts) inlined, so the page needs nothing but its own server; the
// Content-Security-Policy of plot's report runs only those two scripts (by hash) and lets the
// page connect to its own origin only (the `/events` stream).
import { echartsBundle, escapeHtml, inlineScript, pageHead } from '../plot/report-html.js';
import { REPORT_CSS } from '../plot/report-style.js';
import { liveApp } from './live-app.js';

const LIVE_CSS = `
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 8px; margin: 12px 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 20px; font-variant-numeric: tabular-nums; }
.status { color: var(--muted); margin: 4px 0; }
.chart { height: 320px; }
`;

function tile(label: string, field: string): string {
  return `<div class="tile"><div class="label">${label}</div><div class="value" data-live="${field}">–</div></div>`;
}

/** The page, as one HTML string (the same for the whole run: everything that changes comes as events). */
export function renderLivePage(title: string): string {
  const scripts = [echartsBundle(), inlineScript(`(${liveApp.toString()})();`, 'the live dashboard script')];
  return [
    ...pageHead({ title, scripts, css: `${REPORT_CSS}${LIVE_CSS}`, connectSelf: true }),
    '<body class="light">',
    `<header><h1>${escapeHtml(title)}</h1><p class="status"><span data-live="status">running</span> · update <span data-live="seq">–</span></p></header>`,
    '<main>',
    '<noscript>This page draws its numbers and charts with JavaScript.</noscript>',
    '<div class="tiles">',
    tile('phase', 'phase'),
    tile('completed', 'completed'),
    tile('progress', 'percent'),
    tile('elapsed', 'elapsed'),
    tile('in flight', 'in-flight'),
    tile('errors', 'errors'),
    tile('requests/s (window)', 'requests-per-sec'),
    tile('output tokens/s (window)', 'output-tokens-per-sec'),
    '</div>',
    '<section><h2>Latency over the last <span data-live="window">–</span></h2><table id="percentiles"></table></section>',
    '<section><h2>Charts</h2><div class="charts">',
    '<figure><figcaption>Throughput</figcaption><div id="chart-throughput" class="chart"></div></figure>',
    '<figure><figcaption>Latency percentiles</figcaption><div id="chart-latency" class="chart"></div></figure>',
    '<figure><figcaption>GPU power</figcaption><div id="chart-gpu" class="chart"></div></figure>',
    '</div></section>',
    '<section><h2>Errors by type</h2><table id="errors-by-type"></table></section>',
    '<section><h2>Server</h2><p class="status" data-live="server-age">–</p><div class="tiles">',
    tile('waiting (queue)', 'server-waiting'),
    tile('running', 'server-running'),
    tile('KV-cache usage', 'server-kv'),
    tile('prefix-cache hit rate', 'server-prefix'),
    '</div></section>',
    '<section><h2>GPUs</h2><table id="gpus"></table></section>',
    '<section><h2>Client health</h2><div class="tiles">',
    tile('main-thread loop lag p99 (1 s)', 'client-lag'),
    tile('main-thread loop lag max (1 s)', 'client-lag-max'),
    tile('process CPU (1 s)', 'client-cpu'),
    tile('heap used', 'client-heap'),
    '</div></section>',
    '<section id="final" hidden><h2>Final summary</h2>',
    '<p class="status">as written to <span data-live="summary-path"></span></p>',
    '<table id="final-metrics"></table><h3>Errors</h3><table id="final-errors" class="errors"></table></section>',
    '</main>',
    ...scripts.map((s) => `<script>${s}</script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
