// `input_config` of the summary JSON (docs/exports.md §4.1) from the resolved profile configuration.
// Secrets are passed in clear; the report writers redact them.
import type { InputConfig } from './summary-json.js';
import type { ProfileConfig } from '../config/profile-config.js';

export function inputConfigOf(config: ProfileConfig, tokenizer: { name: string; resolvedPath: string | null }): InputConfig {
  const e = config.endpoint;
  const d = config.dataset;
  const l = config.load;
  const m = l.mode;
  const o = config.output;
  return {
    endpoint: {
      model_names: e.models,
      type: e.type,
      custom_endpoint: e.customEndpoint,
      streaming: e.streaming,
      url: e.urls.length === 1 ? e.urls[0]! : e.urls,
      timeout_seconds: e.timeoutSeconds,
      api_key: e.apiKey,
      headers: Object.keys(e.headers).length > 0 ? e.headers : null,
      extra: Object.keys(e.extra).length > 0 ? e.extra : null,
      connection_reuse_strategy: e.connectionReuseStrategy,
    },
    input: {
      file: null,
      custom_dataset_type: null,
      skip_invalid: false,
      block_size: null,
      random_seed: d.randomSeed,
      num_dataset_entries: d.numDatasetEntries,
      prompt: {
        input_tokens: { mean: d.isl, stddev: d.islStddev },
        output_tokens: { mean: d.osl, stddev: d.oslStddev },
      },
      fixed_schedule: false,
      fixed_schedule_auto_offset: null,
      fixed_schedule_start_offset: null,
      fixed_schedule_end_offset: null,
      synthesis: null,
      synthesis_report: null,
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
      user_centric_rate: null,
      num_users: null,
      session_turns_mean: d.sessionTurnsMean,
      session_turns_stddev: d.sessionTurnsStddev,
      session_turn_delay_mean: d.sessionTurnDelayMean,
      shared_system_prompt_length: d.sharedSystemPromptLength,
      workers: l.workers,
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
