// serve-mock flag parsing and cross-option rules, in process (docs/cli.md §1.3 shapes, exit 2).
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { reportCliError } from '../../../ts/src/cli/errors.js';
import { registerServeMock, serveMockOptionsFrom } from '../../../ts/src/cli/serve-mock.js';
import { MOCK_DEFAULTS } from '../../../ts/src/server/options.js';

/** Parse `serve-mock ARGS` without running it; returns the options or the reported error line. */
function parse(args: string[]): { options?: ReturnType<typeof serveMockOptionsFrom>; error?: string; code?: number } {
  const program = new Command('infermark').exitOverride().configureOutput({ outputError: () => {} });
  registerServeMock(program);
  const cmd = program.commands[0]!;
  let result: ReturnType<typeof serveMockOptionsFrom> | undefined;
  cmd.action((_o, c: Command) => {
    result = serveMockOptionsFrom(c);
  });
  try {
    program.parse(['node', 'infermark', 'serve-mock', ...args]);
    return { options: result! };
  } catch (err) {
    let text = '';
    const code = reportCliError(err, { verbose: false, stderr: { write: (t: string) => (text += t) } });
    return { error: text, code };
  }
}

describe('serve-mock options', () => {
  it('defaults match docs/serve-mock.md §1', () => {
    const { options } = parse([]);
    const o = options!.options;
    expect(o.host).toBe('127.0.0.1');
    expect(o.port).toBe(8000);
    expect(o.model).toEqual(['mock-model']);
    expect(o.latencyModel).toBe('engine');
    expect(o.randomSeed).toBe(0n);
    expect(o.tokenizer).toBe('builtin');
    expect(o.maxNumSeqs).toBe(64);
    expect(o.maxNumBatchedTokens).toBe(8192);
    expect(o.stepBaseMs).toBe(5);
    expect(o.decodeMsPerSeq).toBe(0.05);
    expect(o.prefillMsPerToken).toBe(0.02);
    expect(o.kvBlockSize).toBe(16);
    expect(o.kvCacheBlocks).toBe(16384);
    expect(o.prefixCache).toBe(true);
    expect(o.maxModelLen).toBe(32768);
    expect(options!.workers).toBe(1);
    expect(o).toMatchObject({ ...MOCK_DEFAULTS });
  });

  it('maps flags, aliases and negations', () => {
    const o = parse([
      '--model',
      'a,b',
      '--model',
      'c',
      '--no-tokenizer',
      '--no-prefix-cache',
      '--max-batch-size',
      '8',
      '--random-seed',
      '18446744073709551615',
      '--error-rate',
      '0',
      '--stream-error-rate',
      '12.5',
      '--api-key',
      'k',
      '--strict-model',
      '--natural-stop',
      '--reasoning-tokens',
      '3',
    ]).options!.options;
    expect(o.model).toEqual(['a', 'b', 'c']);
    expect(o.tokenizer).toBe(false);
    expect(o.prefixCache).toBe(false);
    expect(o.maxNumSeqs).toBe(8);
    expect(o.randomSeed).toBe(18446744073709551615n);
    expect(o.streamErrorRate).toBe(12.5);
    expect(o).toMatchObject({ apiKey: 'k', strictModel: true, naturalStop: true, reasoningTokens: 3 });
    expect(parse(['--fast']).options!.options.latencyModel).toBe('none');
    expect(parse(['--fast', '--latency-model', 'none']).options!.options.latencyModel).toBe('none');
    const simple = parse(['--latency-model', 'simple', '--ttft', '50', '--itl-jitter-cv', '0.2']).options!.options;
    expect(simple).toMatchObject({ latencyModel: 'simple', ttft: 50, itlJitterCv: 0.2 });
  });

  it('rejects bad values and conflicting flags with one docs/cli.md §1.3 line and exit 2', () => {
    const cases: [string[], string][] = [
      [
        ['--ttft', '50'],
        "error: option '--ttft' cannot be used with option '--latency-model engine' (it configures the simple latency model)\n",
      ],
      [
        ['--fast', '--max-num-seqs', '8'],
        "error: option '--max-num-seqs' cannot be used with option '--latency-model none' (it configures the engine latency model)\n",
      ],
      [
        ['--latency-model', 'simple', '--no-prefix-cache'],
        "error: option '--no-prefix-cache' cannot be used with option '--latency-model simple' (it configures the engine latency model)\n",
      ],
      [['--fast', '--latency-model', 'simple'], "error: option '--fast' cannot be used with option '--latency-model simple'\n"],
      [['--max-batch-size', '4', '--max-num-seqs', '8'], "error: option '--max-batch-size' cannot be used with option '--max-num-seqs'\n"],
      [['--error-rate', '150'], "error: option '--error-rate <pct>': expected a number in [0, 100], got '150'\n"],
      [['--latency-model', 'fancy'], "error: option '--latency-model <model>': expected one of engine, simple, none, got 'fancy'\n"],
      [['--random-seed', '-3'], "error: option '--random-seed <seed>': expected an integer in [0, 18446744073709551615], got '-3'\n"],
      [['--port', '70000'], "error: option '--port <n>': expected an integer in [0, 65535], got '70000'\n"],
      [['--max-num-seqs', '0'], "error: option '--max-num-seqs <n>': expected an integer in [1, 100000], got '0'\n"],
      [
        ['--workers', '2', '--record-requests', 'x.jsonl'],
        "error: option '--record-requests' cannot be used with option '--workers' above 1 (each worker would write its own summary)\n",
      ],
      [
        ['--workers', '2', '--fake-gpus', '2'],
        "error: option '--fake-gpus' cannot be used with option '--workers' above 1 (each worker has its own engine)\n",
      ],
      [
        ['--fast', '--fake-gpus', '1'],
        "error: option '--fake-gpus' cannot be used with option '--latency-model none' (the simulated GPUs follow the engine model's steps)\n",
      ],
      [
        ['--fake-gpu-joules-per-token', '0.2'],
        "error: option '--fake-gpu-joules-per-token' needs option '--fake-gpus' (it configures the simulated GPUs)\n",
      ],
      [['--fake-gpus', '65'], "error: option '--fake-gpus <n>': expected an integer in [0, 64], got '65'\n"],
      [['--colour'], "error: unknown option '--colour'\n"],
    ];
    for (const [args, message] of cases) {
      const r = parse(args);
      expect(r.error, args.join(' ')).toBe(message);
      expect(r.code).toBe(2);
    }
  });

  it('limits what a client may send (docs/serve-mock.md §2): body size and the two request timeouts, in range and in order', () => {
    const limits = (args: string[]) => {
      const o = parse(args).options!.options;
      return [o.maxBodyBytes, o.requestTimeoutSeconds, o.headersTimeoutSeconds];
    };
    expect(limits([])).toEqual([1024 * 1024, 60, 10]);
    // The default body limit follows --max-model-len: 32 bytes per token, at least 1 MiB.
    expect(limits(['--max-model-len', '1000000'])[0]).toBe(32_000_000);
    expect(limits(['--max-model-len', '100'])[0]).toBe(1024 * 1024);
    expect(limits(['--max-model-len', '1000000', '--max-body-bytes', '5000'])[0]).toBe(5000);
    expect(limits(['--max-body-bytes', '1000', '--request-timeout-seconds', '2.5', '--headers-timeout-seconds', '0.5'])).toEqual([
      1000, 2.5, 0.5,
    ]);
    // The default headers limit follows a shorter request limit instead of contradicting it.
    expect(limits(['--request-timeout-seconds', '4'])).toEqual([1024 * 1024, 4, 4]);
    const cases: [string[], string][] = [
      [['--max-body-bytes', '0'], "error: option '--max-body-bytes <n>': expected an integer in [1, 536870888], got '0'\n"],
      [['--max-body-bytes', '536870889'], "error: option '--max-body-bytes <n>': expected an integer in [1, 536870888], got '536870889'\n"],
      [['--request-timeout-seconds', '0'], "error: option '--request-timeout-seconds <s>': expected a number in (0, 2147483], got '0'\n"],
      [
        ['--headers-timeout-seconds', '2147484'],
        "error: option '--headers-timeout-seconds <s>': expected a number in (0, 2147483], got '2147484'\n",
      ],
      [
        ['--request-timeout-seconds', '5', '--headers-timeout-seconds', '10'],
        "error: option '--headers-timeout-seconds' (10) cannot be above option '--request-timeout-seconds' (5): the headers are part of the request\n",
      ],
    ];
    for (const [args, message] of cases) {
      const r = parse(args);
      expect(r.error, args.join(' ')).toBe(message);
      expect(r.code).toBe(2);
    }
  });
});
