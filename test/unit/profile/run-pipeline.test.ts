import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../ts/src/tokenizer/index.js';
import { workedExample } from '../metrics/fixtures.js';
import { API_KEY, openRun, tempDir } from './fixtures.js';
import { validateRecordLine, validateSummaryJson, validateSummaryCsv, validateTimeslicesJson } from '../../helpers/export-schema.js';

const METADATA_ORDER = [
  'request_num',
  'session_num',
  'x_request_id',
  'x_correlation_id',
  'conversation_id',
  'turn_index',
  'credit_issued_ns',
  'request_start_ns',
  'request_ack_ns',
  'request_end_ns',
  'worker_id',
  'record_processor_id',
  'benchmark_phase',
  'was_cancelled',
  'cancellation_time_ns',
  'clock_offset_ns',
  'scheduled_ns',
  'trace_line',
  'requested_isl',
  'requested_osl',
  'model',
  'connection_resends',
];

const EXPECTED_TABLE = `                                              infermark | LLM Metrics
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━┓
┃                                             Metric ┃    avg ┃    min ┃    max ┃    p99 ┃    p90 ┃    p50 ┃   std ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━┩
│                           Time to First Token (ms) │ 120.00 │ 100.00 │ 140.00 │ 139.60 │ 136.00 │ 120.00 │ 20.00 │
│                          Time to Second Token (ms) │  25.00 │  20.00 │  30.00 │  29.90 │  29.00 │  25.00 │  5.00 │
│                               Request Latency (ms) │ 190.00 │ 160.00 │ 220.00 │ 219.40 │ 214.00 │ 190.00 │ 30.00 │
│                           Inter Token Latency (ms) │  20.00 │  20.00 │  20.00 │  20.00 │  20.00 │  20.00 │  0.00 │
│ Output Token Throughput Per User (tokens/sec/user) │  50.00 │  50.00 │  50.00 │  50.00 │  50.00 │  50.00 │  0.00 │
│                    Output Sequence Length (tokens) │   4.50 │   4.00 │   5.00 │   4.99 │   4.90 │   4.50 │  0.50 │
│                     Input Sequence Length (tokens) │  55.00 │  50.00 │  60.00 │  59.90 │  59.00 │  55.00 │  5.00 │
│               Output Token Throughput (tokens/sec) │  39.13 │    N/A │    N/A │    N/A │    N/A │    N/A │   N/A │
│                  Request Throughput (requests/sec) │   8.70 │    N/A │    N/A │    N/A │    N/A │    N/A │   N/A │
│                             Goodput (requests/sec) │   4.35 │    N/A │    N/A │    N/A │    N/A │    N/A │   N/A │
│                                      Request Count │   2.00 │    N/A │    N/A │    N/A │    N/A │    N/A │   N/A │
│                                Error Request Count │   1.00 │    N/A │    N/A │    N/A │    N/A │    N/A │   N/A │
└────────────────────────────────────────────────────┴────────┴────────┴────────┴────────┴────────┴────────┴───────┘
`;

async function runWorkedExample(dir: string, extra = {}) {
  const run = await openRun(dir, extra);
  for (const r of workedExample()) run.pipeline.record(r);
  const result = await run.pipeline.finish({ startWallNs: 1763066701865462000n, endWallNs: 1763066702097462000n });
  return { ...result, consoleText: run.printed() };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}

describe('a run pipeline fed the docs/metrics.md §11 run', () => {
  it('writes the summary CSV rows of docs/exports.md §5 exactly', async () => {
    const dir = tempDir();
    await runWorkedExample(dir);
    const csv = readFileSync(join(dir, 'profile_export_aiperf.csv'), 'utf8');
    expect(csv.startsWith('Metric,avg,min,max,sum,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\r\n')).toBe(true);
    expect(csv).toContain(
      '\r\nInput Sequence Length (tokens),55.00,50,60,110,50.10,50.50,51.00,52.50,55.00,57.50,59.00,59.50,59.90,5.00\r\n',
    );
    expect(csv).toContain(
      '\r\nTime to First Token (ms),120.00,100.00,140.00,240.00,100.40,102.00,104.00,110.00,120.00,130.00,136.00,138.00,139.60,20.00\r\n',
    );
    expect(csv).toContain('\r\n\r\nMetric,Value\r\n');
    expect(csv).toContain('\r\nBenchmark Duration (sec),0.23\r\n');
    expect(csv).toContain('\r\nError Request Count,1\r\n');
    expect(csv).toContain('\r\nRequest Count,2\r\n');
    expect(csv).toContain('\r\nRequest Throughput (requests/sec),8.70\r\n');
    // Twin: infinite cells empty, no std.
    expect(csv).toContain('\r\nError-Adjusted Time to First Token (ms),,100.00,,,100.00,100.00,100.00,100.00,140.00,,,,,\r\n');
    expect(validateSummaryCsv(csv)).toEqual([]);
  });

  it('prints and saves the exact console table of docs/exports.md §9', async () => {
    const dir = tempDir();
    const res = await runWorkedExample(dir);
    expect(res.consoleText.startsWith(EXPECTED_TABLE)).toBe(true);
    const footer = res.consoleText.slice(EXPECTED_TABLE.length).split('\n');
    expect(footer).toContain('Benchmark Duration: 0.23 sec');
    expect(footer).toContain('Success Rate: 66.67% (1 error)');
    expect(footer).toContain('Random Seed: 0');
    expect(footer).toContain('Errors:');
    expect(footer).toContain('  1 × 500 Internal Server Error: Injected failure');
    expect(footer.indexOf('Benchmark Duration: 0.23 sec')).toBeLessThan(footer.indexOf('Success Rate: 66.67% (1 error)'));
    expect(readFileSync(join(dir, 'profile_export_console.txt'), 'utf8')).toBe(res.consoleText);
    expect(res.exitCode).toBe(0);
  });

  it('writes the summary JSON with the worked values, key order and no NaN/Infinity/null stats', async () => {
    const dir = tempDir();
    await runWorkedExample(dir);
    const text = readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8');
    expect(text).not.toMatch(/NaN|Infinity/);
    const doc = JSON.parse(text) as Record<string, Record<string, unknown>>;
    expect(validateSummaryJson(doc)).toEqual([]);
    const keys = Object.keys(doc);
    expect(keys.slice(0, 6)).toEqual(['schema_version', 'infermark_version', 'benchmark_id', 'start_time', 'end_time', 'was_cancelled']);
    expect(keys.slice(6, 20)).toEqual([
      'time_to_first_token',
      'time_to_second_token',
      'time_to_first_output_token',
      'request_latency',
      'inter_token_latency',
      'output_token_throughput_per_user',
      'e2e_output_token_throughput',
      'output_sequence_length',
      'input_sequence_length',
      'output_token_throughput',
      'request_throughput',
      'goodput',
      'request_count',
      'error_request_count',
    ]);
    // Then alphabetical (adj_ twins included), then the trailing sections.
    const rest = keys.slice(20, -4);
    expect(rest).toEqual([...rest].sort());
    expect(keys.slice(-4)).toEqual(['input_config', 'run_info', 'error_summary', 'client_health']);
    expect(doc['start_time']).toBe('2025-11-13T20:45:01.865462Z');
    expect(doc['time_to_first_token']).toEqual({
      unit: 'ms',
      avg: 120,
      min: 100,
      max: 140,
      p1: 100.4,
      p5: 102,
      p10: 104,
      p25: 110,
      p50: 120,
      p75: 130,
      p90: 136,
      p95: 138,
      p99: 139.6,
      std: 20,
      count: 2,
      sum: 240,
    });
    expect(Object.keys(doc['time_to_first_token']!)).toEqual([
      'unit',
      'avg',
      'min',
      'max',
      'p1',
      'p5',
      'p10',
      'p25',
      'p50',
      'p75',
      'p90',
      'p95',
      'p99',
      'std',
      'count',
      'sum',
    ]);
    expect(text).toContain('"avg": 120.0,');
    expect(doc['adj_time_to_first_token']).toEqual({ unit: 'ms', min: 100, p1: 100, p5: 100, p10: 100, p25: 100, p50: 140, count: 3 });
    expect(doc['benchmark_duration']).toEqual({ unit: 'sec', avg: 0.23 });
    expect(doc['request_error_rate']).toEqual({ unit: '%', avg: 33.333333333333336 });
    expect(doc['goodput']).toEqual({ unit: 'requests/sec', avg: 4.3478260869565215 });
    expect(doc['good_request_fraction']!['avg']).toBe(0.3333333333333333);
    expect(doc['total_token_throughput']!['avg']).toBe(517.391304347826);
    expect(doc['inter_chunk_latency']).toMatchObject({
      avg: 28,
      p50: 20,
      p75: 30,
      p90: 42,
      p99: 49.2,
      std: 11.661903789690601,
      count: 5,
      sum: 140,
    });
    expect(doc['error_summary']).toEqual([
      { error_details: { code: 500, type: 'Internal Server Error', message: 'Injected failure' }, count: 1 },
    ]);
    expect(doc['client_health']).toEqual({ saturated: false, reasons: [] });
    expect(doc['was_cancelled']).toBe(false);
    expect((doc['input_config']!['endpoint'] as Record<string, unknown>)['api_key']).toBe('***');
  });

  it('streams one parseable JSONL line per request with the §3.1 metadata order', async () => {
    const dir = tempDir();
    await runWorkedExample(dir);
    const lines = readFileSync(join(dir, 'profile_export.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const obj = JSON.parse(line) as { metadata: object; metrics: Record<string, unknown>; error: unknown };
      expect(Object.keys(obj)).toEqual(['metadata', 'metrics', 'error']);
      expect(Object.keys(obj.metadata)).toEqual(METADATA_ORDER);
      expect(validateRecordLine(line)).toEqual([]);
    }
    expect(lines[0]).toContain('"time_to_first_token":{"value":100.0,"unit":"ms"}');
    expect(lines[0]).toContain('"input_sequence_length":{"value":50,"unit":"tokens"}');
    expect(lines[0]).toContain('"inter_chunk_latency":{"value":[20.0,20.0,20.0],"unit":"ms"}');
    expect(lines[0]).toContain('"request_start_ns":1763066701865462000,');
    const failed = JSON.parse(lines[2]!) as { metrics: object; error: object };
    expect(failed.metrics).toEqual({ error_isl: { value: 70, unit: 'tokens' } });
    expect(failed.error).toEqual({ code: 500, type: 'Internal Server Error', message: 'Injected failure' });
  });

  it('redacts the API key and secret headers in every file', async () => {
    const dir = tempDir();
    await runWorkedExample(dir);
    const files = allFiles(dir);
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'inputs.json',
      'logs/infermark.log',
      'profile_export.jsonl',
      'profile_export_aiperf.csv',
      'profile_export_aiperf.json',
      'profile_export_console.txt',
      'profile_export_raw.jsonl',
    ]);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(API_KEY);
      expect(text, f).not.toContain('xyz-header-secret');
    }
    const raw = readFileSync(join(dir, 'profile_export_raw.jsonl'), 'utf8');
    expect(raw).toContain('"Authorization":"***"');
    const summary = readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8');
    expect(summary).toContain("--api-key *** -H 'Authorization: ***'");
    expect(summary).toContain('"X-Trace": "visible"');
  });

  it('leaves no temporary file behind', async () => {
    const dir = tempDir();
    await runWorkedExample(dir, { sliceDuration: 0.1 });
    expect(allFiles(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('marks an interrupted run was_cancelled and exits 130 with the records so far', async () => {
    const dir = tempDir();
    const run = await openRun(dir);
    const [r1, r2] = workedExample();
    run.pipeline.record(r1!);
    run.pipeline.record({
      ...r2!,
      error: { code: 499, type: 'RequestCancellationError', message: 'cancelled by SIGINT' },
      wasCancelled: true,
      cancellationNs: r2!.requestEndNs,
    });
    const res = { ...(await run.pipeline.finish({ interrupted: true })), consoleText: run.printed() };
    expect(res.exitCode).toBe(130);
    expect(res.metrics.cancelledCount).toBe(1);
    const doc = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<string, unknown>;
    expect(doc['was_cancelled']).toBe(true);
    expect(doc['cancelled_request_count']).toEqual({ unit: 'requests', avg: 1 });
    expect(readFileSync(join(dir, 'profile_export.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(res.consoleText).toContain('Run interrupted: results cover 2 completed requests');
  });

  it('still writes every summary when every request failed, and exits 1', async () => {
    const dir = tempDir();
    const run = await openRun(dir);
    run.pipeline.record(workedExample()[2]!);
    const res = await run.pipeline.finish();
    expect(res.exitCode).toBe(1);
    expect(res.failure).toBe('no request succeeded (1 of 1 failed)');
    const doc = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<string, unknown>;
    expect(doc['request_count']).toEqual({ unit: 'requests', avg: 0 });
    expect(doc['benchmark_duration']).toBeUndefined();
    expect(doc['adj_time_to_first_token']).toBeUndefined();
    expect(existsSync(join(dir, 'profile_export_aiperf.csv'))).toBe(true);
  });

  it('deletes its own stale files at start but leaves other files alone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'profile_export_aiperf_timeslices.csv'), 'stale');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await runWorkedExample(dir);
    expect(existsSync(join(dir, 'profile_export_aiperf_timeslices.csv'))).toBe(false);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('names files after --profile-export-prefix run1.json', async () => {
    const dir = tempDir();
    await runWorkedExample(dir, { profileExportPrefix: 'run1.json', exportLevel: 'records' });
    for (const f of ['run1.jsonl', 'run1.json', 'run1.csv', 'run1_console.txt', 'inputs.json'])
      expect(existsSync(join(dir, f)), f).toBe(true);
  });

  it('writes only the summaries with --export-level summary', async () => {
    const dir = tempDir();
    await runWorkedExample(dir, { exportLevel: 'summary' });
    expect(existsSync(join(dir, 'profile_export.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'profile_export_aiperf.json'))).toBe(true);
  });

  it('writes time slices in CSV and JSON with the partial last slice flagged', async () => {
    const dir = tempDir();
    await runWorkedExample(dir, { sliceDuration: 0.1 });
    const doc = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf_timeslices.json'), 'utf8')) as {
      timeslices: Array<Record<string, unknown>>;
      slice_duration_seconds: number;
    };
    expect(validateTimeslicesJson(doc)).toEqual([]);
    expect(doc.slice_duration_seconds).toBe(0.1);
    expect(doc.timeslices.map((s) => s['is_complete'])).toEqual([true, true, false]);
    expect(doc.timeslices[0]!['request_count']).toEqual({ unit: 'requests', avg: 2 });
    expect(doc.timeslices[1]).toEqual({
      timeslice_index: 1,
      start_ns: 1763066701965462000,
      end_ns: 1763066702065462000,
      is_complete: true,
      request_count: { unit: 'requests', avg: 0 },
    });
    const csv = readFileSync(join(dir, 'profile_export_aiperf_timeslices.csv'), 'utf8');
    expect(csv.startsWith('Timeslice,Metric,Unit,Stat,Value\r\n')).toBe(true);
    expect(csv).toContain('\r\n0,time_to_first_token,ms,avg,120.00\r\n');
    expect(csv).toContain('\r\n1,request_count,requests,avg,0\r\n');
  });

  it('writes inputs.json grouped by session with the bodies as sent', async () => {
    const dir = tempDir();
    await runWorkedExample(dir);
    const doc = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as { data: Array<{ session_id: string; payloads: unknown[] }> };
    expect(doc.data.map((d) => d.session_id)).toEqual(['session_0', 'session_1', 'session_2']);
    expect(doc.data[0]!.payloads).toEqual([workedExample()[0]!.request.body]);
  });

  it('fails with a message naming the path when the directory cannot be written', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'blocked'));
    writeFileSync(join(dir, 'blocked', 'logs'), 'a file where the logs directory should be');
    await expect(openRun(join(dir, 'blocked'))).rejects.toThrow(/cannot write .*blocked.*logs/);
  });

  it('streams records to disk before the run finishes', async () => {
    const dir = tempDir();
    const run = await openRun(dir);
    const [r1, r2] = workedExample();
    run.pipeline.record(r1!);
    await run.pipeline.whenIdle();
    run.pipeline.flushNow();
    const first = readFileSync(join(dir, 'profile_export.jsonl'), 'utf8');
    expect(first.endsWith('\n')).toBe(true);
    expect(first.trim().split('\n')).toHaveLength(1);
    run.pipeline.record(r2!);
    await run.pipeline.finish();
    expect(readFileSync(join(dir, 'profile_export.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('keeps warmup records out of the run metrics but in the JSONL and warmup_metrics', async () => {
    const dir = tempDir();
    const run = await openRun(dir);
    const [r1, r2, r3] = workedExample();
    run.pipeline.record({ ...r1!, phase: 'warmup' });
    run.pipeline.record(r2!);
    run.pipeline.record(r3!);
    const res = await run.pipeline.finish();
    expect(res.metrics.successCount).toBe(1);
    const doc = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<
      string,
      Record<string, Record<string, number>>
    >;
    expect(doc['time_to_first_token']!['count']).toBe(1);
    expect(doc['warmup_metrics']!['time_to_first_token']!['avg']).toBe(100);
    expect(Object.keys(doc).at(-1)).toBe('warmup_metrics');
    const phases = readFileSync(join(dir, 'profile_export.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { metadata: { benchmark_phase: string } }).metadata.benchmark_phase);
    expect(phases).toEqual(['warmup', 'profiling', 'profiling']);
  });

  it('writes R1 as in the docs/exports.md §3.2 example (ids and ack time aside)', async () => {
    const example = JSON.parse(
      '{"metadata":{"request_num":0,"session_num":0,"x_request_id":"…","x_correlation_id":"…","conversation_id":null,"turn_index":0,"credit_issued_ns":1763066701865462000,"request_start_ns":1763066701865462000,"request_ack_ns":1763066701866000000,"request_end_ns":1763066702030462000,"worker_id":"worker_0","record_processor_id":"record_processor_0","benchmark_phase":"profiling","was_cancelled":false,"cancellation_time_ns":null,"clock_offset_ns":0,"scheduled_ns":null,"trace_line":null,"requested_isl":50,"requested_osl":4,"model":"mock-model","connection_resends":0},"metrics":{"time_to_first_token":{"value":100.0,"unit":"ms"},"time_to_second_token":{"value":20.0,"unit":"ms"},"request_latency":{"value":160.0,"unit":"ms"},"inter_token_latency":{"value":20.0,"unit":"ms"},"inter_chunk_latency":{"value":[20.0,20.0,20.0],"unit":"ms"},"output_token_throughput_per_user":{"value":50.0,"unit":"tokens/sec/user"},"e2e_output_token_throughput":{"value":25.0,"unit":"tokens/sec/user"},"input_sequence_length":{"value":50,"unit":"tokens"},"output_sequence_length":{"value":4,"unit":"tokens"},"output_token_count":{"value":4,"unit":"tokens"},"time_to_first_output_token":{"value":100.0,"unit":"ms"},"prefill_throughput_per_user":{"value":500.0,"unit":"tokens/sec/user"},"effective_latency":{"value":160.0,"unit":"ms"},"credit_to_start_latency":{"value":0.0,"unit":"ms"},"osl_mismatch_diff_pct":{"value":0.0,"unit":"%"}},"error":null}',
    ) as { metadata: Record<string, unknown>; metrics: Record<string, unknown>; error: null };
    const dir = tempDir();
    await runWorkedExample(dir);
    const line = readFileSync(join(dir, 'profile_export.jsonl'), 'utf8').split('\n')[0]!;
    const got = JSON.parse(line) as typeof example;
    for (const k of ['x_request_id', 'x_correlation_id', 'request_ack_ns']) {
      delete got.metadata[k];
      delete example.metadata[k];
    }
    expect(got.metadata).toEqual(example.metadata);
    expect(got.metrics).toEqual(example.metrics);
    expect(got.error).toBeNull();
  });

  it('reports trace_fidelity in the summary JSON and the console footer when records carry materialised text', async () => {
    const dir = tempDir();
    const run = await openRun(dir);
    // Each body's user message is 'hello world' (2 words); the trace asked for 50, 60 and 70 tokens.
    for (const r of workedExample()) run.pipeline.record({ ...r, materialised: true });
    await run.pipeline.finish();
    const doc = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<string, unknown>;
    expect(doc['trace_fidelity']).toEqual({
      rows: 3,
      requested_isl_mean: 60,
      materialised_isl_mean: 2,
      abs_diff_mean: 58,
      abs_diff_max: 68,
      rows_off_by_more_than_1pct: 3,
    });
    const keys = Object.keys(doc);
    expect(keys.indexOf('trace_fidelity')).toBe(keys.indexOf('client_health') + 1);
    expect(run.printed()).toContain(
      '\nTrace ISL fidelity: 3 rows; requested mean 60.00, materialised mean 2.00; |diff| mean 58.00, max 68; 3 rows off by more than 1%\n',
    );
  });

  it('writes no trace_fidelity for a synthetic run', async () => {
    const dir = tempDir();
    const res = await runWorkedExample(dir);
    expect(JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8'))).not.toHaveProperty('trace_fidelity');
    expect(res.consoleText).not.toContain('Trace ISL fidelity');
  });

  it('logs the preamble before the first request and repeats the dataset warnings in the footer and the log', async () => {
    const dir = tempDir();
    const run = await openRun(
      dir,
      {},
      {
        pipeline: {
          preamble: [
            ['info', "tokenizer 'Qwen/Qwen3-0.6B' is the bundled Qwen3 tokenizer (builtin:qwen3), used offline"],
            ['warning', 'synthetic prompt 3 encodes to 511 tokens, not the 512 requested; sent as it is'],
          ],
          warnings: ['1 of 8 synthetic prompts do not encode to their requested length (prompt 3: 511 for 512)'],
        },
      },
    );
    for (const r of workedExample()) run.pipeline.record(r);
    await run.pipeline.finish();
    expect(run.printed()).toContain('warning: 1 of 8 synthetic prompts do not encode to their requested length (prompt 3: 511 for 512)\n');
    const log = readFileSync(join(dir, 'logs', 'infermark.log'), 'utf8').split('\n');
    const at = (text: string): number => log.findIndex((l) => l.includes(text));
    expect(at("tokenizer 'Qwen/Qwen3-0.6B' is the bundled Qwen3 tokenizer")).toBeGreaterThan(at('command: '));
    expect(log[at('synthetic prompt 3 encodes to 511 tokens')]).toMatch(/WARNING|warning/);
    expect(at('1 of 8 synthetic prompts')).toBeGreaterThan(at('synthetic prompt 3 encodes'));
  });

  it('counts tokens in a worker thread by default when given a named tokenizer', async () => {
    const dir = tempDir();
    const tokenizer = await loadTokenizer('builtin');
    const run = await openRun(dir, {}, { pipeline: { tokens: tokenizer }, reporters: { logLevel: 'debug' } });
    for (const r of workedExample()) run.pipeline.record(r);
    const res = await run.pipeline.finish();
    expect(res.metrics.blocks.get('output_sequence_length')!.stats.sum).toBe(tokenizer.count('a b c d') + tokenizer.count('e f g h i'));
    expect(readFileSync(join(dir, 'logs', 'infermark.log'), 'utf8')).not.toContain('main thread');
  }, 30_000);
});
