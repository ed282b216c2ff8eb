// The load-shaping flags as `profile` resolves them (docs/cli.md §3.4.1): fallbacks to the
// profiling flags as in AIPerf, and the combinations refused with exit 2.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { resolveProfileConfig, type ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { planLoadThreads } from '../../../ts/src/load/workers.js';

const resolve = (o: Partial<ProfileOptions>) => resolveProfileConfig({ model: ['m'], ...o }, 'infermark profile');

function message(o: Partial<ProfileOptions>): string {
  try {
    resolve(o);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('load shaping configuration', () => {
  it('has no ramp, no prefill cap and no warmup of its own by default', () => {
    const s = resolve({}).shaping;
    expect(s.profiling).toEqual({ concurrencyRampMs: null, rateRampMs: null, prefillConcurrency: null, prefillRampMs: null });
    expect(s.warmup).toMatchObject({ rate: null, sessions: null, gracePeriodMs: null, concurrency: 1 });
    expect(s.threadLimit).toBeNull();
  });

  it('takes the ramps in seconds and the prefill cap', () => {
    const s = resolve({
      concurrency: 8,
      concurrencyRampDuration: 2,
      prefillConcurrency: 3,
      prefillConcurrencyRampDuration: 1.5,
      streaming: true,
    }).shaping;
    expect(s.profiling).toEqual({ concurrencyRampMs: 2000, rateRampMs: null, prefillConcurrency: 3, prefillRampMs: 1500 });
    expect(s.threadLimit).toBe(3);
    const r = resolve({ requestRate: 5, requestRateRampDuration: 10 }).shaping;
    expect(r.profiling.rateRampMs).toBe(10_000);
  });

  it('warms up with the profiling load unless a warmup flag says otherwise (AIPerf fallbacks)', () => {
    const rate = resolve({ requestRate: 20, arrivalPattern: 'constant', concurrency: 4, warmupRequestCount: 5 }).shaping.warmup;
    expect(rate).toMatchObject({ rate: { rate: 20, pattern: 'constant' }, concurrency: 4 });
    const own = resolve({
      requestRate: 20,
      warmupRequestCount: 5,
      warmupRequestRate: 2,
      warmupArrivalPattern: 'gamma',
      warmupConcurrency: 2,
    }).shaping.warmup;
    expect(own).toMatchObject({ rate: { rate: 2, pattern: 'gamma' }, concurrency: 2 });
    const closed = resolve({ concurrency: 8, warmupDuration: 3, warmupConcurrency: 2, warmupGracePeriod: 0.5 }).shaping.warmup;
    expect(closed).toMatchObject({ rate: null, concurrency: 2, gracePeriodMs: 500 });
    expect(resolve({ numWarmupSessions: 3 }).shaping.warmup.sessions).toBe(3);
    const ramps = resolve({ concurrency: 4, warmupRequestCount: 4, concurrencyRampDuration: 1 }).shaping.warmup;
    expect(ramps.concurrencyRampMs).toBe(1000);
    expect(resolve({ concurrency: 4, warmupRequestCount: 4, warmupConcurrencyRampDuration: 2 }).shaping.warmup.concurrencyRampMs).toBe(
      2000,
    );
  });

  it('reads --arrival-pattern concurrency-burst as the closed loop, and refuses it with --request-rate', () => {
    expect(resolve({ arrivalPattern: 'concurrency-burst', concurrency: 6 }).load.mode).toEqual({ kind: 'concurrency', concurrency: 6 });
    expect(resolve({ arrivalPattern: 'concurrency-burst' }).load.mode).toEqual({ kind: 'concurrency', concurrency: 1 });
    expect(message({ arrivalPattern: 'concurrency-burst', requestRate: 5 })).toBe(
      "option '--arrival-pattern concurrency-burst' cannot be used with option '--request-rate'",
    );
  });

  it.each([
    [{ requestRate: 5, concurrencyRampDuration: 1 }, "option '--concurrency-ramp-duration' requires option '--concurrency'"],
    [{ requestRateRampDuration: 1 }, "option '--request-rate-ramp-duration' requires option '--request-rate'"],
    [{ prefillConcurrencyRampDuration: 1 }, "option '--prefill-concurrency-ramp-duration' requires option '--prefill-concurrency'"],
    [{ prefillConcurrency: 2, concurrency: 4 }, "option '--prefill-concurrency' requires option '--streaming'"],
    [{ prefillConcurrency: 5, concurrency: 4, streaming: true }, "option '--prefill-concurrency': 5 exceeds the --concurrency of 4"],
    [
      { warmupConcurrency: 2 },
      "option '--warmup-concurrency' requires option '--warmup-request-count', '--warmup-duration' or '--num-warmup-sessions'",
    ],
    [{ warmupRequestCount: 3, warmupGracePeriod: 1 }, "option '--warmup-grace-period' requires option '--warmup-duration'"],
    [
      { warmupRequestCount: 3, warmupArrivalPattern: 'constant' },
      "option '--warmup-arrival-pattern' requires option '--warmup-request-rate'",
    ],
    [
      { warmupRequestCount: 3, warmupRequestRate: 2, numSessions: 4, sessionTurnsMean: 2 },
      "option '--warmup-request-rate' cannot be used with synthetic multi-turn sessions in this version (use --warmup-concurrency)",
    ],
    [
      { concurrency: 8, prefillConcurrency: 2, streaming: true, workers: 3 },
      "option '--workers': 3 workers but the prefill or warmup concurrency allows only 2 threads",
    ],
  ] as const)('refuses %o', (o, expected) => {
    expect(message(o as Partial<ProfileOptions>)).toBe(expected);
  });

  it('takes ramps in a sharded run (one global plan split over the shards) and gives every shard a prefill slot', () => {
    const shard0 = { shardCount: 2, shardIndex: 0, shardRendezvousPort: 5000 };
    expect(resolve({ ...shard0, concurrency: 4, concurrencyRampDuration: 2 }).shaping.profiling.concurrencyRampMs).toBe(2000);
    expect(message({ ...shard0, concurrency: 4, prefillConcurrency: 1, streaming: true })).toBe(
      '2 shards × 1 worker but the prefill or warmup concurrency allows only 1 thread',
    );
  });

  it('keeps an automatic thread count within the caps, per shard', () => {
    const closed = { kind: 'concurrency' as const, concurrency: 2000 };
    expect(planLoadThreads(null, closed, 8, null, 3).threads).toBe(3);
    // 5 slots of the cap over 2 shards: 3 and 2.
    expect(planLoadThreads(null, closed, 8, { index: 0, count: 2 }, 5).threads).toBe(3);
    expect(planLoadThreads(null, closed, 8, { index: 1, count: 2 }, 5).threads).toBe(2);
  });
});
