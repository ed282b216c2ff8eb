// `input_config` of the summary JSON (docs/exports.md §4.1) from the resolved profile configuration.
// Secrets are passed in clear; the report writers redact them.
import { isRankingsType } from '../config/retrieval-config.js';
import type { InputConfig } from './summary-json.js';
import type { ProfileConfig } from '../config/profile-config.js';
import { transformFlagsJson } from '../config/synthesis-flags.js';

/** What reading an `--input-file` found that `input_config` reports (docs/exports.md §4.1, docs/trace-format.md §4.2). */
export interface InputFileReport {
  /** The in-memory transform's report (docs/synthesis.md §3.5), or null when no transform ran. */
  synthesisReport: object | null;
  /** Rows skipped by `--skip-invalid`. */
  skippedInvalidRows: number;
}

export function inputConfigOf(
  config: ProfileConfig,
  tokenizer: { name: string; resolvedPath: string | null },
  file: InputFileReport | null = null,
): InputConfig {
  const e = config.endpoint;
  const d = config.dataset;
  const f = d.file;
  const l = config.load;
  const m = l.mode;
  const o = config.output;
  const fixed = m.kind === 'fixed-schedule' ? m : null;
  return {
    endpoint: {
      model_names: e.models,
      model_selection_strategy: e.modelSelection,
      type: e.type,
      custom_endpoint: e.customEndpoint,
      streaming: e.streaming,
      url: e.urls.length === 1 ? e.urls[0]! : e.urls,
      timeout_seconds: e.timeoutSeconds,
      api_key: e.apiKey,
      headers: Object.keys(e.headers).length > 0 ? e.headers : null,
      extra: Object.keys(e.extra).length > 0 ? e.extra : null,
      connection_reuse_strategy: e.connectionReuseStrategy,
      // Only when on: it changes what ITL means (docs/metrics.md §3.1); other runs keep their layout.
      ...(config.responses.perChunkUsage ? { per_chunk_usage: true as const } : {}),
    },
    // A file's prompts come from its rows: the synthetic prompt options do not apply (null), except
    // --osl, the max-tokens of rows without output_length.
    input: {
      file: f?.path ?? null,
      custom_dataset_type: f?.type ?? null,
      skip_invalid: f?.skipInvalid ?? false,
      block_size: f?.blockSize ?? null,
      random_seed: d.randomSeed,
      num_dataset_entries: f ? null : d.numDatasetEntries,
      prompt: {
        input_tokens: f ? { mean: null, stddev: null } : { mean: d.isl, stddev: d.islStddev },
        output_tokens: { mean: d.osl, stddev: f ? null : d.oslStddev },
        // Synthetic prompts per embeddings request (docs/cli.md §3.14), AIPerf's prompt.batch_size.
        batch_size: f ? null : config.retrieval.batchSize,
        prefix_prompt: f
          ? { pool_size: null, length: null }
          : { pool_size: d.prefixPrompts?.poolSize ?? 0, length: d.prefixPrompts?.length ?? 0 },
        system_prompt_file: d.systemPrompt?.file ?? null,
        sequence_distribution:
          d.seqDist?.map((p) => ({ isl: p.isl, isl_stddev: p.islStddev, osl: p.osl, osl_stddev: p.oslStddev, prob: p.percent })) ?? null,
      },
      // The synthetic query and passages of a rankings type (docs/cli.md §3.14), else null.
      rankings:
        f || !isRankingsType(e.type)
          ? null
          : {
              passages: config.retrieval.passages,
              passage_tokens: config.retrieval.passageTokens,
              query_tokens: config.retrieval.queryTokens,
            },
      fixed_schedule: fixed !== null,
      fixed_schedule_auto_offset: fixed?.autoOffset ?? null,
      fixed_schedule_start_offset: fixed?.startOffsetMs ?? null,
      fixed_schedule_end_offset: fixed?.endOffsetMs ?? null,
      synthesis: f?.synthesis ? transformFlagsJson(f.synthesis) : null,
      synthesis_report: file?.synthesisReport ?? null,
      // Not in AIPerf's input_config: lenient runs report what they left out (docs/trace-format.md §4.2).
      skipped_invalid_rows: f ? (file?.skippedInvalidRows ?? 0) : null,
      goodput: null,
    },
    loadgen: {
      concurrency: l.concurrency,
      request_rate: m.kind === 'rate' ? m.rate : null,
      arrival_pattern: m.kind === 'rate' ? m.pattern : null,
      arrival_smoothness: m.kind === 'rate' && m.pattern === 'gamma' ? m.smoothness : null,
      request_count: l.requestCount,
      benchmark_duration: l.benchmarkDuration,
      benchmark_grace_period:
        l.benchmarkDuration === null ? null : Number.isFinite(l.benchmarkGracePeriod) ? l.benchmarkGracePeriod : 'inf',
      warmup_request_count: l.warmupRequestCount,
      warmup_duration: l.warmupDuration,
      request_cancellation_rate: l.requestCancellationRate,
      request_cancellation_delay: l.requestCancellationRate === null ? null : l.requestCancellationDelay,
      user_centric_rate: m.kind === 'user-centric' ? m.rate : null,
      num_users: m.kind === 'user-centric' ? m.users : null,
      session_turns_mean: f ? null : d.sessionTurnsMean,
      session_turns_stddev: f ? null : d.sessionTurnsStddev,
      session_turn_delay_mean: f ? null : d.sessionTurnDelayMean,
      shared_system_prompt_length: d.sharedSystemPromptLength,
      workers: l.workers,
      // Not in AIPerf's input_config: a sharded run's place (docs/cli.md §3.8); `merge` reads the count.
      shard_index: l.shard?.index ?? null,
      shard_count: l.shard?.count ?? null,
      // The load-shaping flags as given (docs/cli.md §3.4.1), null when not set.
      ...shapingInputs(config.options),
    },
    output: {
      artifact_directory: o.artifactDir,
      profile_export_prefix: o.profileExportPrefix,
      export_level: o.exportLevel,
      slice_duration: o.sliceDuration,
    },
    tokenizer: { name: tokenizer.name, resolved_path: tokenizer.resolvedPath },
    server_metrics: { enabled: o.serverMetricsEnabled, urls: o.serverMetricsUrls },
  };
}

/** `input_config.loadgen`'s load-shaping keys: AIPerf's flag names in snake_case, the values as given. */
function shapingInputs(o: ProfileConfig['options']): Record<string, number | string | null> {
  return {
    concurrency_ramp_duration: o.concurrencyRampDuration ?? null,
    request_rate_ramp_duration: o.requestRateRampDuration ?? null,
    prefill_concurrency: o.prefillConcurrency ?? null,
    prefill_concurrency_ramp_duration: o.prefillConcurrencyRampDuration ?? null,
    num_warmup_sessions: o.numWarmupSessions ?? null,
    warmup_concurrency: o.warmupConcurrency ?? null,
    warmup_prefill_concurrency: o.warmupPrefillConcurrency ?? null,
    warmup_request_rate: o.warmupRequestRate ?? null,
    warmup_arrival_pattern: o.warmupArrivalPattern ?? null,
    warmup_grace_period: o.warmupGracePeriod ?? null,
    warmup_concurrency_ramp_duration: o.warmupConcurrencyRampDuration ?? null,
    warmup_prefill_concurrency_ramp_duration: o.warmupPrefillConcurrencyRampDuration ?? null,
    warmup_request_rate_ramp_duration: o.warmupRequestRateRampDuration ?? null,
  };
}
