// One line of `profile_export_network_latency.jsonl` (docs/exports.md §17): AIPerf 0.13's probe
// sample, its field names and order, absent fields left out as AIPerf's writer leaves out nulls.
import type { ProbeSample } from '../metrics/network-latency-prober.js';
import { toJson, type JsonValue } from './json-writer.js';

export function networkLatencyLine(s: ProbeSample, toWallNs: (monoNs: bigint) => bigint): string {
  const out: Record<string, JsonValue> = {
    timestamp_ns: toWallNs(s.startNs),
    target_url: s.target.url,
    target_host: s.target.host,
    target_port: s.target.port,
    probe_type: 'tcp_connect',
  };
  if (s.rttNs !== null) out['rtt_ns'] = s.rttNs;
  out['success'] = s.rttNs !== null;
  if (s.error !== null) out['error'] = { type: s.error.type, message: s.error.message };
  return toJson(out);
}
