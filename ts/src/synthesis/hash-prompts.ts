// hash-prompts (docs/synthesis.md §5): the core reads the rows and writes the output; only the
// tokenizer (JS) runs here, once per batch of texts, in this thread or on a worker thread. No Node
// import: the browser app runs `hashPromptsWith` on the WASM web build.
import { DEFAULT_BLOCK_SIZE } from '../config/defaults.js';
import type { BackendName, TraceCoreBackend } from '../trace-core/backend.js';
import type { SkipSummary } from '../trace-core/report.js';
import { callBackend as call } from '../trace-core/errors.js';
import type { ByteSink, ByteSource } from '../io/byte-stream.js';
import { type BatchEncoder, inlineBatchEncoder } from '../tokenizer/encode-batch.js';
import { LONG_WORD_CHARS } from '../tokenizer/long-words.js';
import { formatCount } from '../report/decimal-format.js';

/** The part of a tokenizer hash-prompts needs (the bundled one, a file, or a test stub). */
export interface PromptTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): readonly number[];
}

export interface HashPromptsOptions {
  /**
   * A tokenizer (run in this thread) or a batch encoder (the CLI's runs on a worker thread, so that
   * Ctrl-C is acted on at once). Either way, words longer than 4,096 characters are encoded in
   * windows (docs/synthesis.md §5 step 2).
   */
  tokenizer: PromptTokenizer | BatchEncoder;
  /** Tokens per block (default 512). */
  blockSize?: number;
  /** Read the text from this string field instead of `prompt` / `text_input` / `text`. */
  textField?: string;
  skipInvalid?: boolean;
  /** FILE in messages. */
  sourceName?: string;
  backend?: BackendName;
  /** Rows per batch: its texts cross the boundary as one JSON array, its tokens as one array plus offsets. */
  batchRows?: number;
  progress?(rows: number, bytes: number): void;
}

export interface HashPromptsResult {
  rows: number;
  blocks: number;
  distinctIds: number;
  tokens: number;
  blockSize: number;
  backend: BackendName;
  skipped: SkipSummary;
  skippedWarning: string | null;
  /** Prompts holding a word longer than 4,096 characters, whose tokens are an estimate (§5 step 2). */
  estimatedRows: number;
  /** `hash-prompts: 4 rows, 11 blocks, 6 distinct ids, block size 4` (docs/cli.md §6). */
  summary: string;
}

/** `PromptHashReport::to_json` of the core. */
interface CoreReport {
  rows: number;
  blocks: number;
  distinct_ids: number;
  tokens: number;
  block_size: number;
  summary: string;
  skipped: SkipSummary;
}

/** Turn a JSONL file of prompts into a Mooncake trace (docs/synthesis.md §5); output rows go to `sink`. */
export async function hashPromptsWith(
  backend: TraceCoreBackend,
  source: ByteSource,
  sink: ByteSink,
  options: HashPromptsOptions,
): Promise<HashPromptsResult> {
  const { name, bindings } = backend;
  const file = options.sourceName ?? 'input';
  const stream = call(
    () =>
      new bindings.PromptHashStream({
        blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE,
        skipInvalid: options.skipInvalid ?? false,
        sourceName: file,
        batchRows: options.batchRows ?? 512,
        ...(options.textField !== undefined ? { textField: options.textField } : {}),
      }),
  );
  // Backpressure of the sink: a write that asks to wait is awaited after the chunk that produced it.
  const waits: Promise<void>[] = [];

  const encoder = 'encodeBatch' in options.tokenizer ? options.tokenizer : inlineBatchEncoder(options.tokenizer);
  let estimatedRows = 0;

  /** Tokenizes and hashes every batch the core has ready. */
  const hashReady = async (): Promise<void> => {
    for (;;) {
      const texts = call(() => stream.nextBatch());
      if (texts === null || texts === undefined) return;
      const { tokens, offsets, estimated } = await encoder.encodeBatch(JSON.parse(texts) as string[]);
      estimatedRows += estimated;
      const rows = call(() => stream.hashBatch(tokens, offsets));
      if (rows.length === 0) continue;
      const wait = sink.write(rows);
      if (wait) {
        // Handled now in case a row error ends the run before the wait is awaited.
        wait.catch(() => undefined);
        waits.push(wait);
      }
    }
  };
  const drain = async (): Promise<void> => {
    while (waits.length > 0) await waits.shift();
  };
  await source.forEachChunk(async (chunk) => {
    call(() => stream.push(chunk));
    await hashReady();
    options.progress?.(stream.rowsRead, stream.bytesConsumed);
    if (waits.length > 0) await drain();
  });
  call(() => stream.finish());
  await hashReady();
  await drain();

  const report = JSON.parse(call(() => stream.reportJson())) as CoreReport;
  return {
    rows: report.rows,
    blocks: report.blocks,
    distinctIds: report.distinct_ids,
    tokens: report.tokens,
    blockSize: report.block_size,
    backend: name,
    skipped: report.skipped,
    skippedWarning: call(() => stream.skippedWarning(file)) ?? null,
    estimatedRows,
    summary: report.summary,
  };
}

/** The `notice:` line for prompts whose long words were tokenized in windows (docs/synthesis.md §5 step 2), or null. */
export function estimatedRowsNotice(estimatedRows: number): string | null {
  if (estimatedRows === 0) return null;
  return (
    `notice: ${formatCount(estimatedRows)} prompt(s) hold a word longer than ${formatCount(LONG_WORD_CHARS)} characters; ` +
    'such words were tokenized in windows of that size, so their token ids are an estimate (docs/synthesis.md §5)'
  );
}
