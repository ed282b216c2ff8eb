// Finding run directories by content (docs/cli.md §7): a summary JSON with `schema_version` next
// to a records JSONL of the same export prefix, ours or AIPerf's, at any depth under each PATH.
import { type Dirent, readdirSync, readSync, openSync, closeSync, realpathSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { osReason } from '../io/os-reason.js';

const NATURAL = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Names in natural order (`c2` before `c16`, as a sweep's points go), then by code point for a stable tie-break. */
function byName(a: string, b: string): number {
  return NATURAL.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The files of one run that `plot` reads. */
export interface DiscoveredRun {
  /** Display name and chart sub-directory: see {@link runNames}. */
  name: string;
  /** Absolute path of the directory holding the run. */
  dir: string;
  /** The export prefix of its files: `profile_export` by default (docs/exports.md §2). */
  prefix: string;
  /** Absolute paths. */
  summaryFile: string;
  recordsFile: string;
  /** `<summary stem>_timeslices.json`, when present. */
  timeslicesFile: string | null;
  /** `<prefix>_server_metrics.json`, or `server_metrics_export.json` for the default prefix, when present. */
  serverMetricsFile: string | null;
  /** `<prefix>_gpu_telemetry.jsonl`, or `gpu_telemetry_export.jsonl` for the default prefix, when present. */
  gpuTelemetryFile: string | null;
}

/** The default export prefix; its summary is `profile_export_aiperf.json` (docs/exports.md §2). */
export const DEFAULT_PREFIX = 'profile_export';

/** How many bytes of a candidate summary are read to look for `schema_version` (it is the first key). */
const HEAD_BYTES = 64 * 1024;

/** Files that end in `.json` but are never a run summary, by name or name ending. */
const NOT_SUMMARY = [/^inputs\.json$/, /^server_metrics_export\.json$/, /_timeslices\.json$/, /_server_metrics\.json$/];

/**
 * The export prefix a summary file name belongs to, or null when the name cannot be a summary:
 * `profile_export_aiperf.json` → `profile_export` (the default names), `P.json` → `P` (a
 * `--profile-export-prefix P`, also AIPerf's). Its records file is `<prefix>.jsonl`.
 */
export function summaryPrefix(fileName: string): string | null {
  if (!fileName.endsWith('.json') || NOT_SUMMARY.some((re) => re.test(fileName))) return null;
  const stem = fileName.slice(0, -'.json'.length);
  if (stem === '') return null;
  return stem.endsWith('_aiperf') && stem.length > '_aiperf'.length ? stem.slice(0, -'_aiperf'.length) : stem;
}

/** Whether the first bytes of `path` are a JSON object with a `schema_version` key. */
function hasSchemaVersion(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    // Unreadable: not a candidate; the records file beside it is reported when the run is read.
    return false;
  }
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    const head = buf.subarray(0, n).toString('utf8');
    return /^\s*\{/.test(head) && /"schema_version"\s*:/.test(head);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** A run found in one directory, before it is named. */
interface Found {
  root: string;
  dir: string;
  prefix: string;
  summaryFile: string;
  recordsFile: string;
  timeslicesFile: string | null;
  serverMetricsFile: string | null;
  gpuTelemetryFile: string | null;
}

/** The runs whose files are in `dir` (several when several prefixes were used there). */
function runsIn(root: string, dir: string, entries: readonly Dirent[]): Found[] {
  const files = new Set(entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name));
  const out: Found[] = [];
  for (const name of [...files].sort(byName)) {
    const prefix = summaryPrefix(name);
    if (prefix === null || !files.has(`${prefix}.jsonl`)) continue;
    const summaryFile = join(dir, name);
    if (!hasSchemaVersion(summaryFile)) continue;
    const stem = name.slice(0, -'.json'.length);
    const timeslices = `${stem}_timeslices.json`;
    const serverMetrics = [`${prefix}_server_metrics.json`, ...(prefix === DEFAULT_PREFIX ? ['server_metrics_export.json'] : [])].find(
      (f) => files.has(f),
    );
    const gpuTelemetry = [`${prefix}_gpu_telemetry.jsonl`, ...(prefix === DEFAULT_PREFIX ? ['gpu_telemetry_export.jsonl'] : [])].find((f) =>
      files.has(f),
    );
    out.push({
      root,
      dir,
      prefix,
      summaryFile,
      recordsFile: join(dir, `${prefix}.jsonl`),
      timeslicesFile: files.has(timeslices) ? join(dir, timeslices) : null,
      serverMetricsFile: serverMetrics === undefined ? null : join(dir, serverMetrics),
      gpuTelemetryFile: gpuTelemetry === undefined ? null : join(dir, gpuTelemetry),
    });
  }
  return out;
}

/**
 * The runs whose files are directly in `dir` (not below it), found by content as `discoverRuns`
 * finds them: `merge` reads one run per shard directory (docs/cli.md §9). A directory that cannot
 * be listed is a usage error naming it.
 */
export function runsInDirectory(dir: string): Omit<DiscoveredRun, 'name'>[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`shard ${dir} does not exist`);
    if (code === 'ENOTDIR') throw new UsageError(`shard ${dir} is not a directory`);
    throw new UsageError(`cannot read ${dir}: ${osReason(err)}`);
  }
  return runsIn(resolve(dir), resolve(dir), entries).map(({ root: _root, ...run }) => run);
}

/**
 * Every run under `paths`, in path order and then by directory name in natural order (`c2`
 * before `c16`). Directories in `skip` (the
 * output directory) are not entered; a directory reached twice (through a symlink) is read once.
 * A PATH that does not exist is a usage error; no run at all is the usage error of docs/cli.md §7.
 */
export function discoverRuns(paths: readonly string[], options: { skip?: readonly string[] } = {}): DiscoveredRun[] {
  const skip = new Set((options.skip ?? []).map((p) => realOrResolved(p)));
  const seen = new Set<string>();
  const found: Found[] = [];
  for (const path of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`no run directories found under ${path}: it does not exist`);
      throw new UsageError(`cannot read ${path}: ${osReason(err)}`);
    }
    if (!stat.isDirectory()) throw new UsageError(`no run directories found under ${path}: it is not a directory`);
    const root = resolve(path);
    const walk = (dir: string): void => {
      const real = realOrResolved(dir);
      if (seen.has(real) || skip.has(real)) return;
      seen.add(real);
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        // A sub-directory that cannot be listed holds no run we can read; the others still count.
        return;
      }
      found.push(...runsIn(root, dir, entries));
      for (const e of entries.sort((a, b) => byName(a.name, b.name))) {
        const child = join(dir, e.name);
        if (e.isDirectory() || (e.isSymbolicLink() && isDirectory(child))) walk(child);
      }
    };
    walk(root);
  }
  if (found.length === 0) throw new UsageError(`no run directories found under ${paths.join(', ')}`);
  const names = runNames(
    found.map((f) => ({ root: f.root, dir: f.dir, prefix: f.prefix, sharesDir: found.filter((g) => g.dir === f.dir).length > 1 })),
    resolve(paths[0]!),
  );
  return found.map((f, i) => ({ ...f, name: names[i]! }));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Characters kept in a run name's path segments; others become `_` so a name is a safe sub-directory. */
const SAFE = /[^A-Za-z0-9._-]/g;

/**
 * Run names: the run directory relative to the first PATH (`c8`, `sweep/c16`); the directory's
 * own name when it is the PATH itself; for a run under another PATH, that PATH's name joined with
 * the relative path. A directory holding runs of several prefixes adds the prefix
 * (`c8/run1`). Segments keep `[A-Za-z0-9._-]` only and a name that repeats gets `-2`, `-3`, …,
 * so every run has its own chart directory.
 */
export function runNames(runs: readonly { root: string; dir: string; prefix: string; sharesDir: boolean }[], firstRoot: string): string[] {
  const used = new Set<string>();
  return runs.map((r) => {
    let rel = relative(firstRoot, r.dir);
    if (rel.startsWith('..') || resolve(firstRoot, rel) !== r.dir) rel = join(basename(r.root), relative(r.root, r.dir));
    if (rel === '') rel = basename(r.dir) || 'run';
    if (r.sharesDir) rel = join(rel, r.prefix);
    const segments = rel
      .split(sep)
      .map((s) => s.replace(SAFE, '_'))
      .map((s) => (s === '.' || s === '..' || s === '' ? '_' : s));
    const base = segments.join('/');
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);
    return name;
  });
}
