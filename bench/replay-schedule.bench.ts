// Question: how closely does a fixed-schedule replay keep the trace's send times, at 100, 500 and
// 2,000 requests/s, and how does AIPerf 0.13 do at the same rate? (docs/BENCHMARKS.md, "Trace
// replay: schedule accuracy".)
// A generated Mooncake file with evenly spaced timestamps (row i at i·1000/rate ms, 16-token
// prompts, output_length i + 1 so the server can tell the row) is replayed against a zero-latency
// recording server (bench/replay-recorder-server.mjs), which stamps each request's arrival. The lag
// of row i is (arrival_i − t_i) − min_j (arrival_j − t_j): the delay behind the best-kept offset,
// measured by the server, the same way for both clients (AIPerf's replay_sched_lag definition).
// Run: npm run build && npx vite-node bench/replay-schedule.bench.ts -- [--rates 100,500,2000]
//        [--seconds 10] [--runs 3] [--aiperf-rates 500]   (AIPerf from bash bench/install-aiperf.sh)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aiperfInstalled, type Client, median, percentile, ROOT, startReplay } from './replay-harness.js';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1]! : dflt;
};
const RATES = arg('--rates', '100,500,2000').split(',').map(Number);
const AIPERF_RATES = new Set(arg('--aiperf-rates', '500').split(',').map(Number));
const SECONDS = Number(arg('--seconds', '10'));
const RUNS = Number(arg('--runs', '3'));
const OUT = join(ROOT, 'bench/data/replay-schedule');

function writeTrace(rate: number): string {
  const rows = Math.round(rate * SECONDS);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(JSON.stringify({ timestamp: (i * 1000) / rate, input_length: 16, output_length: i + 1 }));
  const file = join(OUT, `rate-${rate}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Result {
  client: Client;
  rate: number;
  run: number;
  sent: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  wallS: number;
  cpuS: number;
  load: string;
}

async function once(client: Client, rate: number, file: string, run: number): Promise<Result> {
  const { recorder, timed, load } = await startReplay(client, file, join(OUT, `${client}-${rate}-${run}`));
  try {
    const t = await timed.done;
    const { rows } = await recorder.arrivals();
    const offsets = rows.map(([i, ns]) => Number(ns) / 1e6 - (i * 1000) / rate);
    let lo = Number.POSITIVE_INFINITY;
    for (const o of offsets) lo = Math.min(lo, o);
    const lags = offsets.map((o) => o - lo).sort((a, b) => a - b);
    return {
      client,
      rate,
      run,
      sent: rows.length,
      expected: Math.round(rate * SECONDS),
      p50: percentile(lags, 50),
      p99: percentile(lags, 99),
      max: lags[lags.length - 1] ?? Number.NaN,
      wallS: t.wallS,
      cpuS: t.cpuS,
      load,
    };
  } finally {
    await recorder.stop();
  }
}

mkdirSync(OUT, { recursive: true });
const results: Result[] = [];
for (const rate of RATES) {
  const file = writeTrace(rate);
  const clients: Client[] = aiperfInstalled() && AIPERF_RATES.has(rate) ? ['infermark', 'aiperf'] : ['infermark'];
  for (let run = 0; run < RUNS; run++) {
    // Alternate which client goes first, so neither always runs on the warmer machine.
    for (const client of run % 2 === 0 ? clients : [...clients].reverse()) {
      const r = await once(client, rate, file, run);
      results.push(r);
      console.error(
        `${client} ${rate}/s run ${run}: ${r.sent}/${r.expected} sent, lag p50 ${r.p50.toFixed(3)} p99 ${r.p99.toFixed(3)} max ${r.max.toFixed(3)} ms, wall ${r.wallS} s, cpu ${r.cpuS.toFixed(2)} s, load ${r.load}`,
      );
    }
  }
}
writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2));
console.log('| client | rate (req/s) | sent | lag p50 ms | lag p99 ms | lag max ms | wall s | CPU s | load (1/5/15 min) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const rate of RATES) {
  for (const client of ['infermark', 'aiperf'] as Client[]) {
    const rs = results.filter((r) => r.rate === rate && r.client === client);
    if (rs.length === 0) continue;
    const m = (f: (r: Result) => number): string => median(rs.map(f)).toFixed(3);
    console.log(
      `| ${client} | ${rate} | ${rs.map((r) => `${r.sent}/${r.expected}`).join(', ')} | ${m((r) => r.p50)} | ${m((r) => r.p99)} | ${m((r) => r.max)} | ${median(rs.map((r) => r.wallS)).toFixed(2)} | ${median(rs.map((r) => r.cpuS)).toFixed(2)} | ${rs.map((r) => r.load).join('; ')} |`,
    );
  }
}
console.log(`medians of ${RUNS} runs; lag measured at the server (see the header of this file)`);
