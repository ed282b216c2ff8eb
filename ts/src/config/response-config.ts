// What is done with the responses beyond the standard metrics (docs/cli.md §3.11): per-chunk token
// counts asked of the server (`--per-chunk-usage`) and the generated text written to outputs.json
// (`--export-outputs-json`), with their cross-option rules. AIPerf 0.13's names.
import { UsageError } from '../errors.js';
import type { EndpointType } from './defaults.js';

export interface ResponseOptions {
  perChunkUsage?: boolean;
  exportOutputsJson?: boolean;
}

export interface ResponseConfig {
  /** Send `stream_options.continuous_usage_stats` and count tokens per chunk (docs/metrics.md §3.1). */
  perChunkUsage: boolean;
  /** Write `outputs.json` (docs/exports.md §16). */
  exportOutputsJson: boolean;
}

/** The endpoint types whose bodies take OpenAI's `stream_options`. */
const STREAM_OPTIONS_ENDPOINTS: readonly EndpointType[] = ['chat', 'completions'];

/**
 * `--profile-export-prefix` values whose summary JSON would be `outputs.json` itself: the prefix
 * with the suffixes the file names strip (docs/exports.md §2) reduces to `outputs`.
 */
const OUTPUTS_PREFIX = /^outputs(?:\.jsonl|\.json|\.csv|_aiperf|_timeslices|_raw)*$/;

export function resolveResponseConfig(
  o: ResponseOptions & { streaming?: boolean; streamUsage?: boolean; profileExportPrefix?: string },
  endpointType: EndpointType,
): ResponseConfig {
  const perChunkUsage = o.perChunkUsage === true;
  if (perChunkUsage) {
    // Per-chunk counts exist only on a stream, and a server sends them only with include_usage.
    if (o.streaming !== true) {
      throw new UsageError("option '--per-chunk-usage' requires option '--streaming' (the counts ride on the streamed chunks)");
    }
    if (o.streamUsage === false) {
      throw new UsageError(
        "option '--per-chunk-usage' cannot be used with option '--no-stream-usage' (continuous_usage_stats is a field of the stream_options that option leaves out)",
      );
    }
    if (!STREAM_OPTIONS_ENDPOINTS.includes(endpointType)) {
      throw new UsageError(
        `option '--per-chunk-usage' cannot be used with option '--endpoint-type ${endpointType}' (only chat and completions bodies take stream_options)`,
      );
    }
  }
  const exportOutputsJson = o.exportOutputsJson === true;
  if (exportOutputsJson && o.profileExportPrefix !== undefined && OUTPUTS_PREFIX.test(o.profileExportPrefix)) {
    throw new UsageError(
      `option '--profile-export-prefix ${o.profileExportPrefix}' cannot be used with option '--export-outputs-json' (the summary would be written to outputs.json too)`,
    );
  }
  return { perChunkUsage, exportOutputsJson };
}
