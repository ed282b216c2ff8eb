// Four local shards at a request rate through the built CLI against serve-mock, the Indexed Job
// simulated with JOB_COMPLETION_INDEX (docs/cli.md §3.8): one shard comes 1.5 s late and one has a
// clock 3 s off on purpose; together they send exactly the single-process schedule, and `infermark
// merge` of the four gives the sum of their requests and the percentiles recomputed from the union
// of their records, on one timeline corrected by the measured clock offsets.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeStats } from '../../ts/src/metrics/stats.js';
import { freePort, LOAD, type Run, schedule, shardRuns } from '../helpers/shard-runs.js';

const runs = shardRuns('infermark-shards-rate-');
const SHARDS = [0, 1, 2, 3];

beforeAll(async () => {
  const port = await freePort();
  const rate = [...LOAD, '--url', runs.mockUrl(), '--request-rate', '40', '--request-count', '40', '--random-seed', '7', '--workers', '1'];
  const single = runs.infermark(['profile', ...rate, '--artifact-dir', 'single']);
  const shard = (k: number, env: Record<string, string> = {}): Promise<Run> =>
    runs.infermark(['profile', ...rate, '--artifact-dir', `shard-${k}`, '--shard-rendezvous-port', String(port)], {
      JOB_COMPLETION_INDEX: String(k),
      INFERMARK_SHARD_COUNT: '4',
      INFERMARK_SHARD_RENDEZVOUS: `127.0.0.1:${port}`,
      ...env,
    });
  // Shard 2's clock is 3 s fast; shard 1 starts 1.5 s after the others.
  const early = [shard(0), shard(2, { INFERMARK_TEST_CLOCK_SKEW_NS: '3000000000' }), shard(3)];
  await new Promise((r) => setTimeout(r, 1500));
  for (const r of await Promise.all([single, ...early, shard(1)])) {
    if (r.status !== 0) throw new Error(`profile failed (${r.status}): ${r.stderr}`);
  }
  const merged = await runs.infermark(['merge', ...SHARDS.map((k) => `shard-${k}`), '-o', 'merged']);
  if (merged.status !== 0) throw new Error(`merge failed (${merged.status}): ${merged.stderr}`);
}, 90_000);

describe('four local shards at a request rate', () => {
  it('send exactly the single-process schedule: the same requests at the same intended times', () => {
    const union = SHARDS.flatMap((k) => runs.records(`shard-${k}`));
    expect(union).toHaveLength(40);
    expect(schedule(union)).toEqual(schedule(runs.records('single')));
    // Shard k sent the requests i with i mod 4 = k, and says so in each record and its summary.
    for (const k of SHARDS) {
      const own = runs.records(`shard-${k}`);
      expect(own.map((l) => l.metadata.request_num % 4)).toEqual(own.map(() => k));
      expect(own.map((l) => l.metadata['shard_index'])).toEqual(own.map(() => k));
      expect(runs.summary(`shard-${k}`).input_config.loadgen).toMatchObject({ shard_index: k, shard_count: 4 });
    }
    expect(runs.records('single')[0]!.metadata).not.toHaveProperty('shard_index');
  });

  it("measure the skewed shard's clock offset, and merge onto one corrected timeline", () => {
    expect(Number(runs.records('shard-2')[0]!.stamps.offset) / 1e9).toBeCloseTo(-3, 1);
    for (const k of [1, 3]) expect(Math.abs(Number(runs.records(`shard-${k}`)[0]!.stamps.offset)) / 1e6).toBeLessThan(50);
    expect(runs.records('shard-0')[0]!.stamps.offset).toBe(0n);
    // Uncorrected, shard 2's requests would start 3 s after the others'.
    const starts = runs.records('merged').map((l) => Number(l.stamps.start) / 1e9);
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(2.5);
    expect(runs.summary('merged').benchmark_duration.avg).toBeLessThan(2.5);
  });

  it('merge to the sum of the shards and to percentiles recomputed from the union of their records', () => {
    const merged = runs.summary('merged');
    const shards = SHARDS.map((k) => runs.summary(`shard-${k}`));
    for (const tag of ['request_count', 'total_osl', 'total_isl']) {
      expect(merged[tag].avg, tag).toBe(shards.reduce((n: number, s) => n + s[tag].avg, 0));
    }
    expect(merged.request_throughput.avg).toBeCloseTo(40 / merged.benchmark_duration.avg, 9);
    const union = SHARDS.flatMap((k) => runs.records(`shard-${k}`));
    for (const tag of ['request_latency', 'time_to_first_token', 'inter_token_latency']) {
      const stats = computeStats(union.map((l) => l.metrics[tag]!.value as number))!;
      for (const stat of ['min', 'max', 'p50', 'p90', 'p99'] as const) {
        expect(merged[tag][stat], `${tag} ${stat}`).toBeCloseTo(stats[stat]!, 9);
      }
    }
    expect(merged.merge.partial).toBe(false);
    // Each shard checks its achieved rate against its own part of the rate; the merge, the whole run's.
    for (const s of shards) expect(s.requested_request_rate.avg).toBe(10);
    expect(merged.requested_request_rate.avg).toBe(40);
  });

  it('merge partially (exit 1, results kept) when a declared shard is missing', async () => {
    const r = await runs.infermark(['merge', 'shard-0', 'shard-1', 'shard-3', '-o', 'three']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('the run declared 4 shards and 3 were given');
    expect(existsSync(join(runs.dir, 'three', 'profile_export_aiperf.json'))).toBe(true);
    expect(runs.summary('three').merge.partial).toBe(true);
  });
});
