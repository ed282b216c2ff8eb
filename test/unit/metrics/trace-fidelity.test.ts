// trace_fidelity (docs/synthesis.md §6.5): which text of a request is counted, the arithmetic of the
// summary, and its console line and JSON block.
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../ts/src/metrics/aggregate.js';
import { offByMoreThan1Pct, traceFidelity } from '../../../ts/src/metrics/trace-fidelity.js';
import { traceFidelityLine } from '../../../ts/src/report/console-summary.js';
import { DONE, chatDelta, processor, raw } from './fixtures.js';

const ok = (requestNum: number, body: Record<string, unknown>, requestedIsl: number, historyChars = 0) => ({
  ...raw({
    requestNum,
    startMs: 0,
    isl: null,
    events: [
      [10, chatDelta('x')],
      [11, DONE],
    ],
    endMs: 11,
    body,
  }),
  requestedIsl,
  materialised: true,
  historyChars,
});

describe('the materialised text counted for fidelity', () => {
  it("counts a chat turn's last user message only, not the session history before it", async () => {
    const body = {
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'one two three' },
        { role: 'assistant', content: 'reply words here and more' },
        { role: 'user', content: 'four five' },
      ],
    };
    const [rec] = await processor().processBatch([ok(0, body, 2)]);
    expect(rec!.materialisedIsl).toBe(2);
    // The ISL metric still covers everything sent.
    expect(rec!.metrics['input_sequence_length']).toBe(2 + 3 + 5 + 2);
  });

  it('counts a completions turn after its history characters', async () => {
    const history = 'one two three\nreply words\n';
    const [rec] = await processor().processBatch([ok(0, { prompt: `${history}four five six` }, 3, history.length)]);
    expect(rec!.materialisedIsl).toBe(3);
  });

  it('counts nothing for requests whose text was not materialised', async () => {
    const [rec] = await processor().processBatch([{ ...ok(0, { messages: [{ role: 'user', content: 'a b' }] }, 2), materialised: false }]);
    expect(rec!.materialisedIsl).toBeNull();
  });

  it('counts failed requests too: their text was built and sent', async () => {
    const failed = {
      ...raw({ startMs: 0, endMs: 5, error: { code: 500, type: 'Internal Server Error', message: 'x' } }),
      materialised: true,
      requestedIsl: 2,
    };
    const [rec] = await processor().processBatch([failed]);
    expect(rec!.materialisedIsl).toBe(2); // the fixture body's 'hello world'
    expect(aggregate([rec!]).traceFidelity).toMatchObject({ rows: 1, abs_diff_max: 0 });
  });
});

describe('the fidelity summary', () => {
  it('computes means, |diff| mean and max, and the rows off by more than max(1, 1 %)', () => {
    const t = traceFidelity([
      { requested: 100, materialised: 101 }, // |1| not > max(1, 1): within
      { requested: 100, materialised: 98 }, // 2 > 1: off
      { requested: 1000, materialised: 1010 }, // 10 not > 10: within
      { requested: 1000, materialised: 989 }, // 11 > 10: off
    ]);
    expect(t).toEqual({
      rows: 4,
      requested_isl_mean: 550,
      materialised_isl_mean: 549.5,
      abs_diff_mean: (1 + 2 + 10 + 11) / 4,
      abs_diff_max: 11,
      rows_off_by_more_than_1pct: 2,
    });
  });

  it('uses 1 token as the floor of the threshold for short rows', () => {
    expect(offByMoreThan1Pct(5, 6)).toBe(false);
    expect(offByMoreThan1Pct(5, 7)).toBe(true);
    expect(offByMoreThan1Pct(300, 304)).toBe(true);
    expect(offByMoreThan1Pct(300, 303)).toBe(false);
  });

  it('is null without a materialised row (synthetic runs print no fidelity line)', async () => {
    expect(traceFidelity([])).toBeNull();
    const recs = await processor().processBatch([raw({ startMs: 0, isl: 2, events: [[1, chatDelta('a')]], endMs: 2 })]);
    expect(aggregate(recs).traceFidelity).toBeNull();
  });

  it('aggregates the records of a phase', async () => {
    const recs = await processor().processBatch([
      ok(0, { messages: [{ role: 'user', content: 'a b c' }] }, 3),
      ok(1, { messages: [{ role: 'user', content: 'a b c d e' }] }, 3),
    ]);
    expect(aggregate(recs).traceFidelity).toEqual({
      rows: 2,
      requested_isl_mean: 3,
      materialised_isl_mean: 4,
      abs_diff_mean: 1,
      abs_diff_max: 2,
      rows_off_by_more_than_1pct: 1,
    });
  });
});

describe('the console line', () => {
  it('has the shape of docs/synthesis.md §6.5', () => {
    expect(
      traceFidelityLine({
        rows: 12031,
        requested_isl_mean: 12035.06,
        materialised_isl_mean: 12035.41,
        abs_diff_mean: 0.62,
        abs_diff_max: 9,
        rows_off_by_more_than_1pct: 3,
      }),
    ).toBe(
      'Trace ISL fidelity: 12,031 rows; requested mean 12,035.06, materialised mean 12,035.41; |diff| mean 0.62, max 9; 3 rows off by more than 1%',
    );
  });

  it('says row for one', () => {
    expect(
      traceFidelityLine({
        rows: 1,
        requested_isl_mean: 655,
        materialised_isl_mean: 655,
        abs_diff_mean: 0,
        abs_diff_max: 0,
        rows_off_by_more_than_1pct: 1,
      }),
    ).toBe(
      'Trace ISL fidelity: 1 row; requested mean 655.00, materialised mean 655.00; |diff| mean 0.00, max 0; 1 row off by more than 1%',
    );
  });
});
