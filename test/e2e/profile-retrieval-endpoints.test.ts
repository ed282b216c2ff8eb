// `infermark profile --endpoint-type X` for the embeddings and rankings types against serve-mock,
// through the built CLI (docs/cli.md §3.14): each API's body reaches the mock and is answered,
// the summary reports latency and per-input throughput and no token-output metric, and an error
// written in the API's own shape is recorded with its message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';
import { type MockServerHandle, startMockServer } from '../../ts/src/server/index.js';

const dir = workDirectory('infermark-retrieval-');
let mock: MockServerHandle;
let failing: MockServerHandle;
const truth = join(dir, 'truth.jsonl');

beforeAll(async () => {
  mock = await startMockServer({ port: 0, latencyModel: 'none', recordRequests: truth, logLevel: 'warn' });
  failing = await startMockServer({ port: 0, latencyModel: 'none', errorRate: 50, randomSeed: 3n, logLevel: 'warn' });
});
afterAll(async () => {
  await mock?.close();
  await failing?.close();
});

type Summary = Record<string, any>;

async function profile(name: string, url: string, args: string[]): Promise<{ status: number | null; stdout: string; summary: Summary }> {
  const out = join(dir, name);
  const run = await runProfileCli(
    ['-m', 'mock-model', '--url', url, '--ui', 'none', '--artifact-dir', out, '--request-count', '6', ...args],
    dir,
  );
  const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8')) as Summary;
  return { status: run.status, stdout: run.stdout, summary };
}

const TOKEN_OUTPUT_TAGS = ['time_to_first_token', 'inter_token_latency', 'output_sequence_length', 'output_token_throughput', 'total_osl'];

describe('embeddings', () => {
  it('sends --prompt-batch-size inputs per request and reports embeddings per second (--streaming ignored)', async () => {
    const r = await profile('emb', mock.url, [
      '--endpoint-type',
      'embeddings',
      '-b',
      '3',
      '--isl',
      '40',
      '--num-dataset-entries',
      '18',
      '--streaming',
    ]);
    expect(r.status).toBe(0);
    const s = r.summary;
    expect(s.request_count.avg).toBe(6);
    expect(s.num_embeddings.avg).toBe(3);
    expect(s.total_embeddings.avg).toBe(18);
    expect(s.embedding_throughput.avg).toBeCloseTo(18 / s.benchmark_duration.avg, 6);
    expect(s.input_sequence_length.avg).toBe(120);
    // The mock counted the same tokens (its usage is the ground truth).
    expect(s.usage_prompt_tokens.avg).toBe(120);
    for (const tag of TOKEN_OUTPUT_TAGS) expect(s).not.toHaveProperty(tag);
    expect(r.stdout).toContain('infermark | Embeddings Metrics');
    expect(r.stdout).toContain('Embedding Throughput (embeddings/sec)');
    const rows = readFileSync(truth, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.filter((row) => row.endpoint === '/v1/embeddings').map((row) => row.prompt_tokens)).toEqual(Array(6).fill(120));
  });
});

describe.each([
  ['cohere-rankings', '/v2/rerank'],
  ['hf-tei-rankings', '/rerank'],
  ['nim-rankings', '/v1/ranking'],
])('%s', (type, path) => {
  it(`posts query and passages to ${path} and reports passages ranked per second`, async () => {
    const r = await profile(type, mock.url, [
      '--endpoint-type',
      type,
      '--rankings-passages-mean',
      '4',
      '--rankings-passages-prompt-token-mean',
      '30',
      '--rankings-query-prompt-token-mean',
      '10',
      '--num-dataset-entries',
      '6',
    ]);
    expect(r.status).toBe(0);
    const s = r.summary;
    expect(s.request_count.avg).toBe(6);
    expect(s.num_passages.avg).toBe(4);
    expect(s.total_passages.avg).toBe(24);
    expect(s.passage_throughput.avg).toBeCloseTo(24 / s.benchmark_duration.avg, 6);
    // The query and the four passages, each exactly as long as drawn.
    expect(s.input_sequence_length.avg).toBe(10 + 4 * 30);
    for (const tag of TOKEN_OUTPUT_TAGS) expect(s).not.toHaveProperty(tag);
    expect(r.stdout).toContain('infermark | Rankings Metrics');
  });
});

describe('errors', () => {
  // NIM's FastAPI shape, {"detail": "..."}, is the one furthest from OpenAI's.
  it("records an error the server wrote in the API's own shape, with its message, and goes on", async () => {
    const r = await profile('nim-errors', failing.url, ['--endpoint-type', 'nim-rankings', '--num-dataset-entries', '6']);
    expect(r.status).toBe(0);
    const s = r.summary;
    expect(s.error_request_count.avg).toBeGreaterThan(0);
    expect(s.request_count.avg + s.error_request_count.avg).toBe(6);
    expect(s.error_summary).toEqual([
      { error_details: { code: 500, type: 'Internal Server Error', message: 'Injected failure' }, count: s.error_request_count.avg },
    ]);
  });
});
