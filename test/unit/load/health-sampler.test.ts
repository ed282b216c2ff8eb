// The event-loop sampler's utilisation samples (docs/metrics.md §10).
import { describe, expect, it } from 'vitest';
import { LoopSampler } from '../../../ts/src/load/health-sampler.js';
import { evaluateClientHealth } from '../../../ts/src/metrics/client-health.js';

const NO_SCHEDULE = {
  unqueuedScheduleLagMs: [],
  meanInterArrivalMs: null,
  requestedRate: null,
  achievedRate: null,
  waitedFraction: 0,
  connectionResends: 0,
};

describe('loop sampler', () => {
  it('keeps no utilisation sample for a phase far shorter than a second (regression: a run that failed at once was flagged SATURATED)', () => {
    const sampler = new LoopSampler('worker_0', true);
    const busyUntil = performance.now() + 20;
    while (performance.now() < busyUntil) {
      // a busy 20 ms phase: its utilisation is ~100 %
    }
    const { loop } = sampler.stop();
    expect(loop.utilizationPct).toEqual([]);
    const health = evaluateClientHealth({ loops: [loop], cpuPercent: [] }, NO_SCHEDULE);
    expect(health.reasons.filter((r) => r.includes('busy'))).toEqual([]);
  });
});
