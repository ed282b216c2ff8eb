// Token counting off the request path: a batch interface with an in-process implementation
// (tests, small runs) and a worker-thread implementation (record_processor_<k>) so that
// tokenizing long outputs never delays the stamping of later chunks (docs/metrics.md §2.2).
// Words longer than a window are counted in windows, an estimate (../tokenizer/count-windows.ts).
import { countTokens } from '../tokenizer/count-windows.js';

/** The part of `Tokenizer` (ts/src/tokenizer) the metrics need. */
export interface TokenCounter {
  /** Number of tokens of `text` encoded with `add_special_tokens = false`. */
  count(text: string): number;
}

/** Token counts of one batch and the `record_processor_<k>` that computed them. */
export interface CountedBatch {
  counts: number[];
  /** Per text: its count is an estimate (a word longer than a window was cut; docs/metrics.md §4.1). */
  estimated: boolean[];
  processorId: string;
}

/** Count every text of a batch (without special tokens), noting which counts are estimates. */
export function countTexts(counter: TokenCounter, texts: readonly string[]): { counts: number[]; estimated: boolean[] } {
  const counts: number[] = [];
  const estimated: boolean[] = [];
  for (const text of texts) {
    const c = countTokens(counter, text);
    counts.push(c.tokens);
    estimated.push(c.estimated);
  }
  return { counts, estimated };
}

/** Counts tokens of many texts at once; may run on other threads. */
export interface TokenCountService {
  countBatch(texts: readonly string[]): Promise<CountedBatch>;
  close(): Promise<void>;
}

/**
 * In-process counting. The work is still deferred to a macrotask (`setImmediate`) so a caller
 * on the I/O path returns first; use the worker service for heavy runs.
 */
export function createInlineTokenCountService(counter: TokenCounter, processorId = 'record_processor_0'): TokenCountService {
  return {
    countBatch(texts) {
      return new Promise((resolve, reject) => {
        setImmediate(() => {
          try {
            resolve({ ...countTexts(counter, texts), processorId });
          } catch (err) {
            reject(err);
          }
        });
      });
    },
    async close() {},
  };
}
