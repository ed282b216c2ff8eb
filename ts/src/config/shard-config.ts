// A shard's place in a sharded run (docs/cli.md §3.8): `--shard-index K --shard-count N`, each
// falling back to its environment variable (SHARD_ENV), and where the rendezvous is. Resolved
// before any traffic; every inconsistency is a usage error (exit 2).
import { UsageError } from '../errors.js';
import { MAX_SHARDS } from './limits.js';
import { SHARD_DEFAULTS, SHARD_ENV } from './defaults.js';

export interface ShardOptions {
  shardIndex?: number;
  shardCount?: number;
  shardRendezvous?: string;
  shardRendezvousPort?: number;
  shardRendezvousTimeout?: number;
}

export interface ShardConfig {
  index: number;
  count: number;
  /** Shard 0: null (it serves the rendezvous); the others: where shard 0 serves it. */
  rendezvous: { host: string; port: number } | null;
  /** The port shard 0 listens on (all interfaces). */
  rendezvousPort: number;
  /** Seconds each barrier waits for every shard. */
  rendezvousTimeout: number;
}

function envInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new UsageError(`environment variable ${name}: expected an integer in [${min}, ${max}], got '${text}'`);
  }
  return n;
}

/** `HOST:PORT` (IPv6 hosts in brackets) of `--shard-rendezvous` / INFERMARK_SHARD_RENDEZVOUS. */
export function parseRendezvous(text: string, source: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new UsageError(`${source}: expected HOST:PORT, got '${text}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * The shard configuration of the flags and the environment, or null for an unsharded run (no
 * count, or a count of 1 with index 0). JOB_COMPLETION_INDEX alone does not shard a run: the count
 * must be given too, so an unrelated Indexed Job's index is never taken for a split.
 */
export function resolveShard(o: ShardOptions, env: NodeJS.ProcessEnv = process.env): ShardConfig | null {
  const count = o.shardCount ?? envInteger(env, SHARD_ENV.count, 1, MAX_SHARDS);
  const index = o.shardIndex ?? (count === undefined ? undefined : envInteger(env, SHARD_ENV.index, 0, MAX_SHARDS - 1));
  const rendezvousText = o.shardRendezvous ?? (count === undefined ? undefined : env[SHARD_ENV.rendezvous]?.trim() || undefined);
  if (count === undefined) {
    if (o.shardIndex !== undefined) throw new UsageError(`option '--shard-index' requires --shard-count (or ${SHARD_ENV.count})`);
    for (const [flag, v] of [
      ['--shard-rendezvous', o.shardRendezvous],
      ['--shard-rendezvous-port', o.shardRendezvousPort],
      ['--shard-rendezvous-timeout', o.shardRendezvousTimeout],
    ] as const) {
      if (v !== undefined) throw new UsageError(`option '${flag}' requires --shard-count (or ${SHARD_ENV.count})`);
    }
    return null;
  }
  if (index === undefined) {
    throw new UsageError(`a run split into ${count} shards needs its shard index: --shard-index or ${SHARD_ENV.index}`);
  }
  if (index >= count) throw new UsageError(`shard index ${index} is out of range for ${count} shards (0 … ${count - 1})`);
  if (count === 1) return null;
  const fromFlag = o.shardRendezvous !== undefined;
  const rendezvous =
    index === 0 || rendezvousText === undefined
      ? null
      : parseRendezvous(rendezvousText, fromFlag ? "option '--shard-rendezvous'" : `environment variable ${SHARD_ENV.rendezvous}`);
  if (index > 0 && rendezvous === null) {
    throw new UsageError(
      `shard ${index} of ${count} needs the rendezvous address of shard 0: --shard-rendezvous HOST:PORT or ${SHARD_ENV.rendezvous}`,
    );
  }
  return {
    index,
    count,
    rendezvous,
    rendezvousPort: o.shardRendezvousPort ?? SHARD_DEFAULTS.rendezvousPort,
    rendezvousTimeout: o.shardRendezvousTimeout ?? SHARD_DEFAULTS.rendezvousTimeout,
  };
}
