// `--goodput "tag:value …"` parsing and the per-request SLO check (docs/metrics.md §7).
import { UsageError } from '../errors.js';
import { metricDef } from './metric-defs.js';
import type { RecordMetrics } from './record-processor.js';

/** SLO tag → threshold in the metric's display unit, in the order given. */
export type GoodputSlos = Record<string, number>;

/** Tags `--goodput` accepts, in the order the usage message lists them. */
export const GOODPUT_TAGS = [
  'time_to_first_token',
  'time_to_second_token',
  'time_to_first_output_token',
  'request_latency',
  'inter_token_latency',
  'effective_latency',
  'output_token_throughput_per_user',
  'e2e_output_token_throughput',
  'input_sequence_length',
  'output_sequence_length',
] as const;

const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function fail(reason: string): never {
  throw new UsageError(`option '--goodput': ${reason}`);
}

/**
 * Parse every `--goodput` argument (the flag may be repeated; each holds space-separated
 * `tag:value` pairs). Throws `UsageError` (exit 2) naming the offending pair or tag.
 */
export function parseGoodput(args: readonly string[], options: { streaming: boolean }): GoodputSlos {
  const slos: GoodputSlos = {};
  for (const arg of args) {
    const pairs = arg
      .trim()
      .split(/\s+/)
      .filter((p) => p !== '');
    if (pairs.length === 0) fail(`expected 'tag:value' pairs, got '${arg}'`);
    for (const pair of pairs) {
      const colon = pair.lastIndexOf(':');
      if (colon <= 0 || colon === pair.length - 1) fail(`expected 'tag:value', got '${pair}'`);
      const tag = pair.slice(0, colon);
      const text = pair.slice(colon + 1);
      if (!(GOODPUT_TAGS as readonly string[]).includes(tag)) {
        fail(`unknown metric '${tag}' (allowed: ${GOODPUT_TAGS.join(', ')})`);
      }
      const value = NUMBER.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(value) || value <= 0) fail(`expected a positive number for '${tag}', got '${text}'`);
      if (metricDef(tag).streamingOnly && !options.streaming) fail(`'${tag}' requires --streaming`);
      if (tag in slos) fail(`metric '${tag}' given twice`);
      slos[tag] = value;
    }
  }
  return slos;
}

/** Whether a successful request's metrics meet every SLO (missing value → not good). */
export function meetsSlos(metrics: RecordMetrics, slos: GoodputSlos): boolean {
  for (const [tag, threshold] of Object.entries(slos)) {
    const v = metrics[tag];
    if (typeof v !== 'number') return false;
    if (metricDef(tag).largerIsBetter ? !(v >= threshold) : !(v <= threshold)) return false;
  }
  return true;
}
