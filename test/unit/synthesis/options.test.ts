// Synthesis option checks (docs/synthesis.md §1, docs/cli.md §1.4), made by the core on both backends, and cross-option rules of synthesize (docs/cli.md §5).
import { describe, expect, it } from 'vitest';
import { resolveSynthesizeFlags } from '../../../ts/src/cli/synthesize.js';
import { UsageError } from '../../../ts/src/errors.js';
import { BACKEND_NAMES, TraceCoreError, validateSynthesisOptions, type BackendName, type SynthesisOptions } from '../../../ts/src/index.js';

describe.each(BACKEND_NAMES.map((b) => [b]))('exact multipliers on the %s backend', (backend: BackendName) => {
  const check = (options: SynthesisOptions): void => validateSynthesisOptions({ ...options, backend });

  it('accepts decimal and exponent notation within 12 integer and 9 fractional digits', () => {
    for (const v of ['1.5', '0.25', '2', '1e-3', '.5', '5.', '+3', '999999999999.999999999', '1.000000000000', '0.000000001', '1E+2']) {
      expect(() => check({ speedupRatio: v })).not.toThrow();
    }
    expect(() => check({ outputLenMultiplier: '0' })).not.toThrow();
    expect(() => check({ outputLenMultiplier: '0.0' })).not.toThrow();
  });

  it('rejects with INVALID_ARG naming the option and the docs/cli.md §1.4 reason', () => {
    const message = (options: SynthesisOptions): string => {
      try {
        check(options);
      } catch (err) {
        expect(err).toBeInstanceOf(TraceCoreError);
        expect((err as TraceCoreError).code).toBe('INVALID_ARG');
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(options)}`);
    };
    const p = '--synthesis-prompt-len-multiplier';
    expect(message({ promptLenMultiplier: '1e-10' })).toBe(
      `option '${p}': expected a decimal number with at most 9 fractional digits, got '1e-10'`,
    );
    expect(message({ promptLenMultiplier: '0.0000000001' })).toBe(
      `option '${p}': expected a decimal number with at most 9 fractional digits, got '0.0000000001'`,
    );
    expect(message({ promptLenMultiplier: '1e12' })).toBe(
      `option '${p}': expected a decimal number with at most 12 integer digits, got '1e12'`,
    );
    expect(message({ speedupRatio: '0' })).toBe("option '--synthesis-speedup-ratio': expected a positive number, got '0'");
    expect(message({ speedupRatio: '-1' })).toBe("option '--synthesis-speedup-ratio': expected a positive number, got '-1'");
    expect(message({ prefixLenMultiplier: 'abc' })).toBe(
      "option '--synthesis-prefix-len-multiplier': expected a positive number, got 'abc'",
    );
    expect(message({ prefixLenMultiplier: 'Infinity' })).toBe(
      "option '--synthesis-prefix-len-multiplier': expected a positive number, got 'Infinity'",
    );
    expect(message({ outputLenMultiplier: '-0.5' })).toBe(
      "option '--synthesis-output-len-multiplier': expected a non-negative number, got '-0.5'",
    );
    expect(message({ blockSize: 1.5 })).toBe("option '--block-size': expected a positive integer, got '1.5'");
  });
});

describe('synthesize cross-option rules', () => {
  const base = { outputFile: 'o.jsonl', mode: 'transform' as const, blockSize: 512, randomSeed: 0n, analysis: true };
  it('maps Dynamo aliases onto the canonical options and rejects both together', () => {
    expect(resolveSynthesizeFlags({ ...base, maxIsl: 100, oslMultiplier: '2' })).toMatchObject({
      synthesisMaxIsl: 100,
      synthesisOutputLenMultiplier: '2',
    });
    expect(() => resolveSynthesizeFlags({ ...base, maxIsl: 1, synthesisMaxIsl: 2 })).toThrow(
      new UsageError("option '--max-isl' cannot be used with option '--synthesis-max-isl'"),
    );
  });
  it('ties --num-requests and the min caps to generate mode', () => {
    expect(() => resolveSynthesizeFlags({ ...base, numRequests: 5 })).toThrow("option '--num-requests' requires '--mode generate'");
    expect(() => resolveSynthesizeFlags({ ...base, mode: 'generate' })).toThrow(
      "option '--mode generate' requires option '--num-requests'",
    );
    expect(() => resolveSynthesizeFlags({ ...base, minOsl: 3 })).toThrow("option '--synthesis-min-osl' requires '--mode generate'");
    expect(resolveSynthesizeFlags({ ...base, mode: 'generate', numRequests: 5, minIsl: 10 }).synthesisMinIsl).toBe(10);
    const { outputFile: _o, ...noOutput } = base;
    expect(() => resolveSynthesizeFlags(noOutput)).toThrow("required option '--output-file <path>' not specified");
  });
});
