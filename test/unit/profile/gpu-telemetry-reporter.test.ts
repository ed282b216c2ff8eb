// The GPU telemetry reporter as the live dashboard sees it: `latestGpus()` (the LiveGpuSource
// contract) gives each GPU's newest power and utilisation while the run goes on.
import { afterEach, describe, expect, it } from 'vitest';
import { wallNs } from '../../../ts/src/metrics/clock.js';
import type { RunContext } from '../../../ts/src/profile/reporter.js';
import type { LiveGpuSource } from '../../../ts/src/live/live-snapshot.js';
import { GpuTelemetryReporter } from '../../../ts/src/profile/reporters/gpu-telemetry.js';
import { startFakeExporter, type FakeExporter } from '../../helpers/dcgm-exporter.js';

let ex: FakeExporter | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});

/** The parts of a run's context the reporter reads. */
function context(url: string, optional: boolean): RunContext {
  return {
    config: { output: { gpuTelemetry: { enabled: true, endpoints: [{ url, authorization: null, optional }] } } },
    toWallNs: wallNs,
    log: () => {},
  } as unknown as RunContext;
}

describe('GpuTelemetryReporter.latestGpus', () => {
  it('names each GPU by host and index with its newest power and utilisation', async () => {
    ex = await startFakeExporter([
      { uuid: 'GPU-a', powerW: 310, utilPct: 97 },
      { uuid: 'GPU-b', powerW: 90, utilPct: 3 },
    ]);
    const reporter = new GpuTelemetryReporter({ intervalMs: 50, timeoutMs: 500 });
    const source: LiveGpuSource = reporter;
    expect(source.latestGpus()).toEqual([]);
    await reporter.start(context(ex.url, false));
    expect(source.latestGpus()).toEqual([
      { label: 'fake-host GPU 0', powerW: 310, utilizationPct: 97 },
      { label: 'fake-host GPU 1', powerW: 90, utilizationPct: 3 },
    ]);
    reporter.onEngineDone();
    await reporter.finish({ warnings: [] } as never);
  });

  it('is empty when no exporter answered at the default addresses', async () => {
    ex = await startFakeExporter([{ uuid: 'GPU-a', powerW: 300 }]);
    const url = ex.url;
    await ex.close();
    const reporter = new GpuTelemetryReporter({ intervalMs: 50, timeoutMs: 500 });
    await reporter.start(context(url, true));
    expect(reporter.latestGpus()).toEqual([]);
  });
});
