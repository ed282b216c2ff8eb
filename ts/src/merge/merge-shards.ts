// `infermark merge` (docs/cli.md §9): the records of several shard runs folded, in one streaming
// pass, into the same record stores `profile` fills, and every artifact written from them by the
// same report code, so every metric is recomputed exactly from the union (and one shard gives back
// its own metric blocks). Only what the records do not carry comes from the shards' summaries:
// the client's own health figures (the worst shard's) and the trace-fidelity summary.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_OK, EXIT_RUNTIME, UsageError } from '../errors.js';
import { makeDirectorySync } from '../io/directories.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { lineBatches } from '../io/line-batches.js';
import { LineWriter } from '../io/line-writer.js';
import { MAX_TIME_SLICES } from '../config/limits.js';
import { aggregate, type MetricBlock, type RunMetrics } from '../metrics/aggregate.js';
import type { ClientHealthResult } from '../metrics/client-health.js';
import type { GoodputSlos } from '../metrics/goodput.js';
import { jsonOrder, metricDef } from '../metrics/metric-defs.js';
import { RecordStore } from '../metrics/record-store.js';
import { computeTimeSlices, timeSliceCount } from '../metrics/timeslices.js';
import type { TraceFidelity } from '../metrics/trace-fidelity.js';
import { exportFileNames, removeOwnedFiles } from '../report/artifact-dir.js';
import { consoleSummary, runWarnings } from '../report/console-summary.js';
import type { JsonValue } from '../report/json-writer.js';
import { RunLog } from '../report/log-file.js';
import { SecretScrubber, formatCliCommand } from '../report/redact.js';
import { summaryCsv, timeslicesCsv } from '../report/summary-csv.js';
import { summaryJson } from '../report/summary-json.js';
import { nowWallNs } from '../report/time-format.js';
import { timeslicesJson } from '../report/timeslices-export.js';
import { runVerdict } from '../profile/exit-code.js';
import { mergedInputsJson } from './merged-inputs.js';
import { idHash, RequestIdIndex } from './request-ids.js';
import { openShard, type Shard } from './shard.js';
import { checkDistinct, firstDifference, goodputFor, sliceDurationFor } from './shard-checks.js';
import { MergeInterrupted, forEachShardRecord, type ShardReadReport } from './shard-records.js';

export interface MergeOptions {
  /** Shard directories, in the order given (the first one's configuration is the result's). */
  shards: readonly string[];
  /** `-o, --output`: the merged result's directory. */
  output: string;
  /** `--goodput` arguments; absent: the shards' own SLOs. */
  goodput?: readonly string[];
  /** `--slice-duration`; absent: the shards' own. */
  sliceDuration?: number | null;
  /** Merge shards that differ in model names, endpoint type or streaming. */
  force?: boolean;
  /** The command line, for `run_info.cli_command` and the log. */
  argv: readonly string[];
  version: string;
  /** Where the console summary is printed (it is always written to its file). */
  stdout?: { write(text: string): unknown } | null;
  colour?: boolean;
  /** Aborted (Ctrl-C): while the records are read, the merge stops, removes its records file and throws MergeInterrupted. */
  signal?: AbortSignal;
  /** Called once every record is read (a signal after it only changes the exit code). */
  onRecordsRead?: () => void;
}

export interface MergeResult {
  /** 0; 1 when the result is partial or no request succeeded (the files are written either way). */
  exitCode: number;
  /** The `error: …` text for exit 1, else null. */
  failure: string | null;
  /** Why the result covers less than the whole run (a shard interrupted, shards missing); empty when complete. */
  partialReasons: string[];
  metrics: RunMetrics;
  warmup: RunMetrics | null;
  /** Warnings of the console footer (unusable lines, forced differences, files not merged). */
  warnings: string[];
  directory: string;
  /** Files written, by kind. */
  files: Record<string, string>;
}

/**
 * Client-health figures that describe the client's own loops and schedule (docs/metrics.md §10):
 * the records cannot give them, so the merged value is the worst (largest) shard's.
 */
const WORST_SHARD_FIGURES = [
  'client_event_loop_lag_p50',
  'client_event_loop_lag_p99',
  'client_event_loop_lag_max',
  'client_event_loop_utilization_avg',
  'client_event_loop_utilization_max',
  'client_cpu_percent_avg',
  'client_cpu_percent_max',
  'client_schedule_lag_p50',
  'client_schedule_lag_p99',
  'client_schedule_lag_max',
] as const;

/** Client-health figures the records give exactly: recomputed from the union. */
const RECOMPUTED_HEALTH = ['client_connection_resends', 'achieved_request_rate'] as const;

function worst(shards: readonly Shard[], tag: string): number | null {
  let out: number | null = null;
  for (const s of shards) {
    const v = s.singleValues.get(tag);
    if (v !== undefined && (out === null || v > out)) out = v;
  }
  return out;
}

/**
 * The merged client health: every shard's verdict and reasons (saturated if any shard was), the
 * worst shard's loop and schedule figures, the union's resend count and achieved rate.
 */
function mergedClientHealth(run: RunMetrics, shards: readonly Shard[]): RunMetrics {
  const blocks = new Map<string, MetricBlock>(run.blocks);
  for (const tag of WORST_SHARD_FIGURES) {
    blocks.delete(tag);
    const v = worst(shards, tag);
    if (v !== null) blocks.set(tag, { unit: metricDef(tag).unit, stats: { avg: v } });
  }
  const values: Record<string, number> = {};
  for (const tag of [...WORST_SHARD_FIGURES, ...RECOMPUTED_HEALTH, 'requested_request_rate']) {
    const v = blocks.get(tag)?.stats.avg;
    if (v !== undefined) values[tag] = v;
  }
  const reasons: string[] = [];
  for (const s of shards) for (const r of s.reasons) if (!reasons.includes(r)) reasons.push(r);
  const clientHealth: ClientHealthResult = {
    values,
    saturated: shards.some((s) => s.saturated),
    reasons,
    loadThreads: null,
  };
  const ordered = new Map<string, MetricBlock>();
  for (const tag of jsonOrder(blocks.keys())) ordered.set(tag, blocks.get(tag)!);
  return { ...run, blocks: ordered, clientHealth };
}

/**
 * Trace fidelity is not in the records (docs/synthesis.md §6.5): one shard's is kept as written;
 * several are pooled from their summaries (means weighted by rows, so to the last bit only for one shard).
 */
function mergedTraceFidelity(shards: readonly Shard[]): TraceFidelity | null {
  const parts = shards.map((s) => s.traceFidelity).filter((t): t is TraceFidelity => t !== null);
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0]!;
  const rows = parts.reduce((s, t) => s + t.rows, 0);
  const mean = (key: 'requested_isl_mean' | 'materialised_isl_mean' | 'abs_diff_mean'): number =>
    rows === 0 ? 0 : parts.reduce((s, t) => s + t[key] * t.rows, 0) / rows;
  return {
    rows,
    requested_isl_mean: mean('requested_isl_mean'),
    materialised_isl_mean: mean('materialised_isl_mean'),
    abs_diff_mean: mean('abs_diff_mean'),
    abs_diff_max: Math.max(...parts.map((t) => t.abs_diff_max)),
    rows_off_by_more_than_1pct: parts.reduce((s, t) => s + t.rows_off_by_more_than_1pct, 0),
  };
}

/** Why the merged result is partial: interrupted shards, and fewer shards than the run declared. */
function partialReasonsOf(shards: readonly Shard[]): string[] {
  const reasons: string[] = [];
  for (const s of shards) if (s.wasCancelled) reasons.push(`shard ${s.dir} was interrupted (was_cancelled)`);
  const declared = Math.max(0, ...shards.map((s) => s.declaredShardCount ?? 0));
  if (declared > shards.length) reasons.push(`the run declared ${declared} shards and ${shards.length} were given`);
  return reasons;
}

/** The first `x_request_id` that two different shards hold, among the ids whose hash repeated. */
async function sharedRequestId(shards: readonly Shard[], hashes: ReadonlySet<number>): Promise<string | null> {
  const owner = new Map<string, number>();
  const ID = /"x_request_id"\s*:\s*"((?:[^"\\]|\\.)*)"/;
  for (let i = 0; i < shards.length; i++) {
    for await (const batch of lineBatches(shards[i]!.recordsFile)) {
      for (const line of batch.lines) {
        const m = ID.exec(line);
        if (m === null) continue;
        const id = m[1]!;
        if (!hashes.has(idHash(id))) continue;
        const first = owner.get(id);
        if (first !== undefined && first !== i) return `x_request_id ${id} is in shards ${shards[first]!.dir} and ${shards[i]!.dir}`;
        owner.set(id, i);
      }
    }
  }
  return null;
}

function readWarnings(shards: readonly Shard[], reports: readonly ShardReadReport[]): string[] {
  const out: string[] = [];
  reports.forEach((r, i) => {
    const file = shards[i]!.recordsFile;
    if (r.skipped > 0) out.push(`${r.skipped} unusable line${r.skipped === 1 ? '' : 's'} of ${file} skipped (first: ${r.firstSkip})`);
    if (r.partialLastLine) out.push(`the unfinished last line of ${file} was left out`);
  });
  return out;
}

/** A plain JSON object (what JSON.parse made of an `input_config` section). */
function isSection(v: JsonValue | undefined): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** `config[key]` as an object, made one when the shard's summary has none there (another tool's layout). */
function sectionOf(config: Record<string, JsonValue>, key: string): Record<string, JsonValue> {
  const v = config[key];
  if (isSection(v)) return v;
  const made: Record<string, JsonValue> = {};
  config[key] = made;
  return made;
}

/**
 * Merge the shards into `options.output`. Usage errors (exit 2) come before any file is written,
 * except the shared `x_request_id`, found once the records are read: then only the log is left.
 */
export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  if (options.shards.length === 0) throw new UsageError('merge needs at least one SHARD_DIR');
  const shards = options.shards.map((dir) => openShard(dir));
  checkDistinct(shards, options.output);
  const warnings: string[] = [];
  const difference = firstDifference(shards);
  if (difference !== null) {
    if (!options.force) throw new UsageError(`${difference} (--force merges them anyway)`);
    warnings.push(`${difference}; merged anyway (--force)`);
  }
  const first = shards[0]!;
  const endpoint = first.inputConfig['endpoint'] as Record<string, JsonValue>;
  const streaming = endpoint['streaming'] === true;
  const goodput: GoodputSlos | null = goodputFor(shards, options.goodput, streaming);
  const sliceSeconds = sliceDurationFor(shards, options.sliceDuration);
  const input = first.inputConfig['input'];
  const fixedSchedule = isSection(input) && input['fixed_schedule'] === true;

  const directory = options.output;
  const names = exportFileNames(null);
  const path = (kind: keyof typeof names): string => join(directory, names[kind]);
  makeDirectorySync(directory);
  await removeOwnedFiles(directory, names);
  const files: Record<string, string> = {};
  const scrubber = SecretScrubber.from(null);
  const log = new RunLog(path('log'), 'info', scrubber);
  files['log'] = path('log');
  const benchmarkId = randomUUID();
  log.log('info', `infermark ${options.version} merge ${benchmarkId} writing to ${directory}`);
  log.log('info', `command: ${formatCliCommand(options.argv)}`);

  const profiling = new RecordStore({ goodput, fixedSchedule });
  const warmupStore = new RecordStore({ goodput });
  const ids = new RequestIdIndex();
  const records = new LineWriter(path('records'));
  let reports: ShardReadReport[];
  try {
    reports = await forEachShardRecord(
      shards.map((s) => s.recordsFile),
      (rec) => {
        records.writeLine(rec.line);
        ids.add(rec.xRequestId);
        (rec.phase === 'warmup' ? warmupStore : profiling).append(rec.stored);
      },
      options.signal,
    );
    await records.close();
    const repeated = ids.repeatedHashes();
    const shared = repeated.size === 0 ? null : await sharedRequestId(shards, repeated);
    if (shared !== null) throw new UsageError(`${shared}: a shard given twice? (every request belongs to one shard)`);
  } catch (err) {
    await records.close().catch(() => undefined);
    rmSync(path('records'), { force: true });
    profiling.close();
    warmupStore.close();
    if (err instanceof MergeInterrupted) log.log('warning', 'interrupted while reading the shards: nothing merged');
    else log.log('error', `nothing merged: ${err instanceof Error ? err.message : String(err)}`);
    await log.close();
    throw err;
  }
  files['records'] = path('records');
  options.onRecordsRead?.();
  reports.forEach((r, i) => {
    log.log('info', `shard ${shards[i]!.dir}: ${r.records} records from ${shards[i]!.recordsFile}`);
  });
  warnings.push(...readWarnings(shards, reports));

  // The run's rate as configured: a shard of a sharded run reports only its part as requested
  // (docs/cli.md §3.8), while every shard's input_config holds the whole run's.
  const configured = (first.inputConfig['loadgen'] as Record<string, JsonValue> | undefined)?.['request_rate'];
  const requested = typeof configured === 'number' ? configured : worst(shards, 'requested_request_rate');
  const metrics = mergedClientHealth(aggregate(profiling, { requestRate: requested }), shards);
  metrics.traceFidelity = mergedTraceFidelity(shards);
  const warmup = warmupStore.count > 0 ? aggregate(warmupStore) : null;
  warmupStore.close();
  warnings.push(...runWarnings(metrics, false));
  const partialReasons = partialReasonsOf(shards);
  for (const r of partialReasons) warnings.push(`merged result is partial: ${r}`);

  // `input_config` of the first shard, with the settings the merge computed with and its shards.
  const inputConfig: Record<string, JsonValue> = structuredClone(first.inputConfig);
  sectionOf(inputConfig, 'input')['goodput'] = goodput;
  sectionOf(inputConfig, 'output')['slice_duration'] = sliceSeconds;
  inputConfig['merged_from'] = [...options.shards];

  try {
    const startWallNs = profiling.firstStartNs ?? nowWallNs();
    const summary = summaryJson({
      version: options.version,
      benchmarkId,
      startWallNs,
      endWallNs: nowWallNs(),
      wasCancelled: shards.some((s) => s.wasCancelled),
      run: metrics,
      inputConfig: { redacted: inputConfig },
      argv: options.argv,
      runInfo: {
        sweep_id: null,
        random_seed: first.randomSeed,
        trial: 0,
        run_label: null,
        variation_label: 'merged',
        variation_index: null,
        variation_values: null,
      },
      traceFidelity: metrics.traceFidelity,
      warmup,
      scrubber,
      extra: {
        merge: {
          shards: shards.length,
          partial: partialReasons.length > 0,
          partial_reasons: partialReasons,
          skipped_lines: reports.reduce((s, r) => s + r.skipped, 0),
        },
      },
    });
    await writeFileAtomic(path('summaryJson'), summary);
    files['summaryJson'] = path('summaryJson');
    await writeFileAtomic(path('summaryCsv'), summaryCsv(metrics.blocks));
    files['summaryCsv'] = path('summaryCsv');

    if (sliceSeconds !== null) {
      const count = timeSliceCount(profiling, sliceSeconds);
      if (count > MAX_TIME_SLICES) {
        warnings.push(
          `time slices skipped: --slice-duration ${sliceSeconds} cuts the profiling phase into ${count} slices; at most ${MAX_TIME_SLICES} are written`,
        );
      } else {
        const slices = computeTimeSlices(profiling, sliceSeconds);
        await writeFileAtomic(path('timeslicesCsv'), timeslicesCsv(slices));
        await writeFileAtomic(path('timeslicesJson'), timeslicesJson(slices, sliceSeconds, inputConfig));
        files['timeslicesCsv'] = path('timeslicesCsv');
        files['timeslicesJson'] = path('timeslicesJson');
      }
    }

    const inputs = mergedInputsJson(shards.map((s) => s.inputsFile));
    if ('text' in inputs) {
      await writeFileAtomic(path('inputs'), inputs.text);
      files['inputs'] = path('inputs');
    } else {
      warnings.push(inputs.skipped);
    }

    const verdict = runVerdict({ metrics, interrupted: false, thresholdExceeded: false, failedRequestThreshold: null });
    const failure = partialReasons.length > 0 ? `merged result is partial: ${partialReasons.join('; ')}; results kept` : verdict.failure;
    const footer = {
      interrupted: false,
      randomSeed: first.randomSeed,
      traceFidelity: metrics.traceFidelity,
      cliCommand: formatCliCommand(options.argv),
      paths: {
        csv: files['summaryCsv'],
        json: files['summaryJson'],
        records: files['records'],
        timeslices: files['timeslicesCsv'],
        log: files['log'],
      },
      warnings,
    };
    const text = consoleSummary(metrics, footer, { streaming });
    await writeFileAtomic(path('console'), text);
    files['console'] = path('console');
    if (options.stdout) options.stdout.write(options.colour ? consoleSummary(metrics, footer, { streaming, colour: true }) : text);

    for (const w of warnings) log.log('warning', w);
    log.log('info', `finished: ${metrics.successCount} succeeded, ${metrics.errorCount} failed, from ${shards.length} shards`);
    return {
      exitCode: failure === null ? EXIT_OK : EXIT_RUNTIME,
      failure,
      partialReasons,
      metrics,
      warmup,
      warnings,
      directory,
      files,
    };
  } finally {
    profiling.close();
    await log.close();
  }
}
