// Load shaping through the built CLI (docs/cli.md §3.4.1) on worker threads, where the prefill
// cap is split across threads and must hold for the whole run; multi-turn warmup sessions; the
// flags as config-file keys and in --print-config. (The ramps across threads:
// profile-engine-shaping.test.ts, which knows the phase's start instant.)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFaultServer } from '../helpers/fault-server.js';
import { startPrefillServer } from '../helpers/prefill-server.js';

const BIN = join(resolve(__dirname, '../..'), 'dist', 'bin.js');
let dir = '';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-shaping-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI without blocking this process's loop (the test's server answers on it). */
function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.stdout.resume();
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

interface Meta {
  benchmark_phase: string;
  request_start_ns: number;
  request_end_ns: number;
  worker_id: string;
  x_correlation_id: string;
}

function records(run: string): Meta[] {
  return readFileSync(join(dir, run, 'profile_export.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { metadata: Meta }).metadata);
}

describe('profile load shaping on worker threads', () => {
  it('--prefill-concurrency 3 holds over two engine threads: never more than 3 wait for a first token', async () => {
    const server = await startPrefillServer(40, 5);
    try {
      const r = await cli([
        'profile',
        ...['--model', 'm', '--url', server.url, '--streaming', '--ui', 'none', '--artifact-dir', 'prefill'],
        ...['--concurrency', '8', '--prefill-concurrency', '3', '--workers', '2', '--request-count', '30', '--osl', '2'],
      ]);
      expect(r.code).toBe(0);
      const rs = records('prefill');
      expect(rs).toHaveLength(30);
      expect(new Set(rs.map((x) => x.worker_id))).toEqual(new Set(['worker_0', 'worker_1']));
      expect(server.maxWaiting).toBeLessThanOrEqual(3);
      expect(server.maxWaiting).toBeGreaterThanOrEqual(2);
    } finally {
      await server.close();
    }
  });

  it('--num-warmup-sessions with multi-turn sessions warms up with that many whole sessions', async () => {
    const faults = await startFaultServer({ kind: 'ok', tokens: 2 });
    try {
      const r = await cli([
        'profile',
        ...['--model', 'm', '--url', faults.url, '--streaming', '--ui', 'none', '--artifact-dir', 'sessions'],
        ...['--concurrency', '2', '--num-sessions', '4', '--session-turns-mean', '2', '--num-warmup-sessions', '3', '--request-count', '4'],
      ]);
      expect(r.code).toBe(0);
      const warmup = records('sessions').filter((x) => x.benchmark_phase === 'warmup');
      expect(warmup).toHaveLength(6);
      expect(new Set(warmup.map((x) => x.x_correlation_id)).size).toBe(3);
    } finally {
      await faults.close();
    }
  });

  it('takes the flags as config-file keys and shows them in --print-config', () => {
    const path = join(dir, 'shaping.yaml');
    writeFileSync(
      path,
      [
        'model: m',
        'streaming: true',
        'concurrency: 8',
        'prefill_concurrency: 2',
        'concurrency_ramp_duration: 1.5',
        'warmup_request_count: 4',
        'warmup_request_rate: 3',
        'warmup_arrival_pattern: constant',
        'arrival_pattern: concurrency-burst',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [BIN, 'profile', '-f', path, '--warmup-concurrency', '2', '--print-config'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(parse(r.stdout)).toMatchObject({
      prefill_concurrency: 2,
      concurrency_ramp_duration: 1.5,
      warmup_request_rate: 3,
      warmup_arrival_pattern: 'constant',
      warmup_concurrency: 2,
      arrival_pattern: 'concurrency-burst',
    });
  });

  it('refuses --arrival-pattern concurrency-burst with --request-rate (exit 2)', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'profile', '--model', 'm', '--arrival-pattern', 'concurrency-burst', '--request-rate', '5'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("option '--arrival-pattern concurrency-burst' cannot be used with option '--request-rate'");
  });
});
