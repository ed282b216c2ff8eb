// `outputs.json` (docs/exports.md §16): the generated text of every profiling request with a few of
// its metrics, AIPerf 0.13's layout, ordered by session and turn. The entries are serialised as the
// records arrive and kept in a scratch file rather than in memory (a long run's text can run to
// gigabytes); only their sort keys and positions stay in memory until the file is written.
import { SpillFile } from '../io/spill-file.js';
import type { MetricRecord } from '../metrics/record-processor.js';
import { parseResponses } from '../metrics/response-parse.js';
import { toJson, type JsonValue } from './json-writer.js';
import { recordMetricsJson } from './record-lines.js';

/** AIPerf's `outputs.json` schema version. */
export const OUTPUTS_SCHEMA_VERSION = '1.0';

/** The per-request metrics paired with each text (AIPerf's choice), in display units. */
export const OUTPUTS_METRICS = [
  'input_sequence_length',
  'output_token_count',
  'output_sequence_length',
  'request_latency',
  'time_to_first_token',
  'inter_token_latency',
] as const;

/** Entries are appended to the scratch file in batches of about this many bytes (by default). */
const BATCH_BYTES = 1 << 20;

/** Indentation of an entry inside `{"data": [ … ]}` at indent 2. */
const ENTRY_PAD = '\n    ';

/** One `data` entry (docs/exports.md §16). */
export function outputsEntry(r: MetricRecord, toWallNs: (monoNs: bigint) => bigint): Record<string, JsonValue> {
  const raw = r.raw;
  const parsed = parseResponses(raw);
  // Reasoning first, then the answer: the order a reasoning model streams them in.
  const text = parsed.reasoningText + parsed.outputText;
  const all = recordMetricsJson(r);
  const metrics: Record<string, JsonValue> = {};
  for (const tag of OUTPUTS_METRICS) {
    const m = all[tag] as { value: JsonValue } | undefined;
    if (m !== undefined) metrics[tag] = m.value;
  }
  return {
    session_num: raw.sessionNum,
    conversation_id: raw.conversationId,
    turn_index: raw.turnIndex,
    x_request_id: raw.xRequestId,
    request_start_ns: toWallNs(raw.requestStartNs),
    request_end_ns: toWallNs(raw.requestEndNs),
    metrics,
    response_text: text === '' ? null : text,
  };
}

export class OutputsCollector {
  #spill: SpillFile | null = null;
  readonly #sessions: number[] = [];
  readonly #turns: number[] = [];
  readonly #offsets: number[] = [];
  readonly #lengths: number[] = [];
  #pending: string[] = [];
  #pendingBytes = 0;
  #pendingFrom = 0;

  constructor(
    private readonly toWallNs: (monoNs: bigint) => bigint,
    private readonly scrub: (text: string) => string = (t) => t,
    private readonly batchBytes = BATCH_BYTES,
  ) {}

  /** Number of entries so far. */
  get size(): number {
    return this.#sessions.length;
  }

  add(r: MetricRecord): void {
    if (r.phase !== 'profiling') return;
    const text = this.scrub(toJson(outputsEntry(r, this.toWallNs), 2).replaceAll('\n', ENTRY_PAD));
    this.#sessions.push(r.raw.sessionNum);
    this.#turns.push(r.raw.turnIndex);
    this.#offsets.push(-1);
    this.#lengths.push(0);
    this.#pending.push(text);
    this.#pendingBytes += text.length;
    if (this.#pendingBytes >= this.batchBytes) this.#spillPending();
  }

  /** The file's text in parts (joined: `{"schema_version": …, "data": [ … ]}` and a newline). */
  *parts(): Generator<string> {
    this.#spillPending();
    const n = this.#sessions.length;
    yield `{\n  "schema_version": ${JSON.stringify(OUTPUTS_SCHEMA_VERSION)},\n  "data": [`;
    // AIPerf's order: by session, then turn; a stable sort keeps a session's retries in send order.
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => this.#sessions[a]! - this.#sessions[b]! || this.#turns[a]! - this.#turns[b]!,
    );
    const decoder = new TextDecoder();
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      const bytes = new Uint8Array(this.#lengths[k]!);
      this.#spill!.read(this.#offsets[k]!, bytes);
      yield `${i === 0 ? '' : ','}${ENTRY_PAD}${decoder.decode(bytes)}`;
    }
    yield n === 0 ? ']\n}\n' : '\n  ]\n}\n';
  }

  close(): void {
    this.#spill?.close();
    this.#spill = null;
  }

  #spillPending(): void {
    if (this.#pending.length === 0) return;
    const encoder = new TextEncoder();
    this.#spill ??= new SpillFile();
    let k = this.#pendingFrom;
    const chunks = this.#pending.map((t) => encoder.encode(t));
    const all = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      this.#lengths[k] = c.length;
      this.#offsets[k] = at;
      at += c.length;
      k++;
    }
    const base = this.#spill.append(all);
    for (let j = this.#pendingFrom; j < k; j++) this.#offsets[j]! += base;
    this.#pendingFrom = k;
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
