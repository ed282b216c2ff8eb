// The console's fixed-point formatter rounds the exact binary value, ties to even (Python's format).
import { describe, expect, it } from 'vitest';
import { formatCount, formatDecimal, formatFixedGrouped } from '../../../ts/src/report/decimal-format.js';

describe('formatDecimal', () => {
  it('rounds exact binary ties to even, unlike toFixed (docs/trace-analysis.md §6)', () => {
    expect(formatDecimal(0.375, 2)).toBe('0.38');
    expect(formatDecimal(0.125, 2)).toBe('0.12');
    expect((0.125).toFixed(2)).toBe('0.13');
    expect(formatDecimal(6.25, 1)).toBe('6.2');
    expect(formatDecimal(6.75, 1)).toBe('6.8');
    expect(formatDecimal(2.5, 0)).toBe('2');
    expect(formatDecimal(3.5, 0)).toBe('4');
  });

  it('rounds the exact binary value, not the shortest decimal (2.675 is below the tie)', () => {
    // 2.675 is stored as 2.67499999999999982236431605997495353221893310546875.
    expect(formatDecimal(2.675, 2)).toBe('2.67');
    expect(formatDecimal(1.005, 2)).toBe('1.00');
    expect(formatDecimal(0.1 + 0.2, 17)).toBe('0.30000000000000004');
    expect(formatDecimal(0.1, 30)).toBe('0.100000000000000005551115123126');
  });

  it('matches the percentages of the console report', () => {
    expect(formatDecimal(0.5416666666666666 * 100, 1)).toBe('54.2');
    expect(formatDecimal(0.7 * 100, 1)).toBe('70.0');
    expect(formatDecimal(0.38425808746366197 * 100, 1)).toBe('38.4');
    expect(formatDecimal(0.519424610051993 * 100, 1)).toBe('51.9');
  });

  it('handles zero, negatives, subnormals and large values', () => {
    expect(formatDecimal(0, 2)).toBe('0.00');
    expect(formatDecimal(-0, 2)).toBe('-0.00');
    expect(formatDecimal(-0.001, 2)).toBe('-0.00');
    expect(formatDecimal(-1.5, 0)).toBe('-2');
    expect(formatDecimal(5e-324, 3)).toBe('0.000');
    expect(formatDecimal(1e21, 1)).toBe('1000000000000000000000.0');
    expect(formatDecimal(2 ** 53 + 2, 0)).toBe('9007199254740994');
    expect(formatDecimal(Infinity, 2)).toBe('inf');
    expect(formatDecimal(NaN, 2)).toBe('nan');
  });

  it('groups thousands like {:,.2f} and {:,}', () => {
    expect(formatFixedGrouped(1062, 2)).toBe('1,062.00');
    // 999.995 is stored slightly above the tie, 999999.995 slightly below (values from Python).
    expect(formatFixedGrouped(999.995, 2)).toBe('1,000.00');
    expect(formatFixedGrouped(999999.995, 2)).toBe('999,999.99');
    expect(formatFixedGrouped(-1234567.125, 2)).toBe('-1,234,567.12');
    expect(formatFixedGrouped(12.5, 2)).toBe('12.50');
    expect(formatCount(12031)).toBe('12,031');
    expect(formatCount(182790)).toBe('182,790');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1000)).toBe('1,000');
    expect(formatCount(-1234)).toBe('-1,234');
  });

  it('rejects a negative number of decimals', () => {
    expect(() => formatDecimal(1, -1)).toThrow(RangeError);
  });
});
