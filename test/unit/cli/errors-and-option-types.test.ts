// docs/cli.md §1.3 error shapes and §1.4 value types, as every command gets them from the shared modules.
import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { InfermarkError, EXIT_RUNTIME, EXIT_USAGE, RuntimeFailure, UsageError } from '../../../ts/src/errors.js';
import { reportCliError } from '../../../ts/src/cli/errors.js';
import { integerIn, numberIn, parseChoice, parseSeed, positiveNumberAtMost } from '../../../ts/src/cli/option-types.js';
import { TraceCoreError } from '../../../ts/src/trace-core/errors.js';

/** A small program configured like createProgram(), returning what the user would see. */
async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const program = new Command('infermark')
    .exitOverride()
    .configureOutput({ outputError: () => {}, writeErr: () => {}, writeOut: () => {} });
  program.option('-v, --verbose');
  program
    .command('profile')
    .addOption(new Option('--concurrency <n>').argParser(integerIn(1, 100)))
    .addOption(new Option('--endpoint-type <type>').argParser(parseChoice(['chat', 'completions'])))
    .addOption(new Option('--request-rate <r>').argParser(positiveNumberAtMost(1000)).conflicts('userCentricRate'))
    .addOption(new Option('--user-centric-rate <r>').argParser(positiveNumberAtMost(1000)))
    .requiredOption('--model <name>')
    .action(() => {});
  let stderr = '';
  try {
    await program.parseAsync(['node', 'infermark', ...args]);
    return { code: 0, stderr };
  } catch (err) {
    const code = reportCliError(err, { verbose: false, stderr: { write: (s: string) => (stderr += s) } });
    return { code, stderr };
  }
}

describe('commander errors become one docs/cli.md §1.3 line with exit 2', () => {
  it.each([
    [['foo'], "error: unknown command 'foo'"],
    [['profil'], "error: unknown command 'profil' (did you mean 'profile'?)"],
    [['profile', '--model', 'm', '--foo'], "error: unknown option '--foo'"],
    [['profile', '--model', 'm', '--concurency', '3'], "error: unknown option '--concurency' (did you mean '--concurrency'?)"],
    [['profile', '--model', 'm', '--concurrency'], "error: option '--concurrency <n>' argument missing"],
    [['profile', '--model', 'm', '--concurrency', 'abc'], "error: option '--concurrency <n>': expected an integer in [1, 100], got 'abc'"],
    [
      ['profile', '--model', 'm', '--endpoint-type', 'embeddings'],
      "error: option '--endpoint-type <type>': expected one of chat, completions, got 'embeddings'",
    ],
    [['profile'], "error: required option '--model <name>' not specified"],
    [
      ['profile', '--model', 'm', '--request-rate', '5', '--user-centric-rate', '2'],
      "error: option '--request-rate' cannot be used with option '--user-centric-rate'",
    ],
  ])('%j → %s', async (args, line) => {
    expect(await run(args)).toEqual({ code: EXIT_USAGE, stderr: `${line}\n` });
  });

  it('accepts --flag=value like --flag value', async () => {
    expect(await run(['profile', '--model=m', '--concurrency=4'])).toEqual({ code: 0, stderr: '' });
  });
});

describe('reportCliError', () => {
  const capture = (err: unknown, verbose = false): [number, string] => {
    let out = '';
    const code = reportCliError(err, { verbose, stderr: { write: (s: string) => (out += s) } });
    return [code, out];
  };

  it('prints usage errors with hints and exit 2, runtime failures with exit 1', () => {
    expect(capture(new UsageError('input file not found: x', { hints: ['check the path'] }))).toEqual([
      2,
      'error: input file not found: x\nhint: check the path\n',
    ]);
    expect(capture(new RuntimeFailure('cannot write output file: y: no space'))).toEqual([
      EXIT_RUNTIME,
      'error: cannot write output file: y: no space\n',
    ]);
    expect(capture(new InfermarkError('interrupted', 130))).toEqual([130, 'error: interrupted\n']);
  });

  it('maps trace-core codes: input problems exit 2, internal ones exit 1', () => {
    expect(capture(new TraceCoreError('INVALID_ROW', 't.jsonl:3: json: bad'))).toEqual([2, 'error: t.jsonl:3: json: bad\n']);
    expect(capture(new TraceCoreError('SIZE_CONFLICT', 'c'))[0]).toBe(2);
    expect(capture(new TraceCoreError('OUTPUT_LIMIT', 'output limit: …'))[0]).toBe(2);
    expect(capture(new TraceCoreError('INTERNAL', 'ratio out of range'))[0]).toBe(1);
    expect(capture(new TraceCoreError('BACKEND_UNAVAILABLE', 'no backend'))[0]).toBe(1);
  });

  it('reports an unexpected exception as an internal error on one line, the stack only when verbose', () => {
    const err = new TypeError('boom\nsecond line');
    expect(capture(err)).toEqual([1, 'error: internal error: boom\n']);
    const [, verbose] = capture(err, true);
    expect(verbose.startsWith('error: internal error: boom\nTypeError: boom')).toBe(true);
  });
});

describe('option value types (docs/cli.md §1.4)', () => {
  const reason = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('parses integers in a range, trimming whitespace and a leading +', () => {
    const count = integerIn(1, 1000);
    expect(count('12')).toBe(12);
    expect(count(' 5')).toBe(5);
    expect(count('+3 ')).toBe(3);
    expect(count('1000')).toBe(1000);
    expect(reason(() => count('0'))).toBe("expected an integer in [1, 1000], got '0'");
    expect(reason(() => count('1001'))).toBe("expected an integer in [1, 1000], got '1001'");
    expect(reason(() => count('1.5'))).toBe("expected an integer in [1, 1000], got '1.5'");
    expect(reason(() => count('-1'))).toBe("expected an integer in [1, 1000], got '-1'");
    expect(reason(() => count(''))).toBe("expected an integer in [1, 1000], got ''");
    expect(reason(() => count('99999999999999999999'))).toBe("expected an integer in [1, 1000], got '99999999999999999999'");
    expect(integerIn(0, 5)('0')).toBe(0);
  });

  it('parses numbers in open or closed ranges, percentages and choices', () => {
    const positive = positiveNumberAtMost(100);
    expect(positive('2.5e1')).toBe(25);
    expect(positive(' +7.5 ')).toBe(7.5);
    expect(reason(() => positive('abc'))).toBe("expected a number in (0, 100], got 'abc'");
    expect(reason(() => positive(''))).toBe("expected a number in (0, 100], got ''");
    expect(reason(() => positive('0x10'))).toBe("expected a number in (0, 100], got '0x10'");
    expect(reason(() => positive('0'))).toBe("expected a number in (0, 100], got '0'");
    expect(reason(() => positive('150'))).toBe("expected a number in (0, 100], got '150'");
    expect(reason(() => positive('1e400'))).toBe("expected a number in (0, 100], got '1e400'");
    expect(numberIn(0, 1)('0')).toBe(0);
    expect(Object.is(numberIn(0, 1)('-0'), 0)).toBe(true);
    expect(reason(() => numberIn(0, 1)('-0.1'))).toBe("expected a number in [0, 1], got '-0.1'");
    expect(numberIn(0, 10, { allowInfinity: true })('inf')).toBe(Infinity);
    expect(reason(() => numberIn(0, 10, { allowInfinity: true })('11'))).toBe("expected a number in [0, 10] or 'inf', got '11'");
    expect(reason(() => numberIn(0.001, 10)('1e-10'))).toBe("expected a number in [0.001, 10], got '1e-10'");
    expect(reason(() => parseChoice(['a', 'b'])('c'))).toBe("expected one of a, b, got 'c'");
  });

  it('parses 64-bit seeds exactly as bigint', () => {
    expect(parseSeed('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseSeed(' +42')).toBe(42n);
    expect(reason(() => parseSeed('-3'))).toBe("expected an integer in [0, 18446744073709551615], got '-3'");
    expect(reason(() => parseSeed('18446744073709551616'))).toBe(
      "expected an integer in [0, 18446744073709551615], got '18446744073709551616'",
    );
  });
});
