// Record metrics of an embeddings or rankings request (docs/metrics.md §5.1): one JSON answer, so
// the latency is request_end − request_start and there is no TTFT, ITL or output length; the
// inputs it carried (embeddings made, passages ranked) are counted for the per-input throughput.
import { isEmbeddingsType, type RetrievalType } from '../config/retrieval-config.js';
import type { RawRequestRecord } from './raw-record.js';
import { retrievalInputCount, retrievalUsage } from './retrieval-responses.js';

export interface RetrievalRecordResult {
  metrics: Record<string, number>;
  latencyNs: bigint;
  usageDiscrepancy: boolean;
  serverCountFallback: boolean;
}

const NS_PER_MS = 1e6;
const ms = (ns: bigint): number => Number(ns) / NS_PER_MS;

function intField(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * The metrics of a successful request of type `type`. `clientIsl` counts the texts sent
 * (./retrieval-responses.ts); with `useServerTokenCount` the answer's `usage.prompt_tokens` is the
 * ISL where it has one. `discrepancyPct`: the usage-discrepancy threshold of docs/metrics.md §4.4.
 */
export function retrievalRecordMetrics(
  type: RetrievalType,
  raw: RawRequestRecord,
  clientIsl: number,
  o: { useServerTokenCount: boolean; openLoop: boolean; fixedSchedule: boolean; discrepancyPct: number },
): RetrievalRecordResult {
  const m: Record<string, number> = {};
  const s = raw.requestStartNs;
  const latencyNs = raw.requestEndNs - s;
  m['request_latency'] = ms(latencyNs);
  const usage = raw.responses.length > 0 ? retrievalUsage(raw.responses[raw.responses.length - 1]!.data) : null;
  const prompt = usage === null ? undefined : intField(usage, 'prompt_tokens');
  const total = usage === null ? undefined : intField(usage, 'total_tokens');
  let isl = clientIsl;
  let serverCountFallback = false;
  if (o.useServerTokenCount) {
    if (prompt !== undefined) isl = prompt;
    else serverCountFallback = true;
  }
  m['input_sequence_length'] = isl;
  m[isEmbeddingsType(type) ? 'num_embeddings' : 'num_passages'] = retrievalInputCount(type, raw.request.body);
  m['effective_latency'] = ms(s + latencyNs - raw.creditIssuedNs);
  m['credit_to_start_latency'] = ms(s - raw.creditIssuedNs);
  if (o.openLoop && raw.scheduledNs !== null) {
    m['schedule_lag'] = ms(s - raw.scheduledNs);
    if (o.fixedSchedule) m['replay_send_schedule_offset'] = ms(s - raw.scheduledNs);
  }
  let usageDiscrepancy = false;
  if (prompt !== undefined) {
    m['usage_prompt_tokens'] = prompt;
    if (clientIsl > 0) {
      const pct = (Math.abs(prompt - clientIsl) / clientIsl) * 100;
      m['usage_prompt_tokens_diff_pct'] = pct;
      usageDiscrepancy = pct > o.discrepancyPct;
    }
  }
  if (total !== undefined) m['usage_total_tokens'] = total;
  return { metrics: m, latencyNs, usageDiscrepancy, serverCountFallback };
}
