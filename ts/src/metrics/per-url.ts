// The per-URL breakdown of a run with several `--url`s (docs/exports.md §4.2): for each URL the
// requests it served, their errors, throughputs over the run's duration and the distributions of
// the main latency and length metrics, in the summary's own block shape. Fed one profiling record at
// a time; holds one number per request and metric, and only when there are several URLs.
import { type MetricBlock, recordMetricBlocks } from './aggregate.js';
import { metricDef } from './metric-defs.js';
import type { MetricRecord } from './record-processor.js';
import { arraySource } from './streamed-stats.js';

/** The record metrics broken down per URL: what tells one server from another. */
export const PER_URL_TAGS = [
  'request_latency',
  'time_to_first_token',
  'inter_token_latency',
  'input_sequence_length',
  'output_sequence_length',
] as const;

export interface UrlBreakdown {
  url: string;
  urlIndex: number;
  /** Summary-JSON blocks: `request_count`, `error_request_count`, the throughputs, then PER_URL_TAGS. */
  blocks: Map<string, MetricBlock>;
}

interface UrlValues {
  ok: number;
  errors: number;
  osl: number;
  values: Map<string, number[]>;
}

export class PerUrlMetrics {
  private readonly byUrl: UrlValues[];

  constructor(private readonly urls: readonly string[]) {
    this.byUrl = urls.map(() => ({ ok: 0, errors: 0, osl: 0, values: new Map(PER_URL_TAGS.map((t) => [t, [] as number[]])) }));
  }

  /** One profiling record; a record without a URL index (one URL) is not counted. */
  add(r: MetricRecord): void {
    const i = r.raw.urlIndex;
    const u = i === undefined ? undefined : this.byUrl[i];
    if (u === undefined) return;
    if (r.error !== null) {
      u.errors += 1;
      return;
    }
    u.ok += 1;
    for (const tag of PER_URL_TAGS) {
      const v = r.metrics[tag];
      if (typeof v === 'number') u.values.get(tag)!.push(v);
    }
    const osl = r.metrics['output_sequence_length'];
    if (typeof osl === 'number') u.osl += osl;
  }

  /** Each URL's blocks; throughputs over `durationSec`, the run's benchmark duration (null: none). */
  breakdown(durationSec: number | null): UrlBreakdown[] {
    return this.byUrl.map((u, urlIndex) => {
      const blocks = new Map<string, MetricBlock>();
      const single = (tag: string, value: number): void => {
        blocks.set(tag, { unit: metricDef(tag).unit, stats: { avg: value } });
      };
      single('request_count', u.ok);
      single('error_request_count', u.errors);
      if (durationSec !== null && durationSec > 0) {
        single('request_throughput', u.ok / durationSec);
        single('output_token_throughput', u.osl / durationSec);
      }
      const sources = new Map([...u.values].map(([tag, values]) => [tag, arraySource(values)]));
      for (const [tag, block] of recordMetricBlocks(sources, null, u.ok, 0)) blocks.set(tag, block);
      return { url: this.urls[urlIndex]!, urlIndex, blocks };
    });
  }
}
