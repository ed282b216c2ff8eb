import { describe, expect, it } from 'vitest';
import { checkRepeatedRuns } from '../../../ts/src/cli/profile-repeated.js';
import { resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { resolveRepeatConfig } from '../../../ts/src/config/repeat-config.js';
import { UsageError } from '../../../ts/src/errors.js';
import { planSweep } from '../../../ts/src/sweep/sweep-plan.js';

describe('resolveRepeatConfig', () => {
  it('is a single run at 95 % without convergence by default', () => {
    expect(resolveRepeatConfig({})).toEqual({ numProfileRuns: 1, cooldownSeconds: 0, confidenceLevel: 0.95, convergence: null });
  });

  it('gives each convergence mode its own default threshold', () => {
    expect(resolveRepeatConfig({ convergenceMetric: 'request_latency' }).convergence).toEqual({
      metric: 'request_latency',
      stat: 'avg',
      mode: 'ci-width',
      threshold: 0.1,
      confidenceLevel: 0.95,
    });
    expect(resolveRepeatConfig({ convergenceMetric: 'x', convergenceMode: 'cv', confidenceLevel: 0.9 }).convergence).toMatchObject({
      mode: 'cv',
      threshold: 0.05,
      confidenceLevel: 0.9,
    });
    expect(resolveRepeatConfig({ convergenceMetric: 'x', convergenceThreshold: 0.2 }).convergence?.threshold).toBe(0.2);
  });

  it('refuses the convergence flags without --convergence-metric, and an empty metric', () => {
    expect(() => resolveRepeatConfig({ convergenceStat: 'p99' })).toThrow(
      "option '--convergence-stat' requires option '--convergence-metric'",
    );
    expect(() => resolveRepeatConfig({ convergenceThreshold: 0.1 })).toThrow(UsageError);
    expect(() => resolveRepeatConfig({ convergenceMetric: ' ' })).toThrow("expected a metric name, got ''");
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
