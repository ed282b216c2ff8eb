// RawRequestRecord → MetricRecord: every record metric of docs/metrics.md §3 with token counts of §4.
import type { RawRequestRecord, RequestError } from './raw-record.js';
import { isRetrievalType, type RetrievalType } from '../config/retrieval-config.js';
import { splitChunkTokens } from './chunk-tokens.js';
import type { TemplateSettings } from '../endpoints/index.js';
import { inputTexts, parseResponses, type ParsedResponses } from './response-parse.js';
import { retrievalRecordMetrics } from './retrieval-record.js';
import { retrievalInputTexts } from './retrieval-responses.js';
import type { TokenCountService } from './token-count.js';
import { materialisedTurnText } from './trace-fidelity.js';

/** Metric values of one request, display units (ms, tokens, %), insertion-ordered. */
export type RecordMetrics = Record<string, number | number[]>;

/** One processed request: what the exports and the aggregation consume. */
export interface MetricRecord {
  raw: RawRequestRecord;
  phase: 'warmup' | 'profiling';
  /** `record_processor_<k>` that computed it. */
  recordProcessorId: string;
  error: RequestError | null;
  metrics: RecordMetrics;
  /** Wall ns of `request_start`. */
  startWallNs: bigint;
  /** Wall ns of `request_start + request_latency` for successes with a latency, else null. */
  contentEndWallNs: bigint | null;
  /** Wall ns of `request_end` (the failure time for errors). */
  endWallNs: bigint;
  /**
   * Client token count of the text materialised for this turn from a trace row (its own text, not
   * the session history), for `trace_fidelity` (docs/synthesis.md §6.5); null for other requests.
   */
  materialisedIsl: number | null;
  /** Some `usage_*_diff_pct` exceeds 10 % (docs/metrics.md §4.4). */
  usageDiscrepancy: boolean;
  /** |OSL − requested| > min(5 % of requested, 50) (docs/metrics.md §4.5). */
  oslMismatch: boolean;
  /** `--use-server-token-count` fell back to client counts (no usage in the response). */
  serverCountFallback: boolean;
  /**
   * Some client token count of this record is an estimate: a word longer than a window was
   * counted in windows (docs/metrics.md §4.1); exported as `token_counts_estimated: true`.
   */
  tokenCountsEstimated: boolean;
  /**
   * `--per-chunk-usage` on a streamed success: whether the server's per-chunk token counts were
   * used for ITL, or why not (docs/metrics.md §3.1); absent without the flag.
   */
  perChunkCounts?: 'counted' | 'missing' | 'inconsistent';
}

export interface RecordProcessorOptions {
  tokens: TokenCountService;
  /** `--use-server-token-count`. */
  useServerTokenCount?: boolean;
  /** `--per-chunk-usage`: ITL from the server's per-chunk token counts (docs/metrics.md §3.1). */
  perChunkUsage?: boolean;
  /** `--endpoint-type template`: where the generated text is (ts/src/endpoints/template.ts). */
  template?: TemplateSettings | null;
  /** Open-loop mode (rate, fixed schedule, user-centric): `schedule_lag` applies. */
  openLoop?: boolean;
  /** Fixed-schedule replay: also `replay_send_schedule_offset`. */
  fixedSchedule?: boolean;
  /** Monotonic → wall ns (default: ./clock.ts `wallNs`). */
  toWallNs: (monoNs: bigint) => bigint;
}

const NS_PER_MS = 1e6;

function ms(ns: bigint): number {
  return Number(ns) / NS_PER_MS;
}

interface Pending {
  raw: RawRequestRecord;
  parsed: ParsedResponses | null;
  /** A successful embeddings or rankings request: metrics of ./retrieval-record.ts. */
  retrieval: RetrievalType | null;
  islIdx: number[];
  /** Index of the materialised turn text in the batch, or -1. */
  turnIdx: number;
  outIdx: number;
  reasIdx: number;
}

/** Usage discrepancy threshold of docs/metrics.md §4.4, in percent. */
export const USAGE_DISCREPANCY_PCT = 10;

/** The `usage_*_diff_pct` metrics a usage discrepancy is judged on (docs/metrics.md §4.4). */
export const USAGE_DIFF_TAGS = [
  'usage_prompt_tokens_diff_pct',
  'usage_completion_tokens_diff_pct',
  'usage_reasoning_tokens_diff_pct',
] as const;

/** |OSL − requested| > min(5 % of requested, 50) tokens (docs/metrics.md §4.5); `requested` > 0. */
export function oslMismatches(osl: number, requested: number): boolean {
  return Math.abs(osl - requested) > Math.min(0.05 * requested, 50);
}

/** Processes batches of raw records; one count round-trip per batch. */
export class RecordProcessor {
  constructor(private readonly opts: RecordProcessorOptions) {}

  async processBatch(raws: readonly RawRequestRecord[]): Promise<MetricRecord[]> {
    const texts: string[] = [];
    const pending: Pending[] = raws.map((raw) => {
      const p: Pending = { raw, parsed: null, retrieval: null, islIdx: [], turnIdx: -1, outIdx: -1, reasIdx: -1 };
      const retrieval = isRetrievalType(raw.endpointType) ? raw.endpointType : null;
      if (raw.clientIsl === null) {
        const sent = retrieval === null ? inputTexts(raw.request.body, raw.endpointType) : retrievalInputTexts(retrieval, raw.request.body);
        for (const t of sent) {
          p.islIdx.push(texts.length);
          texts.push(t);
        }
      }
      // Counted with the rest of the batch on the counting threads, never on the loop that stamps.
      const turnText = materialisedTurnText(raw);
      if (turnText !== null) {
        p.turnIdx = texts.length;
        texts.push(turnText);
      }
      if (raw.error === null && retrieval !== null) {
        p.retrieval = retrieval;
      } else if (raw.error === null) {
        p.parsed = parseResponses(raw, {
          perChunkCounts: this.opts.perChunkUsage === true && raw.streaming,
          template: this.opts.template ?? null,
        });
        p.outIdx = texts.length;
        texts.push(p.parsed.outputText);
        p.reasIdx = texts.length;
        texts.push(p.parsed.reasoningText);
      }
      return p;
    });
    const { counts, estimated, processorId } =
      texts.length === 0 ? { counts: [], estimated: [], processorId: 'record_processor_0' } : await this.opts.tokens.countBatch(texts);
    return pending.map((p) => {
      const clientIsl = p.raw.clientIsl ?? p.islIdx.reduce((s, i) => s + counts[i]!, 0);
      const rec = p.retrieval
        ? this.retrievalRecord(p.retrieval, p.raw, clientIsl)
        : p.parsed === null
          ? this.errorRecord(p.raw, clientIsl)
          : this.successRecord(p.raw, p.parsed, clientIsl, counts[p.outIdx]!, counts[p.reasIdx]!);
      rec.recordProcessorId = processorId;
      rec.materialisedIsl = p.turnIdx < 0 ? null : counts[p.turnIdx]!;
      rec.tokenCountsEstimated = [...p.islIdx, p.turnIdx, p.outIdx, p.reasIdx].some((i) => i >= 0 && estimated[i] === true);
      return rec;
    });
  }

  private base(
    raw: RawRequestRecord,
  ): Omit<MetricRecord, 'metrics' | 'contentEndWallNs' | 'usageDiscrepancy' | 'oslMismatch' | 'serverCountFallback'> {
    return {
      raw,
      tokenCountsEstimated: false,
      phase: raw.phase,
      recordProcessorId: 'record_processor_0',
      materialisedIsl: null,
      error: raw.error,
      startWallNs: this.opts.toWallNs(raw.requestStartNs),
      endWallNs: this.opts.toWallNs(raw.requestEndNs),
    };
  }

  private retrievalRecord(type: RetrievalType, raw: RawRequestRecord, clientIsl: number): MetricRecord {
    const r = retrievalRecordMetrics(type, raw, clientIsl, {
      useServerTokenCount: this.opts.useServerTokenCount === true,
      openLoop: this.opts.openLoop === true,
      fixedSchedule: this.opts.fixedSchedule === true,
      discrepancyPct: USAGE_DISCREPANCY_PCT,
    });
    return {
      ...this.base(raw),
      metrics: r.metrics,
      contentEndWallNs: this.opts.toWallNs(raw.requestStartNs + r.latencyNs),
      usageDiscrepancy: r.usageDiscrepancy,
      oslMismatch: false,
      serverCountFallback: r.serverCountFallback,
    };
  }

  private errorRecord(raw: RawRequestRecord, clientIsl: number): MetricRecord {
    return {
      ...this.base(raw),
      metrics: { error_isl: clientIsl },
      contentEndWallNs: null,
      usageDiscrepancy: false,
      oslMismatch: false,
      serverCountFallback: false,
    };
  }

  private successRecord(
    raw: RawRequestRecord,
    parsed: ParsedResponses,
    clientIsl: number,
    clientOut: number,
    clientReas: number,
  ): MetricRecord {
    const m: RecordMetrics = {};
    const s = raw.requestStartNs;
    const c = parsed.contentNs;
    const k = c.length;
    const usage = parsed.usage;

    // Token counts (§4): client by default; server usage with --use-server-token-count.
    let isl = clientIsl;
    let outTokens = clientOut;
    let reasTokens = clientReas;
    let sawReasoning = parsed.sawReasoning;
    let serverCountFallback = false;
    if (this.opts.useServerTokenCount) {
      if (usage && usage.promptTokens !== undefined && usage.completionTokens !== undefined) {
        isl = usage.promptTokens;
        reasTokens = usage.reasoningTokens ?? 0;
        outTokens = usage.completionTokens - reasTokens;
        sawReasoning = sawReasoning || usage.reasoningTokens !== undefined;
      } else {
        serverCountFallback = true;
      }
    }
    const osl = outTokens + reasTokens;

    let latencyNs: bigint | null = null;
    let perChunkCounts: MetricRecord['perChunkCounts'];
    if (raw.streaming) {
      if (k >= 1) {
        const ttft = ms(c[0]! - s);
        m['time_to_first_token'] = ttft;
        if (k >= 2) m['time_to_second_token'] = ms(c[1]! - c[0]!);
        if (parsed.firstOutputNs !== null) m['time_to_first_output_token'] = ms(parsed.firstOutputNs - s);
        latencyNs = c[k - 1]! - s;
        const latency = ms(latencyNs);
        m['request_latency'] = latency;
        // §3.1: the server's per-chunk counts say how many tokens came after the first chunk;
        // without them every chunk is taken for one token, so the first chunk carried one.
        const split = this.opts.perChunkUsage ? splitChunkTokens(c, parsed.contentTokens) : null;
        if (split) perChunkCounts = split.kind;
        const decodeTokens = split?.kind === 'counted' ? split.decodeTokens : osl - 1;
        if (decodeTokens >= 1) {
          const itl = (latency - ttft) / decodeTokens;
          m['inter_token_latency'] = itl;
          if (itl > 0) m['output_token_throughput_per_user'] = 1000 / itl;
        }
        if (k >= 2) {
          const icl: number[] = [];
          for (let i = 1; i < k; i++) icl.push(ms(c[i]! - c[i - 1]!));
          m['inter_chunk_latency'] = icl;
        }
        if (split?.kind === 'counted') m['inter_token_gap'] = split.gapsMs;
        if (latency > 0) m['e2e_output_token_throughput'] = osl / (latency / 1000);
        if (ttft > 0) m['prefill_throughput_per_user'] = isl / (ttft / 1000);
      }
    } else {
      latencyNs = raw.requestEndNs - s;
      const latency = ms(latencyNs);
      m['request_latency'] = latency;
      if (latency > 0) m['e2e_output_token_throughput'] = osl / (latency / 1000);
    }

    m['input_sequence_length'] = isl;
    m['output_sequence_length'] = osl;
    m['output_token_count'] = outTokens;
    if (sawReasoning) m['reasoning_token_count'] = reasTokens;

    if (latencyNs !== null) m['effective_latency'] = ms(s + latencyNs - raw.creditIssuedNs);
    m['credit_to_start_latency'] = ms(s - raw.creditIssuedNs);
    if (this.opts.openLoop && raw.scheduledNs !== null) {
      m['schedule_lag'] = ms(s - raw.scheduledNs);
      if (this.opts.fixedSchedule) m['replay_send_schedule_offset'] = ms(s - raw.scheduledNs);
    }

    // Usage fields and discrepancies (§3, §4.4). Diffs compare against the client counts.
    let usageDiscrepancy = false;
    if (usage) {
      if (usage.promptTokens !== undefined) m['usage_prompt_tokens'] = usage.promptTokens;
      if (usage.completionTokens !== undefined) m['usage_completion_tokens'] = usage.completionTokens;
      if (usage.totalTokens !== undefined) m['usage_total_tokens'] = usage.totalTokens;
      if (usage.reasoningTokens !== undefined) m['usage_reasoning_tokens'] = usage.reasoningTokens;
      if (usage.cachedTokens !== undefined) m['usage_prompt_cache_read_tokens'] = usage.cachedTokens;
      const clientOsl = clientOut + clientReas;
      // Each server count against the client's, in percent of the client's (docs/metrics.md §4.4).
      const diff = (tag: string, server: number | undefined, client: number): void => {
        if (server === undefined || client <= 0) return;
        const pct = (Math.abs(server - client) / client) * 100;
        m[tag] = pct;
        if (pct > USAGE_DISCREPANCY_PCT) usageDiscrepancy = true;
      };
      const [promptDiff, completionDiff, reasoningDiff] = USAGE_DIFF_TAGS;
      diff(promptDiff, usage.promptTokens, clientIsl);
      diff(completionDiff, usage.completionTokens, clientOsl);
      diff(reasoningDiff, usage.reasoningTokens, clientReas);
    }

    let oslMismatch = false;
    const requested = raw.requestedOsl;
    if (requested !== null && requested > 0) {
      m['osl_mismatch_diff_pct'] = ((osl - requested) / requested) * 100;
      oslMismatch = oslMismatches(osl, requested);
    }

    return {
      ...this.base(raw),
      metrics: m,
      contentEndWallNs: latencyNs === null ? null : this.opts.toWallNs(s + latencyNs),
      usageDiscrepancy,
      oslMismatch,
      serverCountFallback,
      ...(perChunkCounts === undefined ? {} : { perChunkCounts }),
    };
  }
}
