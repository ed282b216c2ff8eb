// Four local shards at a concurrency through the built CLI against serve-mock (docs/cli.md §3.8):
// together they send every request of the single-process run once, each its closed-form share; a
// shard whose rendezvous never comes fails with exit 1 before sending anything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, type Line, LOAD, shardRuns } from '../helpers/shard-runs.js';

const runs = shardRuns('infermark-shards-concurrency-');

describe('four local shards at a concurrency', () => {
  it('send every request of the single-process run once, and merge to their sum', async () => {
    const port = await freePort();
    const load = [...LOAD, '--url', runs.mockUrl(), '--concurrency', '6', '--request-count', '30', '--workers', '1'];
    const done = await Promise.all(
      [0, 1, 2, 3].map((k) =>
        runs.infermark([
          ...['profile', ...load, '--artifact-dir', `shard-${k}`, '--shard-index', String(k), '--shard-count', '4'],
          ...['--shard-rendezvous-port', String(port), '--shard-rendezvous', `127.0.0.1:${port}`],
        ]),
      ),
    );
    for (const r of done) expect(r.status, r.stderr).toBe(0);
    // The single-process run sends requests 0 … 29 (docs/cli.md §3.4); the shards, 8 + 8 + 7 + 7 of them.
    const numbers = (lines: Line[]): number[] => lines.map((l) => l.metadata.request_num).sort((a, b) => a - b);
    const union = [0, 1, 2, 3].flatMap((k) => runs.records(`shard-${k}`));
    expect(numbers(union)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect([0, 1, 2, 3].map((k) => runs.records(`shard-${k}`).length)).toEqual([8, 8, 7, 7]);
    // Sessions by session index: shard k ran the sessions s with s mod 4 = k.
    for (const k of [0, 1, 2, 3]) for (const l of runs.records(`shard-${k}`)) expect(l.metadata.session_num % 4).toBe(k);
    const merged = await runs.infermark(['merge', 'shard-0', 'shard-1', 'shard-2', 'shard-3', '-o', 'merged']);
    expect(merged.status, merged.stderr).toBe(0);
    expect(runs.summary('merged').request_count.avg).toBe(30);
  }, 60_000);
});

describe('a rendezvous that never comes', () => {
  const alone = async (k: number): Promise<{ status: number | null; stderr: string; port: number }> => {
    const port = await freePort();
    const r = await runs.infermark(
      [
        'profile',
        ...LOAD,
        '--url',
        runs.mockUrl(),
        '--concurrency',
        '2',
        '--artifact-dir',
        `alone-${k}`,
        '--shard-rendezvous-timeout',
        '1',
      ],
      { JOB_COMPLETION_INDEX: String(k), INFERMARK_SHARD_COUNT: '2', INFERMARK_SHARD_RENDEZVOUS: `127.0.0.1:${port}` },
    );
    return { ...r, port };
  };

  it('fails shard 1 with exit 1 before anything is sent, leaving no run directory', async () => {
    const r = await alone(1);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `error: shard 1 of 2 could not reach the rendezvous at 127.0.0.1:${r.port} within 1 s (ECONNREFUSED); nothing was sent`,
    );
    expect(existsSync(join(runs.dir, 'alone-1'))).toBe(false);
  }, 20_000);

  it('fails shard 0 with exit 1 naming the shard that did not come', async () => {
    const r = await alone(0);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: shard 1 of 2 did not reach the rendezvous (ready) within 1 s');
    expect(existsSync(join(runs.dir, 'alone-0'))).toBe(false);
  }, 20_000);
});
