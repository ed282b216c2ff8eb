// `server_metrics_export.json` / `.csv` (docs/exports.md §8.3) and the prefix-cache footer line.
import { prefixCacheCounts } from '../metrics/prefix-cache-counters.js';
import { labelsKey } from '../metrics/server-metrics.js';
import { jf, toJson, type JsonValue } from './json-writer.js';
import { formatFixed2 } from './number-format.js';
import { csvField } from './summary-csv.js';
import type { ServerMetricsResult } from '../metrics/server-metrics-collector.js';
import { isoMicros } from './time-format.js';

const EOL = '\r\n';

function floats(o: Record<string, number>, ints: readonly string[] = []): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(o)) if (Number.isFinite(v)) out[k] = ints.includes(k) && Number.isInteger(v) ? v : jf(v);
  return out;
}

export function serverMetricsJson(r: ServerMetricsResult, meta: { version: string; benchmarkId: string }): string {
  const endpointInfo: Record<string, JsonValue> = {};
  for (const [url, info] of Object.entries(r.endpointInfo)) {
    endpointInfo[url] = {
      total_fetches: info.total_fetches,
      failed_fetches: info.failed_fetches,
      avg_fetch_latency_ms: jf(info.avg_fetch_latency_ms),
      malformed_lines: info.malformed_lines,
    };
  }
  const metrics: Record<string, JsonValue> = {};
  for (const name of [...r.metrics.keys()].sort()) {
    const fam = r.metrics.get(name)!;
    metrics[name] = {
      type: fam.type,
      description: fam.description,
      series: fam.series.map((s) => ({
        endpoint_url: s.endpointUrl,
        labels: s.labels,
        stats: floats(s.stats, ['count']),
        ...(s.buckets ? { buckets: floats(s.buckets, Object.keys(s.buckets)) } : {}),
      })),
    };
  }
  return `${toJson(
    {
      schema_version: '1.0',
      infermark_version: meta.version,
      benchmark_id: meta.benchmarkId,
      summary: {
        endpoints_configured: r.endpointsConfigured,
        endpoints_successful: r.endpointsSuccessful,
        start_time: isoMicros(r.startWallNs),
        end_time: isoMicros(r.endWallNs),
        endpoint_info: endpointInfo,
      },
      metrics,
    },
    2,
  )}\n`;
}

function cell(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '' : formatFixed2(v);
}

export function serverMetricsCsv(r: ServerMetricsResult): string {
  const names = [...r.metrics.keys()].sort();
  const line = (f: string[]): string => f.map(csvField).join(',') + EOL;
  const sections: Array<{ type: string; header: string[]; keys: string[] }> = [
    { type: 'gauge', header: ['avg', 'min', 'max', 'std', 'p1', 'p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99'], keys: [] },
    { type: 'counter', header: ['total', 'rate'], keys: [] },
    { type: 'histogram', header: ['count', 'sum', 'avg', 'p50_estimate', 'p90_estimate', 'p95_estimate', 'p99_estimate'], keys: [] },
  ];
  return sections
    .map((sec) => {
      let out = line(['Endpoint', 'Metric', 'Labels', ...sec.header]);
      for (const name of names) {
        const fam = r.metrics.get(name)!;
        if (fam.type !== sec.type) continue;
        for (const s of fam.series) out += line([s.endpointUrl, name, labelsKey(s.labels), ...sec.header.map((k) => cell(s.stats[k]))]);
      }
      return out;
    })
    .join(EOL);
}

/**
 * `Server prefix cache hit rate: X% (…)` from the server's token counters (docs/exports.md §8.3):
 * vLLM's hits over queries, or llama.cpp's cached prompt tokens over all prompt tokens.
 */
export function prefixCacheLine(r: ServerMetricsResult): string | null {
  const total = (name: string): number | null => {
    const fam = r.metrics.get(name) ?? r.metrics.get(name.replace(/_total$/, ''));
    if (fam?.type !== 'counter') return null;
    return fam.series.reduce((s, x) => s + (x.stats['total'] ?? 0), 0);
  };
  const line = (hits: number, queries: number, source: string): string =>
    `Server prefix cache hit rate: ${formatFixed2((100 * hits) / queries)}% (${source})`;
  const counts = prefixCacheCounts(total);
  return counts === null ? null : line(counts.hits, counts.queries, counts.source);
}
