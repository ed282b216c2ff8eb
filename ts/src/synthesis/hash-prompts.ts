// hash-prompts (docs/synthesis.md §5): the core reads the rows and writes the output; only the
// tokenizer (JS) runs here, once per batch of texts.
import { DEFAULT_BLOCK_SIZE } from '../config/defaults.js';
import type { BackendName } from '../trace-core/backend.js';
import type { SkipSummary } from '../trace-core/report.js';
import { callBackend as call } from '../trace-core/errors.js';
import { backendFor } from '../trace-core/loader.js';
import type { ByteSink, ByteSource } from '../io/chunked-reader.js';

/** The part of a tokenizer hash-prompts needs (the bundled one, a file, or a test stub). */
export interface PromptTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): readonly number[];
}

export interface HashPromptsOptions {
  tokenizer: PromptTokenizer;
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
export async function hashPrompts(source: ByteSource, sink: ByteSink, options: HashPromptsOptions): Promise<HashPromptsResult> {
  const { name, bindings } = backendFor(options.backend);
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

  /** Tokenizes and hashes every batch the core has ready. */
  const hashReady = (): void => {
    for (;;) {
      const texts = call(() => stream.nextBatch());
      if (texts === null || texts === undefined) return;
      const encoded = (JSON.parse(texts) as string[]).map((text) => options.tokenizer.encode(text, { addSpecialTokens: false }));
      const offsets = new Uint32Array(encoded.length + 1);
      encoded.forEach((t, i) => {
        offsets[i + 1] = (offsets[i] ?? 0) + t.length;
      });
      const tokens = new Uint32Array(offsets[encoded.length] ?? 0);
      encoded.forEach((t, i) => {
        tokens.set(t, offsets[i]);
      });
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
  await source.forEachChunk((chunk) => {
    call(() => stream.push(chunk));
    hashReady();
    options.progress?.(stream.rowsRead, stream.bytesConsumed);
    return waits.length > 0 ? drain() : undefined;
  });
  call(() => stream.finish());
  hashReady();
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
    summary: report.summary,
  };
}
