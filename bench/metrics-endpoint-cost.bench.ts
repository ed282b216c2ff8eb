// Question: what does `--metrics-port` cost the report thread, apart from the noise of a whole run?
// The CPU of one record's update of the Prometheus series (BenchmarkPrometheus.onRecord +
// onMetricRecord: counters, four histograms) and of one scrape's rendering, measured in this
// process with process.cpuUsage over many iterations (medians of --runs rounds). The end-to-end
// figures with a real run are bench/observability-overhead.bench.ts's.
// Run: npx vite-node bench/metrics-endpoint-cost.bench.ts [-- --records 200000 --scrapes 2000 --runs 5]
import { loadavg } from 'node:os';
import type { RawRequestRecord } from '../ts/src/metrics/raw-record.js';
import type { MetricRecord } from '../ts/src/metrics/record-processor.js';
import { BenchmarkPrometheus } from '../ts/src/report/benchmark-prometheus.js';
import { median } from './ttft-truth-harness.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = arg('--records', 200_000);
const SCRAPES = arg('--scrapes', 2_000);
const RUNS = arg('--runs', 5);

/** A streamed success with every metric the series read, its values spread over the buckets; 1 in 20 fails. */
function records(n: number): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (let i = 0; i < n; i++) {
    const failed = i % 20 === 0;
    const metrics: MetricRecord['metrics'] = failed
      ? { error_isl: 100 }
      : {
          time_to_first_token: 20 + (i % 997),
          inter_token_latency: 2 + (i % 89) / 3,
          request_latency: 300 + (i % 7919),
          schedule_lag: (i % 13) / 10,
          input_sequence_length: 1000,
          output_sequence_length: 100,
          output_token_count: 100,
        };
    out.push({
      metrics,
      raw: { phase: 'profiling' } as RawRequestRecord,
      phase: 'profiling',
      error: failed ? { code: 500, type: i % 40 === 0 ? 'ServerError' : 'TimeoutError', message: '' } : null,
    } as Partial<MetricRecord> as MetricRecord);
  }
  return out;
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const input = records(RECORDS);
const perRecordNs: number[] = [];
const perScrapeUs: number[] = [];
let bytes = 0;
const load = [loadavg()[0]!];
for (let run = 0; run < RUNS; run++) {
  const m = new BenchmarkPrometheus({ version: 'bench', benchmarkId: 'bench', models: ['m'] });
  m.onPhaseStart('profiling');
  let t = cpuUs();
  for (const r of input) {
    m.onRecord(r.raw);
    m.onMetricRecord(r);
  }
  perRecordNs.push(((cpuUs() - t) * 1000) / RECORDS);
  t = cpuUs();
  for (let i = 0; i < SCRAPES; i++) bytes = (await m.render()).length;
  perScrapeUs.push((cpuUs() - t) / SCRAPES);
}
load.push(loadavg()[0]!);
console.log(`records ${RECORDS}, scrapes ${SCRAPES}, runs ${RUNS}, load average ${load.map((l) => l.toFixed(1)).join(' → ')}`);
console.log(`per record: ${median(perRecordNs).toFixed(0)} ns CPU (runs: ${perRecordNs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`per 1,000 records: ${(median(perRecordNs) / 1000).toFixed(3)} ms CPU`);
console.log(
  `per scrape: ${median(perScrapeUs).toFixed(0)} µs CPU, ${bytes} bytes (runs: ${perScrapeUs.map((x) => x.toFixed(0)).join(', ')})`,
);
