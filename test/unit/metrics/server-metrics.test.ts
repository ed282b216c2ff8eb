import { describe, expect, it } from 'vitest';
import {
  histogramQuantile,
  parsePrometheus,
  PromParseError,
  resetAwareIncrease,
  windowStats,
  type TimedScrape,
} from '../../../ts/src/metrics/server-metrics.js';

const body = (running: number, hits: number, buckets: [number, number, number]) => `# HELP vllm:num_requests_running Running.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="m",engine="0"} ${running}
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{model_name="m",engine="0"} ${hits}
# HELP vllm:time_to_first_token_seconds TTFT.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="m"} ${buckets[0]}
vllm:time_to_first_token_seconds_bucket{le="1",model_name="m"} ${buckets[1]}
vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} ${buckets[2]}
vllm:time_to_first_token_seconds_sum{model_name="m"} ${buckets[2] * 0.5}
vllm:time_to_first_token_seconds_count{model_name="m"} ${buckets[2]}
# TYPE q summary
q{quantile="0.5"} 1
`;

describe('Prometheus parsing', () => {
  it('reads types, help, labels with escapes and special values', () => {
    const s = parsePrometheus('# TYPE a gauge\na{x="q\\"uote",y="line\\nbreak"} +Inf 123\nb NaN\n');
    expect(s.types.get('a')).toBe('gauge');
    expect(s.samples[0]).toEqual({ name: 'a', labels: { x: 'q"uote', y: 'line\nbreak' }, value: Infinity, timestampMs: 123 });
    expect(Number.isNaN(s.samples[1]!.value)).toBe(true);
  });

  it('rejects JSON, HTML and garbage', () => {
    expect(() => parsePrometheus('{"a":1}')).toThrow(PromParseError);
    expect(() => parsePrometheus('<html></html>')).toThrow(PromParseError);
    expect(() => parsePrometheus('metric value_is_text')).toThrow(PromParseError);
  });
});

describe('window statistics', () => {
  it('treats a counter decrease as a reset', () => {
    expect(resetAwareIncrease([10, 15, 3, 8])).toBe(5 + 3 + 5);
  });

  it('estimates histogram quantiles like histogram_quantile, +Inf returning the previous bound', () => {
    const b: Array<[number, number]> = [
      [0.1, 50],
      [1, 90],
      [Infinity, 100],
    ];
    expect(histogramQuantile(0.5, b)).toBe(0.1);
    expect(histogramQuantile(0.25, b)).toBeCloseTo(0.05, 12);
    expect(histogramQuantile(0.7, b)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(histogramQuantile(0.95, b)).toBe(1);
    expect(
      histogramQuantile(0.5, [
        [1, 0],
        [Infinity, 0],
      ]),
    ).toBeNull();
  });

  it('computes gauge stats, counter total/rate and histogram deltas over the window', () => {
    const scrapes: TimedScrape[] = [
      { tNs: 0n, scrape: parsePrometheus(body(1, 100, [10, 20, 20])) },
      { tNs: 1_000_000_000n, scrape: parsePrometheus(body(3, 130, [30, 50, 60])) },
      { tNs: 2_000_000_000n, scrape: parsePrometheus(body(5, 150, [40, 60, 80])) },
    ];
    const m = windowStats('http://127.0.0.1:1/metrics', scrapes);
    expect(m.has('q')).toBe(false);
    const g = m.get('vllm:num_requests_running')!;
    expect(g.type).toBe('gauge');
    expect(g.description).toBe('Running.');
    expect(g.series[0]!.stats).toMatchObject({ avg: 3, min: 1, max: 5, p50: 3 });
    const c = m.get('vllm:prefix_cache_hits_total')!;
    expect(c.series[0]!.stats).toEqual({ total: 50, rate: 25 });
    const h = m.get('vllm:time_to_first_token_seconds')!;
    expect(h.series[0]!.labels).toEqual({ model_name: 'm' });
    expect(h.series[0]!.buckets).toEqual({ '0.1': 30, '1': 40, '+Inf': 60 });
    expect(h.series[0]!.stats).toMatchObject({ count: 60, sum: 30, avg: 0.5, p50_estimate: 0.1 });
  });
});
