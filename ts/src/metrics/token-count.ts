// Token counting off the request path: a batch interface with an in-process implementation
// (tests, small runs) and a worker-thread implementation (record_processor_<k>) so that
// tokenizing long outputs never delays the stamping of later chunks (docs/metrics.md §2.2).

/** The part of `Tokenizer` (ts/src/tokenizer) the metrics need. */
export interface TokenCounter {
  /** Number of tokens of `text` encoded with `add_special_tokens = false`. */
  count(text: string): number;
}

/** Token counts of one batch and the `record_processor_<k>` that computed them. */
export interface CountedBatch {
  counts: number[];
  processorId: string;
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
            resolve({ counts: texts.map((t) => (t === '' ? 0 : counter.count(t))), processorId });
          } catch (err) {
            reject(err);
          }
        });
      });
    },
    async close() {},
  };
}
