// docs/cli.md §8: the LIST flags of `sweep` (each value validated exactly as profile validates the
// single value), exactly one swept dimension, and every point resolved before the first run.
import { describe, expect, it } from 'vitest';
import type { ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { UsageError } from '../../../ts/src/errors.js';
import { planSweep, sweepDimension } from '../../../ts/src/sweep/sweep-plan.js';
import { parseCli } from '../../helpers/cli-parse.js';

const ARGV = ['infermark', 'sweep'];
const BASE: ProfileOptions = { model: ['Qwen/Qwen3-0.6B'], url: ['127.0.0.1:9'], streaming: true };

describe('sweep LIST flags on the command line', () => {
  it('reads comma-separated values in the given order, with the spacing numbers may have', async () => {
    const r = await parseCli(['sweep', '-m', 'm', '--concurrency', '8,1, +4,2']);
    expect(r).toMatchObject({ ok: true, command: 'sweep', options: { concurrency: [8, 1, 4, 2] } });
    const rate = await parseCli(['sweep', '-m', 'm', '--request-rate', '0.5,2,1e1']);
    expect(rate).toMatchObject({ ok: true, options: { requestRate: [0.5, 2, 10] } });
  });

  it("refuses a bad value with profile's own message for the single flag", async () => {
    for (const [flag, value, list] of [
      ['--concurrency', '0', '1,0,4'],
      ['--concurrency', '100001', '100001'],
      ['--concurrency', '2.5', '1,2.5'],
      ['--request-rate', '0', '1,0'],
      ['--request-rate', 'abc', 'abc,2'],
      ['--concurrency', '', '1,,4'],
    ] as const) {
      const single = await parseCli(['profile', '-m', 'm', flag, value]);
      const swept = await parseCli(['sweep', '-m', 'm', flag, list]);
      expect(single.ok || swept.ok, `${flag} ${list}`).toBe(false);
      if (single.ok || swept.ok) continue;
      expect(swept.code).toBe(2);
      // Same reason, only the placeholder differs: `--concurrency <n>` vs `--concurrency <list>`.
      expect(swept.stderr.replace('<list>', '<n>').replace('<r>', '<n>')).toBe(single.stderr.replace('<r>', '<n>'));
    }
  });

  it("takes profile's flags and aliases unchanged", async () => {
    const r = await parseCli(['sweep', '--model-names', 'm', '--concurrency', '1,2', '--num-requests', '5', '--fail-fast', '--gpus', '4']);
    expect(r).toMatchObject({ ok: true, options: { modelNames: ['m'], numRequests: 5, failFast: true, gpus: 4 } });
  });
});

describe('sweepDimension', () => {
  it('takes exactly one of --concurrency and --request-rate', () => {
    expect(sweepDimension({ concurrency: [1, 2] })).toEqual({ dimension: 'concurrency', values: [1, 2] });
    expect(sweepDimension({ requestRate: [0.5] })).toEqual({ dimension: 'request_rate', values: [0.5] });
    expect(() => sweepDimension({ concurrency: [1, 2], requestRate: [2] })).toThrow(
      new UsageError(
        "option '--concurrency' cannot be used with option '--request-rate': a sweep varies one of them (next to a rate list, --concurrency takes one value, the limit of every point)",
      ),
    );
    expect(() => sweepDimension({})).toThrow(new UsageError("sweep requires option '--concurrency <list>' or '--request-rate <list>'"));
  });

  it('keeps a single --concurrency next to a rate list as the limit on requests in flight of every point', () => {
    const choice = sweepDimension({ concurrency: [64], requestRate: [2, 4] });
    expect(choice).toEqual({ dimension: 'request_rate', values: [2, 4], concurrencyLimit: 64 });
    const plan = planSweep(BASE, choice, ARGV);
    expect(plan.points.map((p) => p.runName.replace(/^.*-openai-chat-/, ''))).toEqual([
      'concurrency64-request_rate2.0',
      'concurrency64-request_rate4.0',
    ]);
    expect(plan.points.map((p) => p.config.load.mode)).toEqual([
      expect.objectContaining({ kind: 'rate', rate: 2, concurrency: 64 }),
      expect.objectContaining({ kind: 'rate', rate: 4, concurrency: 64 }),
    ]);
  });
});

describe('planSweep', () => {
  it('makes one point per value, in order, each in <artifact-dir>/<run-name> with the same seed', () => {
    const plan = planSweep({ ...BASE, randomSeed: 7n }, { dimension: 'concurrency', values: [4, 1, 16] }, ARGV);
    expect(plan.dimension).toBe('concurrency');
    expect(plan.sweepId).toMatch(/^[0-9a-f-]{36}$/);
    expect(plan.points.map((p) => [p.index, p.value, p.label, p.directory])).toEqual([
      [0, 4, 'concurrency_4', 'artifacts/Qwen_Qwen3-0.6B-openai-chat-concurrency4'],
      [1, 1, 'concurrency_1', 'artifacts/Qwen_Qwen3-0.6B-openai-chat-concurrency1'],
      [2, 16, 'concurrency_16', 'artifacts/Qwen_Qwen3-0.6B-openai-chat-concurrency16'],
    ]);
    for (const p of plan.points) {
      expect(p.config.load.mode).toEqual({ kind: 'concurrency', concurrency: p.value });
      expect(p.config.output).toMatchObject({ artifactDir: p.directory, artifactDirGiven: true });
      expect(p.config.dataset.randomSeed).toBe(7n);
    }
    // The default request count follows each point's concurrency, as profile's does (docs/cli.md §3.4).
    expect(plan.points.map((p) => p.config.load.requestCount)).toEqual([10, 10, 32]);
  });

  it('puts request-rate points under --artifact-dir with the rate written as the run name writes it', () => {
    const plan = planSweep({ ...BASE, artifactDir: 'runs' }, { dimension: 'request_rate', values: [2.5, 10] }, ARGV);
    expect(plan.artifactDir).toBe('runs');
    expect(plan.points.map((p) => [p.label, p.directory])).toEqual([
      ['request_rate_2.5', 'runs/Qwen_Qwen3-0.6B-openai-chat-request_rate2.5'],
      ['request_rate_10.0', 'runs/Qwen_Qwen3-0.6B-openai-chat-request_rate10.0'],
    ]);
    expect(plan.points[1]!.config.load.mode).toMatchObject({ kind: 'rate', rate: 10 });
  });

  it('refuses a point that profile would refuse, even when it is not the first', () => {
    // --workers 4 suits concurrency 8 and 16 but not 2, the third point.
    expect(() => planSweep({ ...BASE, workers: 4 }, { dimension: 'concurrency', values: [8, 16, 2] }, ARGV)).toThrow(
      new UsageError("option '--workers': 4 workers but only 2 concurrent sessions"),
    );
    expect(() => planSweep({ ...BASE, fixedSchedule: true }, { dimension: 'request_rate', values: [1, 2] }, ARGV)).toThrow(
      new UsageError("option '--fixed-schedule' cannot be used with option '--request-rate'"),
    );
    expect(() => planSweep({ ...BASE, goodput: ['nonsense:1'] }, { dimension: 'concurrency', values: [1] }, ARGV)).toThrow(UsageError);
  });

  it('checks --workers against every concurrency even for a file whose load mode is known only once read', () => {
    expect(() => planSweep({ ...BASE, inputFile: 'trace.jsonl', workers: 3 }, { dimension: 'concurrency', values: [4, 2] }, ARGV)).toThrow(
      new UsageError("option '--workers': 3 workers but only 2 concurrent sessions"),
    );
  });

  it('refuses a value given twice and points that would share a run directory', () => {
    expect(() => planSweep(BASE, { dimension: 'request_rate', values: [1, 2.5, 2.5] }, ARGV)).toThrow(
      new UsageError("option '--request-rate <list>': the value 2.5 is given twice"),
    );
    // In user-centric mode --concurrency is only a ceiling, and the run name does not hold it.
    const userCentric: ProfileOptions = { ...BASE, userCentricRate: 1, numUsers: 2, sessionTurnsMean: 2, requestCount: 10 };
    expect(() => planSweep(userCentric, { dimension: 'concurrency', values: [2, 4] }, ARGV)).toThrow(
      /^option '--concurrency <list>': the points 2 and 4 would both write to artifacts\/Qwen_Qwen3-0\.6B-openai-chat-user_centric-users2-qps1\.0 /,
    );
  });
});
