// `infermark sweep` against llama.cpp's llama-server (docs/cli.md §8): two concurrency points, each
// a complete profile run in its own directory with every request served, and the sweep's summary
// and Pareto table made from them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/child-server.js';
import { artifactRoot, MODEL, type RealServer, startRealServer } from '../helpers/real-server.js';

const REQUESTS = 8;
let server: RealServer;
const artifacts = artifactRoot();
let run: { status: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  server = await startRealServer();
  const argv = [
    BIN,
    'sweep',
    '-m',
    MODEL,
    '--url',
    server.url,
    '--streaming',
    '--ui',
    'none',
    '--concurrency',
    '1,4',
    '--request-count',
    String(REQUESTS),
    '--isl',
    '64',
    '--osl',
    '4',
    '--extra-inputs',
    'ignore_eos:true',
    '--cooldown-seconds',
    '0.5',
    '--artifact-dir',
    artifacts.dir,
  ];
  run = await new Promise((ok, fail) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', (status) => ok({ status, stdout, stderr }));
  });
});
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

describe('sweep --concurrency 1,4 against llama-server', () => {
  it('runs both points to the end and exits 0', () => {
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(artifacts.dir, 'sweep_summary.json'), 'utf8'));
    expect(summary.points.map((p: { value: number; status: string }) => [p.value, p.status])).toEqual([
      [1, 'ok'],
      [4, 'ok'],
    ]);
  });

  it('gives each point its own run directory with every request served', () => {
    for (const c of [1, 4]) {
      const dir = join(artifacts.dir, `${MODEL}-openai-chat-concurrency${c}`);
      const own = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8'));
      expect(own.request_count.avg).toBe(REQUESTS);
      expect(own.error_summary).toEqual([]);
      expect(own.input_config.loadgen.concurrency).toBe(c);
      expect(own.run_info.variation_label).toBe(`concurrency_${c}`);
    }
  });

  it('summarises each point with the figures of its run and prints them in the table', () => {
    const summary = JSON.parse(readFileSync(join(artifacts.dir, 'sweep_summary.json'), 'utf8'));
    for (const p of summary.points) {
      const own = JSON.parse(readFileSync(join(p.run_directory, 'profile_export_aiperf.json'), 'utf8'));
      expect(p.metrics.output_token_throughput).toBe(own.output_token_throughput.avg);
      expect(p.metrics.tokens_per_user).toBe(own.output_token_throughput_per_user.avg);
      expect(p.metrics.time_to_first_token_p99).toBe(own.time_to_first_token.p99);
      expect(p.metrics.request_error_rate).toBe(0);
    }
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('│'));
    expect(rows.map((l) => l.split('│')[1]!.trim())).toEqual(['1', '4']);
    // One stream alone decodes faster per user than four sharing the server's thread (about 2.5×
    // here), and the point with the most tok/s/user is on the Pareto front whatever its throughput.
    const [one, four] = summary.points;
    expect(one.metrics.tokens_per_user).toBeGreaterThan(four.metrics.tokens_per_user);
    expect(one.pareto_optimal).toBe(true);
  });
});
