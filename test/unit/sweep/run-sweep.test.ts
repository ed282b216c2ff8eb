// runSweep as a library call (docs/cli.md §8) against an in-process mock with no latency model:
// which errors end the sweep and which fail one point, the run_info each point gets, the cooldown,
// and the summary files written in the end.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { UsageError } from '../../../ts/src/errors.js';
import type { ProfileReporter, RunPlacement } from '../../../ts/src/profile/index.js';
import { type MockServerHandle, startMockServer } from '../../../ts/src/server/mock-server.js';
import { runSweep } from '../../../ts/src/sweep/run-sweep.js';
import { planSweep } from '../../../ts/src/sweep/sweep-plan.js';

let mock: MockServerHandle;
let dir = '';
beforeAll(async () => {
  mock = await startMockServer({ port: 0, latencyModel: 'none' });
  dir = mkdtempSync(join(tmpdir(), 'infermark-run-sweep-'));
});
afterAll(async () => {
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const options = (name: string, over: ProfileOptions = {}): ProfileOptions => ({
  model: ['mock-model'],
  url: [mock.url],
  streaming: true,
  isl: 16,
  osl: 4,
  requestCount: 4,
  workers: 1,
  ui: 'none',
  artifactDir: join(dir, name),
  ...over,
});

describe('runSweep', () => {
  it('gives each point the run_info of its place in the sweep and waits the cooldown between points', async () => {
    const plan = planSweep(options('placement'), { dimension: 'concurrency', values: [1, 2] }, ['infermark', 'sweep']);
    const placements: RunPlacement[] = [];
    const started: number[] = [];
    const result = await runSweep(plan, {
      reporters: (_point, placement) => {
        placements.push(placement);
        return [];
      },
      cooldownSeconds: 0.3,
      onPointStart: () => started.push(performance.now()),
    });
    expect(result.exitCode).toBe(0);
    expect(placements).toEqual(
      [1, 2].map((c, i) => ({
        sweep_id: plan.sweepId,
        trial: 0,
        run_label: null,
        variation_label: `concurrency_${c}`,
        variation_index: i,
        variation_values: { concurrency: c },
      })),
    );
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(300);
    const summary = JSON.parse(readFileSync(result.files.json, 'utf8'));
    expect(summary.sweep_id).toBe(plan.sweepId);
    expect(result.plots).toBeNull();
  });

  it('throws an error the first point hits before sending anything, and writes nothing', async () => {
    const plan = planSweep(
      options('missing-file', { inputFile: join(dir, 'no-such-trace.jsonl'), requestCount: undefined, isl: undefined, osl: undefined }),
      { dimension: 'concurrency', values: [1, 2] },
      ['infermark', 'sweep'],
    );
    await expect(runSweep(plan)).rejects.toBeInstanceOf(UsageError);
    expect(existsSync(join(dir, 'missing-file'))).toBe(false);
  });

  it('fails only the point whose run breaks after the first point ran, and goes on', async () => {
    const plan = planSweep(options('second-breaks'), { dimension: 'concurrency', values: [1, 2, 4] }, ['infermark', 'sweep']);
    // A reporter that cannot start (as a file that cannot be created) fails its run before any request.
    const broken: ProfileReporter = {
      start() {
        throw new UsageError('cannot write output file: x: permission denied');
      },
    };
    const result = await runSweep(plan, { reporters: (point) => (point.value === 2 ? [broken] : []) });
    expect(result.exitCode).toBe(1);
    expect(result.summary.points.map((p) => [p.status, p.failure])).toEqual([
      ['ok', null],
      ['failed', 'cannot write output file: x: permission denied'],
      ['ok', null],
    ]);
  });

  it('runs no further point once the signal is aborted between points, and says the sweep was cancelled', async () => {
    const plan = planSweep(options('aborted'), { dimension: 'request_rate', values: [50, 100] }, ['infermark', 'sweep']);
    const controller = new AbortController();
    const result = await runSweep(plan, { signal: controller.signal, onPointEnd: () => controller.abort() });
    expect(result.exitCode).toBe(130);
    expect(result.summary.interrupted).toBe(true);
    expect(result.summary.points.map((p) => p.status)).toEqual(['ok', 'not_run']);
    expect(JSON.parse(readFileSync(result.files.json, 'utf8')).was_cancelled).toBe(true);
  });
});
