// One `profile_export.jsonl` line (docs/exports.md §3.1–§3.2) and one raw-export line (§3.3).
import { metricDef } from '../metrics/metric-defs.js';
import type { MetricRecord } from '../metrics/record-processor.js';
import { jf, toJson, type JsonValue } from './json-writer.js';
import { redactHeaders, type SecretScrubber } from './redact.js';
import { traceDataJson } from './http-trace-json.js';

export interface LineContext {
  toWallNs: (monoNs: bigint) => bigint;
  /** Open-loop mode: `scheduled_ns` is the intended send time; null in closed loop. */
  openLoop: boolean;
  scrubber: SecretScrubber;
  /** A sharded run's shard index (docs/cli.md §3.8), written as `shard_index`; absent or null otherwise. */
  shardIndex?: number | null;
}

/** Metadata in the §3.1 key order: AIPerf's fields first, then infermark's. */
export function recordMetadata(r: MetricRecord, ctx: LineContext): Record<string, JsonValue> {
  const raw = r.raw;
  const w = ctx.toWallNs;
  return {
    request_num: raw.requestNum,
    session_num: raw.sessionNum,
    x_request_id: raw.xRequestId,
    x_correlation_id: raw.xCorrelationId,
    conversation_id: raw.conversationId,
    turn_index: raw.turnIndex,
    credit_issued_ns: w(raw.creditIssuedNs),
    request_start_ns: w(raw.requestStartNs),
    request_ack_ns: raw.requestAckNs === null ? null : w(raw.requestAckNs),
    request_end_ns: w(raw.requestEndNs),
    worker_id: raw.workerId,
    record_processor_id: r.recordProcessorId,
    benchmark_phase: raw.phase,
    was_cancelled: raw.wasCancelled,
    cancellation_time_ns: raw.cancellationNs === null ? null : w(raw.cancellationNs),
    clock_offset_ns: raw.clockOffsetNs,
    // Only in sharded runs, so the records of an unsharded run keep their exact layout (docs/exports.md §3.1).
    ...(ctx.shardIndex === undefined || ctx.shardIndex === null ? {} : { shard_index: ctx.shardIndex }),
    scheduled_ns: ctx.openLoop && raw.scheduledNs !== null ? w(raw.scheduledNs) : null,
    trace_line: raw.traceLine,
    requested_isl: raw.requestedIsl,
    requested_osl: raw.requestedOsl,
    model: raw.model,
    connection_resends: raw.connectionResends,
    // Only with several `--url`s: the records of a one-URL run keep their layout (docs/exports.md §3.1).
    ...(raw.urlIndex === undefined ? {} : { url_index: raw.urlIndex }),
    // Only when true: ordinary records keep their exact layout (docs/exports.md §3.1).
    ...(r.tokenCountsEstimated ? { token_counts_estimated: true } : {}),
  };
}

/** Record metrics in display units; integer metrics as integers, the rest as floats. */
export function recordMetricsJson(r: MetricRecord): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [tag, v] of Object.entries(r.metrics)) {
    const def = metricDef(tag);
    const value: JsonValue = Array.isArray(v) ? v.map((x) => jf(x)) : def.integer ? v : jf(v);
    out[tag] = { value, unit: def.unit };
  }
  return out;
}

function errorJson(r: MetricRecord, scrubber: SecretScrubber): JsonValue {
  if (r.error === null) return null;
  return { code: r.error.code, type: scrubber.scrub(r.error.type), message: scrubber.scrub(r.error.message) };
}

/** The `profile_export.jsonl` line, without the trailing newline. */
export function recordLine(r: MetricRecord, ctx: LineContext): string {
  const trace = r.raw.httpTrace;
  if (trace !== undefined) {
    // `--export-http-trace` (§3.4): between metrics and error, where AIPerf writes it; its headers may hold secrets.
    const traceData = traceDataJson(trace, r.raw.requestStartNs, ctx.toWallNs);
    return ctx.scrubber.scrub(
      toJson({ metadata: recordMetadata(r, ctx), metrics: recordMetricsJson(r), trace_data: traceData, error: errorJson(r, ctx.scrubber) }),
    );
  }
  return toJson({ metadata: recordMetadata(r, ctx), metrics: recordMetricsJson(r), error: errorJson(r, ctx.scrubber) });
}

/** The `profile_export_raw.jsonl` line (headers redacted, offsets relative to request_start). */
export function rawLine(r: MetricRecord, ctx: LineContext): string {
  const raw = r.raw;
  const line = toJson({
    metadata: recordMetadata(r, ctx),
    request: { url: raw.request.url, headers: redactHeaders(raw.request.headers), body: raw.request.body as JsonValue },
    responses: raw.responses.map((resp) => ({ offset_ns: resp.recvNs - raw.requestStartNs, data: resp.data })),
    error: errorJson(r, ctx.scrubber),
  });
  return ctx.scrubber.scrub(line);
}
