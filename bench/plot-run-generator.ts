// A seeded run directory in infermark's export schema (docs/exports.md §3, §4) of any size, for
// bench/plot.sh: a closed loop of 64 streams against a server whose TTFT, ITL and lengths are drawn
// from a seeded generator; records are written in finishing order with their inter_chunk_latency
// lists, as `profile` writes them, and 1 % of requests fail.
// Usage: npx vite-node bench/plot-run-generator.ts -- --records N --seed S --out DIR
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../test/helpers/seeded-records.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const count = Number(arg('records', '10000'));
const seed = Number(arg('seed', '1'));
const out = arg('out', `bench/data/plot-run-${count}`);
const STREAMS = 64;
const T0_NS = 1_796_000_000_000_000_000;

const rand = seededRandom(seed);
/** Log-normal-ish positive draw around `median`. */
const around = (median: number, spread: number): number => median * Math.exp(spread * (rand() + rand() + rand() - 1.5));
const f = (v: number): number => Math.round(v * 1e6) / 1e6;

mkdirSync(out, { recursive: true });
const records = createWriteStream(join(out, 'profile_export.jsonl'));
const slotFree = new Float64Array(STREAMS); // ms from T0 when each stream can send again
let written = 0;
let failures = 0;
let tokens = 0;
let latencySum = 0;
let ttftSum = 0;
let perUserSum = 0;
let lastEnd = 0;

async function main(): Promise<void> {
  for (let n = 0; n < count; n++) {
    // The stream that is free first sends next, so lines come out in finishing order per stream.
    let s = 0;
    for (let k = 1; k < STREAMS; k++) if (slotFree[k]! < slotFree[s]!) s = k;
    const start = slotFree[s]! + rand() * 2;
    // Load rises and falls over the run, so the charts have a shape to show.
    const load = 1 + 0.5 * Math.sin((start / 60_000) * Math.PI);
    const isl = Math.round(around(600, 1.2));
    const osl = Math.max(1, Math.round(around(96, 0.8)));
    const ttft = around(40 + isl * 0.02, 0.6) * load;
    const gaps = Array.from({ length: osl - 1 }, () => around(8, 0.4) * load);
    const latency = ttft + gaps.reduce((a, b) => a + b, 0);
    const failed = rand() < 0.01;
    const end = start + (failed ? ttft : latency);
    slotFree[s] = end;
    lastEnd = Math.max(lastEnd, end);
    const ns = (ms: number): number => T0_NS + Math.round(ms * 1e6);
    const metadata = {
      request_num: n,
      session_num: n,
      x_request_id: `req-${n}`,
      x_correlation_id: `corr-${n}`,
      conversation_id: `synthetic_${n % 100}`,
      turn_index: 0,
      credit_issued_ns: ns(start),
      request_start_ns: ns(start),
      request_ack_ns: ns(start + 1),
      request_end_ns: ns(end),
      worker_id: 'worker_0',
      record_processor_id: 'record_processor_0',
      benchmark_phase: 'profiling',
      was_cancelled: false,
      cancellation_time_ns: null,
      clock_offset_ns: 0,
      scheduled_ns: null,
      trace_line: null,
      requested_isl: isl,
      requested_osl: osl,
      model: 'mock-model',
      connection_resends: 0,
    };
    let line: string;
    if (failed) {
      failures++;
      line = JSON.stringify({
        metadata,
        metrics: { error_isl: { value: isl, unit: 'tokens' } },
        error: { code: 500, type: 'HTTPError', message: 'Internal Server Error' },
      });
    } else {
      const itl = osl > 1 ? (latency - ttft) / (osl - 1) : null;
      tokens += osl;
      latencySum += latency;
      ttftSum += ttft;
      if (itl !== null) perUserSum += 1000 / itl;
      const metrics: Record<string, { value: unknown; unit: string }> = {
        time_to_first_token: { value: f(ttft), unit: 'ms' },
        time_to_second_token: { value: f(gaps[0] ?? 0), unit: 'ms' },
        request_latency: { value: f(latency), unit: 'ms' },
        ...(itl !== null ? { inter_token_latency: { value: f(itl), unit: 'ms' } } : {}),
        ...(itl !== null ? { output_token_throughput_per_user: { value: f(1000 / itl), unit: 'tokens/sec/user' } } : {}),
        inter_chunk_latency: { value: gaps.map(f), unit: 'ms' },
        e2e_output_token_throughput: { value: f(osl / (latency / 1000)), unit: 'tokens/sec/user' },
        input_sequence_length: { value: isl, unit: 'tokens' },
        output_sequence_length: { value: osl, unit: 'tokens' },
        output_token_count: { value: osl, unit: 'tokens' },
        time_to_first_output_token: { value: f(ttft), unit: 'ms' },
        effective_latency: { value: f(latency), unit: 'ms' },
        credit_to_start_latency: { value: 0.0, unit: 'ms' },
      };
      line = JSON.stringify({ metadata, metrics, error: null });
    }
    if (!records.write(`${line}\n`)) await new Promise<void>((r) => records.once('drain', () => r()));
    written++;
  }
  await new Promise<void>((r) => records.end(r));
  const ok = written - failures;
  const seconds = lastEnd / 1000;
  const block = (unit: string, avg: number) => ({ unit, avg });
  writeFileSync(
    join(out, 'profile_export_aiperf.json'),
    JSON.stringify(
      {
        schema_version: '1.5',
        infermark_version: 'bench',
        time_to_first_token: block('ms', ttftSum / ok),
        request_latency: block('ms', latencySum / ok),
        output_token_throughput_per_user: block('tokens/sec/user', perUserSum / ok),
        output_token_throughput: block('tokens/sec', tokens / seconds),
        request_throughput: block('requests/sec', ok / seconds),
        request_count: block('requests', ok),
        input_config: { generator: { records: count, seed } },
        error_summary: [{ error_details: { code: 500, type: 'HTTPError', message: 'Internal Server Error' }, count: failures }],
      },
      null,
      2,
    ),
  );
  console.log(`${out}: ${written} records (${failures} failed) over ${seconds.toFixed(0)} s`);
}

await main();
