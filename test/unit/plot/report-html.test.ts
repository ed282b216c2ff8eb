// report.html as text (docs/cli.md §7): self-contained, strings from runs escaped, secrets
// redacted, the page data what the console shows. The page in a browser: test/e2e/report-browser.test.ts.
import { describe, expect, it } from 'vitest';
import type { PlotModel, PlotRun } from '../../../ts/src/plot/plot-model.js';
import { interactiveOption, reportData, scriptJson } from '../../../ts/src/plot/report-data.js';
import { renderReportHtml } from '../../../ts/src/plot/report-html.js';

const HOSTILE = `</script><img src=x onerror=alert(1)><!-- \u2028 & "q" 'a'`;

function run(name: string, over: Partial<PlotRun> = {}): PlotRun {
  return {
    name,
    dir: `/runs/${name}`,
    producer: 'infermark',
    records: 10,
    summary: [
      {
        tag: 'time_to_first_token',
        unit: 'ms',
        stats: { avg: 1234.5678, p99: 2000, min: 1, max: 3000, p90: 1900, p50: 1200, std: 12.345 },
      },
      { tag: 'request_throughput', unit: 'requests/sec', stats: { avg: 12.3456 } },
      { tag: 'aiperf_only_metric', unit: 'widgets', stats: { avg: 2 } },
    ],
    config: { endpoint: { api_key: 'sk-secret-123', model_names: [name] } },
    errors: [{ code: 500, type: 'HTTPError', message: HOSTILE, count: 2 }],
    ...over,
  };
}

function model(runs: PlotRun[]): PlotModel {
  return {
    theme: 'dark',
    gpus: 1,
    runs,
    charts: runs.map((r) => ({
      id: 'ttft_over_time',
      title: `TTFT ${HOSTILE}`,
      run: r.name,
      option: { xAxis: { type: 'value' }, yAxis: { type: 'value' }, series: [{ type: 'scatter', name: r.name, data: [[0, 1]] }] },
    })),
  };
}

/** The page's JSON data, parsed back as the browser does. */
function pageData(html: string): any {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no report-data element');
  return JSON.parse(m[1]!);
}

describe('scriptJson', () => {
  it('writes <, >, &, U+2028 and U+2029 as escapes and reads back the same value', () => {
    const value = { s: HOSTILE, t: '\u2029' };
    const text = scriptJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('renderReportHtml', () => {
  const html = renderReportHtml(model([run(HOSTILE), run('b')]));

  it('is one file that loads nothing: no src or href to anything but data:, and a policy that forbids it', () => {
    // Attributes of the page's own elements (the inlined scripts are skipped: their strings are not requests).
    const markup = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
    const refs = [...markup.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(refs).toEqual(['data:,']);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toMatch(/script-src 'sha256-[^']+' 'sha256-[^']+';/);
  });

  it('inlines the installed ECharts bundle and the page script', () => {
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]!.length).toBeGreaterThan(500_000);
    expect(scripts[0]).toContain('echarts');
    expect(scripts[1]).toMatch(/^\(function reportApp\(\)/);
  });

  it('carries strings from runs only inside the escaped JSON, never as markup', () => {
    const outsideData = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
    expect(outsideData).not.toContain('onerror');
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const data = pageData(html);
    expect(data.runs[0].name).toBe(HOSTILE);
    expect(data.runs[0].errors[0].message).toBe(HOSTILE);
    expect(data.charts[0].title).toBe(`TTFT ${HOSTILE}`);
  });

  it('escapes the run name in the title', () => {
    const one = renderReportHtml(model([run(HOSTILE)]));
    expect(/<title>([^<]*)<\/title>/.exec(one)![1]).toBe(
      'infermark report: &#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;&#60;!-- \u2028 &#38; &#34;q&#34; &#39;a&#39;',
    );
  });

  it('redacts the configuration again', () => {
    expect(html).not.toContain('sk-secret-123');
    expect(pageData(html).runs[1].config.endpoint.api_key).toBe('***');
  });

  it('applies the theme', () => {
    expect(html).toContain('<body class="dark">');
    expect(pageData(html).theme).toBe('dark');
  });
});

describe('reportData', () => {
  it('labels and formats the summary as the console does, N/A statistics left out', () => {
    const data = reportData(model([run('a')]));
    expect(data.stats).toEqual(['avg', 'min', 'max', 'p99', 'p90', 'p50', 'std']);
    expect(data.runs[0]!.summary).toEqual([
      {
        tag: 'time_to_first_token',
        label: 'Time to First Token (ms)',
        values: { avg: '1,234.57', min: '1.00', max: '3,000.00', p99: '2,000.00', p90: '1,900.00', p50: '1,200.00', std: '12.35' },
      },
      { tag: 'request_throughput', label: 'Request Throughput (requests/sec)', values: { avg: '12.35' } },
      { tag: 'aiperf_only_metric', label: 'aiperf_only_metric (widgets)', values: { avg: '2.00' } },
    ]);
  });
  it('has no live source in report.html and the dashboard one when given', () => {
    expect(reportData(model([run('a')])).live).toBeNull();
    const live = { version: 'v1', versionUrl: '/version', dataUrl: '/data.json', intervalMs: 1000 };
    expect(reportData(model([run('a')]), live).live).toEqual(live);
  });
});

describe('interactiveOption', () => {
  it('adds an item tooltip, wheel zoom on x and a box-zoom toolbox to a scatter chart, keeping what it sets', () => {
    const out = interactiveOption({
      grid: { left: 10 },
      xAxis: { type: 'value' },
      yAxis: { type: 'value' },
      series: [{ type: 'scatter', data: [] }],
    });
    expect(out.tooltip).toMatchObject({ trigger: 'item', show: true, confine: true });
    expect(out.dataZoom).toEqual([{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }]);
    expect(out.toolbox).toMatchObject({ feature: { dataZoom: { yAxisIndex: 'none' }, restore: {} } });
    expect(out.grid).toEqual({ left: 10 });
    expect(out.animation).toBe(false);
  });
  it('uses an axis tooltip when every series is a line or bar, keeps a zoom the chart defines and adds a legend', () => {
    const zoom = [{ type: 'inside' }];
    const out = interactiveOption({
      xAxis: {},
      yAxis: {},
      dataZoom: zoom,
      tooltip: { trigger: 'axis', formatter: 'x' },
      series: [{ type: 'line' }, { type: 'bar' }],
    });
    expect(out.tooltip).toMatchObject({ trigger: 'axis', formatter: 'x' });
    expect(out.dataZoom).toBe(zoom);
    expect(out.toolbox).toBeDefined();
    expect(out.legend).toEqual({ type: 'scroll', bottom: 0 });
  });
  it('adds no zoom to a chart with a category axis', () => {
    const out = interactiveOption({ xAxis: { type: 'value' }, yAxis: { type: 'category', data: ['a'] }, series: [{ type: 'bar' }] });
    expect(out.dataZoom).toBeUndefined();
    expect(out.toolbox).toBeUndefined();
  });
});
