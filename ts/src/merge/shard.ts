// One shard directory of `infermark merge` (docs/cli.md §9): its records file and summary JSON,
// found by content as `plot` finds runs (any `--profile-export-prefix`), and what the merge reads
// from the summary: the configuration, whether the run was cut short, its client-health figures.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { osReason } from '../io/os-reason.js';
import type { TraceFidelity } from '../metrics/trace-fidelity.js';
import type { JsonValue } from '../report/json-writer.js';
import { runsInDirectory, summaryPrefix } from '../plot/run-discovery.js';

export interface Shard {
  /** The directory as given. */
  dir: string;
  recordsFile: string;
  summaryFile: string;
  /** `inputs.json` beside them, when present. */
  inputsFile: string | null;
  benchmarkId: string | null;
  /** `input_config` as written (redacted by the run that wrote it). */
  inputConfig: Record<string, JsonValue>;
  /** `run_info.random_seed`, read as text (a seed may exceed 2^53). */
  randomSeed: bigint | null;
  wasCancelled: boolean;
  /** `client_health`. */
  saturated: boolean;
  reasons: string[];
  /** The single-value blocks (`{unit, avg}`) of the summary, by tag: the client-health figures among them. */
  singleValues: Map<string, number>;
  traceFidelity: TraceFidelity | null;
  /**
   * How many shards the run was split into, when the summary says so
   * (`input_config.loadgen.shard_count`): more than were given marks the merge partial.
   */
  declaredShardCount: number | null;
  /** This shard's index in a sharded run (`input_config.loadgen.shard_index`, docs/cli.md §3.8), when it says. */
  shardIndex: number | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The run files directly in `dir`; exit 2 with docs/cli.md §9's message when the records are missing. */
function runFiles(dir: string): { recordsFile: string; summaryFile: string } {
  const runs = runsInDirectory(dir);
  if (runs.length === 1) return { recordsFile: runs[0]!.recordsFile, summaryFile: runs[0]!.summaryFile };
  if (runs.length > 1) {
    throw new UsageError(
      `shard ${dir} holds ${runs.length} runs (export prefixes ${runs.map((r) => r.prefix).join(', ')}); give each run its own directory`,
    );
  }
  const names = readdirSync(dir);
  const hasSummary = names.some((n) => summaryPrefix(n) !== null && n !== 'inputs.json');
  if (!hasSummary && names.some((n) => n.endsWith('.jsonl'))) {
    throw new UsageError(`shard ${dir} has no summary JSON (profile_export_aiperf.json or <prefix>.json)`);
  }
  throw new UsageError(`shard ${dir} has no per-request records (rerun it with --export-level records)`);
}

/** Read shard `dir`. A missing or unreadable directory or summary is a usage error naming it. */
export function openShard(dir: string): Shard {
  const { recordsFile, summaryFile } = runFiles(dir);
  let text: string;
  try {
    text = readFileSync(summaryFile, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${summaryFile}: ${osReason(err)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${summaryFile} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc) || !isObject(doc['input_config']) || !isObject(doc['input_config']['endpoint'])) {
    throw new UsageError(`${summaryFile} has no input_config.endpoint: not a summary written by infermark profile`);
  }
  const singleValues = new Map<string, number>();
  for (const [tag, block] of Object.entries(doc)) {
    if (isObject(block) && typeof block['avg'] === 'number' && Object.keys(block).length === 2 && 'unit' in block) {
      singleValues.set(tag, block['avg']);
    }
  }
  const health = isObject(doc['client_health']) ? doc['client_health'] : {};
  const loadgen = isObject(doc['input_config']['loadgen']) ? doc['input_config']['loadgen'] : {};
  const declared = loadgen['shard_count'];
  const index = loadgen['shard_index'];
  const fidelity = doc['trace_fidelity'];
  const runInfo = /"run_info"\s*:\s*\{[^{}]*?"random_seed"\s*:\s*(\d+)/.exec(text);
  const inputsFile = join(dir, 'inputs.json');
  return {
    dir,
    recordsFile,
    summaryFile,
    inputsFile: readdirSync(dir).includes('inputs.json') ? inputsFile : null,
    benchmarkId: typeof doc['benchmark_id'] === 'string' ? doc['benchmark_id'] : null,
    inputConfig: doc['input_config'] as Record<string, JsonValue>,
    randomSeed: runInfo ? BigInt(runInfo[1]!) : null,
    wasCancelled: doc['was_cancelled'] === true,
    saturated: health['saturated'] === true,
    reasons: Array.isArray(health['reasons']) ? health['reasons'].filter((r): r is string => typeof r === 'string') : [],
    singleValues,
    traceFidelity: isObject(fidelity) ? (fidelity as unknown as TraceFidelity) : null,
    declaredShardCount: typeof declared === 'number' && Number.isInteger(declared) && declared > 0 ? declared : null,
    shardIndex: typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : null,
  };
}
