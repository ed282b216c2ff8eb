// `profile --plot` (docs/cli.md §7): the run's charts and report.html in `<run dir>/plots/` once its
// result files are written; a plot that fails is a warning, and the results and exit code stay.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { filesBelow, runProfileCli, workDirectory } from '../helpers/profile-process.js';

const root = workDirectory('infermark-profile-plot-');
let mock: ChildServer | null = null;

beforeAll(async () => {
  mock = await startMockProcess(['--latency-model', 'none']);
});
afterAll(async () => {
  await mock?.stop();
});

const args = (dir: string, ...extra: string[]): string[] => [
  ...['-m', 'mock-model', '--url', mock!.url, '--endpoint-type', 'chat', '--streaming'],
  ...['--request-count', '20', '--concurrency', '2', '--isl', '32', '--osl', '8', '--ui', 'none', '--artifact-dir', dir, ...extra],
];

describe('profile --plot', () => {
  it("writes the charts and report.html into the run's plots/ and lists the report in the footer", async () => {
    const run = await runProfileCli(args('run', '--plot'), root);
    expect(run.status, run.stderr).toBe(0);
    const plots = filesBelow(join(root, 'run', 'plots'));
    expect(plots).toContain('report.html');
    expect(plots).toContain('ttft_over_time.png');
    expect(run.stdout).toContain(`Report: run/plots/report.html`);
    expect(run.stdout).not.toContain('warning: --plot');
    const html = readFileSync(join(root, 'run', 'plots', 'report.html'), 'utf8');
    expect(html).toContain('"model_names":["mock-model"]');
  });

  it('keeps the results and exit code 0 when the charts cannot be written, with a warning', async () => {
    // `plots` is a file, so no directory can be made there.
    mkdirSync(join(root, 'blocked'), { recursive: true });
    writeFileSync(join(root, 'blocked', 'plots'), 'not a directory');
    const run = await runProfileCli(args('blocked', '--plot'), root);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^warning: --plot: the charts could not be drawn: .*plots.*; `infermark plot .*blocked` draws them later$/m);
    expect(run.stdout).not.toContain('Report:');
    const summary = JSON.parse(readFileSync(join(root, 'blocked', 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.request_count.avg).toBe(20);
    expect(readFileSync(join(root, 'blocked', 'logs', 'infermark.log'), 'utf8')).toContain('--plot: the charts could not be drawn');
  });

  it('cannot be used with --export-level summary, which writes no records to draw (exit 2, nothing sent)', async () => {
    const run = await runProfileCli(args('summary-only', '--plot', '--export-level', 'summary'), root);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("error: option '--plot' cannot be used with option '--export-level summary'");
    expect(filesBelow(join(root, 'summary-only'))).toEqual([]);
  });
});
