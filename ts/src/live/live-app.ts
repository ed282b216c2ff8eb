// The live dashboard's page script (docs/cli.md §3.5), run in the browser. Like plot's report
// script (plot/report-app.ts) it is inlined into the page by its source text (./live-page.ts), so
// it references nothing outside its own body (type annotations are erased): ECharts is the page's
// global `echarts`, the data comes from the page's own `/events` stream. tsc emits the function as
// written; a bundler that rewrites function bodies (esbuild's `keepNames` adds `__name(…)` calls
// to a helper defined outside the function) would break the inlined copy, which is why the page
// test runs the built CLI. Every text from the run reaches the DOM through `textContent`.
import type { LiveFinal, LiveSnapshot } from './live-snapshot.js';

/** The part of ECharts' browser API the page uses. */
interface EChartsInstance {
  setOption(option: Record<string, unknown>, notMerge?: boolean): void;
  resize(): void;
}
interface EChartsGlobal {
  init(el: HTMLElement, theme?: string | null, opts?: Record<string, unknown>): EChartsInstance;
}

export function liveApp(): void {
  /** Points each chart keeps (one a second: an hour), so a long run does not grow the page. */
  const MAX_POINTS = 3600;
  const echarts = (globalThis as unknown as { echarts: EChartsGlobal }).echarts;

  const byId = (id: string): HTMLElement => document.getElementById(id)!;
  const fmt = (v: number | null | undefined, digits = 2): string =>
    v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits });
  const setField = (name: string, text: string): void => {
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(`[data-live="${name}"]`))) el.textContent = text;
  };
  const el = (tag: string, text?: string, attrs: Record<string, string> = {}): HTMLElement => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const clock = (sec: number): string => {
    const s = Math.floor(sec);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };

  interface Series {
    name: string;
    data: Array<[number, number | null]>;
  }
  interface LiveChart {
    chart: EChartsInstance;
    series: Series[];
    unit: string;
  }
  const makeChart = (id: string, unit: string, names: string[]): LiveChart => ({
    chart: echarts.init(byId(id), null, { renderer: 'canvas' }),
    series: names.map((name) => ({ name, data: [] })),
    unit,
  });
  const charts = {
    throughput: makeChart('chart-throughput', '/s', ['requests/s', 'output tokens/s']),
    latency: makeChart('chart-latency', 'ms', ['TTFT p50', 'TTFT p99', 'ITL p50', 'ITL p99', 'latency p50', 'latency p99']),
    gpu: makeChart('chart-gpu', 'W', []),
  };
  const draw = (c: LiveChart): void => {
    const dual = c === charts.throughput;
    c.chart.setOption(
      {
        animation: false,
        grid: { left: 64, right: dual ? 64 : 24, top: 36, bottom: 36 },
        legend: { top: 0 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'value', name: 's', min: 'dataMin' },
        yAxis: dual
          ? [
              { type: 'value', name: 'requests/s' },
              { type: 'value', name: 'tokens/s' },
            ]
          : { type: 'value', name: c.unit },
        series: c.series.map((s, i) => ({
          name: s.name,
          type: 'line',
          showSymbol: false,
          data: s.data,
          ...(dual ? { yAxisIndex: i } : {}),
        })),
      },
      true,
    );
  };
  const push = (c: LiveChart, name: string, t: number, v: number | null): void => {
    let s = c.series.find((x) => x.name === name);
    if (!s) {
      s = { name, data: [] };
      c.series.push(s);
    }
    s.data.push([t, v]);
    if (s.data.length > MAX_POINTS) s.data.shift();
  };

  const table = (id: string, head: string[], rows: Array<{ cells: string[]; attrs?: Record<string, string>[] }>): void => {
    const t = byId(id);
    t.replaceChildren();
    const thead = el('thead');
    const hr = el('tr');
    for (const h of head) hr.append(el('th', h));
    thead.append(hr);
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr');
      r.cells.forEach((c, i) => {
        tr.append(el(i === 0 ? 'th' : 'td', c, r.attrs?.[i] ?? {}));
      });
      tbody.append(tr);
    }
    t.append(thead, tbody);
  };

  const onSnapshot = (s: LiveSnapshot): void => {
    setField('seq', String(s.seq));
    setField('phase', s.phase);
    setField('completed', s.target === null ? String(s.completed) : `${s.completed} / ${s.target}`);
    setField('percent', s.target ? `${fmt((100 * s.completed) / s.target, 1)} %` : '');
    setField('elapsed', clock(s.elapsedSec));
    setField('in-flight', String(s.inFlight));
    setField('errors', String(s.errors));
    setField('window', `${fmt(s.windowSec, 0)} s`);
    setField('requests-per-sec', fmt(s.window.requestsPerSec));
    setField('output-tokens-per-sec', fmt(s.window.outputTokensPerSec, 1));
    const pct = (p: LiveSnapshot['window']['ttft']): string[] =>
      p === null ? ['–', '–', '–', '0'] : [fmt(p.p50), fmt(p.p90), fmt(p.p99), String(p.count)];
    table(
      'percentiles',
      ['ms', 'p50', 'p90', 'p99', 'requests'],
      [
        { cells: ['Time to first token', ...pct(s.window.ttft)] },
        { cells: ['Inter-token latency', ...pct(s.window.itl)] },
        { cells: ['Request latency', ...pct(s.window.latency)] },
      ],
    );
    table(
      'errors-by-type',
      ['error type', 'count'],
      s.errorsByType.length === 0 ? [{ cells: ['none', '0'] }] : s.errorsByType.map((e) => ({ cells: [e.type, String(e.count)] })),
    );
    const sv = s.server;
    setField('server-waiting', fmt(sv?.waiting, 0));
    setField('server-running', fmt(sv?.running, 0));
    setField('server-kv', (sv?.kvCacheUsagePct ?? null) === null ? '–' : `${fmt(sv!.kvCacheUsagePct, 1)} %`);
    setField('server-prefix', (sv?.prefixCacheHitRatePct ?? null) === null ? '–' : `${fmt(sv!.prefixCacheHitRatePct, 1)} %`);
    setField('server-age', sv === null ? 'no server metrics' : `scraped ${fmt(sv.ageSec, 1)} s ago`);
    table(
      'gpus',
      ['GPU', 'power (W)', 'utilisation (%)'],
      s.gpus.length === 0
        ? [{ cells: ['no GPU telemetry', '–', '–'] }]
        : s.gpus.map((g) => ({ cells: [g.label, fmt(g.powerW, 1), fmt(g.utilizationPct, 1)] })),
    );
    setField('client-lag', `${fmt(s.client.loopLagP99Ms)} ms`);
    setField('client-lag-max', `${fmt(s.client.loopLagMaxMs)} ms`);
    setField('client-cpu', `${fmt(s.client.cpuPercent, 1)} %`);
    setField('client-heap', `${fmt(s.client.heapUsedMb, 0)} MB`);

    const t = Math.round(s.elapsedSec * 10) / 10;
    push(charts.throughput, 'requests/s', t, s.window.requestsPerSec);
    push(charts.throughput, 'output tokens/s', t, s.window.outputTokensPerSec);
    push(charts.latency, 'TTFT p50', t, s.window.ttft?.p50 ?? null);
    push(charts.latency, 'TTFT p99', t, s.window.ttft?.p99 ?? null);
    push(charts.latency, 'ITL p50', t, s.window.itl?.p50 ?? null);
    push(charts.latency, 'ITL p99', t, s.window.itl?.p99 ?? null);
    push(charts.latency, 'latency p50', t, s.window.latency?.p50 ?? null);
    push(charts.latency, 'latency p99', t, s.window.latency?.p99 ?? null);
    for (const g of s.gpus) push(charts.gpu, g.label, t, g.powerW);
    draw(charts.throughput);
    draw(charts.latency);
    if (s.gpus.length > 0) draw(charts.gpu);
  };

  const STATS = ['avg', 'p50', 'p90', 'p99', 'min', 'max'];
  const onFinal = (f: LiveFinal): void => {
    setField('status', f.interrupted ? 'interrupted: final summary below' : 'finished: final summary below');
    const rows = Object.entries(f.metrics).map(([tag, block]): { cells: string[]; attrs: Record<string, string>[] } => ({
      cells: [tag, String(block['unit'] ?? ''), ...STATS.map((k) => (typeof block[k] === 'number' ? fmt(block[k] as number) : ''))],
      attrs: [
        {},
        {},
        ...STATS.map(
          (k): Record<string, string> =>
            typeof block[k] === 'number' ? { 'data-final': `${tag}.${k}`, 'data-value': String(block[k]) } : {},
        ),
      ],
    }));
    table('final-metrics', ['metric', 'unit', ...STATS], rows);
    table(
      'final-errors',
      ['error type', 'code', 'message', 'count'],
      f.errorSummary.length === 0
        ? [{ cells: ['none', '', '', '0'] }]
        : f.errorSummary.map((e) => ({ cells: [e.type, e.code === null ? '' : String(e.code), e.message, String(e.count)] })),
    );
    setField('summary-path', f.summaryPath ?? '(not written)');
    byId('final').hidden = false;
  };

  const source = new EventSource('/events');
  source.addEventListener('snapshot', (e) => onSnapshot(JSON.parse((e as MessageEvent<string>).data) as LiveSnapshot));
  source.addEventListener('final', (e) => {
    // The server closes after the run: without this the page would retry a closed port forever.
    source.close();
    onFinal(JSON.parse((e as MessageEvent<string>).data) as LiveFinal);
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) setField('status', 'the run has ended (the server is closed)');
  });
  window.addEventListener('resize', () => {
    for (const c of Object.values(charts)) c.chart.resize();
  });
}
