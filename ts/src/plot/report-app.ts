// The script of a report page (report.html and the dashboard, docs/cli.md §7), run in the browser.
// `reportApp` is inlined into the page by its source text (report-html.ts), so it must reference
// nothing outside its own body: ECharts is the page's global `echarts`, the data is the JSON in
// `#report-data` (ReportData of report-data.ts). Every text from a run reaches the DOM through
// `textContent` or ECharts' own escaping, never through HTML parsing.

/** The part of ECharts' browser API the page uses. */
interface EChartsInstance {
  setOption(option: Record<string, unknown>, notMerge?: boolean): void;
  dispatchAction(action: Record<string, unknown>): void;
  resize(): void;
  dispose(): void;
  getOption(): Record<string, unknown>;
}
interface EChartsGlobal {
  init(el: HTMLElement, theme?: string | null, opts?: Record<string, unknown>): EChartsInstance;
}

export function reportApp(): void {
  interface Row {
    tag: string;
    label: string;
    values: Record<string, string>;
  }
  interface Run {
    name: string;
    dir: string;
    producer: string;
    records: number;
    summary: Row[];
    config: unknown;
    errors: Array<{ code: number | null; type: string; message: string; count: number }>;
    notes: string[];
  }
  interface Chart {
    id: string;
    title: string;
    run: string | null;
    option: Record<string, unknown>;
  }
  interface Data {
    theme: 'light' | 'dark';
    gpus: number;
    stats: string[];
    runs: Run[];
    charts: Chart[];
    live: { version: string; versionUrl: string; dataUrl: string; intervalMs: number } | null;
  }

  const echarts = (window as unknown as { echarts: EChartsGlobal }).echarts;
  const root = document.getElementById('report')!;
  let data = JSON.parse(document.getElementById('report-data')!.textContent!) as Data;
  /** Runs shown; a run that appears later (dashboard) is shown too. */
  const hidden = new Set<string>();
  let compareStat = 'avg';
  let charts: Array<{ chart: EChartsInstance; crossRun: boolean }> = [];

  /** An element with text (never parsed as HTML) and attributes. */
  function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attrs: Record<string, string> = {},
    ...children: Array<Node | string>
  ): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }

  function table(head: string[], rows: Array<Array<string>>, className: string): HTMLTableElement {
    const t = el('table', { class: className });
    const thead = el('thead');
    thead.append(el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h))));
    const tbody = el('tbody');
    for (const r of rows) tbody.append(el('tr', {}, ...r.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', {}, c)))));
    t.append(thead, tbody);
    return t;
  }

  function shownRuns(): Run[] {
    return data.runs.filter((r) => !hidden.has(r.name));
  }

  /** A chart container; the chart is drawn once the container is in the document. */
  const pending: Array<{ box: HTMLElement; option: Record<string, unknown>; crossRun: boolean }> = [];
  function chartBox(title: string, option: Record<string, unknown>, key: string, crossRun: boolean): HTMLElement {
    const box = el('div', { class: 'chart', role: 'img', 'aria-label': title, 'data-chart': key });
    pending.push({ box, option, crossRun });
    // A chart that draws its own title needs no caption above it.
    const titled = typeof (option.title as { text?: unknown } | undefined)?.text === 'string';
    return titled ? el('figure', {}, box) : el('figure', {}, el('figcaption', {}, title), box);
  }

  function runPicker(): HTMLElement {
    const list = el('div', { class: 'picker', id: 'run-picker' });
    for (const r of data.runs) {
      const box = el('input', { type: 'checkbox', 'data-run': r.name });
      box.checked = !hidden.has(r.name);
      box.addEventListener('change', () => {
        if (box.checked) hidden.delete(r.name);
        else hidden.add(r.name);
        render();
      });
      list.append(el('label', {}, box, ` ${r.name}`));
    }
    const all = el('button', { type: 'button' }, 'all');
    all.addEventListener('click', () => {
      hidden.clear();
      render();
    });
    const none = el('button', { type: 'button' }, 'none');
    none.addEventListener('click', () => {
      for (const r of data.runs) hidden.add(r.name);
      render();
    });
    return el(
      'nav',
      { 'aria-label': 'runs' },
      el('h2', {}, `Runs (${data.runs.length})`),
      list,
      el('div', { class: 'buttons' }, all, none),
    );
  }

  /** Selected runs' numbers side by side, one statistic at a time. */
  function comparison(runs: Run[]): HTMLElement {
    const section = el('section', { id: 'comparison' }, el('h2', {}, 'Comparison'));
    const pick = el('select', { 'aria-label': 'statistic' });
    for (const s of data.stats) {
      const o = el('option', { value: s }, s);
      o.selected = s === compareStat;
      pick.append(o);
    }
    pick.addEventListener('change', () => {
      compareStat = pick.value;
      render();
    });
    section.append(el('label', {}, 'statistic ', pick));
    const tags: Array<{ tag: string; label: string }> = [];
    for (const r of runs) for (const row of r.summary) if (!tags.some((t) => t.tag === row.tag)) tags.push(row);
    const rows = tags.map((t) => [t.label, ...runs.map((r) => r.summary.find((row) => row.tag === t.tag)?.values[compareStat] ?? 'N/A')]);
    section.append(table(['Metric', ...runs.map((r) => r.name)], rows, 'compare'));
    // Each per-run chart of the selected runs, drawn on one set of axes.
    const ids: string[] = [];
    for (const c of data.charts) if (c.run !== null && !ids.includes(c.id)) ids.push(c.id);
    const grid = el('div', { class: 'charts' });
    for (const id of ids) {
      const parts = data.charts.filter((c) => c.id === id && c.run !== null && runs.some((r) => r.name === c.run));
      if (parts.length < 2) continue;
      const overlay = overlaid(parts);
      if (overlay) grid.append(chartBox(String((overlay.title as { text: string }).text), overlay, `compare:${id}`, false));
    }
    if (grid.childElementCount > 0) section.append(grid);
    return section;
  }

  /** The charts' series on the first one's axes, each named after its run; null when they cannot share axes. */
  function overlaid(parts: Chart[]): Record<string, unknown> | null {
    const series: Array<Record<string, unknown>> = [];
    for (const p of parts) {
      const s = p.option.series;
      const list = Array.isArray(s) ? s : [s];
      for (const one of list as Array<Record<string, unknown>>) {
        if (!one || typeof one !== 'object' || !Array.isArray(one.data)) return null;
        const copy: Record<string, unknown> = { ...one, name: `${p.run} · ${String(one.name ?? p.title)}` };
        // Colours tell runs apart here: drop the per-series colour so the palette assigns one.
        delete copy.color;
        delete copy.itemStyle;
        delete copy.lineStyle;
        delete copy.areaStyle;
        // Marks (a run's average line, its optimal points) belong to one run's chart.
        delete copy.markPoint;
        delete copy.markLine;
        delete copy.markArea;
        series.push(copy);
      }
    }
    const base = parts[0]!.option;
    const title = base.title !== null && typeof base.title === 'object' ? (base.title as Record<string, unknown>) : {};
    const legend = base.legend !== null && typeof base.legend === 'object' ? (base.legend as Record<string, unknown>) : { bottom: 0 };
    return {
      ...base,
      // The legend names each run's series; a title listing every run would not fit on one line.
      title: { ...title, text: parts[0]!.title, subtext: `${parts.length} runs side by side` },
      series,
      legend: { ...legend, type: 'scroll' },
    };
  }

  function runSection(r: Run): HTMLElement {
    const section = el('section', { class: 'run', 'data-run': r.name });
    section.append(el('h2', {}, r.name));
    const meta = `${r.producer === 'aiperf' ? 'AIPerf' : 'infermark'} run · ${r.records.toLocaleString('en-US')} records · ${r.dir}`;
    section.append(el('p', { class: 'meta' }, meta));
    if (r.notes.length > 0) section.append(el('ul', { class: 'notes' }, ...r.notes.map((n) => el('li', {}, n))));
    section.append(el('h3', {}, 'Summary'));
    section.append(
      table(
        ['Metric', ...data.stats],
        r.summary.map((row) => [row.label, ...data.stats.map((s) => row.values[s] ?? 'N/A')]),
        'summary',
      ),
    );
    section.append(el('h3', {}, `Errors (${r.errors.reduce((n, e) => n + e.count, 0)})`));
    if (r.errors.length === 0) section.append(el('p', { class: 'none' }, 'no errors'));
    else
      section.append(
        table(
          ['Type', 'Code', 'Message', 'Count'],
          r.errors.map((e) => [e.type, e.code === null ? '' : String(e.code), e.message, String(e.count)]),
          'errors',
        ),
      );
    const config = el(
      'details',
      {},
      el('summary', {}, 'Configuration (secrets redacted)'),
      el('pre', {}, JSON.stringify(r.config, null, 2)),
    );
    section.append(config);
    const grid = el('div', { class: 'charts' });
    data.charts.forEach((c, i) => {
      if (c.run === r.name) grid.append(chartBox(c.title, c.option, `${i}`, false));
    });
    section.append(grid);
    return section;
  }

  /** Hide the series of hidden runs in the cross-run charts (their legends toggle them too). */
  function syncLegends(): void {
    for (const { chart, crossRun } of charts) {
      if (!crossRun) continue;
      for (const r of data.runs) chart.dispatchAction({ type: hidden.has(r.name) ? 'legendUnSelect' : 'legendSelect', name: r.name });
    }
  }

  function render(): void {
    for (const c of charts) c.chart.dispose();
    charts = [];
    pending.length = 0;
    const runs = shownRuns();
    const main = el('main');
    main.append(runPicker());
    if (data.runs.length === 0) {
      // Only the dashboard can have no run: it waits for the first one to be written.
      main.append(el('p', { class: 'none' }, 'No run found yet; runs appear here once their summary file is written.'));
    }
    if (runs.length >= 2) main.append(comparison(runs));
    const cross = data.charts.map((c, i) => [c, i] as const).filter(([c]) => c.run === null);
    if (cross.length > 0) {
      const section = el('section', { id: 'across-runs' }, el('h2', {}, 'Across runs'));
      const grid = el('div', { class: 'charts' });
      for (const [c, i] of cross) grid.append(chartBox(c.title, c.option, `${i}`, true));
      section.append(grid);
      main.append(section);
    }
    for (const r of runs) main.append(runSection(r));
    root.replaceChildren(main);
    for (const p of pending) {
      const chart = echarts.init(p.box, data.theme === 'dark' ? 'dark' : null, { renderer: 'canvas' });
      chart.setOption(p.option, true);
      charts.push({ chart, crossRun: p.crossRun });
    }
    pending.length = 0;
    syncLegends();
  }

  window.addEventListener('resize', () => {
    for (const c of charts) c.chart.resize();
  });
  document.documentElement.dataset.theme = data.theme;
  render();

  // The dashboard: ask whether the runs changed, and draw them again when they did.
  const live = data.live;
  if (live) {
    let version = live.version;
    const poll = async (): Promise<void> => {
      try {
        const v = ((await (await fetch(live.versionUrl, { cache: 'no-store' })).json()) as { version: string }).version;
        if (v !== version) {
          data = (await (await fetch(live.dataUrl, { cache: 'no-store' })).json()) as Data;
          render();
        }
        version = v;
      } catch {
        // The dashboard was stopped or is busy: ask again at the next tick.
      }
      setTimeout(poll, live.intervalMs);
    };
    void poll();
  }
}
