// Sharded `profile` runs of an e2e test (docs/cli.md §3.8): the built CLI in a work directory with
// extra environment variables (JOB_COMPLETION_INDEX simulates the Indexed Job), a serve-mock to run
// against, and readers of the records and summaries the runs leave.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { BIN, type ChildServer, startMockProcess } from './child-server.js';
import { workDirectory } from './profile-process.js';

export interface Run {
  status: number | null;
  stderr: string;
}

/** One profiling record; the nanosecond stamps (beyond 2^53) read exactly, as bigints. */
export interface Line {
  metadata: Record<string, unknown> & { request_num: number; session_num: number };
  stamps: { scheduled: bigint | null; start: bigint; end: bigint; offset: bigint };
  metrics: Record<string, { value: number | number[] }>;
}

/** Flags every shard run of the tests shares (a short synthetic streaming chat load, records kept). */
export const LOAD = [
  '-m',
  'mock-model',
  '--endpoint-type',
  'chat',
  '--streaming',
  '--isl',
  '30',
  '--osl',
  '8',
  '--export-level',
  'records',
  '--ui',
  'none',
];

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function stamp(line: string, key: string): bigint | null {
  const m = new RegExp(`"${key}":(-?\\d+|null)`).exec(line);
  if (!m) throw new Error(`record without ${key}: ${line.slice(0, 200)}`);
  return m[1] === 'null' ? null : BigInt(m[1]!);
}

/** A work directory and a serve-mock for this test file, removed and stopped after it. */
export function shardRuns(prefix: string) {
  const dir = workDirectory(prefix);
  let mock: ChildServer | null = null;
  beforeAll(async () => {
    mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '5', '--itl', '1', '--tokenizer-threads', '0']);
  }, 30_000);
  afterAll(async () => {
    await mock?.stop();
  });
  return {
    dir,
    mockUrl: (): string => mock!.url,
    /** `infermark ARGS` in the work directory with `env` added, to its end. */
    infermark(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      return new Promise((resolve) => child.on('exit', (status) => resolve({ status, stderr })));
    },
    /** The profiling records of run directory `run`. */
    records(run: string): Line[] {
      return readFileSync(join(dir, run, 'profile_export.jsonl'), 'utf8')
        .trimEnd()
        .split('\n')
        .map((text) => {
          const line = JSON.parse(text) as Line;
          line.stamps = {
            scheduled: stamp(text, 'scheduled_ns'),
            start: stamp(text, 'request_start_ns')!,
            end: stamp(text, 'request_end_ns')!,
            offset: stamp(text, 'clock_offset_ns')!,
          };
          return line;
        })
        .filter((r) => r.metadata['benchmark_phase'] === 'profiling');
    },
    summary(run: string): any {
      return JSON.parse(readFileSync(join(dir, run, 'profile_export_aiperf.json'), 'utf8'));
    },
  };
}

/** Request number → intended send time on the common (shard 0) clock, relative to the run's first. */
export function schedule(lines: readonly Line[]): Map<number, bigint> {
  const common = lines.map((l) => [l.metadata.request_num, l.stamps.scheduled! + l.stamps.offset] as const);
  // biome-ignore lint/complexity/useMathMinMax: the stamps are bigints
  const zero = common.reduce((m, [, t]) => (t < m ? t : m), common[0]![1]);
  return new Map([...common].sort((a, b) => a[0] - b[0]).map(([n, t]) => [n, t - zero]));
}
