// Hand-made run directories for the plot tests: a summary JSON and a records JSONL in our schema
// (docs/exports.md §3, §4), or AIPerf's variant of it, with any export prefix.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecordSpec {
  startMs: number;
  ttft?: number;
  itl?: number;
  latency?: number;
  isl?: number;
  osl?: number;
  scheduleLag?: number;
  error?: boolean;
  phase?: 'warmup' | 'profiling';
}

const T0_NS = 1_796_000_000_000_000_000;

/** One records line in the schema of docs/exports.md §3 (with an inter_chunk_latency list, as profile writes it). */
export function recordLine(r: RecordSpec): string {
  const metrics: Record<string, { value: unknown; unit: string }> = {};
  const put = (tag: string, v: number | undefined, unit: string): void => {
    if (v !== undefined) metrics[tag] = { value: v, unit };
  };
  if (r.error) put('error_isl', r.isl ?? 10, 'tokens');
  else {
    put('time_to_first_token', r.ttft, 'ms');
    put('inter_token_latency', r.itl, 'ms');
    put('request_latency', r.latency, 'ms');
    put('input_sequence_length', r.isl, 'tokens');
    put('output_sequence_length', r.osl, 'tokens');
    put('schedule_lag', r.scheduleLag, 'ms');
    metrics.inter_chunk_latency = { value: [1.5, 2.25, 0.0], unit: 'ms' };
  }
  const start = T0_NS + Math.round(r.startMs * 1e6);
  return JSON.stringify({
    metadata: {
      request_num: 0,
      request_start_ns: start,
      request_end_ns: start + Math.round((r.latency ?? 1) * 1e6),
      benchmark_phase: r.phase ?? 'profiling',
    },
    metrics,
    error: r.error ? { code: 500, type: 'HTTPError', message: 'Internal Server Error' } : null,
  });
}

export interface SummarySpec {
  producer?: 'infermark' | 'aiperf';
  outputTokenThroughput?: number;
  perUser?: number;
  latencyAvg?: number;
  ttftAvg?: number;
}

/** A summary JSON: `schema_version` first, metric blocks, input_config and error_summary. */
export function summaryJson(s: SummarySpec = {}): string {
  const block = (unit: string, avg: number | undefined) => (avg === undefined ? undefined : { unit, avg, p99: avg * 2 });
  return JSON.stringify(
    {
      schema_version: '1.5',
      ...(s.producer === 'aiperf' ? { aiperf_version: '0.13.0' } : { infermark_version: '0.1.0' }),
      time_to_first_token: block('ms', s.ttftAvg ?? 20),
      request_latency: block('ms', s.latencyAvg ?? 200),
      output_token_throughput_per_user: block('tokens/sec/user', s.perUser ?? 50),
      output_token_throughput: block('tokens/sec', s.outputTokenThroughput ?? 400),
      input_config: { endpoint: { model_names: ['m'] } },
      error_summary: [{ error_details: { code: 500, type: 'HTTPError', message: 'boom' }, count: 2 }],
    },
    null,
    2,
  );
}

/** Write a run into `dir`: default names, or `<prefix>.json` + `<prefix>.jsonl` for a custom prefix. */
export function writeRun(
  dir: string,
  options: { prefix?: string; summary?: SummarySpec; records?: RecordSpec[]; lines?: string[] } = {},
): { summaryFile: string; recordsFile: string } {
  mkdirSync(dir, { recursive: true });
  const custom = options.prefix !== undefined;
  const summaryFile = join(dir, custom ? `${options.prefix}.json` : 'profile_export_aiperf.json');
  const recordsFile = join(dir, custom ? `${options.prefix}.jsonl` : 'profile_export.jsonl');
  writeFileSync(summaryFile, summaryJson(options.summary));
  const lines = options.lines ?? (options.records ?? [{ startMs: 0, ttft: 10, itl: 2, latency: 30, isl: 100, osl: 11 }]).map(recordLine);
  writeFileSync(recordsFile, lines.map((l) => `${l}\n`).join(''));
  return { summaryFile, recordsFile };
}
