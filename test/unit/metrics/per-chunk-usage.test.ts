// `--per-chunk-usage` (docs/metrics.md §3.1): ITL, TPS per user and inter_token_gap from the
// server's per-chunk token counts, checked on hand-made streams whose numbers are worked out by hand.
import { describe, expect, it } from 'vitest';
import { splitChunkTokens } from '../../../ts/src/metrics/chunk-tokens.js';
import { DONE, MS, at, chatDelta, processor, raw } from './fixtures.js';

/** A content chunk carrying the running usage after `completion` tokens (vLLM's continuous_usage_stats). */
const counted = (content: string, completion: number): string =>
  JSON.stringify({
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
    usage: { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion },
  });
/** llama.cpp's form with `timings_per_token`: the running count is `timings.predicted_n`. */
const timed = (content: string, predicted: number): string =>
  JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }], timings: { predicted_n: predicted } });
const finalUsage = (completion: number): string =>
  JSON.stringify({ choices: [], usage: { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion } });

/**
 * A server that bundles its first 4 tokens into one chunk at 100 ms, then sends 2 tokens per
 * chunk every 40 ms (20 ms per token) up to 10 tokens: chunks at 100, 140, 180, 220 ms.
 */
function bundled(requestNum = 0) {
  return raw({
    requestNum,
    startMs: 0,
    isl: 10,
    events: [
      [100, counted('w1 w2 w3 w4', 4)],
      [140, counted(' w5 w6', 6)],
      [180, counted(' w7 w8', 8)],
      [220, counted(' w9 w10', 10)],
      [221, finalUsage(10)],
      [221, DONE],
    ],
    endMs: 221,
  });
}

describe('ITL without --per-chunk-usage (every chunk taken for one token)', () => {
  it('divides the decode time by OSL − 1 and so under-states ITL when the first chunk carries 4 tokens', async () => {
    const [rec] = await processor().processBatch([bundled()]);
    // OSL 10 (the word counter), TTFT 100, latency 220: (220 − 100) / 9 = 13.33 ms, 75 tokens/s.
    expect(rec!.metrics['output_sequence_length']).toBe(10);
    expect(rec!.metrics['inter_token_latency']).toBeCloseTo(120 / 9, 10);
    expect(rec!.metrics['output_token_throughput_per_user']).toBeCloseTo(75, 10);
    expect(rec!.metrics['inter_token_gap']).toBeUndefined();
    expect(rec!.perChunkCounts).toBeUndefined();
  });
});

describe('ITL with --per-chunk-usage', () => {
  it('divides the decode time by the tokens after the first chunk: (220 − 100) / (10 − 4) = 20 ms, 50 tokens/s', async () => {
    const [rec] = await processor({ perChunkUsage: true }).processBatch([bundled()]);
    expect(rec!.perChunkCounts).toBe('counted');
    expect(rec!.metrics['inter_token_latency']).toBeCloseTo(20, 10);
    expect(rec!.metrics['output_token_throughput_per_user']).toBeCloseTo(50, 10);
    // TTFT, latency and the chunk gaps are what they were.
    expect(rec!.metrics['time_to_first_token']).toBe(100);
    expect(rec!.metrics['request_latency']).toBe(220);
    expect(rec!.metrics['inter_chunk_latency']).toEqual([40, 40, 40]);
  });

  it('spreads each chunk gap over the tokens it carried: six gaps of 20 ms', async () => {
    const [rec] = await processor({ perChunkUsage: true }).processBatch([bundled()]);
    const gaps = rec!.metrics['inter_token_gap'] as number[];
    expect(gaps).toHaveLength(6);
    for (const g of gaps) expect(g).toBeCloseTo(20, 10);
  });

  it('reads llama.cpp timings.predicted_n when a chunk has no usage', async () => {
    const r = raw({
      startMs: 0,
      isl: 10,
      events: [
        [50, timed('a b', 2)],
        [80, timed(' c', 3)],
        [140, timed(' d e', 5)],
        [140, DONE],
      ],
      endMs: 140,
    });
    const [rec] = await processor({ perChunkUsage: true }).processBatch([r]);
    // (140 − 50) / (5 − 2) = 30 ms; gaps: 30, then 60 / 2 twice.
    expect(rec!.metrics['inter_token_latency']).toBeCloseTo(30, 10);
    expect(rec!.metrics['inter_token_gap']).toEqual([30, 30, 30]);
  });

  it('falls back to OSL − 1 and says so when the server sent no per-chunk counts', async () => {
    const r = raw({
      startMs: 0,
      isl: 10,
      events: [
        [50, chatDelta('a b')],
        [80, chatDelta(' c')],
        [81, finalUsage(3)],
        [81, DONE],
      ],
      endMs: 81,
    });
    const [rec] = await processor({ perChunkUsage: true }).processBatch([r]);
    expect(rec!.perChunkCounts).toBe('missing');
    expect(rec!.metrics['inter_token_latency']).toBeCloseTo(30 / 2, 10);
    expect(rec!.metrics['inter_token_gap']).toBeUndefined();
  });

  it('falls back when the counts contradict themselves (a count that goes down)', async () => {
    const r = raw({
      startMs: 0,
      isl: 10,
      events: [
        [50, counted('a b', 2)],
        [80, counted(' c', 4)],
        [90, counted(' d', 3)],
        [90, DONE],
      ],
      endMs: 90,
    });
    const [rec] = await processor({ perChunkUsage: true }).processBatch([r]);
    expect(rec!.perChunkCounts).toBe('inconsistent');
    expect(rec!.metrics['inter_token_latency']).toBeCloseTo(40 / 3, 10);
  });

  it('leaves non-streaming requests alone', async () => {
    const r = raw({
      startMs: 0,
      isl: 10,
      streaming: false,
      events: [[90, JSON.stringify({ choices: [{ index: 0, message: { content: 'a b c' } }], usage: { completion_tokens: 3 } })]],
      endMs: 90,
    });
    const [rec] = await processor({ perChunkUsage: true }).processBatch([r]);
    expect(rec!.perChunkCounts).toBeUndefined();
    expect(rec!.metrics['inter_token_latency']).toBeUndefined();
  });
});

describe('splitChunkTokens', () => {
  const ns = (...ms: number[]) => ms.map((m) => at(m));

  it('gives a chunk that carries no new token no gap: its time goes to the next chunk that does', () => {
    const split = splitChunkTokens(ns(10, 20, 40), [1, 1, 3]);
    expect(split).toEqual({ kind: 'counted', firstChunkTokens: 1, decodeTokens: 2, gapsMs: [15, 15] });
  });

  it('is inconsistent with a first chunk of 0 tokens or nothing after the first chunk', () => {
    expect(splitChunkTokens(ns(10, 20), [0, 1]).kind).toBe('inconsistent');
    expect(splitChunkTokens(ns(10, 20), [3, 3]).kind).toBe('inconsistent');
  });

  it('is missing when any content chunk has no count', () => {
    expect(splitChunkTokens(ns(10, 20, 30), [1, null, 3]).kind).toBe('missing');
  });

  it('refuses a count beyond any sequence length rather than making millions of gaps', () => {
    expect(splitChunkTokens(ns(10, 20), [1, 1e9]).kind).toBe('inconsistent');
  });

  it('keeps nanosecond gaps exact in milliseconds', () => {
    const split = splitChunkTokens([0n, 3n * MS], [1, 4]);
    expect(split.kind === 'counted' && split.gapsMs).toEqual([1, 1, 1]);
  });
});
