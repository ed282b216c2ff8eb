// Synthetic single-turn prompts of docs/cli.md §3.3: seeded lengths, corpus text of exact token counts, shuffled request order.
import type { EndpointType } from '../config/defaults.js';
import { RandomStream } from '../random/index.js';
import { promptCorpusTokens } from '../tokenizer/corpus.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { roundHalfEven, standardNormal } from '../random/normal.js';
import { corpusWindow, exactCorpusText } from './exact-prompt.js';
import { MAX_SEQUENCE_TOKENS, MAX_SESSION_TURNS, MAX_SYNTHETIC_PROMPT_TOKENS } from '../config/limits.js';
import { UsageError } from '../errors.js';
import { pairAt, type SequencePair } from '../config/sequence-distribution.js';

/**
 * A drawn length `max(1, rhe(N(mean, stddev)))`, at most MAX_SEQUENCE_TOKENS: a huge stddev
 * (`--isl-stddev 1e9`) once asked for billion-token prompts and hung before the first request.
 */
function drawnLength(mean: number, stddev: number, z: number): number {
  return Math.min(MAX_SEQUENCE_TOKENS, Math.max(1, roundHalfEven(mean + stddev * z)));
}

export interface SyntheticOptions {
  isl: number;
  islStddev: number;
  osl: number | null;
  oslStddev: number;
  numDatasetEntries: number;
  seed: bigint;
  sharedSystemPromptLength: number | null;
  /** `--system-prompt` (or its file's text): the system prompt verbatim, in place of a generated one. */
  systemPromptText?: string | null;
  /**
   * `--prompt-prefix-pool-size` prefixes of `--prompt-prefix-length` tokens; each entry's prompt
   * starts with one of them (docs/cli.md §3.3). Null: no prefixes.
   */
  prefixPrompts?: { poolSize: number; length: number } | null;
  /** `--seq-dist`: the (ISL, OSL) pairs each entry draws from, in place of isl/osl and their stddevs. */
  seqDist?: readonly SequencePair[] | null;
  /** Also build each entry's synthetic reply (user-centric mode's virtual history, docs/cli.md §3.4). */
  replies?: boolean;
}

/** One distinct prompt. `clientIsl` is measured once here, off the timing path. */
export interface DatasetEntry {
  index: number;
  /** Target prompt tokens (the synthetic draw). */
  requestedIsl: number;
  /** max-tokens to send, or null (server decides). */
  requestedOsl: number | null;
  text: string;
  /**
   * Client tokenizer count of everything the request carries (system prompt + user text):
   * `requestedIsl` plus the system prompt's length, exactly, unless the entry is in `inexact`.
   */
  clientIsl: number;
}

/** A prompt that could not be made its requested length (docs/cli.md §3.3); sent as it is, and reported. */
export interface InexactPrompt {
  /** The entry's index, or null for the shared system prompt or a prefix of the pool. */
  index: number | null;
  /** The prefix's index in the pool (docs/cli.md §3.3) when it is one. */
  prefix?: number;
  /** Tokens asked for (for an entry: `requestedIsl` plus the system prompt's length). */
  requested: number;
  /** Tokens the text sent encodes to. */
  actual: number;
}

export interface Dataset {
  entries: DatasetEntry[];
  /** The shared system prompt text, or null. */
  systemPrompt: string | null;
  /** Prompts whose text does not encode to the requested length (normally none). */
  inexact: InexactPrompt[];
  /** Synthetic multi-turn sessions; absent or null for single-turn datasets. */
  sessions?: SyntheticSession[] | null;
  /**
   * Per entry, the assistant reply a virtual turn of user-centric mode carries in the history
   * (docs/cli.md §3.4 mode 2); absent or null unless the dataset was built with `replies`.
   */
  replies?: string[] | null;
  /**
   * Per entry, the passages of a rankings request whose query is the entry's text (docs/cli.md
   * §3.14, ./rankings-dataset.ts); absent or null for other endpoint types.
   */
  passages?: string[][] | null;
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
    const turns = Math.min(MAX_SESSION_TURNS, drawnLength(o.turnsMean, o.turnsStddev, standardNormal(stream)));
    // Rule 22 for the drawn counts: every turn is planned before the first request.
    if (firstTurn + turns > MAX_SESSION_TURNS) {
      throw new UsageError(
        `option '--session-turns-stddev': the ${o.numSessions} synthetic sessions drawn with '--session-turns-mean' ${o.turnsMean} and '--session-turns-stddev' ${o.turnsStddev} have more than ${MAX_SESSION_TURNS} turns together (docs/cli.md §3.6 rule 22)`,
      );
    }
    const delaysMs = [0];
    for (let t = 1; t < turns; t++) delaysMs.push(Math.max(0, o.delayMeanMs + o.delayStddevMs * standardNormal(stream)));
    sessions.push({ index: i, turns, delaysMs, firstTurn });
    firstTurn += turns;
  }
  return sessions;
}

/**
 * Build the synthetic dataset: entry i's lengths, then its text (docs/cli.md §3.3). Every text is
 * made exact where it is sent: the system prompt alone; an entry's text alone (chat sends it as
 * its own message) and, for completions with a system prompt, after the system prompt too, since
 * the two are sent as one string and could merge at the seam.
 */
export function buildSyntheticDataset(tokenizer: Tokenizer, options: SyntheticOptions, endpointType: EndpointType): Dataset {
  const corpus = promptCorpusTokens(tokenizer);
  if (corpus.length === 0) throw new Error('the bundled corpus encodes to no tokens');
  const lengths = RandomStream.of(options.seed, 'infermark/dataset/lengths');
  // Every length first (ISL before OSL per entry, the stream's order), so that rule 21 is checked
  // on the drawn total before any text is made.
  const drawn: Array<{ isl: number; osl: number | null }> = [];
  let total = options.sharedSystemPromptLength ?? 0;
  for (let i = 0; i < options.numDatasetEntries; i++) {
    let isl: number;
    let osl: number | null;
    if (options.seqDist) {
      // The pair, then both normals (drawn even with a stddev of 0, so a stddev moves no other draw).
      const pair = pairAt(options.seqDist, lengths.unit());
      isl = drawnLength(pair.isl, pair.islStddev, standardNormal(lengths));
      osl = drawnLength(pair.osl, pair.oslStddev, standardNormal(lengths));
    } else {
      isl = drawnLength(options.isl, options.islStddev, standardNormal(lengths));
      osl = options.osl === null ? null : drawnLength(options.osl, options.oslStddev, standardNormal(lengths));
    }
    drawn.push({ isl, osl });
    // User-centric mode also makes each entry's reply text (its OSL, else its ISL, in tokens).
    total += isl + (options.replies ? (osl ?? isl) : 0);
    if (total > MAX_SYNTHETIC_PROMPT_TOKENS) {
      throw new UsageError(
        `option '--isl-stddev': the ${options.numDatasetEntries} synthetic prompts drawn with '--isl' ${options.isl} and '--isl-stddev' ${options.islStddev} have more than ${MAX_SYNTHETIC_PROMPT_TOKENS} tokens together (docs/cli.md §3.6 rule 21)`,
      );
    }
  }
  const inexact: InexactPrompt[] = [];
  let systemPrompt: string | null = null;
  let systemTokens = 0;
  // What the system prompt should count: the generated one's length, or the given text as it encodes.
  let systemRequested = options.sharedSystemPromptLength ?? 0;
  if (options.systemPromptText != null) {
    systemPrompt = options.systemPromptText;
    systemTokens = tokenizer.count(systemPrompt);
    systemRequested = systemTokens;
  } else if (options.sharedSystemPromptLength !== null) {
    const start = RandomStream.of(options.seed, 'infermark/dataset/system').below(corpus.length);
    const system = exactCorpusText(tokenizer, corpus, start, options.sharedSystemPromptLength);
    if (!system.exact) inexact.push({ index: null, requested: options.sharedSystemPromptLength, actual: system.tokens });
    systemPrompt = system.text;
    systemTokens = system.tokens;
  }
  const prefixes = prefixPool(tokenizer, corpus, options, inexact);
  // TGI has no roles either: its body prepends the system prompt as completions does.
  const systemJoined = endpointType === 'completions' || endpointType === 'huggingface-generate';
  const entries: DatasetEntry[] = [];
  for (let i = 0; i < options.numDatasetEntries; i++) {
    const { isl, osl } = drawn[i]!;
    const start = RandomStream.of(options.seed, 'infermark/dataset/prompt', BigInt(i)).below(corpus.length);
    // Text sent in the same string before the entry's own: a prefix of the pool, or for completions
    // (and TGI) the system prompt. Chat counts each message on its own and sums (docs/metrics.md §4); a
    // string that joins two texts is what must count right, as they can merge at the seam.
    const prefix =
      prefixes.length === 0
        ? null
        : prefixes[RandomStream.of(options.seed, 'infermark/dataset/prefix-choice', BigInt(i)).below(prefixes.length)]!;
    const lead = prefix ?? (systemJoined ? systemPrompt : null);
    const leadTokens = prefix?.tokens ?? systemTokens;
    const leadText = prefix?.text ?? lead;
    let joinedTokens = 0;
    const user = exactCorpusText(tokenizer, corpus, start, isl, (c) => {
      if (leadText === null) return true;
      joinedTokens = tokenizer.count(leadText + c.text);
      return joinedTokens === leadTokens + isl;
    });
    if (leadText !== null && !user.exact) joinedTokens = tokenizer.count(leadText + user.text);
    // The system prompt of chat is its own message; a prefix is part of the user message.
    const clientIsl = leadText !== null ? joinedTokens + (prefix !== null ? systemTokens : 0) : systemTokens + user.tokens;
    const requested = systemRequested + (prefix?.requested ?? 0) + isl;
    if (clientIsl !== requested) inexact.push({ index: i, requested, actual: clientIsl });
    entries.push({ index: i, requestedIsl: isl, requestedOsl: osl, text: (prefix?.text ?? '') + user.text, clientIsl });
  }
  const replies = options.replies ? entries.map((e) => syntheticReply(tokenizer, corpus, options.seed, e)) : null;
  return { entries, systemPrompt, inexact, replies };
}

/**
 * The prefix pool (docs/cli.md §3.3): prefix j is `--prompt-prefix-length` consecutive corpus tokens
 * from `stream(seed, "infermark/dataset/prefix", j).below(Ncorp)`, made exact on its own.
 */
function prefixPool(
  tokenizer: Tokenizer,
  corpus: Uint32Array,
  options: SyntheticOptions,
  inexact: InexactPrompt[],
): { text: string; tokens: number; requested: number }[] {
  const pool = options.prefixPrompts ?? null;
  if (pool === null) return [];
  const out: { text: string; tokens: number; requested: number }[] = [];
  for (let j = 0; j < pool.poolSize; j++) {
    const start = RandomStream.of(options.seed, 'infermark/dataset/prefix', BigInt(j)).below(corpus.length);
    const prefix = exactCorpusText(tokenizer, corpus, start, pool.length);
    if (!prefix.exact) inexact.push({ index: null, prefix: j, requested: pool.length, actual: prefix.tokens });
    out.push({ text: prefix.text, tokens: prefix.tokens, requested: pool.length });
  }
  return out;
}

/**
 * Entry i's synthetic reply (docs/cli.md §3.4 mode 2): the decoding of its OSL (without `--osl`:
 * its ISL) consecutive corpus tokens from `stream(seed, "infermark/dataset/reply", i).below(Ncorp)`.
 * It is history that is never measured on its own (a later turn's ISL is counted as sent), so it
 * is not made exact.
 */
function syntheticReply(tokenizer: Tokenizer, corpus: Uint32Array, seed: bigint, entry: DatasetEntry): string {
  const start = RandomStream.of(seed, 'infermark/dataset/reply', BigInt(entry.index)).below(corpus.length);
  return tokenizer.decode(corpusWindow(corpus, start, entry.requestedOsl ?? entry.requestedIsl));
}

/** What a text shared by many prompts is, in a message. */
function sharedText(p: InexactPrompt): string {
  return p.prefix === undefined ? 'the shared system prompt' : `prefix prompt ${p.prefix}`;
}

/** One line per prompt that could not be made exact (docs/cli.md §3.3), for the run log. */
export function inexactPrompts(dataset: Dataset): string[] {
  return dataset.inexact.map((p) =>
    p.index === null
      ? `${sharedText(p)} encodes to ${p.actual} tokens, not the ${p.requested} requested; sent as it is`
      : `synthetic prompt ${p.index} encodes to ${p.actual} tokens, not the ${p.requested} requested; sent as it is`,
  );
}

/**
 * The one-line summary of prompts that could not be made exact (docs/cli.md §3.3), or null: for the
 * console footer and the run log.
 */
export function inexactNotice(dataset: Dataset): string | null {
  if (dataset.inexact.length === 0) return null;
  const parts: string[] = [];
  for (const shared of dataset.inexact.filter((p) => p.index === null))
    parts.push(`${sharedText(shared)} encodes to ${shared.actual} tokens, not ${shared.requested}`);
  const entries = dataset.inexact.filter((p) => p.index !== null);
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).map((p) => `prompt ${p.index}: ${p.actual} for ${p.requested}`);
    if (entries.length > shown.length) shown.push('…');
    parts.push(
      `${entries.length} of ${dataset.entries.length} synthetic prompts do not encode to their requested length (${shown.join(', ')})`,
    );
  }
  return `${parts.join('; ')}; they are sent as they are, with the ISL they have (the run log lists each)`;
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
