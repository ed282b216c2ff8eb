// `profile --plot`'s reporter (docs/cli.md §7.7) on its own: what it does when the run was
// interrupted or when there is nothing it can draw. Drawing a real run: test/e2e/profile-plot.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportFileNames } from '../../../ts/src/report/artifact-dir.js';
import type { RunContext, RunEnd } from '../../../ts/src/profile/reporter.js';
import { PlotFilesReporter } from '../../../ts/src/profile/reporters/plot-files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The parts of a run's context the reporter reads, for a run in a fresh directory. */
function context(): { run: RunContext; logged: string[] } {
  const directory = mkdtempSync(join(tmpdir(), 'infermark-plot-files-'));
  dirs.push(directory);
  const names = exportFileNames(null);
  const logged: string[] = [];
  const run = {
    directory,
    path: (kind: keyof typeof names) => join(directory, names[kind]),
    written: new Map(),
    log: (level: string, message: string) => logged.push(`${level} ${message}`),
  } as unknown as RunContext;
  return { run, logged };
}

const end = (interrupted: boolean): RunEnd => ({ interrupted, warnings: [], footerLines: [] }) as unknown as RunEnd;

describe('PlotFilesReporter', () => {
  it('draws nothing for an interrupted run and says how to draw it later', async () => {
    const { run } = context();
    const reporter = new PlotFilesReporter();
    reporter.start(run);
    const e = end(true);
    await reporter.finish(e);
    expect(e.warnings).toEqual([
      `--plot: the run was interrupted, so no charts were drawn; \`infermark plot ${run.directory}\` draws them later`,
    ]);
    expect(readdirSync(run.directory)).toEqual([]);
    expect(run.written.size).toBe(0);
  });

  it('turns a failure into a warning, never an exception, and lists no report', async () => {
    // No summary or records file: nothing to draw.
    const { run } = context();
    const reporter = new PlotFilesReporter();
    reporter.start(run);
    const e = end(false);
    await expect(reporter.finish(e)).resolves.toBeUndefined();
    expect(e.warnings).toEqual([
      `--plot: the charts could not be drawn: no run directories found under ${run.directory}; \`infermark plot ${run.directory}\` draws them later`,
    ]);
    expect(run.written.has('report')).toBe(false);
  });
});
