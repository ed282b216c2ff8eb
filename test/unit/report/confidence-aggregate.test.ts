import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_SCHEMA_VERSION,
  aggregateConsoleTable,
  aggregateCsv,
  aggregateJson,
  aggregateRuns,
  confidenceOf,
  type AggregatedRun,
  type AggregateSummary,
} from '../../../ts/src/report/confidence-aggregate.js';
import { hasConverged, type ConvergenceRule } from '../../../ts/src/report/convergence.js';

const run = (label: string, avg: number, p99: number, ok = true): AggregatedRun => ({
  label,
  ok,
  failure: ok ? null : 'boom',
  metrics: { request_latency: { unit: 'ms', avg, p99 }, request_count: { unit: 'requests', avg: 10 } },
});

describe('confidenceOf', () => {
  it('gives the mean, sample std and the t interval of hand-made runs', () => {
    // 10, 12, 14: mean 12, std 2, se 2/√3, t(0.975, 2) = 4.302653
    const c = confidenceOf([10, 12, 14], 0.95, 'ms');
    expect(c.mean).toBe(12);
    expect(c.std).toBeCloseTo(2, 12);
    expect(c.se).toBeCloseTo(2 / Math.sqrt(3), 12);
    expect(c.t_critical).toBeCloseTo(4.302653, 5);
    expect(c.ci_low).toBeCloseTo(12 - 4.302653 * (2 / Math.sqrt(3)), 4);
    expect(c.ci_high).toBeCloseTo(12 + 4.968275, 4);
    expect(c.cv).toBeCloseTo(1 / 6, 12);
    expect([c.min, c.max, c.n]).toEqual([10, 14, 3]);
  });

  it('uses the confidence level: 90 % with 5 runs is t(0.95, 4) = 2.131847', () => {
    const c = confidenceOf([1, 2, 3, 4, 5], 0.9);
    expect(c.t_critical).toBeCloseTo(2.131847, 5);
    expect(c.ci_high! - c.mean).toBeCloseTo(2.131847 * (Math.sqrt(2.5) / Math.sqrt(5)), 5);
  });

  it('leaves the spread of a single run unknown instead of zero', () => {
    const c = confidenceOf([7], 0.95);
    expect(c).toMatchObject({ mean: 7, std: null, ci_low: null, ci_high: null, t_critical: null, n: 1 });
  });

  it('has no CV for a zero mean and a positive CV for a negative mean', () => {
    expect(confidenceOf([-1, 0, 1], 0.95).cv).toBeNull();
    expect(confidenceOf([-2, -4], 0.95).cv).toBeGreaterThan(0);
  });
});

describe('aggregateRuns and its files', () => {
  const runs = [run('run_0001', 100, 200), run('run_0002', 110, 220), run('run_0003', 0, 0, false), run('run_0004', 120, 240)];
  const summary: AggregateSummary = {
    version: '9.9.9',
    confidenceLevel: 0.95,
    requestedRuns: 5,
    runs,
    stop: 'interrupted',
    convergence: null,
    metrics: aggregateRuns(runs, 0.95),
  };

  it('aggregates every metric statistic of the successful runs only', () => {
    expect(Object.keys(summary.metrics)).toEqual(['request_count_avg', 'request_latency_avg', 'request_latency_p99']);
    expect(summary.metrics.request_latency_avg).toMatchObject({ mean: 110, std: 10, unit: 'ms', n: 3 });
    expect(summary.metrics.request_count_avg).toMatchObject({ mean: 10, std: 0, cv: 0 });
  });

  it('writes AIPerf’s JSON schema with per-metric mean, std, cv, se, ci and t', () => {
    const doc = JSON.parse(aggregateJson(summary));
    expect(doc.schema_version).toBe(AGGREGATE_SCHEMA_VERSION);
    expect(doc.metadata).toEqual({
      aggregation_type: 'confidence',
      num_profile_runs: 4,
      requested_profile_runs: 5,
      num_successful_runs: 3,
      failed_runs: [{ label: 'run_0003', error: 'boom' }],
      confidence_level: 0.95,
      run_labels: ['run_0001', 'run_0002', 'run_0004'],
      partial: true,
      stop_reason: 'interrupted',
      convergence: null,
    });
    expect(Object.keys(doc.metrics.request_latency_p99)).toEqual([
      'mean',
      'std',
      'min',
      'max',
      'cv',
      'se',
      'ci_low',
      'ci_high',
      't_critical',
      'unit',
      'n',
    ]);
    expect(doc.metrics.request_latency_p99.ci_low).toBeCloseTo(220 - 4.302653 * (20 / Math.sqrt(3)), 3);
  });

  it('writes the CSV table, a blank line, then the metadata rows', () => {
    const lines = aggregateCsv(summary).trimEnd().split('\n');
    expect(lines[0]).toBe('metric,mean,std,min,max,cv,se,ci_low,ci_high,t_critical,unit');
    expect(lines[2]).toBe('request_latency_avg,110.00,10.00,100.00,120.00,0.0909,5.7735,85.16,134.84,4.3027,ms');
    expect(lines[4]).toBe('');
    expect(lines.slice(5)).toContain('Partial,true');
    expect(lines.slice(5)).toContain('Successful Runs,3');
  });
});

describe('aggregateConsoleTable', () => {
  const summary = (runs: AggregatedRun[]): AggregateSummary => ({
    version: '1',
    confidenceLevel: 0.9,
    requestedRuns: 3,
    runs,
    stop: 'completed',
    convergence: null,
    metrics: aggregateRuns(runs, 0.9),
  });

  it('shows the headline metrics with mean, std, the interval and CV', () => {
    const text = aggregateConsoleTable(summary([run('run_0001', 100, 200), run('run_0002', 110, 220), run('run_0003', 120, 240)]));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Aggregate of 3 runs (3 of 3 done, completed); 90% Student-t confidence intervals');
    expect(lines[1]).toMatch(/^Metric +Mean +Std +90% CI low +90% CI high +CV +Unit$/);
    // t(0.95, 2) = 2.919986; se = 10/√3
    expect(lines[2]).toMatch(/^request_latency_avg +110\.00 +10\.00 +93\.14 +126\.86 +0\.0909 +ms$/);
    expect(lines[3]).toMatch(/^request_latency_p99 +220\.00 /);
  });

  it('says so when no run ended normally', () => {
    expect(aggregateConsoleTable(summary([run('run_0001', 1, 1, false)]))).toContain('no run ended normally: nothing to aggregate');
  });
});

describe('hasConverged', () => {
  const rule = (mode: ConvergenceRule['mode'], threshold: number): ConvergenceRule => ({
    metric: 'request_latency',
    stat: 'avg',
    mode,
    threshold,
    confidenceLevel: 0.95,
  });

  it('never judges fewer than three runs', () => {
    expect(hasConverged([100, 100], rule('cv', 0.5))).toBe(false);
  });

  it('cv mode stops once std / |mean| falls below the threshold', () => {
    // 100, 101, 99: std 1, mean 100 → cv 0.01
    expect(hasConverged([100, 101, 99], rule('cv', 0.02))).toBe(true);
    expect(hasConverged([100, 101, 99], rule('cv', 0.01))).toBe(false);
    expect(hasConverged([100, 130, 70], rule('cv', 0.05))).toBe(false);
  });

  it('ci-width mode stops once the interval width relative to the mean falls below the threshold', () => {
    // width = 2 · 4.302653 · 1/√3 = 4.968 → 0.0497 of the mean
    expect(hasConverged([100, 101, 99], rule('ci-width', 0.05))).toBe(true);
    expect(hasConverged([100, 101, 99], rule('ci-width', 0.049))).toBe(false);
  });

  it('stops at the first run of a hand-made sequence whose prefix has settled', () => {
    const sequence = [100, 140, 60, 101, 99, 100, 100, 100];
    const stopAt = sequence.findIndex((_, i) => hasConverged(sequence.slice(0, i + 1), rule('ci-width', 0.5)));
    // Six values: width 2 · 2.571 · 25.3/√6 = 53 % of the mean; the seventh brings it to 43 %.
    expect(stopAt).toBe(6);
  });
});
