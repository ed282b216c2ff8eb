// The metric catalogue: tag → display header, unit, kind (docs/metrics.md §3, §5, §8, §10). One table
// so the JSON, CSV, console and goodput code cannot disagree on a label or unit.

export type MetricKind = 'record' | 'aggregate';

export interface MetricDef {
  tag: string;
  header: string;
  unit: string;
  kind: MetricKind;
  /** Integer-valued (token counts, counts): min/max/sum written as integers. */
  integer?: boolean;
  /** Larger values are better (throughputs, lengths); used by goodput. */
  largerIsBetter?: boolean;
  /** Needs `--streaming` to have a value. */
  streamingOnly?: boolean;
  /** A list-valued record metric (pooled across records). */
  list?: boolean;
}

function rec(tag: string, header: string, unit: string, extra: Partial<MetricDef> = {}): MetricDef {
  return { tag, header, unit, kind: 'record', ...extra };
}
function agg(tag: string, header: string, unit: string, extra: Partial<MetricDef> = {}): MetricDef {
  return { tag, header, unit, kind: 'aggregate', ...extra };
}

const TOK = { integer: true } as const;

const DEFS: MetricDef[] = [
  rec('time_to_first_token', 'Time to First Token', 'ms', { streamingOnly: true }),
  rec('time_to_second_token', 'Time to Second Token', 'ms', { streamingOnly: true }),
  rec('time_to_first_output_token', 'Time to First Output Token', 'ms', { streamingOnly: true }),
  rec('request_latency', 'Request Latency', 'ms'),
  rec('inter_token_latency', 'Inter Token Latency', 'ms', { streamingOnly: true }),
  rec('inter_chunk_latency', 'Inter Chunk Latency', 'ms', { streamingOnly: true, list: true }),
  rec('inter_token_gap', 'Inter Token Gap', 'ms', { streamingOnly: true, list: true }),
  rec('output_token_throughput_per_user', 'Output Token Throughput Per User', 'tokens/sec/user', {
    streamingOnly: true,
    largerIsBetter: true,
  }),
  rec('e2e_output_token_throughput', 'E2E Output Token Throughput', 'tokens/sec/user', { largerIsBetter: true }),
  rec('prefill_throughput_per_user', 'Prefill Throughput Per User', 'tokens/sec/user', { streamingOnly: true, largerIsBetter: true }),
  rec('input_sequence_length', 'Input Sequence Length', 'tokens', { ...TOK, largerIsBetter: true }),
  rec('output_sequence_length', 'Output Sequence Length', 'tokens', { ...TOK, largerIsBetter: true }),
  rec('output_token_count', 'Output Token Count', 'tokens', TOK),
  rec('reasoning_token_count', 'Reasoning Token Count', 'tokens', TOK),
  rec('effective_latency', 'Effective Latency', 'ms'),
  rec('credit_to_start_latency', 'Credit To Start Latency', 'ms'),
  rec('schedule_lag', 'Schedule Lag', 'ms'),
  rec('replay_send_schedule_offset', 'Replay Send Schedule Offset', 'ms'),
  rec('usage_prompt_tokens', 'Usage Prompt Tokens', 'tokens', TOK),
  rec('usage_completion_tokens', 'Usage Completion Tokens', 'tokens', TOK),
  rec('usage_total_tokens', 'Usage Total Tokens', 'tokens', TOK),
  rec('usage_reasoning_tokens', 'Usage Reasoning Tokens', 'tokens', TOK),
  rec('usage_prompt_cache_read_tokens', 'Usage Prompt Cache Read Tokens', 'tokens', TOK),
  rec('usage_prompt_tokens_diff_pct', 'Usage Prompt Diff', '%'),
  rec('usage_completion_tokens_diff_pct', 'Usage Completion Diff', '%'),
  rec('usage_reasoning_tokens_diff_pct', 'Usage Reasoning Diff', '%'),
  rec('osl_mismatch_diff_pct', 'OSL Mismatch', '%'),
  rec('error_isl', 'Error Input Sequence Length', 'tokens', TOK),
  // Embeddings and rankings (docs/metrics.md §5.1): inputs per request, named like AIPerf's `num_images`.
  rec('num_embeddings', 'Number of Embeddings', 'embeddings', { integer: true, largerIsBetter: true }),
  rec('num_passages', 'Number of Passages', 'passages', { integer: true, largerIsBetter: true }),
  // Network calibration (docs/metrics.md §14): made at the end of the run, never per record.
  rec('network_adjusted_time_to_first_token', 'Network-Adjusted Time to First Token', 'ms', { streamingOnly: true }),
  rec('network_adjusted_time_to_first_output_token', 'Network-Adjusted Time to First Output Token', 'ms', { streamingOnly: true }),
  rec('network_adjusted_request_latency', 'Network-Adjusted Request Latency', 'ms'),

  agg('request_count', 'Request Count', 'requests', { integer: true }),
  agg('error_request_count', 'Error Request Count', 'requests', { integer: true }),
  agg('cancelled_request_count', 'Cancelled Request Count', 'requests', { integer: true }),
  agg('completed_request_count', 'Completed Request Count', 'requests', { integer: true }),
  agg('request_error_rate', 'Request Error Rate', '%'),
  agg('benchmark_duration', 'Benchmark Duration', 'sec'),
  agg('request_throughput', 'Request Throughput', 'requests/sec'),
  agg('output_token_throughput', 'Output Token Throughput', 'tokens/sec'),
  agg('input_token_throughput', 'Input Token Throughput', 'tokens/sec'),
  agg('total_token_throughput', 'Total Token Throughput', 'tokens/sec'),
  agg('embedding_throughput', 'Embedding Throughput', 'embeddings/sec', { largerIsBetter: true }),
  agg('passage_throughput', 'Passage Throughput', 'passages/sec', { largerIsBetter: true }),
  agg('total_embeddings', 'Total Embeddings', 'embeddings', { integer: true }),
  agg('total_passages', 'Total Passages', 'passages', { integer: true }),
  agg('total_isl', 'Total ISL', 'tokens', TOK),
  agg('total_osl', 'Total OSL', 'tokens', TOK),
  agg('total_output_tokens', 'Total Output Tokens', 'tokens', TOK),
  agg('total_reasoning_tokens', 'Total Reasoning Tokens', 'tokens', TOK),
  agg('total_error_isl', 'Total Error ISL', 'tokens', TOK),
  agg('total_usage_prompt_tokens', 'Total Usage Prompt Tokens', 'tokens', TOK),
  agg('total_usage_completion_tokens', 'Total Usage Completion Tokens', 'tokens', TOK),
  agg('total_usage_prompt_cache_read_tokens', 'Total Usage Prompt Cache Read Tokens', 'tokens', TOK),
  agg('overall_usage_prompt_cache_read_pct', 'Prompt Cache Read', '%'),
  agg('usage_discrepancy_count', 'Usage Discrepancy Count', 'requests', { integer: true }),
  agg('osl_mismatch_count', 'OSL Mismatch Count', 'requests', { integer: true }),
  agg('good_request_count', 'Good Request Count', 'requests', { integer: true }),
  agg('goodput', 'Goodput', 'requests/sec'),
  agg('good_request_fraction', 'Good Request Fraction', 'ratio'),
  agg('replay_sched_lag_p50', 'Replay Schedule Lag p50', 'ms'),
  agg('replay_sched_lag_p90', 'Replay Schedule Lag p90', 'ms'),
  agg('replay_sched_lag_p99', 'Replay Schedule Lag p99', 'ms'),
  agg('replay_sched_degraded', 'Replay Schedule Degraded', 'count', { integer: true }),
  agg('client_event_loop_lag_p50', 'Client Event Loop Lag p50', 'ms'),
  agg('client_event_loop_lag_p99', 'Client Event Loop Lag p99', 'ms'),
  agg('client_event_loop_lag_max', 'Client Event Loop Lag Max', 'ms'),
  agg('client_event_loop_utilization_avg', 'Client Event Loop Utilization Avg', '%'),
  agg('client_event_loop_utilization_max', 'Client Event Loop Utilization Max', '%'),
  agg('client_cpu_percent_avg', 'Client CPU Avg', '%'),
  agg('client_cpu_percent_max', 'Client CPU Max', '%'),
  agg('client_schedule_lag_p50', 'Client Schedule Lag p50', 'ms'),
  agg('client_schedule_lag_p99', 'Client Schedule Lag p99', 'ms'),
  agg('client_schedule_lag_max', 'Client Schedule Lag Max', 'ms'),
  agg('client_connection_resends', 'Client Connection Resends', 'requests', { integer: true }),
  agg('requested_request_rate', 'Requested Request Rate', 'requests/sec'),
  agg('achieved_request_rate', 'Achieved Request Rate', 'requests/sec'),
  agg('network_rtt', 'Network RTT', 'ms'),
];

/** Every known metric by tag. */
export const METRICS: ReadonlyMap<string, MetricDef> = new Map(DEFS.map((d) => [d.tag, d]));

/** Twins of docs/metrics.md §6.1. */
export const ADJUSTED_TAGS = ['time_to_first_token', 'request_latency', 'inter_token_latency', 'effective_latency'] as const;

/** Definition of `tag`, including `adj_<tag>` twins (same header prefixed, same unit). */
export function metricDef(tag: string): MetricDef {
  const d = METRICS.get(tag);
  if (d) return d;
  if (tag.startsWith('adj_')) {
    const base = METRICS.get(tag.slice(4));
    if (base) return { ...base, tag, header: `Error-Adjusted ${base.header}` };
  }
  throw new Error(`unknown metric tag '${tag}'`);
}

/** Console display order (docs/exports.md §9); JSON blocks follow it, then the rest alphabetically. */
export const CONSOLE_ORDER = [
  'time_to_first_token',
  'network_adjusted_time_to_first_token',
  'time_to_second_token',
  'time_to_first_output_token',
  'network_adjusted_time_to_first_output_token',
  'request_latency',
  'network_adjusted_request_latency',
  'network_rtt',
  'inter_token_latency',
  'output_token_throughput_per_user',
  'e2e_output_token_throughput',
  'output_sequence_length',
  'input_sequence_length',
  'num_embeddings',
  'num_passages',
  'output_token_throughput',
  'embedding_throughput',
  'passage_throughput',
  'request_throughput',
  'goodput',
  'request_count',
  'error_request_count',
] as const;

/** Order tags for the summary JSON: console order first, then alphabetical. */
export function jsonOrder(tags: Iterable<string>): string[] {
  const rank = new Map<string, number>(CONSOLE_ORDER.map((t, i) => [t, i]));
  return [...tags].sort((a, b) => {
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra !== undefined && rb !== undefined) return ra - rb;
    if (ra !== undefined) return -1;
    if (rb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** `<Header> (<unit>)`, without the unit for `count`/`requests` (docs/exports.md §5). */
export function metricLabel(tag: string): string {
  const d = metricDef(tag);
  return d.unit === 'count' || d.unit === 'requests' ? d.header : `${d.header} (${d.unit})`;
}
