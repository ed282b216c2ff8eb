// `infermark sweep` end to end through the built CLI (docs/cli.md §8): one profile run per point
// against serve-mock's engine model, the summary files and the Pareto table, a failing point that
// does not stop the sweep (and does with --fail-fast), usage errors before any run, and Ctrl-C.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paretoOptimal } from '../../ts/src/metrics/pareto.js';
import { startMockServer } from '../../ts/src/server/mock-server.js';
import { type Behaviour, startFaultServer } from '../helpers/fault-server.js';
import { filesBelow, spawnInfermark, workDirectory } from '../helpers/profile-process.js';
import { closedAfterEachTest } from '../helpers/server-lifecycle.js';

const dir = workDirectory('infermark-sweep-');
const keep = closedAfterEachTest();

/** Requests per point: small, so a point takes well under a second against the mock. */
const REQUESTS = 8;

async function sweep(args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const run = spawnInfermark(['sweep', ...args], cwd);
  const status = await run.exited;
  return { status, stdout: run.stdout(), stderr: run.stderr() };
}

/** A fresh directory for one test's artifacts. */
function testDir(name: string): string {
  return join(dir, name);
}

const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

/** The `client` cells, with a finished run's client-health verdict (which depends on the machine's load) read as `ran`. */
function clientColumn(stdout: string): string[] {
  return tableRows(stdout).map((row) => (row.at(-2) === 'ok' || row.at(-2) === 'SATURATED' ? 'ran' : row.at(-2)!));
}

/** The table rows printed on stdout (between the header rule and the bottom rule), as cells. */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('┡'));
  const end = lines.findIndex((l) => l.startsWith('└'));
  return lines.slice(start + 1, end).map((l) =>
    l
      .slice(1, -1)
      .split('│')
      .map((c) => c.trim()),
  );
}

function tableHeader(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('┃'))!;
  return line
    .slice(1, -1)
    .split('┃')
    .map((c) => c.trim());
}

const common = (url: string, out: string): string[] => [
  '-m',
  'mock-model',
  '--url',
  url,
  '--streaming',
  '--isl',
  '32',
  '--osl',
  '8',
  '--request-count',
  String(REQUESTS),
  '--artifact-dir',
  out,
  // Each point's load engine on the main thread: no worker threads to start four times.
  '--workers',
  '1',
];

describe('sweep --concurrency against serve-mock', () => {
  it('runs one profile per point into its own run directory and prints the Pareto table', async () => {
    const mock = keep(await startMockServer({ port: 0 }));
    const out = testDir('mock');
    const r = await sweep([...common(mock.url, 'mock'), '--concurrency', '1,2,4,8', '--gpus', '2'], dir);
    expect(r.status, r.stderr).toBe(0);

    const runs = readdirSync(out)
      .filter((n) => !n.startsWith('sweep_summary') && n !== 'plots')
      .sort();
    expect(runs).toEqual([1, 2, 4, 8].map((c) => `mock-model-openai-chat-concurrency${c}`).sort());
    expect(readdirSync(out).filter((n) => n.startsWith('sweep_summary'))).toEqual(['sweep_summary.csv', 'sweep_summary.json']);

    const summary = readJson(join(out, 'sweep_summary.json'));
    expect(summary).toMatchObject({ dimension: 'concurrency', values: [1, 2, 4, 8], gpus: 2, was_cancelled: false });
    expect(summary.points.map((p: any) => p.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    for (const [i, p] of summary.points.entries()) {
      // Each point's own summary: its requests, the sweep's id, its variation, the shared seed.
      const own = readJson(join(p.run_directory.replace(/^mock/, out), 'profile_export_aiperf.json'));
      expect(own.request_count.avg).toBe(REQUESTS);
      expect(own.run_info).toMatchObject({
        sweep_id: summary.sweep_id,
        variation_label: `concurrency_${p.value}`,
        variation_index: i,
        variation_values: { concurrency: p.value },
        random_seed: 0,
      });
      expect(own.input_config.loadgen.concurrency).toBe(p.value);
      expect(p.metrics.output_token_throughput_per_gpu).toBeCloseTo(p.metrics.output_token_throughput / 2, 9);
      expect(p.metrics.tokens_per_user).toBe(own.output_token_throughput_per_user.avg);
    }
    // The pareto flags are the one rule's verdict on (output tok/s, tok/s/user).
    const objectives = summary.points.map((p: any) => [p.metrics.output_token_throughput, p.metrics.tokens_per_user]);
    expect(summary.points.map((p: any) => p.pareto_optimal)).toEqual(paretoOptimal(objectives, ['max', 'max']));

    expect(tableHeader(r.stdout)).toEqual([
      'concurrency',
      'req/s',
      'output tok/s',
      'output tok/s/GPU',
      'tok/s/user',
      'TTFT avg',
      'TTFT p99',
      'ITL avg',
      'ITL p99',
      'latency p99',
      'errors %',
      'client',
      'pareto',
    ]);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row[0])).toEqual(['1', '2', '4', '8']);
    expect(rows.map((row) => row.at(-1) === '*')).toEqual(summary.points.map((p: any) => p.pareto_optimal));
    expect(rows.map((row) => row[10])).toEqual(['0.00', '0.00', '0.00', '0.00']);
    expect(r.stdout).toContain(`Sweep Summary JSON: ${join('mock', 'sweep_summary.json')}`);

    const csv = readFileSync(join(out, 'sweep_summary.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv.length).toBe(5);
    expect(csv[0]!.startsWith('index,concurrency,status,')).toBe(true);

    // plot's charts of the four runs, in plot's default place for the artifact directory.
    const plots = join(out, 'plots');
    expect(
      readdirSync(plots)
        .filter((n) => !n.includes('.'))
        .sort(),
    ).toEqual(runs);
    expect(existsSync(join(plots, 'pareto_curve_throughput_per_gpu_vs_interactivity.png'))).toBe(true);
    expect(existsSync(join(plots, runs[0]!, 'ttft_over_time.png'))).toBe(true);
    expect(r.stdout).toMatch(/^Plots: .*plots \(\d+ files/m);
  });
});

describe('sweep --request-rate against serve-mock', () => {
  it('runs one open-loop profile per rate, named as the run name writes the rate', async () => {
    const mock = keep(await startMockServer({ port: 0 }));
    const out = testDir('rates');
    const r = await sweep([...common(mock.url, 'rates'), '--request-rate', '40,80.5'], dir);
    expect(r.status, r.stderr).toBe(0);
    const summary = readJson(join(out, 'sweep_summary.json'));
    expect(summary).toMatchObject({ dimension: 'request_rate', values: [40, 80.5] });
    expect(readFileSync(join(out, 'sweep_summary.json'), 'utf8')).toContain('"values": [\n    40.0,\n    80.5\n  ]');
    for (const [rate, text] of [
      [40, '40.0'],
      [80.5, '80.5'],
    ] as const) {
      const own = readJson(join(out, `mock-model-openai-chat-request_rate${text}`, 'profile_export_aiperf.json'));
      expect(own.input_config.loadgen.request_rate).toBe(rate);
      expect(own.run_info.variation_values).toEqual({ request_rate: rate });
    }
    expect(tableHeader(r.stdout)[0]).toBe('request_rate');
    expect(tableRows(r.stdout).map((row) => row[0])).toEqual(['40.0', '80.5']);
  });
});

describe('a failing point', () => {
  // Point 2's requests (arrivals 8–15; no warmup) are all answered 500: that run has no successful
  // request, which profile counts as a failure (exit 1); the points before and after are served.
  const secondPointFails = (i: number): Behaviour =>
    i >= REQUESTS && i < 2 * REQUESTS ? { kind: 'status', status: 500, body: '{"error":"down"}' } : { kind: 'ok', tokens: 8 };

  it('is reported FAILED and the sweep goes on; the exit code is 1', async () => {
    const server = keep(await startFaultServer(secondPointFails));
    const r = await sweep([...common(server.url, 'fail'), '--concurrency', '1,2,4'], dir);
    expect(r.status, r.stderr).toBe(1);
    expect(server.received.length).toBe(3 * REQUESTS);
    const summary = readJson(join(testDir('fail'), 'sweep_summary.json'));
    expect(summary.points.map((p: any) => p.status)).toEqual(['ok', 'failed', 'ok']);
    expect(summary.points[1].failure).toBe(`no request succeeded (${REQUESTS} of ${REQUESTS} failed)`);
    expect(summary.points[1].pareto_optimal).toBe(false);
    expect(summary.points[1].metrics.request_error_rate).toBe(100);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row[0])).toEqual(['1', '2', '4']);
    expect(clientColumn(r.stdout)).toEqual(['ran', 'FAILED', 'ran']);
    expect(r.stdout).toContain(`concurrency 2: FAILED: no request succeeded (${REQUESTS} of ${REQUESTS} failed)`);
    expect(r.stderr).toContain('sweep: concurrency 2 FAILED: no request succeeded');
    // The failed run's directory holds its files all the same; the plots show the two measured points.
    expect(existsSync(join(testDir('fail'), 'mock-model-openai-chat-concurrency2', 'profile_export_aiperf.json'))).toBe(true);
    expect(readdirSync(join(testDir('fail'), 'plots')).filter((n) => !n.includes('.'))).toEqual([
      'mock-model-openai-chat-concurrency1',
      'mock-model-openai-chat-concurrency4',
    ]);
  });

  it('stops the sweep with --fail-fast: the later points are not run', async () => {
    const server = keep(await startFaultServer(secondPointFails));
    const r = await sweep([...common(server.url, 'failfast'), '--concurrency', '1,2,4', '--fail-fast'], dir);
    expect(r.status, r.stderr).toBe(1);
    expect(server.received.length).toBe(2 * REQUESTS);
    const summary = readJson(join(testDir('failfast'), 'sweep_summary.json'));
    expect(summary.points.map((p: any) => p.status)).toEqual(['ok', 'failed', 'not_run']);
    expect(readdirSync(testDir('failfast')).filter((n) => n.includes('concurrency4'))).toEqual([]);
    expect(clientColumn(r.stdout)).toEqual(['ran', 'FAILED', 'NOT RUN']);
  });
});

describe('sweep usage errors', () => {
  const cases: Array<[string, string[], string]> = [
    [
      'both dimensions',
      ['--concurrency', '1,2', '--request-rate', '3'],
      "option '--concurrency' cannot be used with option '--request-rate'",
    ],
    ['no dimension', [], "sweep requires option '--concurrency <list>' or '--request-rate <list>'"],
    ['a bad value in the list', ['--concurrency', '1,2,0'], "option '--concurrency <list>': expected an integer in [1, 100000], got '0'"],
    ['a third point profile refuses', ['--concurrency', '8,16,2', '--workers', '4'], "option '--workers': 4 workers but only 2 concurrent"],
    ['a duplicate value', ['--request-rate', '2,2.0'], "option '--request-rate <list>': the value 2.0 is given twice"],
  ];
  for (const [what, args, message] of cases) {
    it(`exits 2 before any run for ${what}, creating no directory`, async () => {
      const server = keep(await startFaultServer({ kind: 'ok' }));
      const out = testDir(`usage-${what.replace(/ /g, '-')}`);
      const r = await sweep(['-m', 'mock-model', '--url', server.url, '--artifact-dir', out, ...args], dir);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`error: ${message}`);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
      expect(server.received.length).toBe(0);
    });
  }
});

describe('Ctrl-C during a sweep', () => {
  it('stops it, keeps the finished points, writes the partial summary and exits 130', async () => {
    // Point 1 is served at once; point 2's requests stream slowly, so the signal lands during it.
    const server = keep(await startFaultServer((i) => (i < REQUESTS ? { kind: 'ok', tokens: 4 } : { kind: 'ok', tokens: 200, itlMs: 50 })));
    const out = testDir('interrupt');
    const run = spawnInfermark(['sweep', ...common(server.url, out), '--concurrency', '1,2,4'], dir);
    await server.receivedAtLeast(REQUESTS + 1);
    run.process.kill('SIGINT');
    const status = await run.exited;
    expect(status, run.stderr()).toBe(130);
    expect(run.stderr()).toContain('interrupted: stopping the sweep');
    const summary = readJson(join(out, 'sweep_summary.json'));
    expect(summary.was_cancelled).toBe(true);
    expect(summary.points.map((p: any) => p.status)).toEqual(['ok', 'interrupted', 'not_run']);
    expect(filesBelow(out).filter((f) => f.endsWith('profile_export_aiperf.json'))).toEqual([
      'mock-model-openai-chat-concurrency1/profile_export_aiperf.json',
      'mock-model-openai-chat-concurrency2/profile_export_aiperf.json',
    ]);
    expect(clientColumn(run.stdout())).toEqual(['ran', 'INTERRUPTED', 'NOT RUN']);
    expect(run.stdout()).toContain('Plots: none (the sweep was interrupted;');
    expect(existsSync(join(out, 'plots'))).toBe(false);
  });
});
