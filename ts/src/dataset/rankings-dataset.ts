// Synthetic rankings requests (docs/cli.md §3.14): per entry one query and a drawn number of
// passages, each of a drawn token length, cut from the bundled corpus like the other prompts.
import type { Distribution } from '../config/retrieval-config.js';
import { MAX_SEQUENCE_TOKENS, MAX_SYNTHETIC_PROMPT_TOKENS } from '../config/limits.js';
import { UsageError } from '../errors.js';
import { RandomStream } from '../random/index.js';
import { roundHalfEven, standardNormal } from '../random/normal.js';
import { promptCorpusTokens } from '../tokenizer/corpus.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { exactCorpusText } from './exact-prompt.js';
import type { Dataset, DatasetEntry, InexactPrompt } from './synthetic.js';

export interface RankingsDatasetOptions {
  numDatasetEntries: number;
  seed: bigint;
  passages: Distribution;
  passageTokens: Distribution;
  queryTokens: Distribution;
}

/** `max(1, rhe(N(mean, stddev)))`, capped like every drawn length. */
function drawn(d: Distribution, stream: RandomStream, cap: number): number {
  return Math.min(cap, Math.max(1, roundHalfEven(d.mean + d.stddev * standardNormal(stream))));
}

/**
 * Entry i: its query length, passage count and passage lengths from
 * `stream(seed, "infermark/dataset/rankings")` in that order; the text of its query and of its
 * passage j from the corpus at offsets drawn from `stream(seed, "infermark/dataset/rankings/text", i)`.
 * The entry's `text` is the query, `passages[i]` its passages, and `clientIsl` the tokens of all of
 * them: what the server reads (docs/metrics.md §4.1).
 */
export function buildRankingsDataset(tokenizer: Tokenizer, o: RankingsDatasetOptions): Dataset & { passages: string[][] } {
  const corpus = promptCorpusTokens(tokenizer);
  if (corpus.length === 0) throw new Error('the bundled corpus encodes to no tokens');
  const lengths = RandomStream.of(o.seed, 'infermark/dataset/rankings');
  const shapes: Array<{ query: number; passages: number[] }> = [];
  let total = 0;
  for (let i = 0; i < o.numDatasetEntries; i++) {
    const query = drawn(o.queryTokens, lengths, MAX_SEQUENCE_TOKENS);
    const count = drawn(o.passages, lengths, Number.MAX_SAFE_INTEGER);
    const passages: number[] = [];
    total += query;
    for (let j = 0; j < count; j++) {
      const n = drawn(o.passageTokens, lengths, MAX_SEQUENCE_TOKENS);
      passages.push(n);
      total += n;
      // Rule 21 (docs/cli.md §3.6) on the drawn total, before any text is made.
      if (total > MAX_SYNTHETIC_PROMPT_TOKENS) {
        throw new UsageError(
          `option '--rankings-passages-mean': the ${o.numDatasetEntries} synthetic rankings requests drawn have more than ${MAX_SYNTHETIC_PROMPT_TOKENS} query and passage tokens together (docs/cli.md §3.6 rule 21)`,
        );
      }
    }
    shapes.push({ query, passages });
  }
  const entries: DatasetEntry[] = [];
  const passageTexts: string[][] = [];
  const inexact: InexactPrompt[] = [];
  for (let i = 0; i < shapes.length; i++) {
    const shape = shapes[i]!;
    const starts = RandomStream.of(o.seed, 'infermark/dataset/rankings/text', BigInt(i));
    const query = exactCorpusText(tokenizer, corpus, starts.below(corpus.length), shape.query);
    let tokens = query.tokens;
    let requested = shape.query;
    const passages: string[] = [];
    for (const n of shape.passages) {
      const p = exactCorpusText(tokenizer, corpus, starts.below(corpus.length), n);
      passages.push(p.text);
      tokens += p.tokens;
      requested += n;
    }
    if (tokens !== requested) inexact.push({ index: i, requested, actual: tokens });
    entries.push({ index: i, requestedIsl: requested, requestedOsl: null, text: query.text, clientIsl: tokens });
    passageTexts.push(passages);
  }
  return { entries, systemPrompt: null, inexact, passages: passageTexts };
}
