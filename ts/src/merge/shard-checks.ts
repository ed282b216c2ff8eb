// What must hold between shards before their records are merged (docs/cli.md §9): each given
// once, the same model names, endpoint type and streaming (unless `--force`), and one goodput and
// time-slice setting, theirs or the flags'.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { parseGoodput, type GoodputSlos } from '../metrics/goodput.js';
import type { JsonValue } from '../report/json-writer.js';
import type { Shard } from './shard.js';

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function pathOf(config: Record<string, JsonValue>, path: readonly string[]): JsonValue | undefined {
  let v: JsonValue | undefined = config;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, JsonValue>)[key];
  }
  return v;
}

const show = (v: JsonValue | undefined): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** A directory given twice, or two directories holding the same run, and an output inside a shard: exit 2. */
export function checkDistinct(shards: readonly Shard[], output: string): void {
  const seen = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const s of shards) {
    const real = realOrResolved(s.dir);
    const earlier = seen.get(real);
    if (earlier !== undefined) throw new UsageError(`shard ${s.dir} is given twice (${earlier} is the same directory)`);
    seen.set(real, s.dir);
    if (s.benchmarkId !== null) {
      const same = ids.get(s.benchmarkId);
      if (same !== undefined) throw new UsageError(`shards ${same} and ${s.dir} are the same run (benchmark_id ${s.benchmarkId})`);
      ids.set(s.benchmarkId, s.dir);
    }
  }
  // Two runs of the same shard (one rerun, say) would count its share twice.
  const places = new Map<string, string>();
  for (const s of shards) {
    if (s.shardIndex === null || s.declaredShardCount === null) continue;
    const place = `${s.shardIndex}/${s.declaredShardCount}`;
    const same = places.get(place);
    if (same !== undefined) {
      throw new UsageError(
        `shards ${same} and ${s.dir} are both shard ${s.shardIndex} of ${s.declaredShardCount}: give one run of each shard`,
      );
    }
    places.set(place, s.dir);
  }
  const out = realOrResolved(output);
  const clash = seen.get(out);
  if (clash !== undefined)
    throw new UsageError(`option '--output' is the shard directory ${clash}: give the merged result its own directory`);
}

/** The settings shards must share; `--force` merges shards that differ in them. */
const MUST_AGREE: ReadonlyArray<readonly [label: string, path: readonly string[]]> = [
  ['model names', ['endpoint', 'model_names']],
  ['endpoint type', ['endpoint', 'type']],
  ['streaming', ['endpoint', 'streaming']],
];

/**
 * The first setting of MUST_AGREE in which a shard differs from the first, as a message; null when
 * they all agree.
 */
export function firstDifference(shards: readonly Shard[]): string | null {
  const first = shards[0]!;
  for (const [label, path] of MUST_AGREE) {
    const want = show(pathOf(first.inputConfig, path));
    for (const s of shards.slice(1)) {
      const got = show(pathOf(s.inputConfig, path));
      if (got !== want) return `shards differ in ${label}: ${first.dir} has ${want}, ${s.dir} has ${got}`;
    }
  }
  return null;
}

/** A setting every shard ran with, or the flag given to `merge`; shards that differ need the flag. */
function agreed(shards: readonly Shard[], path: readonly string[], flag: string): JsonValue | undefined {
  const first = shards[0]!;
  const want = show(pathOf(first.inputConfig, path));
  for (const s of shards.slice(1)) {
    const got = show(pathOf(s.inputConfig, path));
    if (got !== want)
      throw new UsageError(`shards differ in ${flag} (${first.dir}: ${want}, ${s.dir}: ${got}); give ${flag} to merge them`);
  }
  return pathOf(first.inputConfig, path);
}

/** `--goodput` given here (parsed as `profile` parses it), else the shards' common SLOs; null for none. */
export function goodputFor(shards: readonly Shard[], flags: readonly string[] | undefined, streaming: boolean): GoodputSlos | null {
  if (flags !== undefined && flags.length > 0) return parseGoodput(flags, { streaming });
  const v = agreed(shards, ['input', 'goodput'], '--goodput');
  if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const slos: GoodputSlos = {};
  for (const [tag, threshold] of Object.entries(v)) if (typeof threshold === 'number') slos[tag] = threshold;
  return Object.keys(slos).length > 0 ? slos : null;
}

/** `--slice-duration` given here, else the shards' common one; null for no time slices. */
export function sliceDurationFor(shards: readonly Shard[], flag: number | null | undefined): number | null {
  if (flag !== undefined && flag !== null) return flag;
  const v = agreed(shards, ['output', 'slice_duration'], '--slice-duration');
  return typeof v === 'number' ? v : null;
}
