// The `--synthesis-*` option table shared by `synthesize` and `profile` (docs/synthesis.md §3.1,
// §4.1): the same names, placeholders and parsers on both commands. The Dynamo-style aliases
// (`--speedup-ratio`, …) belong to `synthesize` only (docs/synthesis.md §3.1); `profile` registers
// the table through `withoutAliases`.
import { type GenerateFlags, type TransformFlags, transformFlagRow } from '../config/synthesis-flags.js';
import { attributeOf, type OptionSpec } from './option-table.js';
import { integerIn } from './option-types.js';
import { MAX_U32 } from '../config/limits.js';

/** Trace lengths and the number of id trees are 32-bit quantities in traces. */
const parseTraceCount = integerIn(1, MAX_U32);

/**
 * One transform flag: the long name comes from config/synthesis-flags.ts. Multipliers have no
 * parser: they reach the core as the text typed, which checks them exactly and names the option
 * in its message (docs/synthesis.md §1).
 */
function transform(key: keyof TransformFlags, placeholder: '<x>' | '<n>', description: string, alias: string): OptionSpec<TransformFlags> {
  const flags = `${transformFlagRow(key).flag} ${placeholder}`;
  return (
    placeholder === '<n>'
      ? { key, flags, description, parser: parseTraceCount, aliases: [alias] }
      : { key, flags, description, aliases: [alias] }
  ) as OptionSpec<TransformFlags>;
}

/** The transform flags, in docs/synthesis.md §3.1's order. */
export const TRANSFORM_OPTIONS: readonly OptionSpec<TransformFlags>[] = [
  transform('synthesisSpeedupRatio', '<x>', 'divide timestamps and delays by this', '--speedup-ratio'),
  transform('synthesisPrefixLenMultiplier', '<x>', 'stretch or shrink shared prefixes', '--prefix-len-multiplier'),
  transform('synthesisPrefixRootMultiplier', '<n>', 'spread sessions over n disjoint id trees', '--prefix-root-multiplier'),
  transform('synthesisPromptLenMultiplier', '<x>', 'scale non-shared prompt tokens', '--prompt-len-multiplier'),
  transform('synthesisOutputLenMultiplier', '<x>', 'scale output_length', '--osl-multiplier'),
  transform('synthesisMaxIsl', '<n>', 'skip rows whose final input_length exceeds n', '--max-isl'),
  transform('synthesisMaxOsl', '<n>', 'cap output_length at n', '--max-osl'),
];

/** Generate mode's bounds (`synthesize --mode generate` only). */
export const GENERATE_OPTIONS: readonly OptionSpec<GenerateFlags>[] = [
  {
    key: 'synthesisMinIsl',
    flags: '--synthesis-min-isl <n>',
    description: 'generate: reject samples below n tokens',
    parser: parseTraceCount,
    aliases: ['--min-isl'],
  },
  {
    key: 'synthesisMinOsl',
    flags: '--synthesis-min-osl <n>',
    description: 'generate: raise output_length to n',
    parser: parseTraceCount,
    aliases: ['--min-osl'],
  },
];

/** A table without its alias spellings (how `profile` registers the transform flags). */
export function withoutAliases<T>(table: readonly OptionSpec<T>[]): OptionSpec<T>[] {
  return table.map(({ aliases: _aliases, ...spec }) => spec as OptionSpec<T>);
}

/** One alias of a table: [canonical attribute, alias attribute, canonical flag, alias flag]. */
export type AliasPair = readonly [string, string, string, string];

/** Every alias of `table`, for folding an alias into its canonical option (and refusing both). */
export function aliasPairs<T>(table: readonly OptionSpec<T>[]): AliasPair[] {
  return table.flatMap((spec) =>
    (spec.aliases ?? []).map((alias) => [spec.key, attributeOf(alias), spec.flags.split(' ')[0]!, alias] as const),
  );
}
