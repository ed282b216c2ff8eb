import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../ts/src/metrics/aggregate.js';
import { parseGoodput } from '../../../ts/src/metrics/goodput.js';
import { processor, workedExample } from './fixtures.js';

const goodput = parseGoodput(['time_to_first_token:120 inter_token_latency:25'], { streaming: true });

async function run() {
  const records = await processor().processBatch(workedExample());
  return { records, run: aggregate(records, { goodput }) };
}

describe('docs/metrics.md §11 worked example', () => {
  it('computes the per-request metrics of R1 and R2', async () => {
    const { records } = await run();
    const [r1, r2, r3] = records;
    expect(r1!.metrics).toMatchObject({
      time_to_first_token: 100,
      time_to_second_token: 20,
      request_latency: 160,
      inter_token_latency: 20,
      inter_chunk_latency: [20, 20, 20],
      output_token_throughput_per_user: 50,
      e2e_output_token_throughput: 25,
      input_sequence_length: 50,
      output_sequence_length: 4,
      output_token_count: 4,
      time_to_first_output_token: 100,
      prefill_throughput_per_user: 500,
      effective_latency: 160,
      credit_to_start_latency: 0,
      osl_mismatch_diff_pct: 0,
    });
    expect(r2!.metrics).toMatchObject({
      time_to_first_token: 140,
      time_to_second_token: 30,
      request_latency: 220,
      inter_token_latency: 20,
      inter_chunk_latency: [30, 50],
      output_token_throughput_per_user: 50,
      e2e_output_token_throughput: 22.727272727272727,
      output_sequence_length: 5,
    });
    expect(r3!.metrics).toEqual({ error_isl: 70 });
    expect(r1!.metrics['reasoning_token_count']).toBeUndefined();
  });

  it('reproduces every run value', async () => {
    const { run: m } = await run();
    const v = (tag: string) => m.blocks.get(tag)?.stats;
    expect(v('benchmark_duration')).toEqual({ avg: 0.23 });
    expect(v('request_count')!.avg).toBe(2);
    expect(v('error_request_count')!.avg).toBe(1);
    expect(v('completed_request_count')!.avg).toBe(3);
    expect(v('request_error_rate')!.avg).toBe(33.333333333333336);
    expect(v('request_throughput')!.avg).toBe(8.695652173913043);
    expect(v('output_token_throughput')!.avg).toBe(39.130434782608695);
    expect(v('input_token_throughput')!.avg).toBe(478.2608695652174);
    expect(v('total_token_throughput')!.avg).toBe(517.391304347826);
    expect(v('total_error_isl')!.avg).toBe(70);
    expect(v('time_to_first_token')).toEqual({
      avg: 120,
      min: 100,
      max: 140,
      p1: 100.4,
      p5: 102,
      p10: 104,
      p25: 110,
      p50: 120,
      p75: 130,
      p90: 136,
      p95: 138,
      p99: 139.6,
      std: 20,
      count: 2,
      sum: 240,
    });
    expect(v('request_latency')).toMatchObject({ avg: 190, p50: 190, p90: 214, p99: 219.4, std: 30, sum: 380 });
    expect(v('inter_chunk_latency')).toMatchObject({
      avg: 28,
      p50: 20,
      p75: 30,
      p90: 42,
      p99: 49.2,
      std: 11.661903789690601,
      count: 5,
      sum: 140,
    });
    expect(v('adj_time_to_first_token')).toEqual({ min: 100, p1: 100, p5: 100, p10: 100, p25: 100, p50: 140, count: 3 });
    expect(v('good_request_count')!.avg).toBe(1);
    expect(v('goodput')!.avg).toBe(4.3478260869565215);
    expect(v('good_request_fraction')!.avg).toBe(0.3333333333333333);
    expect(m.errorSummary).toEqual([{ error: { code: 500, type: 'Internal Server Error', message: 'Injected failure' }, count: 1 }]);
  });

  it('keeps the failed request out of every base distribution', async () => {
    const { run: m } = await run();
    expect(m.blocks.get('time_to_first_token')!.stats.count).toBe(2);
    expect(m.blocks.get('input_sequence_length')!.stats).toMatchObject({ count: 2, sum: 110, min: 50, max: 60 });
    expect(m.blocks.get('error_isl')!.stats).toMatchObject({ count: 1, sum: 70 });
  });
});
