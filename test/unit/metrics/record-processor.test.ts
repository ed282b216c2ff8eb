import { describe, expect, it } from 'vitest';
import { recordLine } from '../../../ts/src/report/record-lines.js';
import { SecretScrubber } from '../../../ts/src/report/redact.js';
import { LONG_WORD_CHARS } from '../../../ts/src/tokenizer/long-words.js';
import { DONE, chatDelta, processor, raw } from './fixtures.js';

const roleOnly = JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
const usageOnly = (usage: object) => JSON.stringify({ choices: [], usage });
const finish = JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });

async function one(r: ReturnType<typeof raw>, opts = {}) {
  const [rec] = await processor(opts).processBatch([r]);
  return rec!;
}

describe('content responses and timing', () => {
  it('does not set TTFT on a role-only first chunk', async () => {
    const rec = await one(
      raw({
        startMs: 0,
        isl: 10,
        events: [
          [5, roleOnly],
          [50, chatDelta('a')],
          [60, chatDelta(' b')],
          [61, DONE],
        ],
        endMs: 61,
      }),
    );
    expect(rec.metrics['time_to_first_token']).toBe(50);
    expect(rec.metrics['time_to_second_token']).toBe(10);
  });

  it('gives chunks delivered in one read a zero gap', async () => {
    const rec = await one(
      raw({
        startMs: 0,
        isl: 10,
        events: [
          [50, chatDelta('a')],
          [50, chatDelta(' b')],
          [70, chatDelta(' c')],
          [70, DONE],
        ],
        endMs: 70,
      }),
    );
    expect(rec.metrics['inter_chunk_latency']).toEqual([0, 20]);
    expect(rec.metrics['time_to_second_token']).toBe(0);
  });

  it('ends request latency at the last content response, not at [DONE] or usage', async () => {
    const rec = await one(
      raw({
        startMs: 0,
        isl: 10,
        events: [
          [50, chatDelta('a')],
          [80, chatDelta(' b')],
          [95, finish],
          [99, usageOnly({ prompt_tokens: 10, completion_tokens: 2 })],
          [120, DONE],
        ],
        endMs: 120,
      }),
    );
    expect(rec.metrics['request_latency']).toBe(80);
    expect(rec.metrics['effective_latency']).toBe(80);
    expect(rec.contentEndWallNs! - rec.startWallNs).toBe(80_000_000n);
  });

  it('satisfies latency = TTFT + (OSL − 1)·ITL and effective = credit-to-start + latency', async () => {
    const rec = await one(
      raw({
        startMs: 10,
        creditMs: 3,
        isl: 10,
        events: [
          [40, chatDelta('a b')],
          [70, chatDelta(' c')],
          [97, chatDelta(' d e f')],
          [98, DONE],
        ],
        endMs: 98,
      }),
    );
    const m = rec.metrics as Record<string, number>;
    expect(m['output_sequence_length']).toBe(6);
    expect(m['time_to_first_token']! + 5 * m['inter_token_latency']!).toBeCloseTo(m['request_latency']!, 12);
    expect(m['credit_to_start_latency']).toBe(7);
    expect(m['effective_latency']).toBe(m['credit_to_start_latency']! + m['request_latency']!);
  });

  it('has no ITL, ICL or per-user throughput with a single output token', async () => {
    const rec = await one(
      raw({
        startMs: 0,
        isl: 10,
        events: [
          [30, chatDelta('a')],
          [31, DONE],
        ],
        endMs: 31,
      }),
    );
    expect(rec.metrics['inter_token_latency']).toBeUndefined();
    expect(rec.metrics['inter_chunk_latency']).toBeUndefined();
    expect(rec.metrics['output_token_throughput_per_user']).toBeUndefined();
    expect(rec.metrics['time_to_second_token']).toBeUndefined();
    expect(rec.metrics['e2e_output_token_throughput']).toBeCloseTo(1 / 0.03, 12);
  });

  it('measures non-streaming latency to the end of the body and omits streaming-only metrics', async () => {
    const body = JSON.stringify({
      choices: [{ index: 0, message: { role: 'assistant', content: 'x y z' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    });
    const rec = await one(raw({ startMs: 0, isl: 10, streaming: false, events: [[200, body]], endMs: 200 }));
    expect(rec.metrics['request_latency']).toBe(200);
    expect(rec.metrics['output_sequence_length']).toBe(3);
    expect(rec.metrics['time_to_first_token']).toBeUndefined();
    expect(rec.metrics['e2e_output_token_throughput']).toBe(15);
  });

  it('separates reasoning from output: TTFO, reasoning_token_count, OSL = both', async () => {
    const rec = await one(
      raw({
        startMs: 0,
        isl: 10,
        events: [
          [20, chatDelta('', { reasoning_content: 'think hard' })],
          [40, chatDelta('', { reasoning: ' more' })],
          [60, chatDelta('answer')],
          [61, DONE],
        ],
        endMs: 61,
      }),
    );
    expect(rec.metrics['time_to_first_token']).toBe(20);
    expect(rec.metrics['time_to_first_output_token']).toBe(60);
    expect(rec.metrics['reasoning_token_count']).toBe(3);
    expect(rec.metrics['output_token_count']).toBe(1);
    expect(rec.metrics['output_sequence_length']).toBe(4);
  });

  it('counts the chat ISL over every message text part with the tokenizer when the engine gave none', async () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'one two three' },
            { type: 'image_url', image_url: { url: 'x' } },
          ],
        },
      ],
    };
    const rec = await one(
      raw({
        startMs: 0,
        body,
        events: [
          [10, chatDelta('a')],
          [11, DONE],
        ],
        endMs: 11,
      }),
    );
    expect(rec.metrics['input_sequence_length']).toBe(5);
  });

  it('records only error_isl for a failed request', async () => {
    const rec = await one(
      raw({
        startMs: 0,
        isl: 33,
        endMs: 5,
        events: [[4, chatDelta('partial')]],
        error: { code: null, type: 'ConnectionError', message: 'reset' },
      }),
    );
    expect(rec.metrics).toEqual({ error_isl: 33 });
    expect(rec.contentEndWallNs).toBeNull();
  });

  it('adds schedule_lag only in open-loop modes', async () => {
    const r = raw({
      startMs: 12,
      scheduledMs: 10,
      isl: 1,
      events: [
        [20, chatDelta('a')],
        [20, DONE],
      ],
      endMs: 20,
    });
    expect((await one(r)).metrics['schedule_lag']).toBeUndefined();
    expect((await one(r, { openLoop: true })).metrics['schedule_lag']).toBe(2);
    expect((await one(r, { openLoop: true, fixedSchedule: true })).metrics['replay_send_schedule_offset']).toBe(2);
  });
});

describe('usage, discrepancies and OSL mismatch', () => {
  const withUsage = (usage: object, requestedOsl: number | null = null, text = 'a b c d e f g h i j') =>
    raw({
      startMs: 0,
      isl: 100,
      requestedOsl,
      events: [
        [10, chatDelta(text)],
        [20, usageOnly(usage)],
        [21, DONE],
      ],
      endMs: 21,
    });

  it('distinguishes an absent usage field from a present 0', async () => {
    const rec = await one(withUsage({ prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } }));
    expect(rec.metrics['usage_prompt_cache_read_tokens']).toBe(0);
    expect(rec.metrics['usage_total_tokens']).toBeUndefined();
    expect(rec.metrics['usage_reasoning_tokens']).toBeUndefined();
    expect(rec.metrics['usage_prompt_tokens_diff_pct']).toBe(0);
  });

  it('uses the last non-null usage object', async () => {
    const r = raw({
      startMs: 0,
      isl: 100,
      events: [
        [10, chatDelta('a')],
        [11, usageOnly({ prompt_tokens: 1, completion_tokens: 1 })],
        [12, JSON.stringify({ choices: [], usage: null })],
        [13, usageOnly({ prompt_tokens: 100, completion_tokens: 1 })],
        [14, DONE],
      ],
      endMs: 14,
    });
    expect((await one(r)).metrics['usage_prompt_tokens']).toBe(100);
  });

  it('flags a usage discrepancy only above 10 %', async () => {
    // Client OSL 10: completion 11 → 10 % exactly (not flagged); 12 → 20 % (flagged).
    expect((await one(withUsage({ prompt_tokens: 100, completion_tokens: 11 }))).usageDiscrepancy).toBe(false);
    const flagged = await one(withUsage({ prompt_tokens: 100, completion_tokens: 12 }));
    expect(flagged.usageDiscrepancy).toBe(true);
    expect(flagged.metrics['usage_completion_tokens_diff_pct']).toBe(20);
    expect((await one(withUsage({ prompt_tokens: 111, completion_tokens: 10 }))).usageDiscrepancy).toBe(true);
  });

  it('fires the OSL mismatch exactly above min(5 % of requested, 50)', async () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    // requested 100 → threshold 5: OSL 95 is not a mismatch, 94 is.
    expect((await one(withUsage({}, 100, words(95)))).oslMismatch).toBe(false);
    const m = await one(withUsage({}, 100, words(94)));
    expect(m.oslMismatch).toBe(true);
    expect(m.metrics['osl_mismatch_diff_pct']).toBe(-6);
    // requested 2000 → threshold 50 (not 100).
    expect((await one(withUsage({}, 2000, words(1950)))).oslMismatch).toBe(false);
    expect((await one(withUsage({}, 2000, words(1949)))).oslMismatch).toBe(true);
  });

  it('takes ISL/OSL from usage with --use-server-token-count and falls back to client counts', async () => {
    const rec = await one(withUsage({ prompt_tokens: 120, completion_tokens: 14, completion_tokens_details: { reasoning_tokens: 4 } }), {
      useServerTokenCount: true,
    });
    expect(rec.metrics['input_sequence_length']).toBe(120);
    expect(rec.metrics['output_sequence_length']).toBe(14);
    expect(rec.metrics['output_token_count']).toBe(10);
    expect(rec.metrics['reasoning_token_count']).toBe(4);
    const fallback = await one(
      raw({
        startMs: 0,
        isl: 7,
        events: [
          [10, chatDelta('a b')],
          [11, DONE],
        ],
        endMs: 11,
      }),
      { useServerTokenCount: true },
    );
    expect(fallback.serverCountFallback).toBe(true);
    expect(fallback.metrics['input_sequence_length']).toBe(7);
    expect(fallback.metrics['output_sequence_length']).toBe(2);
  });
});

describe('token counts of pathological text (issue 16: a 1 MB single-word response took a minute)', () => {
  const line = (rec: Awaited<ReturnType<typeof one>>) =>
    JSON.parse(recordLine(rec, { toWallNs: (ns) => ns, openLoop: false, scrubber: new SecretScrubber([]) })) as {
      metadata: Record<string, unknown>;
    };

  it('marks a record whose output holds a word longer than a window as estimated, and exports the mark', async () => {
    const word = 'x'.repeat(3 * LONG_WORD_CHARS);
    const rec = await one(
      raw({
        startMs: 0,
        isl: 10,
        events: [
          [50, chatDelta(word)],
          [51, DONE],
        ],
        endMs: 51,
      }),
    );
    expect(rec.tokenCountsEstimated).toBe(true);
    expect(rec.metrics['output_token_count']).toBe(3);
    expect(line(rec).metadata['token_counts_estimated']).toBe(true);
    expect(Object.keys(line(rec).metadata).at(-1)).toBe('token_counts_estimated');
  });

  it('leaves ordinary records exact and without the field', async () => {
    const rec = await one(
      raw({
        startMs: 0,
        isl: 10,
        events: [
          [50, chatDelta('a b c')],
          [51, DONE],
        ],
        endMs: 51,
      }),
    );
    expect(rec.tokenCountsEstimated).toBe(false);
    expect('token_counts_estimated' in line(rec).metadata).toBe(false);
  });
});
