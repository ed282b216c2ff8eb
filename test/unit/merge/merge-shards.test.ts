// `merge` on hand-made shard directories: every figure checked against values worked out here from
// the union of the records (not through the aggregation code), the clock-offset correction, the
// refusals (mismatched, duplicated, missing), `--force`, unusable lines and partial results.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { mergeShards, type MergeOptions } from '../../../ts/src/merge/merge-shards.js';
import { MergeInterrupted } from '../../../ts/src/merge/shard-records.js';

const root = mkdtempSync(join(tmpdir(), 'infermark-merge-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Wall-clock ns of time 0 of every hand-made run. */
const T = 1_763_066_701_000_000_000n;

interface Req {
  id: string;
  /** ms after T. */
  start: number;
  ttft: number;
  latency: number;
  isl: number;
  osl: number;
  error?: boolean;
  phase?: 'warmup' | 'profiling';
}

interface ShardSpec {
  requests: Req[];
  model?: string;
  streaming?: boolean;
  goodput?: Record<string, number> | null;
  sliceDuration?: number | null;
  wasCancelled?: boolean;
  shardCount?: number;
  shardIndex?: number;
  saturated?: boolean;
  reasons?: string[];
  lagP99?: number;
  /** Stamps written this many ns early, with `clock_offset_ns` saying so. */
  clockOffsetNs?: bigint;
  /** Raw lines put after the n-th record. */
  extraLines?: Array<[after: number, text: string]>;
  /** Text after the last newline (a run killed mid-write). */
  tail?: string;
}

const nsOf = (ms: number): bigint => BigInt(Math.round(ms * 1e6));

function recordLine(r: Req, offset: bigint): string {
  const start = T + nsOf(r.start) - offset;
  const end = start + nsOf(r.latency);
  const meta = `"x_request_id":"${r.id}","request_start_ns":${start},"request_end_ns":${end},"benchmark_phase":"${r.phase ?? 'profiling'}","clock_offset_ns":${offset},"scheduled_ns":null,"requested_isl":${r.isl},"requested_osl":${r.osl},"connection_resends":0`;
  if (r.error) {
    return `{"metadata":{${meta}},"metrics":{"error_isl":{"value":${r.isl},"unit":"tokens"}},"error":{"code":500,"type":"Internal Server Error","message":"boom"}}`;
  }
  const metrics = {
    time_to_first_token: { value: r.ttft, unit: 'ms' },
    request_latency: { value: r.latency, unit: 'ms' },
    inter_token_latency: { value: (r.latency - r.ttft) / (r.osl - 1), unit: 'ms' },
    input_sequence_length: { value: r.isl, unit: 'tokens' },
    output_sequence_length: { value: r.osl, unit: 'tokens' },
  };
  return `{"metadata":{${meta}},"metrics":${JSON.stringify(metrics)},"error":null}`;
}

function writeShard(name: string, spec: ShardSpec): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const offset = spec.clockOffsetNs ?? 0n;
  const lines: string[] = [];
  // Records in the order they finished, as `profile` writes them.
  const order = [...spec.requests].sort((a, b) => a.start + a.latency - (b.start + b.latency));
  order.forEach((r, i) => {
    lines.push(recordLine(r, offset));
    for (const [after, text] of spec.extraLines ?? []) if (after === i) lines.push(text);
  });
  writeFileSync(join(dir, 'profile_export.jsonl'), `${lines.join('\n')}\n${spec.tail ?? ''}`);
  const benchmarkId = randomUUID();
  const summary = {
    schema_version: '1.5',
    benchmark_id: benchmarkId,
    was_cancelled: spec.wasCancelled ?? false,
    request_count: { unit: 'requests', avg: spec.requests.length },
    client_event_loop_lag_p99: { unit: 'ms', avg: spec.lagP99 ?? 1.5 },
    input_config: {
      endpoint: { model_names: [spec.model ?? 'mock-model'], type: 'chat', streaming: spec.streaming ?? true },
      input: { random_seed: 7, fixed_schedule: null, goodput: spec.goodput ?? null },
      loadgen: {
        concurrency: 4,
        ...(spec.shardCount === undefined ? {} : { shard_count: spec.shardCount }),
        ...(spec.shardIndex === undefined ? {} : { shard_index: spec.shardIndex }),
      },
      output: { export_level: 'records', slice_duration: spec.sliceDuration ?? null },
      cli_command: 'infermark profile …',
    },
    run_info: { benchmark_id: benchmarkId, sweep_id: null, random_seed: 7, variation_label: 'base' },
    error_summary: [],
    client_health: { saturated: spec.saturated ?? false, reasons: spec.reasons ?? [] },
  };
  writeFileSync(join(dir, 'profile_export_aiperf.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return dir;
}

/** A seeded stream of requests: ttft 10–110 ms, latency ttft + 50–250 ms, starts spread over `spanMs`. */
function requests(prefix: string, n: number, seed: number, spanMs: number, errors = 0): Req[] {
  let s = seed;
  const unit = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => {
    const ttft = 10 + 100 * unit();
    return {
      id: `${prefix}-${i}`,
      start: spanMs * unit(),
      ttft,
      latency: ttft + 50 + 200 * unit(),
      isl: 50 + Math.floor(100 * unit()),
      osl: 2 + Math.floor(30 * unit()),
      error: i < errors,
    };
  });
}

/** Type-7 percentile in NumPy's form (docs/metrics.md §6), on sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  const g = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(g);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = g - lo;
  const d = sorted[hi]! - sorted[lo]!;
  return t < 0.5 ? sorted[lo]! + d * t : sorted[hi]! - d * (1 - t);
}

let outputs = 0;
async function merge(shards: string[], extra: Partial<MergeOptions> = {}) {
  const output = join(root, `out-${++outputs}`);
  const result = await mergeShards({ shards, output, argv: ['infermark', 'merge', ...shards], version: 'test', ...extra });
  const summary = JSON.parse(readFileSync(join(output, 'profile_export_aiperf.json'), 'utf8'));
  return { result, summary, output };
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe('merge: exact statistics of the union', () => {
  const a = requests('a', 40, 1, 2000, 3);
  const b = requests('b', 33, 2, 2000, 2);
  const union = [...a, ...b];
  const ok = union.filter((r) => !r.error);
  const slos = { time_to_first_token: 60 };

  it('recomputes percentiles, counts, duration and goodput from the union of two shards', async () => {
    const dirs = [writeShard('ex-a', { requests: a, goodput: slos }), writeShard('ex-b', { requests: b, goodput: slos })];
    const { result, summary } = await merge(dirs);
    expect(result.exitCode).toBe(0);
    const ttft = ok.map((r) => r.ttft).sort((x, y) => x - y);
    for (const q of [1, 5, 10, 25, 50, 75, 90, 95, 99]) expect(summary.time_to_first_token[`p${q}`]).toBe(percentile(ttft, q));
    expect(summary.time_to_first_token.min).toBe(ttft[0]);
    expect(summary.time_to_first_token.max).toBe(ttft[ttft.length - 1]);
    expect(summary.time_to_first_token.count).toBe(ok.length);
    expect(relErr(summary.time_to_first_token.avg, ttft.reduce((s, v) => s + v, 0) / ttft.length)).toBeLessThan(1e-12);
    const latency = ok.map((r) => r.latency).sort((x, y) => x - y);
    expect(summary.request_latency.p90).toBe(percentile(latency, 90));
    expect(summary.request_count.avg).toBe(ok.length);
    expect(summary.error_request_count.avg).toBe(5);
    expect(summary.input_sequence_length.sum).toBe(ok.reduce((s, r) => s + r.isl, 0));
    const first = ok.reduce((m, r) => (T + nsOf(r.start) < m ? T + nsOf(r.start) : m), T + 10_000_000_000n);
    const last = ok.reduce((m, r) => (T + nsOf(r.start) + nsOf(r.latency) > m ? T + nsOf(r.start) + nsOf(r.latency) : m), 0n);
    const duration = Number(last - first) / 1e9;
    expect(summary.benchmark_duration.avg).toBe(duration);
    const good = ok.filter((r) => r.ttft <= 60).length;
    expect(summary.good_request_count.avg).toBe(good);
    expect(summary.goodput.avg).toBe(good / duration);
    expect(summary.input_config.input.goodput).toEqual(slos);
    expect(summary.input_config.merged_from).toEqual(dirs);
  });

  it('cuts the union into the time slices of --slice-duration, by request start', async () => {
    const dirs = [writeShard('ts-a', { requests: a }), writeShard('ts-b', { requests: b })];
    const { output } = await merge(dirs, { sliceDuration: 0.5 });
    const doc = JSON.parse(readFileSync(join(output, 'profile_export_aiperf_timeslices.json'), 'utf8'));
    const t0 = union.reduce((m, r) => Math.min(m, r.start), Infinity);
    const sliceOf = (r: Req): number => Math.floor(Number(nsOf(r.start) - nsOf(t0)) / 1e6 / 500);
    const slices = doc.timeslices as Array<Record<string, { avg: number; p50?: number }>>;
    expect(slices.length).toBeGreaterThan(3);
    slices.forEach((slice, k) => {
      const inSlice = ok.filter((r) => Math.min(sliceOf(r), slices.length - 1) === k);
      expect(slice['request_count']!.avg, `slice ${k}`).toBe(inSlice.length);
      if (inSlice.length > 0) {
        expect(slice['time_to_first_token']!.p50, `slice ${k}`).toBe(
          percentile(
            inSlice.map((r) => r.ttft).sort((x, y) => x - y),
            50,
          ),
        );
      }
    });
    expect(doc.slice_duration_seconds).toBe(0.5);
  });

  it("moves each record's stamps by its clock_offset_ns onto the common timeline", async () => {
    const plain = await merge([writeShard('co-a', { requests: a }), writeShard('co-b', { requests: b })]);
    // Shard b's clock ran 7 s behind; its records say so.
    const skewed = await merge([writeShard('co-a2', { requests: a }), writeShard('co-b2', { requests: b, clockOffsetNs: 7_000_000_000n })]);
    const metrics = (s: Record<string, unknown>): string =>
      JSON.stringify(Object.entries(s).filter(([k]) => !['benchmark_id', 'end_time', 'input_config', 'run_info'].includes(k)));
    expect(metrics(skewed.summary)).toBe(metrics(plain.summary));
    const lines = readFileSync(join(skewed.output, 'profile_export.jsonl'), 'utf8').trim().split('\n');
    const line = lines.find((l) => l.includes('"x_request_id":"b-10"'))!;
    const r = b[10]!;
    expect(line).toContain(`"request_start_ns":${T + nsOf(r.start)},`);
    expect(line).toContain('"clock_offset_ns":0,');
  });

  it('takes the worst shard for the client-health figures and is saturated if any shard was', async () => {
    const { summary } = await merge([
      writeShard('ch-a', { requests: a, lagP99: 3.25 }),
      writeShard('ch-b', { requests: b, lagP99: 21.5, saturated: true, reasons: ['event-loop lag p99 21.50 ms > 15 ms'] }),
    ]);
    expect(summary.client_event_loop_lag_p99.avg).toBe(21.5);
    expect(summary.client_health).toEqual({ saturated: true, reasons: ['event-loop lag p99 21.50 ms > 15 ms'] });
    expect(summary.run_info.variation_label).toBe('merged');
  });
});

describe('merge: refusals and what is reported', () => {
  const reqs = (p: string): Req[] => requests(p, 12, 3, 500);

  it('refuses shards with different model names, endpoint or streaming, naming the first difference', async () => {
    const a = writeShard('mm-a', { requests: reqs('a') });
    const b = writeShard('mm-b', { requests: reqs('b'), model: 'other-model' });
    await expect(merge([a, b])).rejects.toThrow(
      new UsageError(`shards differ in model names: ${a} has ["mock-model"], ${b} has ["other-model"] (--force merges them anyway)`),
    );
    const c = writeShard('mm-c', { requests: reqs('c'), streaming: false });
    await expect(merge([a, c])).rejects.toThrow(/^shards differ in streaming: .* has true, .* has false/);
    expect(existsSync(join(root, `out-${outputs}`, 'profile_export_aiperf.json'))).toBe(false);
  });

  it('merges them anyway with --force, and says so', async () => {
    const a = writeShard('fo-a', { requests: reqs('a') });
    const b = writeShard('fo-b', { requests: reqs('b'), model: 'other-model' });
    const { result, summary } = await merge([a, b], { force: true });
    expect(result.exitCode).toBe(0);
    expect(result.warnings).toContain(
      `shards differ in model names: ${a} has ["mock-model"], ${b} has ["other-model"]; merged anyway (--force)`,
    );
    expect(summary.request_count.avg).toBe(24);
  });

  it('refuses an x_request_id found in two shards, and leaves no records file behind', async () => {
    const a = writeShard('dup-a', { requests: reqs('a') });
    const b = writeShard('dup-b', { requests: [...reqs('b'), { ...reqs('a')[4]! }] });
    const output = join(root, 'dup-out');
    await expect(mergeShards({ shards: [a, b], output, argv: [], version: 'test' })).rejects.toThrow(
      new UsageError(`x_request_id a-4 is in shards ${a} and ${b}: a shard given twice? (every request belongs to one shard)`),
    );
    expect(existsSync(join(output, 'profile_export.jsonl'))).toBe(false);
  });

  it('refuses two runs of the same shard of a sharded run', async () => {
    const a = writeShard('same-place-a', { requests: reqs('pa'), shardIndex: 1, shardCount: 2 });
    const b = writeShard('same-place-b', { requests: reqs('pb'), shardIndex: 1, shardCount: 2 });
    await expect(mergeShards({ shards: [a, b], output: join(root, 'same-place-out'), argv: [], version: 'test' })).rejects.toThrow(
      new UsageError(`shards ${a} and ${b} are both shard 1 of 2: give one run of each shard`),
    );
  });

  it('refuses shards that ran with different goodput or slices unless the flag chooses', async () => {
    const a = writeShard('gp-a', { requests: reqs('a'), goodput: { time_to_first_token: 50 } });
    const b = writeShard('gp-b', { requests: reqs('b'), goodput: { time_to_first_token: 80 } });
    await expect(merge([a, b])).rejects.toThrow(/^shards differ in --goodput \(.*\); give --goodput to merge them$/);
    const { summary } = await merge([a, b], { goodput: ['time_to_first_token:80'] });
    const all = [...reqs('a'), ...reqs('b')];
    expect(summary.good_request_count.avg).toBe(all.filter((r) => r.ttft <= 80).length);
    const c = writeShard('sl-c', { requests: reqs('c'), goodput: { time_to_first_token: 50 }, sliceDuration: 1 });
    await expect(merge([a, c])).rejects.toThrow(/^shards differ in --slice-duration/);
  });

  it('counts and reports an unusable line and an unfinished last line, and merges the rest', async () => {
    const a = writeShard('bad-a', { requests: reqs('a'), extraLines: [[2, '{"metadata": not json']], tail: '{"metadata":{"x_req' });
    const { result, summary } = await merge([a]);
    const file = join(a, 'profile_export.jsonl');
    expect(result.warnings).toContain(`1 unusable line of ${file} skipped (first: line 4: not valid JSON)`);
    expect(result.warnings).toContain(`the unfinished last line of ${file} was left out`);
    expect(summary.request_count.avg).toBe(12);
    expect(summary.merge.skipped_lines).toBe(1);
  });

  it('names a shard that does not exist, has no records, or has no summary', async () => {
    await expect(merge([join(root, 'nowhere')])).rejects.toThrow(new UsageError(`shard ${join(root, 'nowhere')} does not exist`));
    const noRecords = join(root, 'no-records');
    mkdirSync(noRecords);
    writeFileSync(join(noRecords, 'profile_export_aiperf.json'), '{"schema_version": "1.5"}');
    await expect(merge([noRecords])).rejects.toThrow(
      new UsageError(`shard ${noRecords} has no per-request records (rerun it with --export-level records)`),
    );
    const noSummary = join(root, 'no-summary');
    mkdirSync(noSummary);
    writeFileSync(join(noSummary, 'profile_export.jsonl'), `${recordLine(reqs('x')[0]!, 0n)}\n`);
    await expect(merge([noSummary])).rejects.toThrow(
      new UsageError(`shard ${noSummary} has no summary JSON (profile_export_aiperf.json or <prefix>.json)`),
    );
  });

  it('stops reading on its signal (Ctrl-C) and writes no result', async () => {
    const a = writeShard('int-a', { requests: requests('a', 3000, 5, 1000) });
    const output = join(root, 'int-out');
    const controller = new AbortController();
    controller.abort();
    await expect(mergeShards({ shards: [a], output, argv: [], version: 'test', signal: controller.signal })).rejects.toThrow(
      MergeInterrupted,
    );
    expect(existsSync(join(output, 'profile_export.jsonl'))).toBe(false);
    expect(existsSync(join(output, 'profile_export_aiperf.json'))).toBe(false);
  });

  it('marks the result partial when a shard was interrupted or shards are missing, and exits 1 with the files written', async () => {
    const a = writeShard('pa-a', { requests: reqs('a'), shardCount: 3 });
    const b = writeShard('pa-b', { requests: reqs('b'), shardCount: 3, wasCancelled: true });
    const { result, summary } = await merge([a, b]);
    expect(result.exitCode).toBe(1);
    expect(result.partialReasons).toEqual([`shard ${b} was interrupted (was_cancelled)`, 'the run declared 3 shards and 2 were given']);
    expect(result.failure).toBe(`merged result is partial: ${result.partialReasons.join('; ')}; results kept`);
    expect(summary.was_cancelled).toBe(true);
    expect(summary.merge).toEqual({ shards: 2, partial: true, partial_reasons: result.partialReasons, skipped_lines: 0 });
    expect(summary.request_count.avg).toBe(24);
  });
});
