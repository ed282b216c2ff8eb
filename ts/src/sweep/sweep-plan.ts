// The points of a sweep (docs/cli.md §8): one `profile` configuration per swept value, every one
// resolved and validated before the first run, so a usage error in any point ends the sweep (exit 2)
// before a request is sent or a directory is made.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PROFILE_DEFAULTS } from '../config/defaults.js';
import { resolveProfileConfig, type ProfileConfig, type ProfileOptions } from '../config/profile-config.js';
import { UsageError } from '../errors.js';
import { parseGoodput } from '../metrics/goodput.js';
import { runName, stimulusOf } from '../report/artifact-dir.js';
import { sweepValueText, type SweepDimension } from '../report/sweep-summary.js';

/** One run of the sweep. */
export interface SweepPoint {
  /** 0-based position in the given list (`variation_index`). */
  index: number;
  value: number;
  /** `concurrency_4`, `request_rate_2.5` (`variation_label`). */
  label: string;
  /** The run name of docs/exports.md §1 for this value. */
  runName: string;
  /** `<artifact-dir>/<run-name>`, where this point's files go. */
  directory: string;
  /** The point's resolved configuration (its `--artifact-dir` is `directory`). */
  config: ProfileConfig;
}

export interface SweepPlan {
  /** One UUID for the whole sweep (`run_info.sweep_id` of every point). */
  sweepId: string;
  dimension: SweepDimension;
  /** `--artifact-dir` (default `artifacts`): the points' directories and the sweep summary go here. */
  artifactDir: string;
  points: SweepPoint[];
}

/** The swept lists as given on the command line. */
export interface SweepLists {
  concurrency?: readonly number[];
  requestRate?: readonly number[];
}

/** The flag of a dimension, as messages name it. */
export function dimensionFlag(dimension: SweepDimension): string {
  return dimension === 'concurrency' ? '--concurrency' : '--request-rate';
}

/** The swept dimension and its values, and the concurrency limit every point of a rate sweep keeps. */
export interface SweepDimensionChoice {
  dimension: SweepDimension;
  values: readonly number[];
  /** A single `--concurrency` next to `--request-rate LIST`: the limit of every point (rate mode with a ceiling). */
  concurrencyLimit?: number;
}

/**
 * Exactly one swept dimension (docs/cli.md §8): `--concurrency LIST` or `--request-rate LIST`.
 * Next to a rate list, a single `--concurrency` is what it is in `profile`: the ceiling on
 * requests in flight, the same for every point. Usage error otherwise.
 */
export function sweepDimension(lists: SweepLists): SweepDimensionChoice {
  if (lists.concurrency !== undefined && lists.requestRate !== undefined) {
    if (lists.concurrency.length !== 1) {
      throw new UsageError(
        "option '--concurrency' cannot be used with option '--request-rate': a sweep varies one of them (next to a rate list, --concurrency takes one value, the limit of every point)",
      );
    }
    return { dimension: 'request_rate', values: lists.requestRate, concurrencyLimit: lists.concurrency[0]! };
  }
  if (lists.concurrency !== undefined) return { dimension: 'concurrency', values: lists.concurrency };
  if (lists.requestRate !== undefined) return { dimension: 'request_rate', values: lists.requestRate };
  throw new UsageError("sweep requires option '--concurrency <list>' or '--request-rate <list>'");
}

/** `options` with the swept flag set to `value`. */
function withValue(options: ProfileOptions, dimension: SweepDimension, value: number): ProfileOptions {
  return dimension === 'concurrency' ? { ...options, concurrency: value } : { ...options, requestRate: value };
}

/**
 * Resolve every point of the sweep. `options` are profile's flags as given (without the swept one),
 * `argv` the command line for `cli_command`. Throws `UsageError` for any point whose configuration
 * profile would refuse, for a value given twice, and for points that would share a run directory.
 */
export function planSweep(options: ProfileOptions, sweep: SweepDimensionChoice, argv: readonly string[]): SweepPlan {
  // AIPerf repeats each variation; here a sweep point is one run (docs/cli.md §8).
  if ((options.numProfileRuns ?? 1) > 1)
    throw new UsageError("option '--num-profile-runs' is not supported by sweep: run profile --num-profile-runs per point");
  if (sweep.concurrencyLimit !== undefined) options = { ...options, concurrency: sweep.concurrencyLimit };
  const flag = dimensionFlag(sweep.dimension);
  if (sweep.values.length === 0) throw new UsageError(`option '${flag} <list>': expected at least one value`);
  const artifactDir = options.artifactDir ?? PROFILE_DEFAULTS.artifactDir;
  const points: SweepPoint[] = [];
  const byDirectory = new Map<string, number>();
  for (const [index, value] of sweep.values.entries()) {
    const text = sweepValueText(sweep.dimension, value);
    const earlier = points.find((p) => p.value === value);
    if (earlier) throw new UsageError(`option '${flag} <list>': the value ${text} is given twice`);
    const given = withValue(options, sweep.dimension, value);
    // Resolved once for the run name (it depends on the load mode), then with the point's own directory.
    const name = runNameOf(resolveProfileConfig(given, argv));
    const directory = join(artifactDir, name);
    const other = byDirectory.get(directory);
    if (other !== undefined) {
      throw new UsageError(
        `option '${flag} <list>': the points ${sweepValueText(sweep.dimension, other)} and ${text} would both write to ${directory} (in this load mode the run name does not hold ${flag})`,
      );
    }
    byDirectory.set(directory, value);
    const config = resolveProfileConfig({ ...given, artifactDir: directory }, argv);
    // docs/cli.md §3.6 rule 20 for a file whose load mode is only known once it is read (the flags
    // alone leave it open, so profile checks it after reading the file, which would be after the
    // earlier points ran): the concurrency is a limit in every mode, so the rule holds whatever the file says.
    const workers = options.workers;
    if (sweep.dimension === 'concurrency' && workers !== undefined && workers > value) {
      throw new UsageError(`option '--workers': ${workers} workers but only ${value} concurrent sessions`);
    }
    points.push({ index, value, label: `${sweep.dimension}_${text}`, runName: name, directory, config });
  }
  // The SLO syntax is the same for every point; profile checks it at the start of each run.
  const first = points[0]!.config;
  if (first.output.goodput.length > 0) parseGoodput(first.output.goodput, { streaming: first.endpoint.streaming });
  return { sweepId: randomUUID(), dimension: sweep.dimension, artifactDir, points };
}

function runNameOf(config: ProfileConfig): string {
  return runName({ models: config.endpoint.models, endpointType: config.endpoint.type, stimulus: stimulusOf(config.load.mode) });
}
