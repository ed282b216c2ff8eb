// `profile --num-profile-runs N` (docs/cli.md §3.9, docs/exports.md §15): each run in its own
// directory under profile_runs/, then the aggregate across runs in aggregate/; N = 1 is a plain run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-repeated-runs-');
let mock: ChildServer;

beforeAll(async () => {
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '5', '--itl', '1']);
});
afterAll(async () => {
  await mock?.stop();
});

const base = (out: string): string[] => [
  ...['-m', 'mock-model', '--url', mock.url, '--streaming', '--concurrency', '2', '--request-count', '6'],
  ...['--osl', '4', '--ui', 'none', '--workers', '1', '--artifact-dir', out],
];

describe('profile --num-profile-runs 3', () => {
  it('writes three run directories and the aggregate with Student-t intervals', async () => {
    const out = join(dir, 'three');
    const run = await runProfileCli([...base(out), '--num-profile-runs', '3', '--profile-run-cooldown-seconds', '0.1'], dir);
    expect(run.status, run.stderr).toBe(0);
    const averages = ['run_0001', 'run_0002', 'run_0003'].map((label) => {
      const summary = JSON.parse(readFileSync(join(out, 'profile_runs', label, 'profile_export_aiperf.json'), 'utf8'));
      expect(summary.request_count.avg).toBe(6);
      return summary.request_latency.avg as number;
    });
    const doc = JSON.parse(readFileSync(join(out, 'aggregate', 'profile_export_aiperf_aggregate.json'), 'utf8'));
    expect(doc.metadata).toMatchObject({
      aggregation_type: 'confidence',
      num_profile_runs: 3,
      num_successful_runs: 3,
      confidence_level: 0.95,
      run_labels: ['run_0001', 'run_0002', 'run_0003'],
      partial: false,
      stop_reason: 'completed',
    });
    const latency = doc.metrics.request_latency_avg;
    const mean = averages.reduce((a, b) => a + b, 0) / 3;
    const std = Math.sqrt(averages.reduce((a, v) => a + (v - mean) ** 2, 0) / 2);
    expect(latency.mean).toBeCloseTo(mean, 9);
    expect(latency.std).toBeCloseTo(std, 9);
    expect(latency.t_critical).toBeCloseTo(4.302653, 5);
    expect(latency.ci_high - latency.ci_low).toBeCloseTo((2 * 4.302653 * std) / Math.sqrt(3), 4);
    expect(readFileSync(join(out, 'aggregate', 'profile_export_aiperf_aggregate.csv'), 'utf8')).toMatch(
      /^metric,mean,std,min,max,cv,se,ci_low,ci_high,t_critical,unit\n/,
    );
    expect(run.stdout).toContain('Aggregate of 3 runs (3 of 3 done, completed); 95% Student-t confidence intervals');
    expect(run.stdout).toMatch(/request_latency_avg +\d/);
  });

  it('with N = 1 writes the usual single run and no aggregate', async () => {
    const out = join(dir, 'one');
    const run = await runProfileCli([...base(out), '--num-profile-runs', '1'], dir);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(out, 'profile_export_aiperf.json'))).toBe(true);
    expect(existsSync(join(out, 'aggregate'))).toBe(false);
    expect(existsSync(join(out, 'profile_runs'))).toBe(false);
    expect(run.stdout).not.toContain('Aggregate');
  });

  it('refuses a convergence flag without --convergence-metric (exit 2)', async () => {
    const run = await runProfileCli([...base(join(dir, 'bad')), '--num-profile-runs', '3', '--convergence-mode', 'cv'], dir);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("option '--convergence-mode' requires option '--convergence-metric'");
  });
});
