// The fields `plot` reads from one records line (docs/exports.md §3). Lines in the compact layout
// infermark and AIPerf write are scanned for just those fields, which is about ten times faster
// than JSON.parse of the whole line (a million records plot in seconds); any other line goes
// through JSON.parse, and both give the same fields (test/unit/plot/record-fields.test.ts).

/** What one record contributes; values in the record's display units, NaN when it has none. */
export interface RecordFields {
  warmup: boolean;
  startNs: number;
  failed: boolean;
  ttft: number;
  itl: number;
  latency: number;
  isl: number;
  osl: number;
  scheduleLag: number;
}

/** A line that cannot be used, and why. */
export interface SkippedLine {
  skip: string;
}

/** The metric tags read, by field. */
const TAGS = {
  ttft: 'time_to_first_token',
  itl: 'inter_token_latency',
  latency: 'request_latency',
  isl: 'input_sequence_length',
  osl: 'output_sequence_length',
  scheduleLag: 'schedule_lag',
} as const;
type MetricField = keyof typeof TAGS;
const FIELDS = Object.keys(TAGS) as MetricField[];

const HEAD = '{"metadata":{';
const SUCCESS_TAIL = ',"error":null}';
const METRICS = '},"metrics":{';
const PHASE = '"benchmark_phase":"';
const START = '"request_start_ns":';

/** The JSON number at `at`, or NaN when something else (null, a list, a string) is there. */
function numberAt(line: string, at: number): number {
  let end = at;
  for (; end < line.length; end++) {
    const c = line.charCodeAt(end);
    // 0-9 . - + e E
    if (!((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69)) break;
  }
  return end === at ? NaN : Number(line.slice(at, end));
}

/**
 * The fields of the tags `plot` reads, by tag length: a key is compared in place with the few tags
 * of its length instead of being cut out of the line (millions of small strings otherwise).
 */
const FIELDS_BY_LENGTH = new Map<number, MetricField[]>();
for (const f of FIELDS) FIELDS_BY_LENGTH.set(TAGS[f].length, [...(FIELDS_BY_LENGTH.get(TAGS[f].length) ?? []), f]);

function fieldAt(line: string, keyStart: number, keyEnd: number): MetricField | undefined {
  const candidates = FIELDS_BY_LENGTH.get(keyEnd - keyStart);
  if (candidates === undefined) return undefined;
  for (const f of candidates) if (line.startsWith(TAGS[f], keyStart)) return f;
  return undefined;
}
const VALUE = ':{"value":';
const QUOTE = 0x22;
const COMMA = 0x2c;
const CLOSE = 0x7d;
const OPEN_LIST = 0x5b;
const UNIT = ',"unit":"';

/**
 * The fields of a successful record in the compact layout (no spaces, `metadata` first, metric
 * blocks `{"value":…,"unit":"…"}`, then `"error":null` or nothing), in one pass that jumps over the value
 * lists; null for any other line. Keys are found by their quotes, and a quote inside a JSON
 * string is escaped, so a match is always a key.
 */
export function scanCompactRecord(line: string): RecordFields | null {
  if (!line.startsWith(HEAD)) return null;
  const metricsAt = line.indexOf(METRICS);
  if (metricsAt === -1) return null;
  const startAt = line.indexOf(START);
  if (startAt === -1 || startAt > metricsAt) return null;
  const startNs = numberAt(line, startAt + START.length);
  if (!Number.isFinite(startNs)) return null;
  const phaseAt = line.indexOf(PHASE);
  const warmup = phaseAt !== -1 && phaseAt < metricsAt && line.startsWith('warmup"', phaseAt + PHASE.length);
  const out: RecordFields = { warmup, startNs, failed: false, ttft: NaN, itl: NaN, latency: NaN, isl: NaN, osl: NaN, scheduleLag: NaN };
  let pos = metricsAt + METRICS.length;
  // After the metrics object, the record ends (AIPerf leaves out a null `error`) or has `"error":null` last (infermark).
  const ended = (close: number): RecordFields | null =>
    close === line.length - 2 || (close === line.length - 1 - SUCCESS_TAIL.length && line.endsWith(SUCCESS_TAIL)) ? out : null;
  if (line.charCodeAt(pos) === CLOSE) return line.charCodeAt(line.length - 1) === CLOSE ? ended(pos) : null;
  for (;;) {
    if (line.charCodeAt(pos) !== QUOTE) return null;
    const keyEnd = line.indexOf('"', pos + 1);
    if (keyEnd === -1 || !line.startsWith(VALUE, keyEnd + 1)) return null;
    const field = fieldAt(line, pos + 1, keyEnd);
    let at = keyEnd + 1 + VALUE.length;
    if (line.charCodeAt(at) === OPEN_LIST) {
      // A list of numbers (inter_chunk_latency): its `]` is the first one.
      at = line.indexOf(']', at) + 1;
      if (at === 0) return null;
    } else {
      const start = at;
      for (; at < line.length; at++) {
        const c = line.charCodeAt(at);
        if (c === COMMA || c === CLOSE) break;
      }
      if (field !== undefined) out[field] = numberAt(line, start);
    }
    if (!line.startsWith(UNIT, at)) return null;
    const unitEnd = line.indexOf('"', at + UNIT.length);
    if (unitEnd === -1 || line.charCodeAt(unitEnd + 1) !== CLOSE) return null;
    pos = unitEnd + 2;
    if (line.charCodeAt(pos) === CLOSE) return line.charCodeAt(line.length - 1) === CLOSE ? ended(pos) : null;
    if (line.charCodeAt(pos) !== COMMA) return null;
    pos++;
  }
}

const INTER_CHUNK = '"inter_chunk_latency"';

/**
 * The line without the value list of `inter_chunk_latency`, which `plot` does not use and which is
 * most of a long answer's line: parsing skips it. The list holds numbers only, so its `]` is the
 * first one after its `[`.
 */
export function withoutChunkLatencies(line: string): string {
  const at = line.indexOf(INTER_CHUNK);
  if (at === -1) return line;
  const open = line.indexOf('[', at);
  const brace = line.indexOf('}', at);
  if (open === -1 || (brace !== -1 && brace < open)) return line;
  const close = line.indexOf(']', open);
  if (close === -1) return line;
  return `${line.slice(0, open)}null${line.slice(close + 1)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields of any records line through JSON.parse, or why it cannot be used. */
export function parseRecordJson(line: string): RecordFields | SkippedLine {
  let rec: unknown;
  try {
    rec = JSON.parse(withoutChunkLatencies(line));
  } catch (err) {
    return { skip: `not JSON (${(err as Error).message})` };
  }
  if (!isObject(rec) || !isObject(rec.metadata)) return { skip: 'no metadata object' };
  const meta = rec.metadata;
  const startNs = meta.request_start_ns;
  const warmup = meta.benchmark_phase === 'warmup';
  if (!warmup && (typeof startNs !== 'number' || !Number.isFinite(startNs))) return { skip: 'no numeric metadata.request_start_ns' };
  const metrics = isObject(rec.metrics) ? rec.metrics : {};
  const value = (tag: string): number => {
    const block = metrics[tag];
    return isObject(block) && typeof block.value === 'number' ? block.value : NaN;
  };
  return {
    warmup,
    startNs: typeof startNs === 'number' ? startNs : NaN,
    failed: rec.error !== null && rec.error !== undefined,
    ttft: value(TAGS.ttft),
    itl: value(TAGS.itl),
    latency: value(TAGS.latency),
    isl: value(TAGS.isl),
    osl: value(TAGS.osl),
    scheduleLag: value(TAGS.scheduleLag),
  };
}

/** The fields of a records line: the compact scan when the layout allows, else JSON.parse. */
export function parseRecordLine(line: string): RecordFields | SkippedLine {
  return scanCompactRecord(line) ?? parseRecordJson(line);
}
