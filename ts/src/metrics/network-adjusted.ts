// The `network_adjusted_*` metrics of docs/metrics.md §14: the latencies that start at the request's
// send instant, less the network round trip, so that runs taken from different places compare.
// Only those carry the round trip once: the gaps inside a stream (ITL, inter-chunk latency, time
// to second token) do not contain it, so they are not adjusted (AIPerf 0.13's choice).
import type { MetricBlock, RunMetrics } from './aggregate.js';
import { jsonOrder, metricDef } from './metric-defs.js';
import { percentileLinear } from './stats.js';
import { computeStatsOf, type ValueSource } from './streamed-stats.js';

/** Each adjusted metric and the metric it is made from. */
export const NETWORK_ADJUSTED_SOURCES = {
  network_adjusted_request_latency: 'request_latency',
  network_adjusted_time_to_first_token: 'time_to_first_token',
  network_adjusted_time_to_first_output_token: 'time_to_first_output_token',
} as const;

/** `max(value − rttMs, 0)` of every value of `source`: a request faster than the round trip counts as 0, never below. */
export function lessRtt(source: ValueSource, rttMs: number): ValueSource {
  return {
    length: source.length,
    *chunks() {
      for (const c of source.chunks()) {
        const out = new Float64Array(c.length);
        for (let i = 0; i < c.length; i++) out[i] = Math.max(c[i]! - rttMs, 0);
        yield out;
      }
    },
  };
}

/** The adjusted blocks and `network_rtt` for the per-request values of the successful requests (`values` by tag). */
export function networkAdjustedBlocks(values: ReadonlyMap<string, ValueSource>, rttMs: number): Map<string, MetricBlock> {
  const out = new Map<string, MetricBlock>();
  for (const [tag, sourceTag] of Object.entries(NETWORK_ADJUSTED_SOURCES)) {
    const source = values.get(sourceTag);
    if (!source || source.length === 0) continue;
    const stats = computeStatsOf(lessRtt(source, rttMs));
    if (stats) out.set(tag, { unit: metricDef(tag).unit, stats });
  }
  out.set('network_rtt', { unit: metricDef('network_rtt').unit, stats: { avg: rttMs } });
  return out;
}

/** Adds `blocks` to the run's metric blocks, keeping the summary JSON's order (console order, then alphabetical). */
export function addBlocks(run: RunMetrics, blocks: ReadonlyMap<string, MetricBlock>): void {
  const merged = new Map([...run.blocks, ...blocks]);
  run.blocks.clear();
  for (const tag of jsonOrder(merged.keys())) run.blocks.set(tag, merged.get(tag)!);
}

/**
 * The round trip subtracted, from the successful probes: their median. AIPerf subtracts the mean,
 * but a probe's outliers are all upward and large (a lost SYN is retransmitted after 1 s, and a
 * busy event loop delays the connect callback), so one of them in a 60-probe run moves the mean by
 * ~17 ms while every request saw the ordinary round trip; the median ignores it.
 */
export function subtractedRttNs(rttsNs: readonly bigint[]): number | null {
  if (rttsNs.length === 0) return null;
  const sorted = Float64Array.from(rttsNs, (v) => Number(v)).sort();
  return percentileLinear(sorted, 50);
}
