// Types of analysis.json (docs/trace-analysis.md §5) and of the lenient-mode skip summary.

/** A distribution summary (docs/trace-analysis.md §3.4); all values are doubles. */
export interface MetricStats {
  mean: number;
  std_dev: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

export type InconsistentKind = 'prefix_only' | 'overshoot';

export interface InconsistentRowExample {
  line: number;
  input_length: number;
  num_hash_ids: number;
  kind: InconsistentKind;
}

/** The parsed analysis.json, keys in file order. */
export interface AnalysisReport {
  total_requests: number;
  unique_prefixes: number;
  num_prefix_groups: number;
  cache_hit_rate: number;
  min_isl: number;
  max_isl: number;
  avg_isl: number;
  min_osl: number;
  max_osl: number;
  avg_osl: number;
  prefix_reuse_ratio: number;
  isl_stats: MetricStats | null;
  osl_stats: MetricStats | null;
  context_length_stats: MetricStats | null;
  unique_prompt_length_stats: MetricStats | null;
  hit_rate_stats: MetricStats | null;
  block_size: number;
  skipped_invalid_rows: number;
  rows_without_hash_ids: number;
  rows_without_input_length: number;
  rows_without_timestamp: number;
  inconsistent_rows: number;
  inconsistent_row_examples: InconsistentRowExample[];
  token_weighted_hit_rate: number;
  sessions: number;
  multi_turn_sessions: number;
  duration_ms: number | null;
  request_rate_stats: MetricStats | null;
}

/** Skipped rows of one reason code (docs/trace-format.md §4.3). */
export interface SkipReasonCount {
  reason: string;
  count: number;
  /** The first (at most 5) line numbers, ascending. */
  lines: number[];
}

/**
 * Lenient-mode skip summary as the core serialises it for every command (`SkipSummary::to_json`):
 * reasons in descending count, ties in docs/trace-format.md §4.3 table order; empty in strict mode.
 */
export interface SkipSummary {
  total: number;
  reasons: SkipReasonCount[];
}

/** The transform's run summary (docs/synthesis.md §3.5), from `synthesize` and from `profile`'s in-memory transform; ids and the seed are decimal strings (they may exceed 2^53). */
export interface TransformReport {
  mode: 'transform';
  rows_in: number;
  rows_out: number;
  skipped_max_isl: number;
  sessions_affected: number;
  capped_max_osl: number;
  inconsistent_repaired: number;
  fresh_ids: [string, string] | null;
  trees: string;
  seed: string;
  /** The one stderr line of §3.5. */
  summary: string;
}
