// docs/metrics.md §12.9: a client whose event loop is deliberately starved is flagged saturated.
import { describe, expect, it } from 'vitest';
import { LoopSampler } from '../../../ts/src/load/health-sampler.js';
import { clientHealthLine, evaluateClientHealth } from '../../../ts/src/metrics/client-health.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // deliberately block the event loop
  }
}

describe('starved client', () => {
  it('is flagged SATURATED for event-loop lag when the loop is blocked', async () => {
    const sampler = new LoopSampler('main', true);
    for (let i = 0; i < 5; i++) {
      busy(120);
      // Time is the subject here: the sampler's delay histogram is timer-driven (10 ms
      // resolution), and its timer must get to run, late, between two blocks to record the lag.
      await new Promise((r) => setTimeout(r, 15));
    }
    const { loop, cpuPercent } = sampler.stop();
    const res = evaluateClientHealth(
      { loops: [loop], cpuPercent },
      {
        unqueuedScheduleLagMs: [],
        meanInterArrivalMs: null,
        requestedRate: null,
        achievedRate: null,
        waitedFraction: 0,
        connectionResends: 0,
      },
    );
    expect(res.values['client_event_loop_lag_max']).toBeGreaterThan(80);
    expect(res.saturated).toBe(true);
    expect(res.reasons[0]).toMatch(/^event-loop lag p99 \d+\.\d\d ms > 15 ms$/);
    expect(clientHealthLine(res)).toMatch(
      /^Client: SATURATED — event-loop lag p99 .* \(latencies may be overstated; try --workers N or less load\)$/,
    );
  });
});
