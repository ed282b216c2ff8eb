// outputs.json (docs/exports.md §16): AIPerf's layout, ordered by session and turn, the text as
// received (reasoning first), warmup left out, and the same file whether or not entries went
// through the scratch file.
import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../ts/src/metrics/record-processor.js';
import { OutputsCollector } from '../../../ts/src/report/outputs-json.js';
import { DONE, WALL0, chatDelta, processor, raw, toWallNs } from '../metrics/fixtures.js';

async function records(): Promise<MetricRecord[]> {
  const reasoning = JSON.stringify({ choices: [{ index: 0, delta: { reasoning_content: 'think ' }, finish_reason: null }] });
  const raws = [
    // Finished first, but session 2.
    {
      ...raw({
        requestNum: 0,
        startMs: 0,
        isl: 5,
        events: [
          [10, chatDelta('late')],
          [11, DONE],
        ],
        endMs: 11,
      }),
      sessionNum: 2,
    },
    // Session 1, turn 1 before its turn 0 in completion order.
    {
      ...raw({
        requestNum: 1,
        startMs: 0,
        isl: 5,
        events: [
          [10, reasoning],
          [20, chatDelta('two')],
          [21, DONE],
        ],
        endMs: 21,
      }),
      sessionNum: 1,
      turnIndex: 1,
      conversationId: 'c1',
    },
    {
      ...raw({
        requestNum: 2,
        startMs: 0,
        isl: 5,
        events: [
          [10, chatDelta('one')],
          [12, DONE],
        ],
        endMs: 12,
      }),
      sessionNum: 1,
      conversationId: 'c1',
    },
    // A failure with nothing received, and a warmup request.
    {
      ...raw({ requestNum: 3, startMs: 0, isl: 5, endMs: 5, error: { code: 500, type: 'Internal Server Error', message: 'x' } }),
      sessionNum: 0,
    },
    { ...raw({ requestNum: 4, startMs: 0, isl: 5, events: [[10, chatDelta('warm')]], endMs: 10, phase: 'warmup' }), sessionNum: 0 },
  ];
  return processor().processBatch(raws);
}

const text = (c: OutputsCollector): string => [...c.parts()].join('');

describe('outputs.json', () => {
  it('lists the profiling requests by session, then turn, with their text and AIPerf’s six metrics', async () => {
    const c = new OutputsCollector(toWallNs);
    for (const r of await records()) c.add(r);
    const file = text(c);
    const doc = JSON.parse(file);
    c.close();
    expect(doc.schema_version).toBe('1.0');
    expect(doc.data.map((e: { session_num: number; turn_index: number }) => [e.session_num, e.turn_index])).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [2, 0],
    ]);
    const [failed, one, two] = doc.data;
    expect(failed.response_text).toBeNull();
    expect(failed.metrics).toEqual({});
    expect(one.response_text).toBe('one');
    expect(one.conversation_id).toBe('c1');
    expect(two.response_text).toBe('think two');
    expect(two.metrics).toEqual({
      input_sequence_length: 5,
      output_token_count: 1,
      // The reasoning token counts too.
      output_sequence_length: 2,
      request_latency: 20,
      time_to_first_token: 10,
      inter_token_latency: 10,
    });
    // Nanosecond wall times keep every digit (a JSON number past 2^53, as AIPerf writes it).
    expect(file).toContain(`"request_start_ns": ${WALL0},`);
  });

  it('writes the same file when every entry went through the scratch file', async () => {
    const inMemory = new OutputsCollector(toWallNs);
    const spilled = new OutputsCollector(toWallNs, (t) => t, 1);
    for (const r of await records()) {
      inMemory.add(r);
      spilled.add(r);
    }
    expect(text(spilled)).toBe(text(inMemory));
    spilled.close();
    inMemory.close();
  });

  it('is an empty list when no profiling request ran', () => {
    const c = new OutputsCollector(toWallNs);
    expect(JSON.parse(text(c))).toEqual({ schema_version: '1.0', data: [] });
  });

  it('scrubs secrets from the text', async () => {
    const c = new OutputsCollector(toWallNs, (t) => t.replaceAll('late', '***'));
    for (const r of await records()) c.add(r);
    expect(JSON.parse(text(c)).data[3].response_text).toBe('***');
    c.close();
  });
});
