// One `profile_export.jsonl` line (docs/exports.md §3) read back into what the statistics need:
// the metric values as written (shortest round-trip floats, so the very doubles `profile` had) and
// the wall-clock stamps as exact integers, moved onto the common timeline by the record's
// `clock_offset_ns` (docs/cli.md §9).
import type { RequestError } from '../metrics/raw-record.js';
import { USAGE_DIFF_TAGS, USAGE_DISCREPANCY_PCT, oslMismatches, type RecordMetrics } from '../metrics/record-processor.js';
import type { StoredRecord } from '../metrics/record-store.js';

export interface ShardRecord {
  phase: 'warmup' | 'profiling';
  xRequestId: string;
  /** `request_end_ns` on the common timeline: the order in which shards' records are interleaved. */
  endNs: bigint;
  stored: StoredRecord;
  /** The line for the merged records file: stamps on the common timeline, `clock_offset_ns` 0. */
  line: string;
}

/** A line that cannot be used, and why. */
export interface SkippedLine {
  skip: string;
}

/**
 * The wall-clock stamps of the metadata, read as text: they exceed 2^53 and JSON.parse would round
 * them. A key inside a JSON string has its quotes escaped, so the pattern only meets real keys.
 */
const STAMP =
  /"(credit_issued_ns|request_start_ns|request_ack_ns|request_end_ns|cancellation_time_ns|scheduled_ns|clock_offset_ns)"\s*:\s*(-?\d+|null)/g;

type StampKey =
  | 'credit_issued_ns'
  | 'request_start_ns'
  | 'request_ack_ns'
  | 'request_end_ns'
  | 'cancellation_time_ns'
  | 'scheduled_ns'
  | 'clock_offset_ns';

const NS_PER_MS = 1e6;

function stampsOf(line: string): Map<StampKey, bigint | null> {
  const out = new Map<StampKey, bigint | null>();
  for (const m of line.matchAll(STAMP)) {
    const key = m[1] as StampKey;
    if (!out.has(key)) out.set(key, m[2] === 'null' ? null : BigInt(m[2]!));
  }
  return out;
}

/**
 * The instants of `--export-http-trace`'s `trace_data` (docs/exports.md §3.4), on the record's clock
 * like the metadata's; its durations (`sending_ns`, …) are left as they are.
 */
const TRACE_STAMP =
  /"(request_send_start_ns|request_headers_sent_ns|request_send_end_ns|response_receive_start_ns|response_headers_received_ns|response_receive_end_ns|error_timestamp_ns|tcp_connect_start_ns|tcp_connect_end_ns|connection_reused_ns|dns_lookup_start_ns|dns_lookup_end_ns|tls_handshake_start_ns|tls_handshake_end_ns)":(\d+)/g;
/** Its `[[ns, bytes], …]` chunk lists. */
const TRACE_CHUNKS = /"(request_chunks|response_chunks)":\[((?:\[\d+,\d+\],?)*)\]/g;

/** The line with every stamp moved by `offset` and `clock_offset_ns` set to 0. */
function shiftedLine(line: string, offset: bigint): string {
  if (offset === 0n) return line;
  const shifted = line.replace(STAMP, (whole, key: string, value: string) => {
    if (key === 'clock_offset_ns') return `"clock_offset_ns":0`;
    return value === 'null' ? whole : `"${key}":${BigInt(value) + offset}`;
  });
  const traceAt = shifted.indexOf('"trace_data":{');
  if (traceAt === -1) return shifted;
  const trace = shifted
    .slice(traceAt)
    .replace(TRACE_STAMP, (_whole, key: string, value: string) => `"${key}":${BigInt(value) + offset}`)
    .replace(TRACE_CHUNKS, (_whole, key: string, pairs: string) => {
      const moved = pairs.replace(/\[(\d+),(\d+)\]/g, (_p, ns: string, bytes: string) => `[${BigInt(ns) + offset},${bytes}]`);
      return `"${key}":[${moved}]`;
    });
  return shifted.slice(0, traceAt) + trace;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function metricsOf(json: Record<string, unknown>): RecordMetrics | string {
  const out: RecordMetrics = {};
  for (const [tag, entry] of Object.entries(json)) {
    if (!isObject(entry)) return `metric '${tag}' is not an object`;
    const v = entry['value'];
    if (typeof v === 'number') out[tag] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[tag] = v as number[];
    else return `metric '${tag}' has no numeric value`;
  }
  return out;
}

function errorOf(v: unknown): RequestError | null | string {
  if (v === null || v === undefined) return null;
  if (!isObject(v) || typeof v['type'] !== 'string' || typeof v['message'] !== 'string') return 'error is not {code, type, message}';
  const code = v['code'];
  if (code !== null && typeof code !== 'number') return 'error.code is not an integer or null';
  return { code, type: v['type'], message: v['message'] };
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Parse one records line; a line that cannot be used says why. */
export function parseRecordLine(text: string): ShardRecord | SkippedLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { skip: 'not valid JSON' };
  }
  if (!isObject(json) || !isObject(json['metadata']) || !isObject(json['metrics']))
    return { skip: 'not a records line (metadata, metrics)' };
  const meta = json['metadata'];
  const phase = meta['benchmark_phase'];
  if (phase !== 'warmup' && phase !== 'profiling') return { skip: "metadata.benchmark_phase is not 'warmup' or 'profiling'" };
  const xRequestId = meta['x_request_id'];
  if (typeof xRequestId !== 'string' || xRequestId === '') return { skip: 'metadata.x_request_id is missing' };
  const stamps = stampsOf(text);
  const start = stamps.get('request_start_ns');
  const end = stamps.get('request_end_ns');
  if (start === undefined || start === null) return { skip: 'metadata.request_start_ns is missing' };
  if (end === undefined || end === null) return { skip: 'metadata.request_end_ns is missing' };
  const offset = stamps.get('clock_offset_ns') ?? 0n;
  const metrics = metricsOf(json['metrics']);
  if (typeof metrics === 'string') return { skip: metrics };
  const error = errorOf(json['error']);
  if (typeof error === 'string') return { skip: error };

  const startNs = start + offset;
  const scheduled = stamps.get('scheduled_ns');
  const latency = metrics['request_latency'];
  // request_latency is `Number(ns) / 1e6`: the ns come back exactly by rounding (far below 2^53 ns).
  const contentEnd = error === null && typeof latency === 'number' ? startNs + BigInt(Math.round(latency * NS_PER_MS)) : null;
  const requestedOsl = numberOrNull(meta['requested_osl']);
  const osl = metrics['output_sequence_length'];
  const stored: StoredRecord = {
    startWallNs: startNs,
    contentEndWallNs: contentEnd,
    endWallNs: end + offset,
    error,
    metrics,
    // Not in the records file: trace fidelity is taken from the shards' summaries (merge-shards.ts).
    materialisedIsl: null,
    usageDiscrepancy:
      error === null && USAGE_DIFF_TAGS.some((tag) => typeof metrics[tag] === 'number' && (metrics[tag] as number) > USAGE_DISCREPANCY_PCT),
    oslMismatch: error === null && requestedOsl !== null && requestedOsl > 0 && typeof osl === 'number' && oslMismatches(osl, requestedOsl),
    serverCountFallback: false,
    raw: {
      // Not in the records file: the client-health figures that need it are taken from the shards' summaries.
      waitedForSlot: false,
      connectionResends: numberOrNull(meta['connection_resends']) ?? 0,
      scheduledNs: scheduled === undefined || scheduled === null ? null : scheduled + offset,
      requestStartNs: startNs,
      requestedIsl: numberOrNull(meta['requested_isl']),
    },
  };
  return { phase, xRequestId, endNs: end + offset, stored, line: shiftedLine(text, offset) };
}
