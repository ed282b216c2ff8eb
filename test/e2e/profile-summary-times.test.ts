// The summary's `start_time` and `end_time` (docs/exports.md §4): the start is the earliest
// profiling request's start, not when the run was set up nor any warmup request's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoMicros } from '../../ts/src/report/time-format.js';
import { type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-summary-times-');
let mock: ChildServer;

beforeAll(async () => {
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '20', '--itl', '2']);
});
afterAll(async () => {
  await mock?.stop();
});

describe('the summary JSON of a run with a warmup', () => {
  it('starts at the earliest profiling request and ends after the last one', async () => {
    const out = join(dir, 'run');
    const run = await runProfileCli(
      [
        ...['-m', 'mock-model', '--url', mock.url, '--streaming', '--concurrency', '2', '--request-count', '6'],
        ...['--warmup-request-count', '4', '--osl', '8', '--ui', 'none', '--artifact-dir', out],
      ],
      dir,
    );
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    const starts = readFileSync(join(out, 'profile_export.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).metadata)
      .filter((m) => m.benchmark_phase === 'profiling');
    expect(starts).toHaveLength(6);
    // Nanosecond stamps exceed a double's precision: compared as BigInts.
    const byValue = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
    const first = starts.map((m) => BigInt(m.request_start_ns)).sort(byValue)[0]!;
    const last = starts
      .map((m) => BigInt(m.request_end_ns))
      .sort(byValue)
      .at(-1)!;
    expect(summary.start_time).toBe(isoMicros(first));
    expect(Date.parse(summary.end_time)).toBeGreaterThanOrEqual(Number(last / 1_000_000n));
  });
});
