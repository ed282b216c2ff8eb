import { describe, expect, it } from 'vitest';
import { checkRepeatedRuns } from '../../../ts/src/cli/profile-repeated.js';
import { resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { resolveRepeatConfig, runSeed } from '../../../ts/src/config/repeat-config.js';
import { UsageError } from '../../../ts/src/errors.js';
import { planSweep } from '../../../ts/src/sweep/sweep-plan.js';

describe('resolveRepeatConfig', () => {
  it('is a single run at 95 % without convergence by default', () => {
    expect(resolveRepeatConfig({}, false)).toEqual({
      numProfileRuns: 1,
      cooldownSeconds: 0,
      confidenceLevel: 0.95,
      convergence: null,
      warmupFirstRunOnly: true,
      seeds: 'same',
    });
  });

  it('gives each convergence mode its own default threshold', () => {
    expect(resolveRepeatConfig({ convergenceMetric: 'request_latency' }, false).convergence).toEqual({
      metric: 'request_latency',
      stat: 'avg',
      mode: 'ci-width',
      threshold: 0.1,
      confidenceLevel: 0.95,
    });
    expect(resolveRepeatConfig({ convergenceMetric: 'x', convergenceMode: 'cv', confidenceLevel: 0.9 }, false).convergence).toMatchObject({
      mode: 'cv',
      threshold: 0.05,
      confidenceLevel: 0.9,
    });
    expect(resolveRepeatConfig({ convergenceMetric: 'x', convergenceThreshold: 0.2 }, false).convergence?.threshold).toBe(0.2);
  });

  it('refuses the convergence flags without --convergence-metric, and an empty metric', () => {
    expect(() => resolveRepeatConfig({ convergenceStat: 'p99' }, false)).toThrow(
      "option '--convergence-stat' requires option '--convergence-metric'",
    );
    expect(() => resolveRepeatConfig({ convergenceThreshold: 0.1 }, false)).toThrow(UsageError);
    expect(() => resolveRepeatConfig({ convergenceMetric: ' ' }, false)).toThrow("expected a metric name, got ''");
  });

  it('gives every run the same seed unless told to vary it; a given seed stays with --no-set-consistent-seed', () => {
    expect(resolveRepeatConfig({ varySeedPerTrial: true }, true).seeds).toBe('per-run');
    expect(resolveRepeatConfig({ setConsistentSeed: false }, false).seeds).toBe('per-run');
    expect(resolveRepeatConfig({ setConsistentSeed: false }, true).seeds).toBe('same');
    expect(resolveRepeatConfig({ profileRunDisableWarmupAfterFirst: false }, false).warmupFirstRunOnly).toBe(false);
  });

  it('derives distinct, reproducible per-run seeds', () => {
    const seeds = [0, 1, 2].map((k) => runSeed(7n, k));
    expect(new Set(seeds).size).toBe(3);
    expect(seeds).not.toContain(7n);
    expect(runSeed(7n, 1)).toBe(seeds[1]);
    expect(seeds.every((s) => s >= 0n && s < 1n << 64n)).toBe(true);
  });

  it('is part of the profile configuration', () => {
    expect(resolveProfileConfig({ model: ['m'], numProfileRuns: 3 }, ['infermark']).repeat.numProfileRuns).toBe(3);
  });

  it('is refused by sweep above one run', () => {
    expect(() => planSweep({ model: ['m'], numProfileRuns: 2 }, { dimension: 'concurrency', values: [1, 2] }, ['infermark'])).toThrow(
      "option '--num-profile-runs' is not supported by sweep",
    );
  });
});

describe('checkRepeatedRuns', () => {
  const config = (o: Parameters<typeof resolveProfileConfig>[0]) => resolveProfileConfig({ model: ['m'], ...o }, ['infermark']);

  it('refuses a sharded run or the metrics endpoint with more than one run, and allows them for one', () => {
    expect(() => checkRepeatedRuns(config({ numProfileRuns: 2, shardIndex: 0, shardCount: 2, concurrency: 4 }))).toThrow(
      "cannot be used with option '--shard-index'",
    );
    expect(() => checkRepeatedRuns(config({ numProfileRuns: 2, metricsPort: 0 }))).toThrow("cannot be used with option '--metrics-port'");
    expect(() => checkRepeatedRuns(config({ numProfileRuns: 1, metricsPort: 0 }))).not.toThrow();
  });
});
