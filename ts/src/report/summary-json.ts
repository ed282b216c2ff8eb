// `profile_export_aiperf.json` (docs/exports.md §4) and the shared metric-block encoding.
import type { ConnectionReuseStrategy, EndpointType, ExportLevel, ModelSelectionStrategy } from '../config/defaults.js';
import type { MetricBlock, RunMetrics } from '../metrics/aggregate.js';
import { metricDef } from '../metrics/metric-defs.js';
import type { TraceFidelity } from '../metrics/trace-fidelity.js';
import { STAT_KEYS } from '../metrics/stats.js';
import { jf, toJson, type JsonValue } from './json-writer.js';
import { REDACTED, formatCliCommand, redactHeaders, type SecretScrubber } from './redact.js';
import { isoMicros } from './time-format.js';

/**
 * The resolved configuration of docs/exports.md §4.1, filled by the `profile` command. Unset options
 * are `null`. Secrets may be given in clear: `redactInputConfig` (called by every writer)
 * replaces `endpoint.api_key`, secret `endpoint.headers` values and the `cli_command`.
 */
export interface InputConfig {
  endpoint: {
    model_names: string[];
    model_selection_strategy: ModelSelectionStrategy;
    type: EndpointType;
    custom_endpoint: string | null;
    streaming: boolean;
    url: string | string[];
    timeout_seconds: number;
    api_key: string | null;
    headers: Record<string, string> | null;
    extra: Record<string, unknown> | null;
    connection_reuse_strategy: ConnectionReuseStrategy;
    /** Only when `--per-chunk-usage` was given (docs/exports.md §4.1). */
    per_chunk_usage?: true;
  };
  input: Record<string, unknown>;
  loadgen: Record<string, unknown>;
  output: {
    artifact_directory: string;
    profile_export_prefix: string | null;
    export_level: ExportLevel;
    slice_duration: number | null;
  };
  tokenizer: { name: string; resolved_path: string | null };
  server_metrics: { enabled: boolean; urls: string[] };
  /** Ignored on input: the summary writers use the redacted form of the run's argv. */
  cli_command?: string;
}

/** Keep floats that are integral written as floats where the option is a float. */
function plain(v: unknown): JsonValue {
  if (v === undefined) return null;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const o: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = plain(x);
    return o;
  }
  return String(v);
}

/** `input_config` with secrets replaced by `***` (docs/exports.md §4.1). */
export function redactInputConfig(config: InputConfig, argv: readonly string[]): Record<string, JsonValue> {
  const endpoint = {
    ...config.endpoint,
    api_key: config.endpoint.api_key ? REDACTED : null,
    headers: config.endpoint.headers ? redactHeaders(config.endpoint.headers) : null,
  };
  return {
    endpoint: plain(endpoint),
    input: plain(config.input),
    loadgen: plain(config.loadgen),
    output: plain(config.output),
    tokenizer: plain(config.tokenizer),
    server_metrics: plain(config.server_metrics),
    cli_command: formatCliCommand(argv),
  };
}

/** One metric block: record metrics carry the statistic set, aggregates `{unit, avg}`. */
export function blockJson(tag: string, block: MetricBlock): Record<string, JsonValue> {
  const def = metricDef(tag);
  const out: Record<string, JsonValue> = { unit: block.unit };
  for (const key of STAT_KEYS) {
    const v = block.stats[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    const integral =
      key === 'count' ||
      (def.integer === true && (def.kind === 'aggregate' ? key === 'avg' : key === 'min' || key === 'max' || key === 'sum'));
    out[key] = integral ? v : jf(v);
  }
  return out;
}

export function blocksJson(blocks: ReadonlyMap<string, MetricBlock>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [tag, block] of blocks) out[tag] = blockJson(tag, block);
  return out;
}

export interface RunInfo {
  sweep_id: string | null;
  random_seed: bigint | number | null;
  trial: number;
  run_label: string | null;
  variation_label: string;
  variation_index: number | null;
  variation_values: Record<string, unknown> | null;
}

export type { TraceFidelity };

export interface SummaryJsonInput {
  version: string;
  benchmarkId: string;
  startWallNs: bigint;
  endWallNs: bigint;
  wasCancelled: boolean;
  run: RunMetrics;
  /**
   * The configuration, redacted on writing; or `input_config` as written, already redacted (`merge`
   * writes its first shard's, docs/cli.md §9).
   */
  inputConfig: InputConfig | { redacted: Record<string, JsonValue> };
  argv: readonly string[];
  runInfo: RunInfo;
  traceFidelity: TraceFidelity | null;
  warmup: RunMetrics | null;
  scrubber: SecretScrubber;
  /** The `gpu_telemetry` block (docs/exports.md §14), when GPU telemetry was collected. */
  gpuTelemetry?: Record<string, JsonValue> | null;
  /** Keys after `client_health` (`merge`'s `merge` block, docs/exports.md §4 item 9). */
  extra?: Record<string, JsonValue>;
}

/** `client_health`: the verdict, and where the load engine ran when that is known. */
function clientHealthJson(h: RunMetrics['clientHealth']): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { saturated: h.saturated, reasons: h.reasons };
  const t = h.loadThreads;
  if (t) out['load_engine'] = { threads: t.threads, main_thread: t.mainThread, automatic: t.automatic };
  return out;
}

/** The complete summary JSON text (2-space indent, trailing newline). */
export function summaryJson(i: SummaryJsonInput): string {
  const doc: Record<string, JsonValue> = {
    schema_version: '1.5',
    infermark_version: i.version,
    benchmark_id: i.benchmarkId,
    start_time: isoMicros(i.startWallNs),
    end_time: isoMicros(i.endWallNs),
    was_cancelled: i.wasCancelled,
    ...blocksJson(i.run.blocks),
    input_config: 'redacted' in i.inputConfig ? i.inputConfig.redacted : redactInputConfig(i.inputConfig, i.argv),
    run_info: {
      benchmark_id: i.benchmarkId,
      sweep_id: i.runInfo.sweep_id,
      random_seed: i.runInfo.random_seed,
      trial: i.runInfo.trial,
      run_label: i.runInfo.run_label,
      variation_label: i.runInfo.variation_label,
      variation_index: i.runInfo.variation_index,
      variation_values: plain(i.runInfo.variation_values),
      cli_command: formatCliCommand(i.argv),
    },
    error_summary: i.run.errorSummary.map((g) => ({
      error_details: { code: g.error.code, type: g.error.type, message: g.error.message },
      count: g.count,
    })),
    client_health: clientHealthJson(i.run.clientHealth),
    ...(i.extra ?? {}),
  };
  if (i.traceFidelity) {
    const t = i.traceFidelity;
    doc['trace_fidelity'] = {
      rows: t.rows,
      requested_isl_mean: jf(t.requested_isl_mean),
      materialised_isl_mean: jf(t.materialised_isl_mean),
      abs_diff_mean: jf(t.abs_diff_mean),
      abs_diff_max: t.abs_diff_max,
      rows_off_by_more_than_1pct: t.rows_off_by_more_than_1pct,
    };
  }
  if (i.gpuTelemetry) doc['gpu_telemetry'] = i.gpuTelemetry;
  if (i.warmup) doc['warmup_metrics'] = blocksJson(i.warmup.blocks);
  return `${i.scrubber.scrub(toJson(doc, 2))}\n`;
}
