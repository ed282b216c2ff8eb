// Real run directories for the report and dashboard tests: the built CLI's `profile` against a
// serve-mock child process, small enough to take about a second each.
import { join } from 'node:path';
import { expect } from 'vitest';
import { runProfileCli } from './profile-process.js';

/** `infermark profile` with `model` against `mockUrl`, into `<cwd>/<artifactDir>`; returns that directory. */
export async function profileRun(
  mockUrl: string,
  cwd: string,
  artifactDir: string,
  model = 'mock-model',
  extra: string[] = [],
): Promise<string> {
  const run = await runProfileCli(
    [
      ...['-m', model, '--url', mockUrl, '--endpoint-type', 'chat', '--streaming'],
      ...['--request-count', '40', '--concurrency', '4', '--isl', '64', '--osl', '24', '--ui', 'none'],
      ...['--artifact-dir', artifactDir, ...extra],
    ],
    cwd,
  );
  expect(run.status, run.stderr).toBe(0);
  return join(cwd, artifactDir);
}
