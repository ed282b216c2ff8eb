// hash-prompts (synthesis.md §5): prompts → tokens (TS tokenizer) → chain-hashed ids (Rust core, in bulk batches).
import type { BackendName } from '../trace-core/backend.js';
import { TraceCoreError } from '../trace-core/errors.js';
import { call, synthesisBackend, type SynthesisBindings } from './backend.js';
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
  /** Rows per core call; a batch crosses the boundary as one token array plus offsets. */
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
  skipped: { total: number; reasons: { reason: string; count: number; lines: number[] }[] };
  skippedWarning: string | null;
  /** `hash-prompts: 4 rows, 11 blocks, 6 distinct ids, block size 4` (cli.md §6). */
  summary: string;
}

/** Reason codes in trace-format.md §4.3 table order (ties in the warning). */
const REASON_ORDER = [
  'invalid_json',
  'not_an_object',
  'invalid_utf8',
  'line_too_long',
  'duplicate_field',
  'missing_input',
  'conflicting_inputs',
  'hash_ids_without_input_length',
  'tools_without_messages',
  'empty_payload',
  'bad_type',
  'out_of_range',
  'missing_field',
  'inconsistent_layout',
];

class RowProblem extends Error {
  constructor(
    readonly reason: string,
    readonly field: string,
    text: string,
  ) {
    super(text);
  }
}

/**
 * One row as the core's `parsePromptRow` reads it (trace-format.md §3–4 checks on every
 * field): the text and the copied fields already written as output JSON, canonical keys
 * and values (see `parse_prompt_row` in crates/trace-core/src/hash_prompts.rs).
 */
interface PromptRow {
  /** `null` for a row with `messages` and no text field. */
  text: string | null;
  /** The key the text came from: the FIELD of an empty-prompt error. */
  textField: string;
  messages: boolean;
  /** `"timestamp":V,` or empty. */
  beforeInputLength: string;
  /** `,"output_length":V` or empty. */
  beforeHashIds: string;
  /** `,"session_id":…,"delay":…,"extra":…` (those present) or empty. */
  afterHashIds: string;
}

type ParsedLine = PromptRow | { reason: string; field: string; message: string };

const MAX_LINE = 64 * 1024 * 1024;

function parseLine(parse: SynthesisBindings['parsePromptRow'], bytes: Uint8Array, textField: string | undefined): PromptRow & { text: string } {
  const r = JSON.parse(call(() => parse(bytes, textField))) as ParsedLine;
  if ('reason' in r) throw new RowProblem(r.reason, r.field, r.message);
  if (r.text === null) throw new RowProblem('missing_input', 'messages', 'the tokenizer has no chat template to render messages');
  return r as PromptRow & { text: string };
}

/** Splits chunks into lines with 1-based numbers; BOM, CRLF and blank lines as trace-format.md §2. */
class Lines {
  #pending: Buffer[] = [];
  #pendingLen = 0;
  #line = 1;
  constructor(private readonly onLine: (no: number, bytes: Uint8Array | null) => void) {}

  #emit(buf: Uint8Array): void {
    let b = buf;
    if (this.#line === 1 && b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
    if (b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
    const no = this.#line++;
    if (b.length > MAX_LINE) return this.onLine(no, null);
    for (const c of b) if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return this.onLine(no, b);
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const part = chunk.subarray(start, nl);
      if (this.#pendingLen > 0) {
        this.#pending.push(Buffer.from(part));
        this.#emit(Buffer.concat(this.#pending));
        this.#pending = [];
        this.#pendingLen = 0;
      } else {
        this.#emit(part);
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#pending.push(Buffer.from(chunk.subarray(start)));
      this.#pendingLen += chunk.length - start;
    }
  }

  finish(): void {
    if (this.#pendingLen > 0) this.#emit(Buffer.concat(this.#pending));
    this.#pending = [];
    this.#pendingLen = 0;
  }
}

interface Pending {
  row: PromptRow;
  tokens: readonly number[];
}

/** Turn a JSONL file of prompts into a Mooncake trace (synthesis.md §5); output rows go to `sink`. */
export async function hashPrompts(source: ByteSource, sink: ByteSink, options: HashPromptsOptions): Promise<HashPromptsResult> {
  const bs = options.blockSize ?? 512;
  const { name, bindings } = synthesisBackend(options.backend);
  const hasher = call(() => new bindings.PromptHasher(bs));
  const file = options.sourceName ?? 'input';
  const batchRows = options.batchRows ?? 512;
  const counts = new Map<string, { count: number; lines: number[] }>();
  const encoder = new TextEncoder();
  let batch: Pending[] = [];
  let tokensTotal = 0;
  let bytesRead = 0;
  // Backpressure of the sink: flushes run inside the line callback, so a write that asks to wait
  // is awaited after the chunk that produced it.
  const waits: Promise<void>[] = [];

  const flush = (): void => {
    if (batch.length === 0) return;
    let n = 0;
    for (const p of batch) n += p.tokens.length;
    const tokens = new Uint32Array(n);
    const offsets = new Uint32Array(batch.length + 1);
    let o = 0;
    batch.forEach((p, i) => {
      tokens.set(p.tokens, o);
      o += p.tokens.length;
      offsets[i + 1] = o;
    });
    const ids = call(() => hasher.hashBatch(tokens, offsets));
    let k = 0;
    let out = '';
    for (const p of batch) {
      const nIds = Math.ceil(p.tokens.length / bs);
      // synthesis.md §5 key order: timestamp, input_length, output_length, hash_ids, session_id, delay, extra.
      const { beforeInputLength, beforeHashIds, afterHashIds } = p.row;
      out += `{${beforeInputLength}"input_length":${p.tokens.length}${beforeHashIds},"hash_ids":[${Array.from(ids.subarray(k, k + nIds)).join(',')}]${afterHashIds}}\n`;
      k += nIds;
    }
    const wait = sink.write(encoder.encode(out));
    if (wait) {
      // Handled now in case a row error ends the run before the wait is awaited.
      wait.catch(() => undefined);
      waits.push(wait);
    }
    tokensTotal += n;
    batch = [];
  };

  const lines = new Lines((no, bytes) => {
    try {
      if (bytes === null) throw new RowProblem('line_too_long', 'row', 'line is longer than 64 MiB');
      const row = parseLine(bindings.parsePromptRow, bytes, options.textField);
      const tokens = options.tokenizer.encode(row.text, { addSpecialTokens: false });
      // A prompt with nothing to hash would become a row with no ids; the issue asks for a clear error instead.
      if (tokens.length === 0) throw new RowProblem('missing_input', row.textField, 'empty prompt (no tokens to hash)');
      batch.push({ row, tokens });
      if (batch.length >= batchRows) flush();
    } catch (err) {
      if (!(err instanceof RowProblem)) throw err;
      if (!options.skipInvalid) {
        throw new TraceCoreError('INVALID_ROW', `${file}:${no}: ${err.field}: ${err.message}`, { reason: err.reason, file, line: no, field: err.field });
      }
      const c = counts.get(err.reason) ?? { count: 0, lines: [] };
      c.count += 1;
      if (c.lines.length < 5) c.lines.push(no);
      counts.set(err.reason, c);
    }
  });
  const drain = async (): Promise<void> => {
    while (waits.length > 0) await waits.shift();
  };
  await source.forEachChunk((chunk) => {
    lines.push(chunk);
    bytesRead += chunk.length;
    options.progress?.(hasher.rows + batch.length, bytesRead);
    return waits.length > 0 ? drain() : undefined;
  });
  lines.finish();
  flush();
  await drain();

  const reasons = [...counts.entries()]
    .map(([reason, c]) => ({ reason, count: c.count, lines: c.lines }))
    .sort((a, b) => b.count - a.count || REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason));
  const total = reasons.reduce((s, r) => s + r.count, 0);
  const skippedWarning =
    total === 0
      ? null
      : `warning: skipped ${total} invalid rows in ${file} (${reasons
          .map((r) => `${r.reason}: ${r.count} [line${r.count === 1 ? '' : 's'} ${r.lines.join(', ')}${r.count > r.lines.length ? ', ...' : ''}]`)
          .join('; ')})`;
  const rows = hasher.rows;
  const blocks = hasher.blocks;
  const distinctIds = hasher.distinctIds;
  return {
    rows,
    blocks,
    distinctIds,
    tokens: tokensTotal,
    blockSize: bs,
    backend: name,
    skipped: { total, reasons },
    skippedWarning,
    summary: `hash-prompts: ${rows} rows, ${blocks} blocks, ${distinctIds} distinct ids, block size ${bs}`,
  };
}
