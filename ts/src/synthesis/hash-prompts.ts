// hash-prompts (synthesis.md §5): prompts → tokens (TS tokenizer) → chain-hashed ids (Rust core, in bulk batches).
import type { BackendName } from '../trace-core/backend.js';
import { TraceCoreError } from '../trace-core/errors.js';
import { call, synthesisBackend } from './backend.js';
import type { ByteSink, ByteSource } from './index.js';

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
const REASON_ORDER = ['invalid_json', 'not_an_object', 'invalid_utf8', 'line_too_long', 'missing_input', 'bad_type'];

class RowProblem extends Error {
  constructor(
    readonly reason: string,
    readonly field: string,
    text: string,
  ) {
    super(text);
  }
}

const COPIED = ['timestamp', 'output_length', 'session_id', 'delay', 'extra'] as const;
const DEFAULT_TEXT_FIELDS = ['prompt', 'text_input', 'text'] as const;
// ignoreBOM keeps a U+FEFF in the text: the decoder runs once per line, and by default would drop a
// BOM at the start of every line, where trace-format.md §2 allows it only at the start of the file
// (Lines strips that one).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_LINE = 64 * 1024 * 1024;

function rowText(row: Record<string, unknown>, textField: string | undefined): string {
  if (textField !== undefined) {
    const v = row[textField];
    if (v === undefined || v === null) throw new RowProblem('missing_input', textField, `missing (--text-field ${textField})`);
    if (typeof v !== 'string') throw new RowProblem('bad_type', textField, `expected a string, got ${JSON.stringify(v).slice(0, 60)}`);
    return v;
  }
  for (const k of DEFAULT_TEXT_FIELDS) {
    const v = row[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new RowProblem('bad_type', k, `expected a string, got ${JSON.stringify(v).slice(0, 60)}`);
    return v;
  }
  if (row.messages !== undefined && row.messages !== null) {
    throw new RowProblem('missing_input', 'messages', 'the tokenizer has no chat template to render messages');
  }
  throw new RowProblem('missing_input', 'row', 'missing (a row needs one of prompt, text_input, text)');
}

function parseLine(bytes: Uint8Array, textField: string | undefined): { text: string; row: Record<string, unknown> } {
  let line: string;
  try {
    line = utf8.decode(bytes);
  } catch {
    throw new RowProblem('invalid_utf8', 'row', 'invalid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new RowProblem('invalid_json', 'json', `invalid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new RowProblem('not_an_object', 'row', `row must be a JSON object, got ${kind}`);
  }
  const row = value as Record<string, unknown>;
  return { text: rowText(row, textField), row };
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
  row: Record<string, unknown>;
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
      const parts: string[] = [];
      if (p.row.timestamp !== undefined) parts.push(`"timestamp":${JSON.stringify(p.row.timestamp)}`);
      parts.push(`"input_length":${p.tokens.length}`);
      if (p.row.output_length !== undefined) parts.push(`"output_length":${JSON.stringify(p.row.output_length)}`);
      parts.push(`"hash_ids":[${Array.from(ids.subarray(k, k + nIds)).join(',')}]`);
      for (const key of COPIED.slice(2)) if (p.row[key] !== undefined) parts.push(`"${key}":${JSON.stringify(p.row[key])}`);
      out += `{${parts.join(',')}}\n`;
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
      const { text, row } = parseLine(bytes, options.textField);
      batch.push({ row, tokens: options.tokenizer.encode(text, { addSpecialTokens: false }) });
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
