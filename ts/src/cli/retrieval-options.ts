// The flags of the embeddings and rankings endpoint types (docs/cli.md §3.14), AIPerf 0.13's names,
// kept apart from profile's main table like the repeated-run flags.
import { MAX_SEQUENCE_TOKENS } from '../config/limits.js';
import { MAX_INPUTS_PER_REQUEST, RETRIEVAL_DEFAULTS, type RetrievalOptions } from '../config/retrieval-config.js';
import type { OptionSpec } from './option-table.js';
import { integerIn, numberIn } from './option-types.js';

export const RETRIEVAL_OPTIONS: readonly OptionSpec<RetrievalOptions>[] = [
  {
    key: 'promptBatchSize',
    flags: '-b, --prompt-batch-size <n>',
    description: 'synthetic prompts sent as the inputs of one embeddings request',
    parser: integerIn(1, MAX_INPUTS_PER_REQUEST),
    shownDefault: RETRIEVAL_DEFAULTS.promptBatchSize,
    aliases: ['--batch-size-text', '--batch-size'],
  },
  {
    key: 'rankingsPassagesMean',
    flags: '--rankings-passages-mean <n>',
    description: 'mean passages per rankings request',
    parser: integerIn(1, MAX_INPUTS_PER_REQUEST),
    shownDefault: RETRIEVAL_DEFAULTS.rankingsPassagesMean,
  },
  {
    key: 'rankingsPassagesStddev',
    flags: '--rankings-passages-stddev <n>',
    description: 'stddev of the passages per rankings request',
    parser: numberIn(0, MAX_INPUTS_PER_REQUEST),
    shownDefault: RETRIEVAL_DEFAULTS.rankingsPassagesStddev,
  },
  {
    key: 'rankingsPassagesPromptTokenMean',
    flags: '--rankings-passages-prompt-token-mean <n>',
    description: 'mean tokens per passage',
    parser: integerIn(1, MAX_SEQUENCE_TOKENS),
    shownDefault: RETRIEVAL_DEFAULTS.rankingsPassagesPromptTokenMean,
  },
  {
    key: 'rankingsPassagesPromptTokenStddev',
    flags: '--rankings-passages-prompt-token-stddev <n>',
    description: 'stddev of the tokens per passage',
    parser: numberIn(0, MAX_SEQUENCE_TOKENS),
    shownDefault: RETRIEVAL_DEFAULTS.rankingsPassagesPromptTokenStddev,
  },
  {
    key: 'rankingsQueryPromptTokenMean',
    flags: '--rankings-query-prompt-token-mean <n>',
    description: 'mean tokens per rankings query',
    parser: integerIn(1, MAX_SEQUENCE_TOKENS),
    shownDefault: RETRIEVAL_DEFAULTS.rankingsQueryPromptTokenMean,
  },
  {
    key: 'rankingsQueryPromptTokenStddev',
    flags: '--rankings-query-prompt-token-stddev <n>',
    description: 'stddev of the tokens per rankings query',
    parser: numberIn(0, MAX_SEQUENCE_TOKENS),
    shownDefault: RETRIEVAL_DEFAULTS.rankingsQueryPromptTokenStddev,
  },
];
