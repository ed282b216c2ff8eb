// The run pipeline keeps a record store instead of every processed record (issue 16: memory that
// stays flat). Fed a seeded run, its summary and time slices are exactly those of the fold over
// whole records (test/helpers/aggregate-oracle.ts); and it tells the engine to hold its sends when
// the records pile up faster than they are processed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGoodput } from '../../../ts/src/metrics/goodput.js';
import { toJson } from '../../../ts/src/report/json-writer.js';
import { blocksJson } from '../../../ts/src/report/summary-json.js';
import { BACKLOG_HOLD, BACKLOG_RESUME } from '../../../ts/src/profile/run-pipeline.js';
import { oracleAggregate, oracleTimeSlices } from '../../helpers/aggregate-oracle.js';
import { seededRawRecords, seededRecords } from '../../helpers/seeded-records.js';
import { openRun, tempDir } from './fixtures.js';

const GOODPUT = parseGoodput(['time_to_first_token:120 inter_token_latency:25'], { streaming: true });

describe('a run pipeline over a seeded run of 3,000 requests', () => {
  it('gives exactly the summary and time slices of the fold over whole records', async () => {
    const dir = tempDir();
    const run = await openRun(dir, { sliceDuration: 2.5, requestCount: 3000 });
    const seeded = { seed: 21, count: 3000 };
    for (const r of seededRawRecords(seeded)) run.pipeline.record(r);
    const result = await run.pipeline.finish({ startWallNs: 0n, endWallNs: 1n });
    const records = await seededRecords(seeded);
    const expected = oracleAggregate(records, { goodput: GOODPUT });
    expect(result.metrics).toEqual(expected);
    expect(toJson(blocksJson(result.metrics.blocks), 2)).toBe(toJson(blocksJson(expected.blocks), 2));
    const written = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf_timeslices.json'), 'utf8')) as {
      timeslices: Array<Record<string, unknown>>;
    };
    const slices = oracleTimeSlices(records, 2.5, GOODPUT);
    expect(written.timeslices.length).toBe(slices.length);
    slices.forEach((s, i) => {
      const { timeslice_index, start_ns, end_ns, is_complete, ...blocks } = written.timeslices[i]!;
      expect([timeslice_index, is_complete]).toEqual([s.timesliceIndex, s.isComplete]);
      // JSON.parse reads the ns as doubles; the text itself is checked by the summary writer's tests.
      expect([start_ns, end_ns]).toEqual([Number(s.startNs), Number(s.endNs)]);
      expect(blocks).toEqual(JSON.parse(toJson(blocksJson(s.blocks))));
    });
  });

  it('asks to hold the sends beyond BACKLOG_HOLD waiting records and to resume once processed', async () => {
    const run = await openRun(tempDir(), { requestCount: 1000 });
    const calls: boolean[] = [];
    run.pipeline.onBacklog((behind) => calls.push(behind));
    const raws = seededRawRecords({ seed: 3, count: 1000 });
    for (const r of raws.slice(0, BACKLOG_HOLD)) run.pipeline.record(r);
    expect(calls).toEqual([]);
    run.pipeline.record(raws[BACKLOG_HOLD]!);
    expect(calls).toEqual([true]);
    for (const r of raws.slice(BACKLOG_HOLD + 1)) run.pipeline.record(r);
    expect(calls).toEqual([true]);
    await run.pipeline.whenIdle();
    expect(calls).toEqual([true, false]);
    expect(run.pipeline.backlog).toBe(0);
    expect(BACKLOG_RESUME).toBeLessThan(BACKLOG_HOLD);
    await run.pipeline.finish();
  });
});
