// Ctrl-C and SIGTERM during `profile`'s report step (docs/exports.md §10.3): the run's requests
// have all ended, the summaries are being written. Regression tests of issue 16, defect 2: a
// signal there left the exit code 0, and a second one left temporary files and no summary.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveProfileConfig } from '../../ts/src/config/profile-config.js';
import { runProfile } from '../../ts/src/profile/run-profile.js';
import type { ProfileReporter } from '../../ts/src/profile/reporter.js';
import { SummaryJsonFileReporter } from '../../ts/src/profile/reporters/summary-json-file.js';
import { standardReporters } from '../../ts/src/profile/standard-reporters.js';
import { startFaultServer } from '../helpers/fault-server.js';
import { type MetricsServer, startMetricsServer } from '../helpers/metrics-server.js';
import { filesBelow as names, type ProfileProcess, spawnProfile, workDirectory } from '../helpers/profile-process.js';
import { closedAfterEachTest } from '../helpers/server-lifecycle.js';

const REQUESTS = 6;
const dir = workDirectory('infermark-interrupt-');
const keep = closedAfterEachTest();

/** Resolves once `condition` holds (checked every 10 ms; the test's timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

/** `profile` against the fault server, scraping `metricsUrl`, writing into `out`. */
function startProfile(url: string, metricsUrl: string, out: string): ProfileProcess {
  return spawnProfile(
    [
      '-m',
      'm',
      '--url',
      url,
      '--streaming',
      '--request-count',
      String(REQUESTS),
      '--concurrency',
      '2',
      '--isl',
      '20',
      '--ui',
      'none',
      '--server-metrics',
      metricsUrl,
      '--artifact-dir',
      out,
    ],
    dir,
  );
}

/**
 * A real run held in its report step: every request ended, the summary JSON and CSV committed, and
 * the last server-metrics scrape (taken after them, before the server-metrics files, the console
 * summary and the log) held unanswered.
 */
async function runHeldInReportStep(out: string): Promise<{ child: ProfileProcess; metrics: MetricsServer }> {
  const server = keep(await startFaultServer({ kind: 'ok', tokens: 3 }));
  const metrics = keep(await startMetricsServer());
  const child = startProfile(server.url, metrics.url, out);
  await server.finishedAtLeast(REQUESTS);
  metrics.hold();
  await until(() => metrics.held > 0 && existsSync(join(out, 'profile_export_aiperf.csv')));
  return { child, metrics };
}

describe('a signal during the report step', () => {
  it('finishes every file, removes no result, leaves no temporary file, and exits 130', async () => {
    const out = join(dir, 'one-signal');
    const { child, metrics } = await runHeldInReportStep(out);
    child.process.kill('SIGINT');
    await until(() => child.stderr().includes('interrupted:'));
    metrics.release();
    const status = await child.exited;
    expect(status, child.stderr()).toBe(130);
    expect(names(out)).toEqual(
      [
        'inputs.json',
        'logs/infermark.log',
        'profile_export.jsonl',
        'profile_export_aiperf.csv',
        'profile_export_aiperf.json',
        'profile_export_console.txt',
        'server_metrics_export.csv',
        'server_metrics_export.json',
      ].sort(),
    );
    expect(child.stderr()).toContain('interrupted: every request has ended; writing the remaining result files (Ctrl-C again to quit now)');
    // Every request had ended: nothing was cancelled, and the summaries say so.
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.was_cancelled).toBe(false);
    expect(summary.request_count.avg).toBe(REQUESTS);
    expect(child.stdout()).toContain('Request Count');
    expect(readFileSync(join(out, 'logs/infermark.log'), 'utf8')).toMatch(/finished: 6 succeeded, 0 failed\n$/);
  });

  it('a second signal exits 130 at once, keeping the records, the log and the files already committed, without temporary files', async () => {
    const out = join(dir, 'two-signals');
    const { child } = await runHeldInReportStep(out);
    child.process.kill('SIGTERM');
    await until(() => child.stderr().includes('interrupted:'));
    child.process.kill('SIGTERM');
    // The last scrape is never answered: the process does not wait for the report step.
    const status = await child.exited;
    expect(status, child.stderr()).toBe(130);
    expect(names(out)).toEqual(
      ['inputs.json', 'logs/infermark.log', 'profile_export.jsonl', 'profile_export_aiperf.csv', 'profile_export_aiperf.json'].sort(),
    );
    const records = readFileSync(join(out, 'profile_export.jsonl'), 'utf8');
    expect(records.endsWith('\n')).toBe(true);
    expect(records.trim().split('\n')).toHaveLength(REQUESTS);
    expect(readFileSync(join(out, 'logs/infermark.log'), 'utf8')).toContain(' command: infermark profile ');
    expect(child.stdout()).toBe('');
  });

  it('runProfile: a signal aborted while the reporters finish still lets each of them finish, and the result exits 130', async () => {
    const server = keep(await startFaultServer({ kind: 'ok', tokens: 3 }));
    const out = join(dir, 'library');
    const config = resolveProfileConfig(
      {
        model: ['m'],
        url: [server.url],
        streaming: true,
        requestCount: REQUESTS,
        isl: 20,
        workers: 1,
        noServerMetrics: true,
        ui: 'none',
        artifactDir: out,
      },
      ['infermark', 'profile'],
    );
    const controller = new AbortController();
    let committedBeforeAbort: string[] = [];
    const abortMidReport: ProfileReporter = {
      finish() {
        committedBeforeAbort = names(out);
        controller.abort();
      },
    };
    const reporters = standardReporters();
    reporters.splice(reporters.findIndex((r) => r instanceof SummaryJsonFileReporter) + 1, 0, abortMidReport);
    const result = await runProfile(config, { reporters, signal: controller.signal });
    expect(committedBeforeAbort).toContain('profile_export_aiperf.json');
    expect(committedBeforeAbort).not.toContain('profile_export_aiperf.csv');
    expect(result.exitCode).toBe(130);
    expect(result.failure).toBeNull();
    expect(result.interrupted).toBe(false);
    expect(Object.keys(result.files).sort()).toEqual(['console', 'inputs', 'log', 'records', 'summaryCsv', 'summaryJson']);
    expect(names(out).some((f) => f.includes('.tmp-'))).toBe(false);
  });
});
