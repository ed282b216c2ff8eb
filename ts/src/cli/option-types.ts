// Typed option parsers of docs/cli.md §1.4–1.5, shared by every command so messages never drift.
// Every numeric flag has one range, checked here before any work (exit 2): the parser in a flag's
// table row is the one source of its range, and docs/cli.md §1.5 lists them (a test checks both agree).
import { InvalidArgumentError } from 'commander';

/** Parser signature accepted by commander's `Option.argParser`. */
export type OptionParser<T> = (value: string, previous?: T) => T;

function invalid(reason: string): never {
  throw new InvalidArgumentError(reason);
}

// Surrounding whitespace and a leading `+` are accepted by every numeric flag alike.
const INTEGER = /^\+?[0-9]+$/;
// Decimal or exponent notation; no hex, no `Infinity`, no empty string (which Number() accepts).
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INFINITY = /^\+?inf(inity)?$/i;

/** A parser's range, for the help and the docs check (test/unit/cli/flag-ranges.test.ts). */
export interface NumericRange {
  kind: 'integer' | 'number';
  min: number;
  max: number;
  /** `(min, …`: the minimum itself is refused. */
  minExclusive: boolean;
  /** `inf` is accepted as well (→ Infinity). */
  allowInfinity: boolean;
}

/** The range a parser made by {@link integerIn} or {@link numberIn} checks. */
export const RANGE = Symbol('infermark.range');
export type RangedParser = OptionParser<number> & { [RANGE]: NumericRange };

/** The range text of the messages: `[1, 1000000]`, `(0, 100]`. */
export function rangeText(r: NumericRange): string {
  return `${r.minExclusive ? '(' : '['}${r.min}, ${r.max}]`;
}

/** An integer in [min, max] (safe integers only), written in decimal digits. */
export function integerIn(min: number, max: number): RangedParser {
  const range: NumericRange = { kind: 'integer', min, max, minExclusive: false, allowInfinity: false };
  const parser = ((value: string) => {
    const text = value.trim();
    const n = INTEGER.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) invalid(`expected an integer in ${rangeText(range)}, got '${value}'`);
    return n;
  }) as RangedParser;
  parser[RANGE] = range;
  return parser;
}

/**
 * A finite number in [min, max], or (min, max] with `minExclusive`; with `allowInfinity`, also
 * `inf` (→ `Infinity`). Decimal or exponent notation.
 */
export function numberIn(min: number, max: number, options: { minExclusive?: boolean; allowInfinity?: boolean } = {}): RangedParser {
  const range: NumericRange = {
    kind: 'number',
    min,
    max,
    minExclusive: options.minExclusive === true,
    allowInfinity: options.allowInfinity === true,
  };
  const parser = ((value: string) => {
    const text = value.trim();
    if (range.allowInfinity && INFINITY.test(text)) return Infinity;
    const n = DECIMAL.test(text) ? Number(text) : NaN;
    const low = range.minExclusive ? n > min : n >= min;
    if (!(Number.isFinite(n) && low && n <= max)) {
      invalid(`expected a number in ${rangeText(range)}${range.allowInfinity ? " or 'inf'" : ''}, got '${value}'`);
    }
    // `-0` is 0.
    return n === 0 ? 0 : n;
  }) as RangedParser;
  parser[RANGE] = range;
  return parser;
}

/** A number > 0 and at most `max` (durations, rates). */
export function positiveNumberAtMost(max: number): RangedParser {
  return numberIn(0, max, { minExclusive: true });
}

const U64_MAX = (1n << 64n) - 1n;

/** An integer seed in [0, 2^64 − 1], as a bigint (a `number` would lose precision above 2^53). */
export const parseSeed: OptionParser<bigint> = (value) => {
  const text = value.trim();
  if (!INTEGER.test(text) || BigInt(text) > U64_MAX) {
    invalid(`expected an integer in [0, ${U64_MAX}], got '${value}'`);
  }
  return BigInt(text);
};

/** A file or directory path: not empty (`-o ''` once wrote into the current directory's name). */
export const parsePath: OptionParser<string> = (value) => {
  if (value.trim() === '') invalid(`expected a path, got '${value}'`);
  return value;
};

/**
 * One of a fixed set of strings. Use this instead of commander's `.choices()`, whose message
 * does not have docs/cli.md §1.3's shape.
 */
export function parseChoice<const T extends string>(choices: readonly T[]): OptionParser<T> {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      invalid(`expected one of ${choices.join(', ')}, got '${value}'`);
    }
    return value as T;
  };
}

/**
 * A comma-separated list whose every item `item` parses (`sweep --concurrency 1,2,4`). A bad item
 * is reported with the item parser's own message (`expected an integer in [1, 100000], got '0'`),
 * so each value is validated exactly like the single-value flag; the list carries that flag's range
 * for the help and docs/cli.md §1.5. Repeating the flag replaces the list, as for any other flag.
 */
export function listOf<T>(item: OptionParser<T>): OptionParser<T[]> & { [RANGE]?: NumericRange } {
  const parser: OptionParser<T[]> & { [RANGE]?: NumericRange } = (value) => value.split(',').map((text) => item(text));
  const range = (item as Partial<RangedParser>)[RANGE];
  if (range !== undefined) parser[RANGE] = range;
  return parser;
}
