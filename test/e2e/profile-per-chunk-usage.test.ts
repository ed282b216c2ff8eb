// `profile --per-chunk-usage` and `--export-outputs-json` end to end against serve-mock with bundled
// chunks (docs/metrics.md §3.1, docs/exports.md §16): the first chunk carries 6 tokens and each later
// one 2, 20 ms per token. Without the flag ITL is taken over OSL − 1 tokens and comes out about
// 20·10/15 = 13.3 ms (TPS/user about 75, inflated); with it ITL is taken over the 10 tokens after
// the first chunk and comes out at the mock's 20 ms (TPS/user about 50). Each record's ITL is checked
// exactly against its own TTFT and latency; the comparison with the mock's 20 ms is on the mean, with
// room for a loaded machine (the mock catches up on a late token, so its gaps vary around 20 ms).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';

const OSL = 16;
const FIRST = 6;
const PER = 2;
const ITL = 20;
const REQUESTS = 6;
const dir = workDirectory('infermark-per-chunk-');
let mock: ChildServer;

beforeAll(async () => {
  mock = await startMockProcess([
    ...['--latency-model', 'simple', '--ttft', '30', '--itl', String(ITL), '--tokenizer-threads', '0'],
    ...['--first-chunk-tokens', String(FIRST), '--tokens-per-chunk', String(PER)],
  ]);
}, 60_000);
afterAll(async () => {
  await mock?.stop();
});

interface RecordLine {
  metadata: { x_request_id: string; session_num: number };
  metrics: Record<string, { value: number | number[] }>;
}

async function profile(name: string, extra: string[]): Promise<RecordLine[]> {
  const run = await runProfileCli(
    [
      ...['-m', 'mock-model', '--url', mock.url, '--endpoint-type', 'chat', '--streaming', '--ui', 'none'],
      ...['--request-count', String(REQUESTS), '--concurrency', '2', '--isl', '32', '--osl', String(OSL)],
      ...['--use-server-token-count', '--artifact-dir', name, ...extra],
    ],
    dir,
  );
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(join(dir, name, 'profile_export.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RecordLine);
}

const value = (r: RecordLine, tag: string): number => r.metrics[tag]!.value as number;
const mean = (records: RecordLine[], tag: string): number => records.reduce((s, r) => s + value(r, tag), 0) / records.length;
const decodeMs = (r: RecordLine): number => value(r, 'request_latency') - value(r, 'time_to_first_token');

describe('profile against a server that bundles tokens into chunks', () => {
  it('without --per-chunk-usage, takes every chunk for one token: ITL = decode time / (OSL − 1), too low', async () => {
    const records = await profile('plain', []);
    expect(records).toHaveLength(REQUESTS);
    for (const r of records) {
      expect(value(r, 'output_sequence_length')).toBe(OSL);
      expect(value(r, 'inter_token_latency')).toBeCloseTo(decodeMs(r) / (OSL - 1), 9);
      expect(value(r, 'output_token_throughput_per_user')).toBeCloseTo(1000 / value(r, 'inter_token_latency'), 9);
      expect(r.metrics['inter_token_gap']).toBeUndefined();
    }
    // 10 tokens' worth of time spread over 15: about 13.3 ms, well below the mock's 20 ms.
    expect(mean(records, 'inter_token_latency')).toBeLessThan(0.8 * ITL);
  }, 60_000);

  it('with --per-chunk-usage, counts the tokens of each chunk: ITL = decode time / (OSL − 6), the true 20 ms', async () => {
    const records = await profile('per-chunk', ['--per-chunk-usage', '--export-outputs-json', '--export-level', 'raw']);
    for (const r of records) {
      const itl = value(r, 'inter_token_latency');
      expect(itl).toBeCloseTo(decodeMs(r) / (OSL - FIRST), 9);
      expect(value(r, 'output_token_throughput_per_user')).toBeCloseTo(1000 / itl, 9);
      // One gap per token after the first chunk, in equal pairs (2 tokens per chunk), summing to the decode time.
      const gaps = r.metrics['inter_token_gap']!.value as number[];
      expect(gaps).toHaveLength(OSL - FIRST);
      for (let i = 0; i < gaps.length; i += PER) expect(gaps[i + 1]).toBe(gaps[i]);
      expect(gaps.reduce((s, g) => s + g, 0)).toBeCloseTo(decodeMs(r), 6);
    }
    expect(mean(records, 'inter_token_latency')).toBeGreaterThan(0.75 * ITL);
    expect(mean(records, 'inter_token_latency')).toBeLessThan(1.5 * ITL);
  }, 60_000);

  it('writes outputs.json with AIPerf’s layout: the text of every profiling request, by session', () => {
    const run = join(dir, 'per-chunk');
    const outputs = JSON.parse(readFileSync(join(run, 'outputs.json'), 'utf8'));
    expect(Object.keys(outputs)).toEqual(['schema_version', 'data']);
    expect(outputs.schema_version).toBe('1.0');
    expect(outputs.data).toHaveLength(REQUESTS);
    const sessions = outputs.data.map((e: { session_num: number }) => e.session_num);
    expect(sessions).toEqual([...sessions].sort((a, b) => a - b));

    // Each text is exactly what was streamed: the raw export's deltas of the same request, joined.
    const streamed = new Map<string, string>();
    for (const line of readFileSync(join(run, 'profile_export_raw.jsonl'), 'utf8').trim().split('\n')) {
      const r = JSON.parse(line) as { metadata: { x_request_id: string }; responses: { data: string }[] };
      let text = '';
      for (const e of r.responses) {
        if (e.data === '[DONE]') continue;
        for (const c of JSON.parse(e.data).choices) text += c.delta?.content ?? '';
      }
      streamed.set(r.metadata.x_request_id, text);
    }
    const records = new Map(
      readFileSync(join(run, 'profile_export.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as RecordLine)
        .map((r) => [r.metadata.x_request_id, r] as const),
    );
    for (const e of outputs.data) {
      expect(Object.keys(e)).toEqual([
        'session_num',
        'conversation_id',
        'turn_index',
        'x_request_id',
        'request_start_ns',
        'request_end_ns',
        'metrics',
        'response_text',
      ]);
      expect(e.response_text).toBe(streamed.get(e.x_request_id));
      expect(e.response_text.length).toBeGreaterThan(0);
      expect(e.request_end_ns).toBeGreaterThan(e.request_start_ns);
      const rec = records.get(e.x_request_id)!;
      expect(Object.keys(e.metrics)).toEqual([
        'input_sequence_length',
        'output_token_count',
        'output_sequence_length',
        'request_latency',
        'time_to_first_token',
        'inter_token_latency',
      ]);
      for (const [tag, v] of Object.entries(e.metrics)) expect(v).toBe(value(rec, tag));
    }
  });

  it('sends stream_options.continuous_usage_stats with --per-chunk-usage and says so in input_config', () => {
    const line = readFileSync(join(dir, 'per-chunk', 'profile_export_raw.jsonl'), 'utf8').split('\n')[0]!;
    expect(JSON.parse(line).request.body.stream_options).toEqual({ include_usage: true, continuous_usage_stats: true });
    const summary = (name: string) => JSON.parse(readFileSync(join(dir, name, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary('per-chunk').input_config.endpoint.per_chunk_usage).toBe(true);
    expect(summary('plain').input_config.endpoint).not.toHaveProperty('per_chunk_usage');
    // The per-token gaps are summarised like any list metric; a run without the flag has none.
    expect(summary('per-chunk').inter_token_gap.count).toBe(REQUESTS * (OSL - FIRST));
    expect(summary('plain')).not.toHaveProperty('inter_token_gap');
  });
});
