// The sample Grafana dashboard (docs/grafana/infermark-dashboard.json, docs/exports.md §13.3) reads
// only what `--metrics-port` exposes: every metric and label its PromQL names is one we serve, and
// every quantile is taken over buckets grouped by `le`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchmarkPrometheus } from '../../../ts/src/report/benchmark-prometheus.js';

const DASHBOARD = resolve(__dirname, '../../../docs/grafana/infermark-dashboard.json');
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['instance', 'job'];

/** Every PromQL expression in the dashboard: panel targets and query variables. */
function expressions(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) expressions(x, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'expr' || key === 'definition') && typeof value === 'string') out.push(value);
      else expressions(value, out);
    }
  }
  return out;
}

/** Metric names and label names an expression refers to. */
function references(expr: string): { metrics: string[]; labels: string[] } {
  // Quoted label values and Grafana's `$__rate_interval` are not names.
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\$\w+/g, '');
  const metrics = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]!);
  metrics.push(...[...bare.matchAll(/\b(infermark_[a-zA-Z0-9_]*)/g)].map((m) => m[1]!));
  const labels = [...bare.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
    [...m[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  );
  for (const m of bare.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g))
    labels.push(
      ...m[1]!
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  const labelValues = /label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*(\w+)\s*\)/.exec(bare);
  if (labelValues) labels.push(labelValues[2]!);
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}

/** Series names and label names in the exposition of a run that saw every kind of event. */
async function exposed(): Promise<{ metrics: Set<string>; labels: Set<string> }> {
  const m = new BenchmarkPrometheus({ version: 'v', benchmarkId: 'id', models: ['m'] });
  m.onMetricRecord({ phase: 'profiling', metrics: {}, error: { code: 500, type: 'ServerError', message: '' } } as never);
  const text = await m.render();
  const metrics = new Set<string>();
  const labels = new Set<string>(TARGET_LABELS);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    metrics.add(/^[a-zA-Z_:][\w:]*/.exec(line)![0]);
    for (const l of line.matchAll(/([a-zA-Z_]\w*)="/g)) labels.add(l[1]!);
  }
  return { metrics, labels };
}

describe('the sample Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets: unknown[] }> };
  const exprs = expressions(dashboard);

  it('has panels for throughput, TTFT, ITL, latency, errors, in-flight requests and schedule lag', () => {
    expect(exprs.length).toBeGreaterThan(10);
    const titles = dashboard.panels.map((p) => p.title);
    for (const t of [
      'Request throughput',
      'Token throughput',
      'Time to first token',
      'Inter token latency',
      'Request latency',
      'Errors by type',
      'Requests in flight',
      'Schedule lag',
    ]) {
      expect(titles).toContain(t);
    }
  });

  it('names only metrics and labels that --metrics-port exposes', async () => {
    const { metrics, labels } = await exposed();
    for (const expr of exprs) {
      const refs = references(expr);
      expect(refs.metrics.length, expr).toBeGreaterThan(0);
      for (const name of refs.metrics) expect(metrics, `${name} in ${expr}`).toContain(name);
      for (const label of refs.labels) expect(labels, `label ${label} in ${expr}`).toContain(label);
    }
  });

  it('takes every quantile over bucket series grouped by le', () => {
    const quantiles = exprs.filter((e) => e.includes('histogram_quantile'));
    expect(quantiles.length).toBeGreaterThanOrEqual(9);
    for (const e of quantiles) {
      expect(e, e).toMatch(/_bucket\{/);
      expect(e, e).toMatch(/\bby \(le\)/);
    }
  });

  it('reads a name it does not expose as missing (the check can fail)', async () => {
    const { metrics } = await exposed();
    const refs = references('histogram_quantile(0.5, sum by (le) (rate(infermark_ttft_seconds_bucket{phase="p"}[$__rate_interval])))');
    expect(refs.metrics).toEqual(['infermark_ttft_seconds_bucket']);
    expect(metrics.has('infermark_ttft_seconds_bucket')).toBe(false);
  });
});
