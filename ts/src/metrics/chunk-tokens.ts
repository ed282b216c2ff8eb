// Tokens per content chunk from the server's per-chunk counts (`--per-chunk-usage`,
// docs/metrics.md §3.1): how many tokens the first chunk carried, how many came after it, and
// the per-token gaps of the inter_token_gap distribution.
import { MAX_SEQUENCE_TOKENS } from '../config/limits.js';

/** What the per-chunk counts of one request say, or why they cannot be used. */
export type ChunkTokenSplit =
  | {
      kind: 'counted';
      /** Tokens delivered with the first content chunk (the one that set TTFT). */
      firstChunkTokens: number;
      /** Tokens delivered after it, up to the last content chunk. */
      decodeTokens: number;
      /** One gap per decode token, in ms: a chunk carrying d tokens contributes d gaps of (its gap) / d. */
      gapsMs: number[];
    }
  /** Some content chunk carried no count (the server ignored `continuous_usage_stats`). */
  | { kind: 'missing' }
  /** The counts contradict themselves: decreasing, a first chunk of ≤ 0 tokens, or no token after it. */
  | { kind: 'inconsistent' };

const NS_PER_MS = 1e6;

/**
 * Split a request's output over its content chunks. `contentNs[i]` is the arrival of content chunk
 * i and `cumulative[i]` the running output-token count the server reported on it. A chunk that
 * carries no new token (its text was held back, say) adds no gap: its time goes to the next chunk
 * that does, so the gaps always sum to the time between the first and the last token-carrying chunk.
 */
export function splitChunkTokens(contentNs: readonly bigint[], cumulative: readonly (number | null)[]): ChunkTokenSplit {
  const k = contentNs.length;
  if (k === 0 || cumulative.length !== k) return { kind: 'missing' };
  for (const c of cumulative) if (c === null) return { kind: 'missing' };
  const counts = cumulative as readonly number[];
  const first = counts[0]!;
  const last = counts[k - 1]!;
  // A count beyond any sequence length is not a count: it would also make millions of gaps.
  if (first <= 0 || last - first < 1 || last > MAX_SEQUENCE_TOKENS) return { kind: 'inconsistent' };
  const gapsMs: number[] = [];
  let prevCount = first;
  let prevNs = contentNs[0]!;
  for (let i = 1; i < k; i++) {
    const d = counts[i]! - prevCount;
    if (d < 0) return { kind: 'inconsistent' };
    if (d === 0) continue;
    const gap = Number(contentNs[i]! - prevNs) / NS_PER_MS / d;
    for (let j = 0; j < d; j++) gapsMs.push(gap);
    prevCount = counts[i]!;
    prevNs = contentNs[i]!;
  }
  return { kind: 'counted', firstChunkTokens: first, decodeTokens: last - first, gapsMs };
}
