// The AIPerf trace-replay tutorial's three rows (with the 672-token row given its own last block,
// see the README) replayed through the built CLI against serve-mock: the fixed schedule's intended
// send times, equal ids sending equal text, a shared first block the mock's prefix cache serves,
// max-tokens from output_length, trace_fidelity — and the same bodies from the native backend on a
// worker thread as from WASM on the main thread.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServerHandle } from '../../ts/src/server/mock-server.js';
import { loadTokenizer } from '../../ts/src/tokenizer/index.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
const TRACE = `{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
{"timestamp": 10535, "input_length": 672, "output_length": 26, "hash_ids": [46, 48]}
{"timestamp": 27482, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
`;

let dir = '';
let mock: MockServerHandle;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-replay-'));
  writeFileSync(join(dir, 'example.jsonl'), TRACE);
  mock = await startMockServer({ port: 0, recordRequests: join(dir, 'mock.jsonl') });
}, 60_000);
afterAll(async () => {
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [BIN, 'profile', ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolveRun({ status, stdout, stderr }));
  });
}

interface RawLine {
  metadata: { trace_line: number; scheduled_ns: number; request_start_ns: number; requested_isl: number; requested_osl: number };
  request: { body: { messages: Array<{ role: string; content: string }>; max_completion_tokens: number } };
}

const rawLines = (out: string): RawLine[] =>
  readFileSync(join(dir, out, 'profile_export_raw.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RawLine)
    .sort((a, b) => a.metadata.trace_line - b.metadata.trace_line);

const replay = (out: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Run> =>
  cli(
    [
      '-m',
      'mock-model',
      '--url',
      mock.url,
      '--streaming',
      '--input-file',
      'example.jsonl',
      '--synthesis-speedup-ratio',
      '10',
      '--export-level',
      'raw',
      '--ui',
      'none',
      '--artifact-dir',
      out,
      ...extra,
    ],
    env,
  );

describe('the tutorial trace replayed against serve-mock', () => {
  let lines: RawLine[] = [];
  let stdout = '';

  beforeAll(async () => {
    const r = await replay('native');
    expect(r.status, r.stderr).toBe(0);
    lines = rawLines('native');
    stdout = r.stdout;
  }, 60_000);

  it('schedules each row at its timestamp after the speedup: 0, 1053 and 2748 ms after the first', () => {
    const first = lines[0]!.metadata.scheduled_ns;
    // Wall-clock ns above 2^53 lose a few hundred ns as JSON numbers.
    const offsets = lines.map((l) => (l.metadata.scheduled_ns - first) / 1e6);
    for (const [i, ms] of [0, 1053, 2748].entries()) expect(offsets[i]).toBeCloseTo(ms, 2);
  });

  it('sends each row within a few ms of its scheduled time', () => {
    // The first send also opens the connection; on a loaded 2-core machine that took up to ~14 ms.
    for (const l of lines) expect((l.metadata.request_start_ns - l.metadata.scheduled_ns) / 1e6).toBeLessThan(20);
  });

  it('sends equal text for equal ids, and a shared first block the mock serves from its prefix cache', async () => {
    const text = lines.map((l) => l.request.body.messages.at(-1)!.content);
    expect(lines.every((l) => l.request.body.messages.length === 1)).toBe(true);
    expect(text[2]).toBe(text[0]);
    expect(text[1]).not.toBe(text[0]);
    const tok = await loadTokenizer('builtin');
    const [a, b] = [tok.encode(text[0]!), tok.encode(text[1]!)];
    expect([a.length, b.length]).toEqual([655, 672]);
    expect(b.slice(0, 512)).toEqual(a.slice(0, 512));
    const served = readFileSync(join(dir, 'mock.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { request_num: number; cached_tokens: number })
      .sort((x, y) => x.request_num - y.request_num);
    // In arrival order: nothing cached, then block 46 (512 tokens), then all of row 1's prompt.
    expect(served.slice(0, 3).map((s) => s.cached_tokens >= 512)).toEqual([false, true, true]);
    expect(served[2]!.cached_tokens).toBeGreaterThanOrEqual(640);
  });

  it("sends each row's output_length as its max tokens", () => {
    expect(lines.map((l) => [l.metadata.requested_osl, l.request.body.max_completion_tokens])).toEqual([
      [52, 52],
      [26, 26],
      [52, 52],
    ]);
  });

  it('reports the fidelity of the materialised prompts', () => {
    expect(stdout).toContain(
      '\nTrace ISL fidelity: 3 rows; requested mean 660.67, materialised mean 660.67; |diff| mean 0.00, max 0; 0 rows off by more than 1%\n',
    );
    const summary = JSON.parse(readFileSync(join(dir, 'native', 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.trace_fidelity).toMatchObject({ rows: 3, abs_diff_max: 0, rows_off_by_more_than_1pct: 0 });
    expect(summary.replay_sched_lag_p99.unit).toBe('ms');
  });

  it('sends the same bodies from WASM on the main thread as from the native backend on a worker thread', async () => {
    const r = await replay('wasm', ['--workers', '1'], { INFERMARK_BACKEND: 'wasm' });
    expect(r.status, r.stderr).toBe(0);
    expect(rawLines('wasm').map((l) => l.request.body)).toEqual(lines.map((l) => l.request.body));
  }, 60_000);
});

describe("AIPerf's current trace-replay tutorial", () => {
  it('runs its command unchanged (with infermark in place of aiperf), each row at its timestamp with its exact length', async () => {
    writeFileSync(
      join(dir, 'custom_trace.jsonl'),
      `{"timestamp": 0, "input_length": 1200, "output_length": 52, "hash_ids": [0, 1, 2]}
{"timestamp": 105, "input_length": 1800, "output_length": 26, "hash_ids": [0, 3, 4, 5]}
{"timestamp": 274, "input_length": 1300, "output_length": 52, "hash_ids": [1, 4, 6]}
`,
    );
    const r = await cli([
      '--model',
      'Qwen/Qwen3-0.6B',
      '--endpoint-type',
      'chat',
      '--streaming',
      '--url',
      mock.url,
      '--input-file',
      'custom_trace.jsonl',
      '--custom-dataset-type',
      'mooncake_trace',
      '--fixed-schedule',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Trace ISL fidelity: 3 rows; requested mean 1,433.33, materialised mean 1,433.33; |diff| mean 0.00, max 0;');
    const records = readFileSync(join(dir, 'artifacts', 'Qwen_Qwen3-0.6B-openai-chat-fixed_schedule', 'profile_export.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l).metadata as { trace_line: number; scheduled_ns: number })
      .sort((a, b) => a.trace_line - b.trace_line);
    const first = records[0]!.scheduled_ns;
    expect(records.map((m) => Math.round((m.scheduled_ns - first) / 1e6))).toEqual([0, 105, 274]);
  }, 60_000);
});
