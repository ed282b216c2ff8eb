// Metrics of embeddings and rankings runs (docs/metrics.md §5.1), on hand-made requests whose
// numbers can be worked out by hand: no TTFT, ITL or output tokens; latency request_end − start;
// per-input throughput = inputs of the successes / benchmark duration.
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../ts/src/metrics/aggregate.js';
import { computeTimeSlices } from '../../../ts/src/metrics/timeslices.js';
import type { RawRequestRecord } from '../../../ts/src/metrics/raw-record.js';
import { processor, raw } from './fixtures.js';

function embeddingsRequest(n: number, startMs: number, endMs: number, inputs: string[], usage: number | null): RawRequestRecord {
  const data = inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.5, -0.5] }));
  const answer = JSON.stringify(usage === null ? { data } : { data, usage: { prompt_tokens: usage, total_tokens: usage } });
  return {
    ...raw({ requestNum: n, startMs, endMs, streaming: false, events: [[endMs, answer]], body: { model: 'e', input: inputs } }),
    endpointType: 'embeddings',
  };
}

function rankingsRequest(n: number, startMs: number, endMs: number, passages: string[]): RawRequestRecord {
  const answer = JSON.stringify({ rankings: passages.map((_, index) => ({ index, logit: 0 })) });
  const body = { model: 'r', query: { text: 'which one' }, passages: passages.map((text) => ({ text })) };
  return { ...raw({ requestNum: n, startMs, endMs, streaming: false, events: [[endMs, answer]], body }), endpointType: 'nim-rankings' };
}

describe('embeddings run', () => {
  // Two successes: 4 inputs of 2 words over 0–100 ms, 2 inputs of 2 words over 50–250 ms; one failure.
  const raws = [
    embeddingsRequest(0, 0, 100, ['a b', 'c d', 'e f', 'g h'], 8),
    embeddingsRequest(1, 50, 250, ['i j', 'k l'], 5),
    {
      ...raw({ requestNum: 2, startMs: 60, endMs: 70, streaming: false, body: { model: 'e', input: ['m n o'] } }),
      endpointType: 'embeddings' as const,
      error: { code: 500, type: 'Internal Server Error', message: 'Injected failure' },
    },
  ];

  it('records latency, ISL and the inputs of each success, and no token-output metric', async () => {
    const recs = await processor().processBatch(raws);
    expect(recs[0]!.metrics).toMatchObject({ request_latency: 100, input_sequence_length: 8, num_embeddings: 4, usage_prompt_tokens: 8 });
    expect(recs[1]!.metrics).toMatchObject({ request_latency: 200, input_sequence_length: 4, num_embeddings: 2, usage_prompt_tokens: 5 });
    expect(recs[1]!.metrics['usage_prompt_tokens_diff_pct']).toBeCloseTo(25, 9);
    expect(recs[1]!.usageDiscrepancy).toBe(true);
    for (const tag of ['time_to_first_token', 'inter_token_latency', 'output_sequence_length', 'e2e_output_token_throughput']) {
      expect(recs[0]!.metrics).not.toHaveProperty(tag);
    }
    expect(recs[2]!.metrics).toEqual({ error_isl: 3 });
  });

  it('reports embeddings per second over the benchmark duration, and no output-token aggregates', async () => {
    const run = aggregate(await processor().processBatch(raws));
    const avg = (tag: string) => run.blocks.get(tag)?.stats.avg;
    // Duration: first start 0 ms to last success end 250 ms.
    expect(avg('benchmark_duration')).toBeCloseTo(0.25, 12);
    expect(avg('total_embeddings')).toBe(6);
    expect(avg('embedding_throughput')).toBeCloseTo(6 / 0.25, 9);
    expect(avg('request_throughput')).toBeCloseTo(2 / 0.25, 9);
    expect(avg('input_token_throughput')).toBeCloseTo(12 / 0.25, 9);
    expect(avg('request_latency')).toBe(150);
    expect(avg('num_embeddings')).toBe(3);
    expect(avg('error_request_count')).toBe(1);
    for (const tag of ['output_token_throughput', 'total_token_throughput', 'total_osl', 'passage_throughput', 'time_to_first_token']) {
      expect(run.blocks.has(tag)).toBe(false);
    }
  });

  it('takes usage.prompt_tokens as the ISL with --use-server-token-count', async () => {
    const recs = await processor({ useServerTokenCount: true }).processBatch(raws.slice(0, 2));
    expect(recs.map((r) => r.metrics['input_sequence_length'])).toEqual([8, 5]);
  });
});

describe('rankings run', () => {
  it('reports passages ranked per second, counting the query and every passage in the ISL', async () => {
    // 3 passages over 10–110 ms, 5 passages over 20–410 ms: 8 passages in 0.4 s.
    const recs = await processor().processBatch([
      rankingsRequest(0, 10, 110, ['p q', 'r', 's']),
      rankingsRequest(1, 20, 410, ['t', 'u', 'v', 'w', 'x']),
    ]);
    expect(recs[0]!.metrics).toMatchObject({ num_passages: 3, input_sequence_length: 2 + 4 });
    const run = aggregate(recs);
    expect(run.blocks.get('total_passages')?.stats.avg).toBe(8);
    expect(run.blocks.get('passage_throughput')?.stats.avg).toBeCloseTo(8 / 0.4, 9);
    expect(run.blocks.get('request_throughput')?.stats.avg).toBeCloseTo(2 / 0.4, 9);
    expect(run.blocks.has('embedding_throughput')).toBe(false);
  });
});

describe('time slices of a rankings run', () => {
  it('give passages per second per slice, and no output-token throughput', async () => {
    // Slices of 100 ms from the first start (0–200 ms): 3 passages start in slice 0, 5 in slice 1.
    const recs = await processor().processBatch([
      rankingsRequest(0, 0, 50, ['a', 'b', 'c']),
      rankingsRequest(1, 110, 200, ['d', 'e', 'f', 'g', 'h']),
    ]);
    const slices = computeTimeSlices(recs, 0.1);
    expect(slices.map((s) => Math.round(s.blocks.get('passage_throughput')!.stats.avg! * 1e9) / 1e9)).toEqual([30, 50]);
    expect(slices.some((s) => s.blocks.has('output_token_throughput'))).toBe(false);
  });
});
