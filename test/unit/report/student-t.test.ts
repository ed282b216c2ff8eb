import { describe, expect, it } from 'vitest';
import { studentTCritical } from '../../../ts/src/report/student-t.js';

// Two-sided 95 % critical values (the 0.975 quantile) from the standard t table, df 1..30.
const T95 = [
  12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

const sig4 = (x: number): number => Number(x.toPrecision(4));

describe('studentTCritical', () => {
  it('matches the t table to 4 significant digits for df 1..30 at 95 %', () => {
    for (const [i, expected] of T95.entries()) expect(sig4(studentTCritical(0.95, i + 1)), `df ${i + 1}`).toBe(expected);
  });

  it('matches the table at 90 % and 99 %', () => {
    expect(sig4(studentTCritical(0.9, 1))).toBe(6.314);
    expect(sig4(studentTCritical(0.9, 5))).toBe(2.015);
    expect(sig4(studentTCritical(0.9, 30))).toBe(1.697);
    expect(sig4(studentTCritical(0.99, 1))).toBe(63.66);
    expect(sig4(studentTCritical(0.99, 10))).toBe(3.169);
    expect(sig4(studentTCritical(0.99, 30))).toBe(2.75);
  });

  it('tends to the normal quantile for large df', () => {
    expect(sig4(studentTCritical(0.95, 120))).toBe(1.98);
    expect(sig4(studentTCritical(0.95, 1000))).toBe(1.962);
    expect(sig4(studentTCritical(0.95, 1e6))).toBe(1.96);
    expect(sig4(studentTCritical(0.99, 1e6))).toBe(2.576);
  });

  it('refuses a level outside (0, 1) and df below 1', () => {
    expect(() => studentTCritical(1, 5)).toThrow(RangeError);
    expect(() => studentTCritical(0, 5)).toThrow(RangeError);
    expect(() => studentTCritical(0.95, 0)).toThrow(RangeError);
  });
});
