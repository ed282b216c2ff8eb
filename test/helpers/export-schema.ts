// Hand-written validators for the `profile` export layouts (docs/exports.md). Each returns a list of
// problems (empty = valid) so e2e tests can `expect(validateX(...)).toEqual([])` and see why.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const METADATA_KEYS = [
  'request_num',
  'session_num',
  'x_request_id',
  'x_correlation_id',
  'conversation_id',
  'turn_index',
  'credit_issued_ns',
  'request_start_ns',
  'request_ack_ns',
  'request_end_ns',
  'worker_id',
  'record_processor_id',
  'benchmark_phase',
  'was_cancelled',
  'cancellation_time_ns',
  'clock_offset_ns',
  'scheduled_ns',
  'trace_line',
  'requested_isl',
  'requested_osl',
  'model',
  // infermark's own, after AIPerf's (docs/exports.md §3.1)
  'connection_resends',
] as const;

export const RECORD_STAT_KEYS = [
  'unit',
  'avg',
  'min',
  'max',
  'p1',
  'p5',
  'p10',
  'p25',
  'p50',
  'p75',
  'p90',
  'p95',
  'p99',
  'std',
  'count',
  'sum',
] as const;

const HEAD_KEYS = ['schema_version', 'infermark_version', 'benchmark_id', 'start_time', 'end_time', 'was_cancelled'];
const TAIL_KEYS = ['input_config', 'run_info', 'error_summary', 'client_health', 'trace_fidelity', 'warmup_metrics'];
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
const isIntOrNull = (v: unknown): boolean => v === null || isInt(v);

function checkOrder(actual: readonly string[], expected: readonly string[], where: string, problems: string[]): void {
  const present = expected.filter((k) => actual.includes(k));
  const order = actual.filter((k) => expected.includes(k));
  if (present.join(',') !== order.join(',')) problems.push(`${where}: keys out of order: ${order.join(',')}`);
}

/** One metric block (record metric or single value). */
export function validateMetricBlock(tag: string, block: unknown, where = tag): string[] {
  const p: string[] = [];
  if (!isObj(block)) return [`${where}: not an object`];
  if (typeof block['unit'] !== 'string') p.push(`${where}: missing unit`);
  for (const [k, v] of Object.entries(block)) {
    if (k === 'unit') continue;
    if (!(RECORD_STAT_KEYS as readonly string[]).includes(k) && k !== 'approximate') p.push(`${where}: unknown statistic '${k}'`);
    else if (k !== 'approximate' && (typeof v !== 'number' || !Number.isFinite(v)))
      p.push(`${where}.${k}: not a finite number (${String(v)})`);
  }
  checkOrder(Object.keys(block), RECORD_STAT_KEYS, where, p);
  if ('count' in block && !isInt(block['count'])) p.push(`${where}.count: not an integer`);
  return p;
}

/** One line of `profile_export.jsonl` (without its newline). */
export function validateRecordLine(line: string): string[] {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    return [`line does not parse: ${(err as Error).message}`];
  }
  const p: string[] = [];
  if (!isObj(obj)) return ['line is not an object'];
  const keys = Object.keys(obj);
  if (keys.slice(0, 3).join(',') !== 'metadata,metrics,error') p.push(`top-level keys ${keys.join(',')}`);
  const md = obj['metadata'];
  if (!isObj(md)) return [...p, 'metadata missing'];
  const mk = Object.keys(md);
  if (mk.slice(0, METADATA_KEYS.length).join(',') !== METADATA_KEYS.join(',')) p.push(`metadata keys ${mk.join(',')}`);
  for (const k of [
    'request_num',
    'session_num',
    'turn_index',
    'credit_issued_ns',
    'request_start_ns',
    'request_end_ns',
    'clock_offset_ns',
    'connection_resends',
  ]) {
    if (!isInt(md[k])) p.push(`metadata.${k}: not an integer`);
  }
  for (const k of ['request_ack_ns', 'cancellation_time_ns', 'scheduled_ns', 'trace_line', 'requested_isl', 'requested_osl']) {
    if (!isIntOrNull(md[k])) p.push(`metadata.${k}: not an integer or null`);
  }
  for (const k of ['x_request_id', 'x_correlation_id', 'worker_id', 'record_processor_id', 'model']) {
    if (typeof md[k] !== 'string') p.push(`metadata.${k}: not a string`);
  }
  if (md['benchmark_phase'] !== 'warmup' && md['benchmark_phase'] !== 'profiling') p.push('metadata.benchmark_phase invalid');
  if (typeof md['was_cancelled'] !== 'boolean') p.push('metadata.was_cancelled: not a boolean');
  // Optional and last: present only when true (docs/exports.md §3.1).
  const extra = mk.slice(METADATA_KEYS.length);
  if (extra.length > 0 && (extra.join(',') !== 'token_counts_estimated' || md['token_counts_estimated'] !== true)) {
    p.push(`metadata: unexpected trailing keys ${extra.map((k) => `${k}=${JSON.stringify(md[k])}`).join(',')}`);
  }
  const metrics = obj['metrics'];
  if (!isObj(metrics)) p.push('metrics: not an object');
  else {
    for (const [tag, m] of Object.entries(metrics)) {
      if (!isObj(m) || typeof m['unit'] !== 'string') {
        p.push(`metrics.${tag}: expected {value, unit}`);
        continue;
      }
      const v = m['value'];
      const ok = Array.isArray(v)
        ? v.every((x) => typeof x === 'number' && Number.isFinite(x))
        : typeof v === 'number' && Number.isFinite(v);
      if (!ok) p.push(`metrics.${tag}.value: not a finite number or list`);
    }
  }
  const err = obj['error'];
  if (err !== null) {
    if (!isObj(err) || !isIntOrNull(err['code']) || typeof err['type'] !== 'string' || typeof err['message'] !== 'string') {
      p.push('error: expected null or {code, type, message}');
    } else if (isObj(metrics)) {
      const extra = Object.keys(metrics).filter((k) => k !== 'error_isl');
      if (extra.length > 0) p.push(`failed record carries metrics ${extra.join(',')}`);
    }
  }
  return p;
}

/** Every complete line of a JSONL export (a final line without `\n` is ignored, as readers must). */
export function validateRecordsFile(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines.flatMap((l, i) => validateRecordLine(l).map((m) => `line ${i + 1}: ${m}`));
}

/** `profile_export_aiperf.json` parsed. */
export function validateSummaryJson(doc: unknown): string[] {
  if (!isObj(doc)) return ['summary is not an object'];
  const p: string[] = [];
  const keys = Object.keys(doc);
  if (keys.slice(0, HEAD_KEYS.length).join(',') !== HEAD_KEYS.join(',')) p.push(`head keys ${keys.slice(0, 6).join(',')}`);
  if (doc['schema_version'] !== '1.5') p.push('schema_version is not "1.5"');
  if (typeof doc['benchmark_id'] !== 'string' || !UUID.test(doc['benchmark_id'])) p.push('benchmark_id is not a UUID');
  for (const k of ['start_time', 'end_time'])
    if (typeof doc[k] !== 'string' || !ISO_MICROS.test(doc[k] as string)) p.push(`${k} is not ISO 8601 with microseconds`);
  if (typeof doc['was_cancelled'] !== 'boolean') p.push('was_cancelled is not a boolean');
  const middle = keys.slice(HEAD_KEYS.length).filter((k) => !TAIL_KEYS.includes(k));
  const firstTail = keys.findIndex((k) => TAIL_KEYS.includes(k));
  for (const tag of middle) {
    if (keys.indexOf(tag) > firstTail && firstTail >= 0) p.push(`metric block '${tag}' after ${keys[firstTail]}`);
    p.push(...validateMetricBlock(tag, doc[tag]));
  }
  checkOrder(keys, TAIL_KEYS, 'tail', p);
  for (const k of ['request_count', 'error_request_count']) if (!isObj(doc[k])) p.push(`missing block ${k}`);
  const ic = doc['input_config'];
  if (!isObj(ic)) p.push('input_config missing');
  else {
    for (const k of ['endpoint', 'input', 'loadgen', 'output', 'tokenizer', 'server_metrics', 'cli_command'])
      if (!(k in ic)) p.push(`input_config.${k} missing`);
    const ep = ic['endpoint'];
    if (isObj(ep) && ep['api_key'] !== null && ep['api_key'] !== '***') p.push('input_config.endpoint.api_key not redacted');
  }
  const ri = doc['run_info'];
  if (!isObj(ri)) p.push('run_info missing');
  else
    for (const k of [
      'benchmark_id',
      'sweep_id',
      'random_seed',
      'trial',
      'run_label',
      'variation_label',
      'variation_index',
      'variation_values',
      'cli_command',
    ])
      if (!(k in ri)) p.push(`run_info.${k} missing`);
  const es = doc['error_summary'];
  if (!Array.isArray(es)) p.push('error_summary is not an array');
  else {
    es.forEach((g, i) => {
      if (!isObj(g) || !isObj(g['error_details']) || !isInt(g['count'])) p.push(`error_summary[${i}] malformed`);
    });
    for (let i = 1; i < es.length; i++) {
      if (((es[i] as Obj)['count'] as number) > ((es[i - 1] as Obj)['count'] as number)) p.push('error_summary not sorted by count');
    }
  }
  const ch = doc['client_health'];
  if (!isObj(ch) || typeof ch['saturated'] !== 'boolean' || !Array.isArray(ch['reasons'])) p.push('client_health malformed');
  return p;
}

const CSV_SECTION1 = 'Metric,avg,min,max,sum,p1,p5,p10,p25,p50,p75,p90,p95,p99,std';
const CELL = /^(-?\d+(\.\d\d)?)?$/;

/** Split one CSV line per RFC 4180. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** `profile_export_aiperf.csv` text. */
export function validateSummaryCsv(text: string): string[] {
  const p: string[] = [];
  if (!text.endsWith('\r\n')) p.push('does not end with \\r\\n');
  if (/[^\r]\n/.test(text)) p.push('bare \\n line ending');
  const lines = text.split('\r\n');
  lines.pop();
  if (lines[0] !== CSV_SECTION1) p.push(`section 1 header is '${lines[0]}'`);
  const blank = lines.indexOf('');
  if (blank < 0) return [...p, 'no blank line between sections'];
  if (lines[blank + 1] !== 'Metric,Value') p.push(`section 2 header is '${lines[blank + 1]}'`);
  for (const l of lines.slice(1, blank)) {
    const f = parseCsvLine(l);
    if (f.length !== 15) p.push(`section 1 row has ${f.length} fields: ${l}`);
    if (f.slice(1).some((c) => !CELL.test(c))) p.push(`section 1 row has a malformed number: ${l}`);
  }
  for (const l of lines.slice(blank + 2)) {
    const f = parseCsvLine(l);
    if (f.length !== 2 || !CELL.test(f[1]!)) p.push(`section 2 row malformed: ${l}`);
  }
  return p;
}

/** `profile_export_aiperf_timeslices.json` parsed. */
export function validateTimeslicesJson(doc: unknown): string[] {
  if (!isObj(doc) || !Array.isArray(doc['timeslices'])) return ['timeslices missing'];
  const p: string[] = [];
  if (typeof doc['slice_duration_seconds'] !== 'number') p.push('slice_duration_seconds missing');
  if (!isObj(doc['input_config'])) p.push('input_config missing');
  (doc['timeslices'] as unknown[]).forEach((s, i) => {
    if (!isObj(s)) {
      p.push(`timeslices[${i}] not an object`);
      return;
    }
    if (s['timeslice_index'] !== i) p.push(`timeslices[${i}].timeslice_index is ${String(s['timeslice_index'])}`);
    if (!isInt(s['start_ns']) || !isInt(s['end_ns'])) p.push(`timeslices[${i}] start/end not integers`);
    if (typeof s['is_complete'] !== 'boolean') p.push(`timeslices[${i}].is_complete missing`);
    for (const [k, v] of Object.entries(s)) {
      if (['timeslice_index', 'start_ns', 'end_ns', 'is_complete'].includes(k)) continue;
      p.push(...validateMetricBlock(k, v, `timeslices[${i}].${k}`));
    }
  });
  return p;
}

/** A run directory: the files docs/exports.md §2 requires for the export level, valid, no temp files. */
export function validateArtifactDir(dir: string, options: { exportLevel?: 'summary' | 'records' | 'raw'; prefix?: string } = {}): string[] {
  const p: string[] = [];
  const level = options.exportLevel ?? 'records';
  const pre = options.prefix;
  const name = {
    records: pre ? `${pre}.jsonl` : 'profile_export.jsonl',
    raw: pre ? `${pre}_raw.jsonl` : 'profile_export_raw.jsonl',
    json: pre ? `${pre}.json` : 'profile_export_aiperf.json',
    csv: pre ? `${pre}.csv` : 'profile_export_aiperf.csv',
    console: pre ? `${pre}_console.txt` : 'profile_export_console.txt',
  };
  const need = [name.json, name.csv, name.console, join('logs', 'infermark.log')];
  if (level !== 'summary') need.push(name.records);
  if (level === 'raw') need.push(name.raw);
  for (const f of need) if (!existsSync(join(dir, f))) p.push(`missing ${f}`);
  if (existsSync(join(dir, name.json))) {
    try {
      p.push(...validateSummaryJson(JSON.parse(readFileSync(join(dir, name.json), 'utf8'))));
    } catch (err) {
      p.push(`${name.json}: ${(err as Error).message}`);
    }
  }
  if (existsSync(join(dir, name.csv)))
    p.push(...validateSummaryCsv(readFileSync(join(dir, name.csv), 'utf8')).map((m) => `${name.csv}: ${m}`));
  if (level !== 'summary' && existsSync(join(dir, name.records))) {
    p.push(...validateRecordsFile(readFileSync(join(dir, name.records), 'utf8')).map((m) => `${name.records}: ${m}`));
  }
  const temps = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.includes('.tmp-'));
  for (const t of temps) p.push(`temporary file left: ${t}`);
  return p;
}
