// `--shard-index/--shard-count` and their environment variables (docs/cli.md §3.8).
import { describe, expect, it } from 'vitest';
import { parseRendezvous, resolveShard } from '../../../ts/src/config/shard-config.js';
import { resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { UsageError } from '../../../ts/src/errors.js';

describe('resolveShard', () => {
  it('leaves a run without a shard count unsharded, whatever JOB_COMPLETION_INDEX says', () => {
    expect(resolveShard({}, {})).toBeNull();
    expect(resolveShard({}, { JOB_COMPLETION_INDEX: '3' })).toBeNull();
    expect(resolveShard({ shardCount: 1, shardIndex: 0 }, {})).toBeNull();
  });

  it('takes the index from JOB_COMPLETION_INDEX and the count and rendezvous from INFERMARK_SHARD_*', () => {
    const env = { JOB_COMPLETION_INDEX: '2', INFERMARK_SHARD_COUNT: '4', INFERMARK_SHARD_RENDEZVOUS: 'bench-0.bench:9470' };
    expect(resolveShard({}, env)).toEqual({
      index: 2,
      count: 4,
      rendezvous: { host: 'bench-0.bench', port: 9470 },
      rendezvousPort: 9470,
      rendezvousTimeout: 300,
    });
    // Flags win over the environment.
    expect(resolveShard({ shardIndex: 1, shardRendezvous: '10.0.0.5:1234' }, env)).toMatchObject({
      index: 1,
      count: 4,
      rendezvous: { host: '10.0.0.5', port: 1234 },
    });
  });

  it('gives shard 0 no rendezvous address: it serves the rendezvous', () => {
    expect(resolveShard({ shardIndex: 0, shardCount: 2, shardRendezvousPort: 5000 }, {})).toMatchObject({
      rendezvous: null,
      rendezvousPort: 5000,
    });
  });

  it('refuses what cannot be a shard of a run, naming the flag or variable', () => {
    const bad = (o: Parameters<typeof resolveShard>[0], env: NodeJS.ProcessEnv = {}): string => {
      try {
        resolveShard(o, env);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ shardIndex: 1 })).toBe("option '--shard-index' requires --shard-count (or INFERMARK_SHARD_COUNT)");
    expect(bad({ shardCount: 2 })).toBe('a run split into 2 shards needs its shard index: --shard-index or JOB_COMPLETION_INDEX');
    expect(bad({ shardCount: 2, shardIndex: 2 })).toBe('shard index 2 is out of range for 2 shards (0 … 1)');
    expect(bad({ shardCount: 2, shardIndex: 1 })).toBe(
      'shard 1 of 2 needs the rendezvous address of shard 0: --shard-rendezvous HOST:PORT or INFERMARK_SHARD_RENDEZVOUS',
    );
    expect(bad({}, { INFERMARK_SHARD_COUNT: 'four' })).toBe(
      "environment variable INFERMARK_SHARD_COUNT: expected an integer in [1, 4096], got 'four'",
    );
    expect(bad({ shardCount: 2 }, { JOB_COMPLETION_INDEX: '-1' })).toBe(
      "environment variable JOB_COMPLETION_INDEX: expected an integer in [0, 4095], got '-1'",
    );
    expect(bad({ shardCount: 2, shardIndex: 1 }, { INFERMARK_SHARD_RENDEZVOUS: 'bench-0' })).toBe(
      "environment variable INFERMARK_SHARD_RENDEZVOUS: expected HOST:PORT, got 'bench-0'",
    );
    expect(bad({ shardRendezvousPort: 9000 })).toBe("option '--shard-rendezvous-port' requires --shard-count (or INFERMARK_SHARD_COUNT)");
  });

  it('parses IPv6 rendezvous hosts in brackets', () => {
    expect(parseRendezvous('[::1]:9470', 'x')).toEqual({ host: '::1', port: 9470 });
    expect(() => parseRendezvous('host:0', 'x')).toThrow(UsageError);
  });
});

describe('a sharded profile configuration', () => {
  const base = { model: ['m'], shardIndex: 1, shardCount: 4, shardRendezvous: 'h:1' };

  it('needs a concurrent session per shard', () => {
    expect(() => resolveProfileConfig({ ...base, concurrency: 3 }, [])).toThrow(
      'a run split into 4 shards needs at least 4 concurrent sessions, got 3',
    );
    expect(resolveProfileConfig({ ...base, concurrency: 4 }, []).load.shard).toMatchObject({ index: 1, count: 4 });
  });
});
