// Replaying the real conversation trace against serve-mock's engine model (its block-level prefix
// KV cache, docs/serve-mock.md §5): the cache reuse the server sees is the reuse the trace
// promises, the synthesis multipliers move it the way docs/synthesis.md §3 says, and a speedup
// compresses the replay. This is what makes a replay worth running: the prompts infermark builds
// from hash ids share exactly the prefixes the trace's ids share (docs/synthesis.md §6.4).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer } from '../../ts/src/server/mock-server.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
const REAL = resolve(ROOT, '../shared/data/mooncake/conversation_trace.jsonl');
/**
 * The replayed slice: conversations of the real trace. Its rows share little within any short
 * window (the first 120 rows reuse 3 % of their tokens), so the slice is chosen by content: in file
 * order, every row under 8,000 tokens that continues an earlier row's prompt by at least 3 blocks,
 * together with the earlier row whose prompt it continues, until 100 rows are chosen (~450,000
 * prompt tokens, about half of them reusable).
 */
function conversationSlice(lines: string[]): string[] {
  const rows = lines.map((l) => JSON.parse(l) as { input_length: number; hash_ids: number[] });
  const firstUse = new Map<number, number>();
  const chosen = new Set<number>();
  rows.forEach((r, i) => {
    for (const h of r.hash_ids) if (!firstUse.has(h)) firstUse.set(h, i);
  });
  for (let i = 0; i < rows.length && chosen.size < 100; i++) {
    const { input_length: isl, hash_ids: ids } = rows[i]!;
    let shared = 0;
    while (shared < ids.length && firstUse.get(ids[shared]!)! < i) shared++;
    if (isl < 8000 && shared >= 3) {
      chosen.add(firstUse.get(ids[shared - 1]!)!);
      chosen.add(i);
    }
  }
  return [...chosen].sort((a, b) => a - b).map((i) => lines[i]!);
}

let dir = '';
let slice = '';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-replay-cache-'));
  slice = join(dir, 'slice.jsonl');
  const lines = readFileSync(REAL, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  writeFileSync(slice, `${conversationSlice(lines).join('\n')}\n`);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function infermark(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

/** `profile` replaying `file` on completions against `url` (two output tokens each: outputs are not under test), artifacts in `out`. */
function replay(url: string, file: string, out: string, flags: string[]): Promise<Run> {
  return infermark([
    'profile',
    '-m',
    'mock-model',
    '--url',
    url,
    '--endpoint-type',
    'completions',
    '--input-file',
    file,
    '--synthesis-max-osl',
    '2',
    ...flags,
    '--artifact-dir',
    out,
    '--ui',
    'none',
  ]);
}

/** The trace's token-weighted theoretical hit rate (docs/trace-analysis.md §4), after `synthesis` flags when given. */
async function theoreticalHitRate(name: string, synthesis: string[]): Promise<number> {
  let file = slice;
  if (synthesis.length > 0) {
    file = join(dir, `${name}.jsonl`);
    const s = await infermark(['synthesize', slice, '-o', file, '--no-analysis', ...synthesis]);
    expect(s.status, s.stderr).toBe(0);
  }
  const a = await infermark(['analyze-trace', file, '--format', 'json']);
  expect(a.status, a.stderr).toBe(0);
  return JSON.parse(a.stdout).token_weighted_hit_rate as number;
}

/**
 * Replay the slice against a fresh engine-model mock, one request at a time in file order (the
 * order the theoretical rate assumes: every earlier row is in the cache when a row arrives), and
 * return the server's own prefix-cache hit rate over prompt tokens.
 */
async function serverHitRate(name: string, synthesis: string[]): Promise<number> {
  const mock = await startMockServer({
    port: 0,
    latencyModel: 'engine',
    logLevel: 'warn',
    log: () => {},
    // Room for every block of the slice (no eviction) and for its longest prompt; fast steps.
    kvCacheBlocks: 1 << 20,
    maxModelLen: 1 << 18,
    maxNumBatchedTokens: 1 << 16,
    prefillMsPerToken: 0.0002,
    stepBaseMs: 0.5,
    decodeMsPerSeq: 0.01,
  });
  try {
    // One request at a time in file order; summary export only.
    const run = await replay(mock.url, slice, join(dir, name), [
      '--no-fixed-schedule',
      '--concurrency',
      '1',
      ...synthesis,
      '--export-level',
      'summary',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const metrics = await (await fetch(`${mock.url}/metrics`)).text();
    const value = (metric: string): number => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `));
      if (!line) throw new Error(`${metric} missing from the mock's /metrics`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    return value('vllm:prefix_cache_hits_total') / value('vllm:prefix_cache_queries_total');
  } finally {
    await mock.close();
  }
}

describe('replaying the real conversation trace against the mock engine', () => {
  it('makes the server reuse as much of each prompt as the trace says can be reused', async () => {
    const theory = await theoreticalHitRate('plain', []);
    const server = await serverHitRate('plain', []);
    expect(theory).toBeGreaterThan(0.4);
    // The server caches whole 16-token KV blocks only: a shared prefix loses at most its last
    // partial KV block, a few tokens of ~4,500 per prompt.
    expect(Math.abs(server - theory)).toBeLessThan(0.02);
  }, 300_000);

  it('spreads reuse over disjoint trees with --synthesis-prefix-root-multiplier and grows it with --synthesis-prefix-len-multiplier', async () => {
    const plain = await theoreticalHitRate('plain', []);
    const rootFlags = ['--synthesis-prefix-root-multiplier', '4'];
    const lenFlags = ['--synthesis-prefix-len-multiplier', '2'];
    const [rootTheory, rootServer] = [await theoreticalHitRate('root', rootFlags), await serverHitRate('root', rootFlags)];
    const [lenTheory, lenServer] = [await theoreticalHitRate('len', lenFlags), await serverHitRate('len', lenFlags)];
    expect(rootTheory).toBeLessThan(plain - 0.05);
    expect(lenTheory).toBeGreaterThan(plain + 0.02);
    expect(Math.abs(rootServer - rootTheory)).toBeLessThan(0.02);
    expect(Math.abs(lenServer - lenTheory)).toBeLessThan(0.02);
  }, 600_000);

  it('replays twice as fast with --synthesis-speedup-ratio 2', async () => {
    // The first 40 rows span 12 s of trace time; at 10× and 20× the replay takes 1.2 and 0.6 s of
    // schedule, long against the pacing error (the first sends also open their connections).
    const short = join(dir, 'short.jsonl');
    writeFileSync(short, `${readFileSync(REAL, 'utf8').split('\n').slice(0, 40).join('\n')}\n`);
    const duration = async (ratio: string): Promise<number> => {
      const mock = await startMockServer({ port: 0, latencyModel: 'none', logLevel: 'warn', log: () => {} });
      try {
        const out = join(dir, `speedup-${ratio}`);
        const run = await replay(mock.url, short, out, ['--synthesis-speedup-ratio', ratio]);
        expect(run.status, run.stderr).toBe(0);
        const records = readFileSync(join(out, 'profile_export.jsonl'), 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l).metadata as { request_start_ns: number });
        const starts = records.map((m) => m.request_start_ns);
        return (Math.max(...starts) - Math.min(...starts)) / 1e6;
      } finally {
        await mock.close();
      }
    };
    const slow = await duration('10');
    const fast = await duration('20');
    expect(slow).toBeGreaterThan(1100);
    expect(fast / slow).toBeGreaterThan(0.45);
    expect(fast / slow).toBeLessThan(0.55);
  }, 300_000);
});
