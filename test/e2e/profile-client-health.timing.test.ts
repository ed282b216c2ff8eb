// The client-health figures of a run whose client has nothing to do (docs/metrics.md §10): one
// request at a time against a slow server leaves the event loop idle, and the report must say so.
// Regression: the lag was the raw interval of perf_hooks' 10 ms delay timer, so an idle loop
// reported ~10 ms of lag and a third of the saturation limit.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type ChildServer, startMockProcess } from '../helpers/child-server.js';

let dir = '';
/** serve-mock in its own process (built CLI), so its work never runs on the measured loop. */
let mock: ChildServer | null = null;

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'profile', ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

function find(root: string, name: string): string {
  for (const e of readdirSync(root)) {
    const p = join(root, e);
    if (statSync(p).isDirectory()) {
      try {
        return find(p, name);
      } catch {
        continue;
      }
    }
    if (e === name) return p;
  }
  throw new Error(`${name} not found under ${root}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infermark-client-health-'));
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '200', '--itl', '20']);
}, 60_000);
afterAll(async () => {
  await mock?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('client health of an idle client', () => {
  it('reports event-loop lag p50 below 1 ms at concurrency 1 against a slow server, and a healthy client', async () => {
    // ~2.5 s of profiling: 8 requests × (200 ms TTFT + 3 × 20 ms), about 250 lag samples.
    const run = await cli([
      '-m',
      'mock-model',
      '--url',
      mock!.url,
      '--endpoint-type',
      'chat',
      '--streaming',
      '--concurrency',
      '1',
      '--request-count',
      '8',
      '--warmup-request-count',
      '1',
      '--isl',
      '50',
      '--osl',
      '4',
      '--extra-inputs',
      'ignore_eos:true',
      '--ui',
      'none',
      '--artifact-dir',
      'out',
    ]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    const summary = JSON.parse(readFileSync(find(join(dir, 'out'), 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.client_event_loop_lag_p50.unit).toBe('ms');
    expect(summary.client_event_loop_lag_p50.avg).toBeGreaterThanOrEqual(0);
    expect(summary.client_event_loop_lag_p50.avg).toBeLessThan(1);
    expect(summary.client_health).toEqual({
      saturated: false,
      reasons: [],
      load_engine: { threads: 1, main_thread: false, automatic: true },
    });
    expect(run.stdout).toMatch(/^Client: healthy \(event-loop lag p99 \d+\.\d\d ms; CPU avg \d+%\)$/m);
    expect(run.stdout).toMatch(
      /^Load engine: 1 worker thread, chosen automatically for 1 concurrent stream on \d+ cores? \(--workers N overrides\)$/m,
    );
  }, 60_000);
});
