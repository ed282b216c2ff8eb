// `profile -f/--config FILE` (docs/cli.md §3.9): a YAML or JSON mapping whose keys are the long
// flags' names in snake_case (`request_count: 100` is `--request-count 100`). Every value goes
// through the parser of the flag's table row, so a bad value gives the flag's own message plus
// where it came from; an unknown key is a usage error naming it. JSON is read by the same YAML
// parser (YAML 1.2 is a superset), so both formats report lines alike.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { isMap, isScalar, LineCounter, parseDocument, type Pair } from 'yaml';
import { UsageError } from '../errors.js';
import type { ProfileOptions } from '../config/profile-config.js';
import type { OptionSpec } from './option-table.js';

/** A `--no-x` flag that has no table row of its own: the key it sets and its positive spelling. */
export interface ConfigNegation {
  flag: string;
  positive: string;
  /** The field the negation sets in `ProfileOptions`, and to what. */
  set: (out: Record<string, unknown>) => void;
}

/** The config-file key of a flag spelling: `--request-count <n>` → `request_count`. */
export function configKeyOf(flags: string): string {
  const long = new Option(flags).long ?? flags;
  return long.replace(/^--/, '').replaceAll('-', '_');
}

interface Where {
  file: string;
  line: number;
  key: string;
}

function whereText(w: Where): string {
  return `config file '${w.file}' line ${w.line}, key '${w.key}'`;
}

/** Levenshtein distance, for the did-you-mean of an unknown key. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest known key (as commander suggests flags: within 40 % of the length). */
function suggestion(key: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(key.replaceAll('-', '_'), k);
    if (d < bestDistance && d <= Math.max(1, Math.floor(k.length * 0.4))) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Top-level keys of AIPerf's nested configuration schema, which this reader does not take. */
const AIPERF_NESTED_KEYS = new Set(['benchmark', 'schema_version', 'phases', 'datasets', 'models', 'artifacts', 'runtime']);

/** A YAML value as the text a flag would have been given (mappings as the JSON the flags accept). */
function asFlagText(value: unknown, spec: OptionSpec<ProfileOptions>, where: Where): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // The document is read with integers as bigints (exact seeds); JSON has no bigint, and a body
    // field beyond 2^53 could not be sent exactly anyway.
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      if (Number.isSafeInteger(Number(v))) return Number(v);
      throw new UsageError(`option '${spec.flags}': the integer ${v} is beyond 2^53 (${whereText(where)})`);
    });
  }
  throw new UsageError(`option '${spec.flags}': expected a value, got ${value === null ? 'null' : 'a nested list'} (${whereText(where)})`);
}

/** One key's value through the flag's parser: a list is the flag repeated once per item. */
function parseValue(spec: OptionSpec<ProfileOptions>, value: unknown, where: Where): unknown {
  const takesValue = /[<[]/.test(spec.flags);
  if (!takesValue) {
    if (typeof value !== 'boolean') {
      throw new UsageError(`option '${spec.flags}': expected true or false, got '${String(value)}' (${whereText(where)})`);
    }
    // `--no-stream-usage` is the row: `no_stream_usage: true` turns the positive field off.
    if (spec.negate) return value ? false : undefined;
    return value;
  }
  // `--gpu-telemetry` alone (the default exporters).
  if (value === true && spec.flags.includes('[')) return true;
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new UsageError(`option '${spec.flags}': expected a value, got an empty list (${whereText(where)})`);
  let result: unknown;
  try {
    for (const item of items) {
      const text = asFlagText(item, spec, where);
      result = spec.parser ? (spec.parser as (v: string, p?: unknown) => unknown)(text, result) : text;
      if (items.length > 1 && !Array.isArray(result)) {
        throw new UsageError(`option '${spec.flags}': takes one value, got a list (${whereText(where)})`);
      }
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new UsageError(`option '${spec.flags}': ${err.message} (${whereText(where)})`);
    throw err;
  }
  return result;
}

/**
 * Read `file` into `ProfileOptions` by `table`'s rows (their long flags and aliases, snake_case),
 * the `negations` (`no_server_metrics: true`, or the positive key set to `false`), and refuse any
 * other key. `elsewhere` names keys another flag of the command sets (sweep's lists), for the message.
 */
export function readProfileConfigFile(
  file: string,
  table: readonly OptionSpec<ProfileOptions>[],
  negations: readonly ConfigNegation[],
  elsewhere: ReadonlyMap<string, string> = new Map(),
): ProfileOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`config file '${file}': cannot read it: ${reason}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, intAsBigInt: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new UsageError(`config file '${file}' line ${line}: not valid YAML or JSON: ${first.message.split('\n')[0]}`);
  }
  const out: Record<string, unknown> = {};
  if (doc.contents === null) return out as ProfileOptions;
  if (!isMap(doc.contents)) {
    const line = lineCounter.linePos(doc.contents.range?.[0] ?? 0).line;
    throw new UsageError(`config file '${file}' line ${line}: expected a mapping of option names to values`);
  }
  const byKey = new Map<string, OptionSpec<ProfileOptions>>();
  for (const spec of table) {
    byKey.set(configKeyOf(spec.flags), spec);
    for (const alias of spec.aliases ?? []) byKey.set(configKeyOf(alias), spec);
  }
  const negationByKey = new Map(negations.map((n) => [configKeyOf(n.flag), n]));
  const negationByPositive = new Map(negations.map((n) => [configKeyOf(n.positive), n]));
  const known = [...byKey.keys(), ...negationByKey.keys()];
  const setBy = new Map<string, string>();
  const claim = (field: string, key: string, line: number): void => {
    const earlier = setBy.get(field);
    if (earlier !== undefined)
      throw new UsageError(`config file '${file}' line ${line}: key '${key}' sets the same option as '${earlier}'`);
    setBy.set(field, key);
  };
  for (const pair of doc.contents.items as Pair<unknown, unknown>[]) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const line = lineCounter.linePos((isScalar(keyNode) ? keyNode.range?.[0] : undefined) ?? 0).line;
    const where: Where = { file, line, key };
    const value = (pair.value as { toJS?: (d: unknown) => unknown } | null)?.toJS?.(doc) ?? null;
    const negation = negationByKey.get(key) ?? (value === false ? negationByPositive.get(key) : undefined);
    if (negation !== undefined) {
      if (typeof value !== 'boolean') {
        throw new UsageError(`option '${negation.flag}': expected true or false, got '${String(value)}' (${whereText(where)})`);
      }
      claim(configKeyOf(negation.positive), key, line);
      // `no_server_metrics: true` and `server_metrics: false` both turn it off; `no_…: false` is no flag.
      if (negationByKey.has(key) ? value : !value) negation.set(out);
      continue;
    }
    const spec = byKey.get(key);
    if (spec === undefined) {
      const other = elsewhere.get(key);
      if (other !== undefined)
        throw new UsageError(`config file '${file}' line ${line}: key '${key}' cannot be set in the file; use ${other}`);
      const near = suggestion(key, known);
      const hints = AIPERF_NESTED_KEYS.has(key)
        ? [
            "AIPerf's nested configuration schema is not read; use one key per flag, named as the long flag in snake_case (docs/cli.md §3.9)",
          ]
        : [];
      throw new UsageError(`config file '${file}' line ${line}: unknown key '${key}'${near === null ? '' : ` (did you mean '${near}'?)`}`, {
        hints,
      });
    }
    claim(spec.key, key, line);
    const parsed = parseValue(spec, value, where);
    if (parsed !== undefined && parsed !== false) out[spec.key] = parsed;
    else if (parsed === false && spec.negate) out[spec.key] = false;
  }
  return out as ProfileOptions;
}

/** Options from the file with the command line's on top; a flag replaces the file's whole value. */
export function mergeConfigOptions(file: ProfileOptions, cli: ProfileOptions): ProfileOptions {
  const out: ProfileOptions = { ...file, ...cli };
  if (cli.serverMetrics !== undefined) delete out.noServerMetrics;
  if (cli.noServerMetrics) delete out.serverMetrics;
  if (cli.gpuTelemetry !== undefined) delete out.noGpuTelemetry;
  if (cli.noGpuTelemetry) delete out.gpuTelemetry;
  return out;
}
