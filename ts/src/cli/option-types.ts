// Typed option parsers of docs/cli.md §1.4, shared by every command so messages never drift.
import { InvalidArgumentError } from 'commander';

/** Parser signature accepted by commander's `Option.argParser`. */
export type OptionParser<T> = (value: string, previous?: T) => T;

function invalid(reason: string): never {
  throw new InvalidArgumentError(reason);
}

const DIGITS = /^[0-9]+$/;
// Decimal or exponent notation; no hex, no `Infinity`, no empty string (which Number() accepts).
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** Decimal digits, value ≥ 1 (and a safe JS integer). */
export const parsePositiveInteger: OptionParser<number> = (value) => {
  const n = DIGITS.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) invalid(`expected a positive integer, got '${value}'`);
  return n;
};

/** A positive integer with an upper bound (e.g. a block size that must fit in 32 bits). */
export function positiveIntegerAtMost(max: number): OptionParser<number> {
  return (value) => {
    const n = parsePositiveInteger(value);
    if (n > max) invalid(`expected a positive integer <= ${max}, got '${value}'`);
    return n;
  };
}

/** Decimal digits, value ≥ 0 (and a safe JS integer). */
export const parseNonNegativeInteger: OptionParser<number> = (value) => {
  const n = DIGITS.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) invalid(`expected a non-negative integer, got '${value}'`);
  return n;
};

/** Decimal or exponent notation, finite, > 0. */
export const parsePositiveNumber: OptionParser<number> = (value) => {
  const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) invalid(`expected a positive number, got '${value}'`);
  return n;
};

/** Finite number ≥ 0; with `allowInfinity`, also `inf` (→ `Infinity`). */
export function nonNegativeNumber(options: { allowInfinity?: boolean } = {}): OptionParser<number> {
  return (value) => {
    if (options.allowInfinity && /^\+?inf(inity)?$/i.test(value)) return Infinity;
    const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < 0) {
      invalid(`expected a non-negative number${options.allowInfinity ? " or 'inf'" : ''}, got '${value}'`);
    }
    return n;
  };
}
export const parseNonNegativeNumber: OptionParser<number> = nonNegativeNumber();

/** A number in (0, 100]. */
export const parsePercentage: OptionParser<number> = (value) => {
  const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!(n > 0 && n <= 100)) invalid(`expected a number in (0, 100], got '${value}'`);
  return n;
};

const U64_MAX = (1n << 64n) - 1n;

/** An integer seed in [0, 2^64 − 1], as a bigint (a `number` would lose precision above 2^53). */
export const parseSeed: OptionParser<bigint> = (value) => {
  if (!DIGITS.test(value) || BigInt(value) > U64_MAX) {
    invalid(`expected an integer between 0 and ${U64_MAX}, got '${value}'`);
  }
  return BigInt(value);
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
