// Seeded shard run directories in infermark's export schema (docs/exports.md §3, §4), for
// bench/merge.sh: N shards of one run, each a closed loop of 32 streams against a server whose
// TTFT, ITL and lengths are drawn from a seeded generator; records in finishing order with their
// inter_chunk_latency lists, 1 % failed, and each shard's stamps written on its own clock (shard k
// is k ms behind, said by `clock_offset_ns`), as a sharded `profile` writes them.
// Usage: npx vite-node bench/merge-shards-generator.ts -- --records N --shards K --seed S --out DIR
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../test/helpers/seeded-records.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const total = Number(arg('records', '100000'));
const shards = Number(arg('shards', '8'));
const seed = Number(arg('seed', '1'));
const out = arg('out', `bench/data/merge-${total}-${shards}`);
const STREAMS = 32;
const T0_NS = 1_796_000_000_000_000_000n;

const f = (v: number): number => Math.round(v * 1e6) / 1e6;

async function writeShard(k: number, count: number): Promise<void> {
  const rand = seededRandom(seed * 1000 + k);
  /** Log-normal-ish positive draw around `median`. */
  const around = (median: number, spread: number): number => median * Math.exp(spread * (rand() + rand() + rand() - 1.5));
  const dir = join(out, `shard-${k}`);
  mkdirSync(dir, { recursive: true });
  const offsetNs = BigInt(k) * 1_000_000n;
  const records = createWriteStream(join(dir, 'profile_export.jsonl'));
  const slotFree = new Float64Array(STREAMS);
  let failures = 0;
  for (let n = 0; n < count; n++) {
    let s = 0;
    for (let j = 1; j < STREAMS; j++) if (slotFree[j]! < slotFree[s]!) s = j;
    const start = slotFree[s]! + rand() * 2;
    const isl = Math.round(around(600, 1.2));
    const osl = Math.max(2, Math.round(around(48, 0.6)));
    const ttft = around(40 + isl * 0.02, 0.6);
    const gaps = Array.from({ length: osl - 1 }, () => f(around(8, 0.4)));
    const latency = f(ttft + gaps.reduce((a, b) => a + b, 0));
    const failed = rand() < 0.01;
    const end = start + (failed ? ttft : latency);
    slotFree[s] = end;
    // Written on the shard's own clock: `offsetNs` behind the common timeline.
    const ns = (ms: number): string => String(T0_NS + BigInt(Math.round(ms * 1e6)) - offsetNs);
    const meta =
      `{"request_num":${n},"session_num":${n},"x_request_id":"s${k}-req-${n}","x_correlation_id":"s${k}-corr-${n}",` +
      `"conversation_id":"synthetic_${n % 100}","turn_index":0,"credit_issued_ns":${ns(start)},"request_start_ns":${ns(start)},` +
      `"request_ack_ns":${ns(start + 1)},"request_end_ns":${ns(end)},"worker_id":"worker_0","record_processor_id":"record_processor_0",` +
      `"benchmark_phase":"profiling","was_cancelled":false,"cancellation_time_ns":null,"clock_offset_ns":${offsetNs},"scheduled_ns":null,` +
      `"trace_line":null,"requested_isl":${isl},"requested_osl":${osl},"model":"mock-model","connection_resends":0}`;
    let line: string;
    if (failed) {
      failures++;
      line = `{"metadata":${meta},"metrics":{"error_isl":{"value":${isl},"unit":"tokens"}},"error":{"code":500,"type":"HTTPError","message":"Internal Server Error"}}`;
    } else {
      const itl = (latency - ttft) / (osl - 1);
      const metrics = {
        time_to_first_token: { value: f(ttft), unit: 'ms' },
        time_to_second_token: { value: gaps[0]!, unit: 'ms' },
        request_latency: { value: latency, unit: 'ms' },
        inter_token_latency: { value: itl, unit: 'ms' },
        output_token_throughput_per_user: { value: 1000 / itl, unit: 'tokens/sec/user' },
        inter_chunk_latency: { value: gaps, unit: 'ms' },
        e2e_output_token_throughput: { value: osl / (latency / 1000), unit: 'tokens/sec/user' },
        input_sequence_length: { value: isl, unit: 'tokens' },
        output_sequence_length: { value: osl, unit: 'tokens' },
        output_token_count: { value: osl, unit: 'tokens' },
        effective_latency: { value: latency, unit: 'ms' },
        credit_to_start_latency: { value: 0.0, unit: 'ms' },
      };
      line = `{"metadata":${meta},"metrics":${JSON.stringify(metrics)},"error":null}`;
    }
    if (!records.write(`${line}\n`)) await new Promise<void>((r) => records.once('drain', () => r()));
  }
  await new Promise<void>((r) => records.end(r));
  const benchmarkId = `00000000-0000-4000-8000-${String(seed).padStart(6, '0')}${String(k).padStart(6, '0')}`;
  const summary = {
    schema_version: '1.5',
    infermark_version: 'bench',
    benchmark_id: benchmarkId,
    was_cancelled: false,
    client_event_loop_lag_p99: { unit: 'ms', avg: 1 + rand() },
    input_config: {
      endpoint: { model_names: ['mock-model'], type: 'chat', streaming: true },
      input: { random_seed: seed, fixed_schedule: null, goodput: { time_to_first_token: 60 } },
      loadgen: { concurrency: STREAMS, shard_count: shards },
      output: { export_level: 'records', slice_duration: 10 },
    },
    run_info: { benchmark_id: benchmarkId, sweep_id: null, random_seed: seed },
    error_summary: [],
    client_health: { saturated: false, reasons: [] },
  };
  writeFileSync(join(dir, 'profile_export_aiperf.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`${dir}: ${count} records (${failures} failed)`);
}

for (let k = 0; k < shards; k++) await writeShard(k, Math.floor(total / shards) + (k < total % shards ? 1 : 0));
