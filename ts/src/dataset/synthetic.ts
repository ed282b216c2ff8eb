// Synthetic single-turn prompts of docs/cli.md §3.3: seeded lengths, corpus text, shuffled request order.
import type { EndpointType } from '../config/defaults.js';
import { RandomStream } from '../random/index.js';
import { corpusTokens } from '../tokenizer/corpus.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { roundHalfEven, standardNormal } from '../random/normal.js';

export interface SyntheticOptions {
  isl: number;
  islStddev: number;
  osl: number | null;
  oslStddev: number;
  numDatasetEntries: number;
  seed: bigint;
  sharedSystemPromptLength: number | null;
}

/** One distinct prompt. `clientIsl` is measured once here, off the timing path. */
export interface DatasetEntry {
  index: number;
  /** Target prompt tokens (the synthetic draw). */
  requestedIsl: number;
  /** max-tokens to send, or null (server decides). */
  requestedOsl: number | null;
  text: string;
  /** Client tokenizer count of everything the request carries (system prompt + user text). */
  clientIsl: number;
}

export interface Dataset {
  entries: DatasetEntry[];
  /** The shared system prompt text, or null. */
  systemPrompt: string | null;
  /** Synthetic multi-turn sessions; absent or null for single-turn datasets. */
  sessions?: SyntheticSession[] | null;
}

/** One synthetic multi-turn session (docs/cli.md §3.3). */
export interface SyntheticSession {
  index: number;
  turns: number;
  /** Think time before each turn in ms; `delaysMs[0]` is 0. */
  delaysMs: number[];
  /** Position of this session's first turn in the global turn sequence (prompt = order.entryFor(firstTurn + t)). */
  firstTurn: number;
}

export interface SessionOptions {
  numSessions: number;
  turnsMean: number;
  turnsStddev: number;
  delayMeanMs: number;
  delayStddevMs: number;
  seed: bigint;
}

/**
 * Sessions from `stream(seed, "infermark/dataset/sessions")`: per session, its turn count
 * `max(1, rhe(N(mean, stddev)))`, then one delay `max(0, N(mean, stddev))` ms per later turn.
 * A normal is drawn even when its stddev is 0, so adding a stddev changes no other draw's position.
 */
export function buildSessions(o: SessionOptions): SyntheticSession[] {
  const stream = RandomStream.of(o.seed, 'infermark/dataset/sessions');
  const sessions: SyntheticSession[] = [];
  let firstTurn = 0;
  for (let i = 0; i < o.numSessions; i++) {
    const turns = Math.max(1, roundHalfEven(o.turnsMean + o.turnsStddev * standardNormal(stream)));
    const delaysMs = [0];
    for (let t = 1; t < turns; t++) delaysMs.push(Math.max(0, o.delayMeanMs + o.delayStddevMs * standardNormal(stream)));
    sessions.push({ index: i, turns, delaysMs, firstTurn });
    firstTurn += turns;
  }
  return sessions;
}

/** `ISL` consecutive corpus tokens starting at `start` (indices modulo the corpus length), decoded. */
function corpusText(tokenizer: Tokenizer, corpus: Uint32Array, start: number, length: number): string {
  const ids = new Array<number>(length);
  for (let j = 0; j < length; j++) ids[j] = corpus[(start + j) % corpus.length]!;
  return tokenizer.decode(ids);
}

/** Build the synthetic dataset: entry i's lengths, then its text (docs/cli.md §3.3). */
export function buildSyntheticDataset(tokenizer: Tokenizer, options: SyntheticOptions, endpointType: EndpointType): Dataset {
  const corpus = corpusTokens(tokenizer);
  if (corpus.length === 0) throw new Error('the bundled corpus encodes to no tokens');
  const lengths = RandomStream.of(options.seed, 'infermark/dataset/lengths');
  let systemPrompt: string | null = null;
  let systemTokens = 0;
  if (options.sharedSystemPromptLength !== null) {
    const start = RandomStream.of(options.seed, 'infermark/dataset/system').below(corpus.length);
    systemPrompt = corpusText(tokenizer, corpus, start, options.sharedSystemPromptLength);
    systemTokens = tokenizer.count(systemPrompt);
  }
  const entries: DatasetEntry[] = [];
  for (let i = 0; i < options.numDatasetEntries; i++) {
    const isl = Math.max(1, roundHalfEven(options.isl + options.islStddev * standardNormal(lengths)));
    const osl = options.osl === null ? null : Math.max(1, roundHalfEven(options.osl + options.oslStddev * standardNormal(lengths)));
    const start = RandomStream.of(options.seed, 'infermark/dataset/prompt', BigInt(i)).below(corpus.length);
    const text = corpusText(tokenizer, corpus, start, isl);
    // Chat: each message is counted separately and summed (docs/metrics.md §4); completions: the
    // system prompt is prepended text, so the whole prompt string is counted once.
    const clientIsl =
      systemPrompt === null
        ? tokenizer.count(text)
        : endpointType === 'chat'
          ? systemTokens + tokenizer.count(text)
          : tokenizer.count(systemPrompt + text);
    entries.push({ index: i, requestedIsl: isl, requestedOsl: osl, text, clientIsl });
  }
  return { entries, systemPrompt };
}

/**
 * The seeded request order: passes over the entries, each a Fisher–Yates shuffle from the last
 * index down drawn from `stream(seed, "infermark/dataset/order")`, reshuffled after each pass.
 * `entryFor(k)` is the entry index of request k (0-based send order within a phase).
 */
export class RequestOrder {
  private readonly stream: RandomStream;
  private readonly passes: Uint32Array[] = [];

  constructor(
    private readonly n: number,
    seed: bigint,
  ) {
    if (n < 1) throw new RangeError('a dataset needs at least one entry');
    this.stream = RandomStream.of(seed, 'infermark/dataset/order');
  }

  entryFor(k: number): number {
    const pass = Math.floor(k / this.n);
    while (this.passes.length <= pass) this.passes.push(this.shuffle());
    // Passes behind the oldest one still needed are never asked for again by a monotone caller;
    // keeping them is n·4 bytes per pass, small next to the prompts themselves.
    return this.passes[pass]![k - pass * this.n]!;
  }

  private shuffle(): Uint32Array {
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    for (let i = this.n - 1; i >= 1; i--) {
      const j = this.stream.below(i + 1);
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    return order;
  }
}
