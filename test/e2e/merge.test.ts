// `infermark merge` through the built CLI (dist/bin.js) on real run directories made by `profile`
// against serve-mock: one shard merged gives back its own metric blocks byte for byte (summary
// JSON, CSV, time slices, records); the run split into two shards merges back to its statistics;
// a custom export prefix is found by content; a shard given twice and a shard without records exit 2.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { runProfileCli, spawnInfermark, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-merge-');
let mock: ChildServer | null = null;

async function merge(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const run = spawnInfermark(['merge', ...args], dir);
  const status = await run.exited;
  return { status, stdout: run.stdout(), stderr: run.stderr() };
}

/** Keys of the summary JSON that describe the run rather than its metrics. */
const NOT_METRICS = new Set([
  'schema_version',
  'infermark_version',
  'benchmark_id',
  'start_time',
  'end_time',
  'was_cancelled',
  'input_config',
  'run_info',
  'error_summary',
  'client_health',
  'trace_fidelity',
  'merge',
]);

/** The metric blocks of a summary JSON as the text written for each (key order included). */
function metricTexts(path: string): Map<string, string> {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return new Map(
    Object.entries(doc)
      .filter(([k]) => !NOT_METRICS.has(k))
      .map(([k, v]) => [k, JSON.stringify(v)]),
  );
}

beforeAll(async () => {
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '15', '--itl', '2', '--tokenizer-threads', '0']);
  const r = await runProfileCli(
    [
      ...['-m', 'mock-model', '--url', mock.url, '--endpoint-type', 'chat', '--streaming'],
      ...['--concurrency', '4', '--request-count', '48', '--warmup-request-count', '4', '--isl', '40', '--osl', '12'],
      ...['--goodput', 'time_to_first_token:18 inter_token_latency:3', '--slice-duration', '0.1', '--ui', 'none'],
      ...['--artifact-dir', join(dir, 'shard')],
    ],
    dir,
  );
  if (r.status !== 0) throw new Error(`profile failed (${r.status}): ${r.stderr}`);
  // The same run under the names `--profile-export-prefix mine` gives.
  mkdirSync(join(dir, 'custom'));
  copyFileSync(join(dir, 'shard', 'profile_export.jsonl'), join(dir, 'custom', 'mine.jsonl'));
  copyFileSync(join(dir, 'shard', 'profile_export_aiperf.json'), join(dir, 'custom', 'mine.json'));
}, 120_000);
afterAll(async () => {
  await mock?.stop();
});

describe('infermark merge of one real shard', () => {
  it('reproduces every metric block of the shard byte for byte, with its goodput and time slices', async () => {
    const r = await merge(['shard', '-o', 'merged']);
    expect(r.status, r.stderr).toBe(0);
    const own = metricTexts(join(dir, 'shard', 'profile_export_aiperf.json'));
    const merged = metricTexts(join(dir, 'merged', 'profile_export_aiperf.json'));
    expect([...merged.keys()]).toEqual([...own.keys()]);
    for (const [tag, text] of own) expect(merged.get(tag), tag).toBe(text);
    expect(own.has('goodput')).toBe(true);
    expect(own.has('warmup_metrics')).toBe(true);
    for (const file of ['profile_export_aiperf.csv', 'profile_export_aiperf_timeslices.csv', 'profile_export.jsonl', 'inputs.json']) {
      expect(readFileSync(join(dir, 'merged', file), 'utf8'), file).toBe(readFileSync(join(dir, 'shard', file), 'utf8'));
    }
    const slices = (p: string): unknown =>
      JSON.parse(readFileSync(join(dir, p, 'profile_export_aiperf_timeslices.json'), 'utf8')).timeslices;
    expect(slices('merged')).toEqual(slices('shard'));
  });

  it('writes the first shard input_config with merged_from, and run_info.variation_label merged', async () => {
    const r = await merge(['shard', '-o', 'merged-info']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'merged-info', 'profile_export_aiperf.json'), 'utf8'));
    const own = JSON.parse(readFileSync(join(dir, 'shard', 'profile_export_aiperf.json'), 'utf8'));
    expect(doc.input_config.merged_from).toEqual(['shard']);
    delete doc.input_config.merged_from;
    expect(doc.input_config).toEqual(own.input_config);
    expect(doc.run_info.variation_label).toBe('merged');
    expect(doc.run_info.cli_command).toBe('infermark merge shard -o merged-info');
    expect(doc.merge).toEqual({ shards: 1, partial: false, partial_reasons: [], skipped_lines: 0 });
    expect(doc.client_health.saturated).toBe(own.client_health.saturated);
    expect(r.stdout).toContain('infermark | LLM Metrics');
    expect(readFileSync(join(dir, 'merged-info', 'profile_export_console.txt'), 'utf8')).toBe(r.stdout);
  });

  it('finds a run written with a custom --profile-export-prefix by content', async () => {
    const r = await merge(['custom', '-o', 'merged-custom']);
    expect(r.status, r.stderr).toBe(0);
    const own = metricTexts(join(dir, 'custom', 'mine.json'));
    const merged = metricTexts(join(dir, 'merged-custom', 'profile_export_aiperf.json'));
    for (const [tag, text] of own) expect(merged.get(tag), tag).toBe(text);
  });

  it('refuses the same shard given twice, by path or as a copy of the same run', async () => {
    const twice = await merge(['shard', './shard', '-o', 'merged-twice']);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toBe('error: shard ./shard is given twice (shard is the same directory)\n');
    const copy = await merge(['shard', 'custom', '-o', 'merged-copy']);
    expect(copy.status).toBe(2);
    expect(copy.stderr).toMatch(/^error: shards shard and custom are the same run \(benchmark_id [0-9a-f-]{36}\)\n$/);
  });

  it("splits the real run into two shards by line and merges them back to the run's statistics", async () => {
    const lines = readFileSync(join(dir, 'shard', 'profile_export.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    const summary = readFileSync(join(dir, 'shard', 'profile_export_aiperf.json'), 'utf8');
    for (const k of [0, 1]) {
      const half = join(dir, `half-${k}`);
      mkdirSync(half);
      writeFileSync(join(half, 'profile_export.jsonl'), `${lines.filter((_, i) => i % 2 === k).join('\n')}\n`);
      // Two runs of one benchmark: each its own benchmark_id.
      writeFileSync(
        join(half, 'profile_export_aiperf.json'),
        summary.replaceAll(/"benchmark_id": "[^"]+"/g, `"benchmark_id": "half-${k}"`),
      );
    }
    const r = await merge(['half-0', 'half-1', '-o', 'merged-halves']);
    expect(r.status, r.stderr).toBe(0);
    const own = JSON.parse(summary);
    const merged = JSON.parse(readFileSync(join(dir, 'merged-halves', 'profile_export_aiperf.json'), 'utf8'));
    for (const tag of ['time_to_first_token', 'inter_token_latency', 'request_latency', 'inter_chunk_latency', 'input_sequence_length']) {
      // Order-free statistics are exact; sums may differ in the last bit with the order of the union.
      for (const stat of ['min', 'max', 'p1', 'p50', 'p90', 'p99', 'count'])
        expect(merged[tag][stat], `${tag} ${stat}`).toBe(own[tag][stat]);
      expect(Math.abs(merged[tag].avg - own[tag].avg) / own[tag].avg, tag).toBeLessThan(1e-12);
    }
    for (const tag of ['request_count', 'benchmark_duration', 'good_request_count', 'goodput', 'total_osl']) {
      expect(merged[tag].avg, tag).toBe(own[tag].avg);
    }
    expect(merged.input_config.merged_from).toEqual(['half-0', 'half-1']);
  });

  it('exits 2 naming a shard without per-request records', async () => {
    const empty = join(dir, 'summary-only');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'profile_export_aiperf.json'), readFileSync(join(dir, 'shard', 'profile_export_aiperf.json')));
    const r = await merge(['summary-only', '-o', 'merged-none']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error: shard summary-only has no per-request records (rerun it with --export-level records)\n');
  });

  it('requires --output', async () => {
    const r = await merge(['shard']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--output/);
  });
});
