// The CLI's exact-multiplier parser (synthesis.md §1, cli.md §1.4) and cross-option rules of synthesize (cli.md §5).
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { exactMultiplier, resolveSynthesizeFlags } from '../../../ts/src/cli/synthesize.js';
import { UsageError } from '../../../ts/src/errors.js';

describe('exact multipliers', () => {
  const positive = exactMultiplier(false);
  const nonNegative = exactMultiplier(true);

  it('accepts decimal and exponent notation within 12 integer and 9 fractional digits', () => {
    for (const v of ['1.5', '0.25', '2', '1e-3', '.5', '5.', '+3', '999999999999.999999999', '1.000000000000', '0.000000001', '1E+2']) {
      expect(positive(v)).toBe(v);
    }
    expect(nonNegative('0')).toBe('0');
    expect(nonNegative('0.0')).toBe('0.0');
  });

  it('rejects with the cli.md §1.4 reasons', () => {
    const reason = (f: (v: string) => string, v: string): string => {
      try {
        f(v);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidArgumentError);
        return (err as Error).message;
      }
      throw new Error(`accepted '${v}'`);
    };
    expect(reason(positive, '1e-10')).toBe("expected a decimal number with at most 9 fractional digits, got '1e-10'");
    expect(reason(positive, '0.0000000001')).toBe("expected a decimal number with at most 9 fractional digits, got '0.0000000001'");
    expect(reason(positive, '1e12')).toBe("expected a decimal number with at most 12 integer digits, got '1e12'");
    expect(reason(positive, '0')).toBe("expected a positive number, got '0'");
    expect(reason(positive, '-1')).toBe("expected a positive number, got '-1'");
    expect(reason(positive, 'abc')).toBe("expected a positive number, got 'abc'");
    expect(reason(positive, 'Infinity')).toBe("expected a positive number, got 'Infinity'");
    expect(reason(nonNegative, '-0.5')).toBe("expected a non-negative number, got '-0.5'");
  });
});

describe('synthesize cross-option rules', () => {
  const base = { outputFile: 'o.jsonl', mode: 'transform' as const, blockSize: 512, randomSeed: 0n, analysis: true };
  it('maps Dynamo aliases onto the canonical options and rejects both together', () => {
    expect(resolveSynthesizeFlags({ ...base, maxIsl: 100, oslMultiplier: '2' })).toMatchObject({ synthesisMaxIsl: 100, synthesisOutputLenMultiplier: '2' });
    expect(() => resolveSynthesizeFlags({ ...base, maxIsl: 1, synthesisMaxIsl: 2 })).toThrow(
      new UsageError("option '--max-isl' cannot be used with option '--synthesis-max-isl'"),
    );
  });
  it('ties --num-requests and the min caps to generate mode', () => {
    expect(() => resolveSynthesizeFlags({ ...base, numRequests: 5 })).toThrow("option '--num-requests' requires '--mode generate'");
    expect(() => resolveSynthesizeFlags({ ...base, mode: 'generate' })).toThrow("option '--mode generate' requires option '--num-requests'");
    expect(() => resolveSynthesizeFlags({ ...base, minOsl: 3 })).toThrow("option '--synthesis-min-osl' requires '--mode generate'");
    expect(resolveSynthesizeFlags({ ...base, mode: 'generate', numRequests: 5, minIsl: 10 }).synthesisMinIsl).toBe(10);
    const { outputFile: _o, ...noOutput } = base;
    expect(() => resolveSynthesizeFlags(noOutput)).toThrow("required option '--output-file <path>' not specified");
  });
});
