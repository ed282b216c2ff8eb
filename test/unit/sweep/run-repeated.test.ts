// runRepeated as a library call (docs/cli.md §3.9) against an in-process mock with no latency
// model: the run directories and run_info of each run, early stop by convergence, and Ctrl-C
// keeping the finished runs with a partial aggregate.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProfileOptions, resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { type RunPlacement, standardReporters } from '../../../ts/src/profile/index.js';
import { type MockServerHandle, startMockServer } from '../../../ts/src/server/mock-server.js';
import { runRepeated } from '../../../ts/src/sweep/run-repeated.js';

let mock: MockServerHandle;
let dir = '';
beforeAll(async () => {
  mock = await startMockServer({ port: 0, latencyModel: 'none' });
  dir = mkdtempSync(join(tmpdir(), 'infermark-run-repeated-'));
});
afterAll(async () => {
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = (name: string, over: ProfileOptions = {}) =>
  resolveProfileConfig(
    {
      model: ['mock-model'],
      url: [mock.url],
      streaming: true,
      isl: 16,
      osl: 4,
      requestCount: 4,
      concurrency: 2,
      workers: 1,
      ui: 'none',
      artifactDir: join(dir, name),
      ...over,
    },
    ['infermark', 'profile'],
  );

describe('runRepeated', () => {
  it('runs into profile_runs/run_NNNN with its label as run_info and aggregates the runs', async () => {
    const placements: RunPlacement[] = [];
    const result = await runRepeated(config('labels', { numProfileRuns: 2 }), {
      reporters: (_label, placement) => {
        placements.push(placement);
        return standardReporters({ placement });
      },
    });
    expect(result.exitCode).toBe(0);
    expect(placements.map((p) => [p.run_label, p.trial])).toEqual([
      ['run_0001', 0],
      ['run_0002', 1],
    ]);
    for (const label of ['run_0001', 'run_0002'])
      expect(existsSync(join(dir, 'labels', 'profile_runs', label, 'profile_export_aiperf.json'))).toBe(true);
    expect(result.summary.metrics.request_count_avg).toMatchObject({ mean: 4, std: 0, n: 2 });
    expect(result.summary.stop).toBe('completed');
  });

  it('stops early once the convergence metric is stable, from the third run on', async () => {
    // Every run sends exactly 4 requests: request_count has no spread at all.
    const c = config('converge', { numProfileRuns: 6, convergenceMetric: 'request_count', convergenceMode: 'cv' });
    const result = await runRepeated(c);
    expect(result.exitCode).toBe(0);
    expect(result.summary.runs.map((r) => r.label)).toEqual(['run_0001', 'run_0002', 'run_0003']);
    expect(result.summary.stop).toBe('converged');
    const doc = JSON.parse(readFileSync(result.files.json, 'utf8'));
    expect(doc.metadata).toMatchObject({ requested_profile_runs: 6, num_profile_runs: 3, stop_reason: 'converged', partial: false });
    expect(doc.metadata.convergence).toEqual({ metric: 'request_count', stat: 'avg', mode: 'cv', threshold: 0.05, converged: true });
  });

  it('runs every run when the convergence metric is in no summary', async () => {
    const result = await runRepeated(config('never', { numProfileRuns: 3, convergenceMetric: 'no_such_metric' }));
    expect(result.summary.runs).toHaveLength(3);
    expect(result.summary.stop).toBe('completed');
    expect(result.summary.convergence?.converged).toBe(false);
  });

  it('on an abort keeps the finished runs, starts no further run and writes a partial aggregate', async () => {
    const abort = new AbortController();
    const result = await runRepeated(config('abort', { numProfileRuns: 4, profileRunCooldownSeconds: 30 }), {
      signal: abort.signal,
      // Ctrl-C during the cooldown after the first run.
      onRunEnd: () => setTimeout(() => abort.abort(), 50),
    });
    expect(result.exitCode).toBe(130);
    expect(result.summary.runs.map((r) => [r.label, r.ok])).toEqual([['run_0001', true]]);
    expect(existsSync(join(dir, 'abort', 'profile_runs', 'run_0002'))).toBe(false);
    const doc = JSON.parse(readFileSync(result.files.json, 'utf8'));
    expect(doc.metadata).toMatchObject({ partial: true, stop_reason: 'interrupted', num_successful_runs: 1 });
    expect(doc.metrics.request_count_avg).toMatchObject({ mean: 4, std: null, ci_low: null });
  });

  it('warms up in the first run only', async () => {
    const result = await runRepeated(config('warmup', { numProfileRuns: 2, warmupRequestCount: 3, exportLevel: 'records' }));
    expect(result.exitCode).toBe(0);
    const phases = (label: string): string[] =>
      readFileSync(join(dir, 'warmup', 'profile_runs', label, 'profile_export.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).metadata.benchmark_phase);
    expect(phases('run_0001').filter((p) => p === 'warmup')).toHaveLength(3);
    expect(phases('run_0002').filter((p) => p === 'warmup')).toHaveLength(0);
  });

  it('warms up before every run with --no-profile-run-disable-warmup-after-first', async () => {
    const c = config('warmup-each', { numProfileRuns: 2, warmupRequestCount: 2, profileRunDisableWarmupAfterFirst: false });
    const result = await runRepeated(c);
    expect(result.exitCode).toBe(0);
    for (const label of ['run_0001', 'run_0002']) {
      const phases = readFileSync(join(dir, 'warmup-each', 'profile_runs', label, 'profile_export.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).metadata.benchmark_phase);
      expect(phases.filter((p) => p === 'warmup')).toHaveLength(2);
    }
  });

  it('sends the same prompts in every run, or other prompts per run with --vary-seed-per-trial', async () => {
    const prompts = async (name: string, over: ProfileOptions): Promise<string[][]> => {
      await runRepeated(config(name, { numProfileRuns: 2, ...over }));
      return ['run_0001', 'run_0002'].map((label) => {
        const doc = JSON.parse(readFileSync(join(dir, name, 'profile_runs', label, 'inputs.json'), 'utf8'));
        return doc.data.map((d: { payloads: { messages: { content: string }[] }[] }) => d.payloads[0]?.messages.at(-1)?.content ?? '');
      });
    };
    const same = await prompts('seed-same', {});
    expect(same[1]).toEqual(same[0]);
    const varied = await prompts('seed-vary', { varySeedPerTrial: true });
    expect(varied[1]).not.toEqual(varied[0]);
    const seeds = ['run_0001', 'run_0002'].map(
      (label) =>
        JSON.parse(readFileSync(join(dir, 'seed-vary', 'profile_runs', label, 'profile_export_aiperf.json'), 'utf8')).run_info?.random_seed,
    );
    expect(seeds[0]).not.toEqual(seeds[1]);
  });
});
