// The Prometheus text exposition format 0.0.4 (docs/exports.md §8.1), read line by line. A line
// that does not parse is counted and skipped, never thrown, so one bad series does not cost the
// scrape; only a body that is not this format at all (JSON, HTML, nothing that parses) is refused.

export type PromType = 'gauge' | 'counter' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The sample's own timestamp (ms since the epoch), present only when the line gave one. */
  timestampMs?: number;
}

/** A line that was skipped: its 1-based number and why. */
export interface MalformedLine {
  line: number;
  reason: string;
}

export interface PromScrape {
  types: Map<string, PromType>;
  help: Map<string, string>;
  samples: PromSample[];
  /** Lines skipped because they did not parse: how many, and the first few. */
  malformed: { count: number; first: MalformedLine[] };
}

/** A body that is not Prometheus text at all. */
export class PromParseError extends Error {}

/** How many skipped lines a scrape keeps the number and reason of. */
export const MALFORMED_EXAMPLES = 5;

const TYPES: ReadonlySet<string> = new Set(['gauge', 'counter', 'histogram', 'summary', 'untyped']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_VALUES: ReadonlyMap<string, number> = new Map([
  ['+inf', Infinity],
  ['inf', Infinity],
  ['-inf', -Infinity],
  ['nan', NaN],
  ['+nan', NaN],
  ['-nan', NaN],
]);

/** A line's reason for being skipped. */
class LineError extends Error {}

/** A sample value: a decimal float, or `NaN`, `+Inf`, `-Inf` (any case, as Go's parser takes them). */
export function parsePromValue(s: string): number {
  const special = SPECIAL_VALUES.get(s.toLowerCase());
  if (special !== undefined) return special;
  if (!FLOAT.test(s)) throw new LineError(`invalid sample value '${s}'`);
  return Number(s);
}

/** `{name="value",…}` starting at `text[start] === '{'`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const skipSpaces = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipSpaces();
    if (text[i] === '}') return { labels, end: i + 1 };
    const m = LABEL_NAME.exec(text.slice(i, i + 256));
    if (!m) throw new LineError(text[i] === undefined ? 'unterminated label set' : 'invalid label name');
    const key = m[0];
    i += key.length;
    skipSpaces();
    if (text[i] !== '=') throw new LineError(`expected '=' after label '${key}'`);
    i++;
    skipSpaces();
    if (text[i] !== '"') throw new LineError(`expected a quoted value for label '${key}'`);
    i++;
    let value = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw new LineError(`unterminated value of label '${key}'`);
      if (ch === '"') {
        i++;
        break;
      }
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === '\\' || next === '"') value += next;
        else if (next === 'n') value += '\n';
        else throw new LineError(`invalid escape '\\${next ?? ''}' in the value of label '${key}'`);
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    if (Object.hasOwn(labels, key)) throw new LineError(`label '${key}' given twice`);
    labels[key] = value;
    skipSpaces();
    if (text[i] === ',') {
      i++;
    } else if (text[i] !== '}') {
      throw new LineError(`expected ',' or '}' after the value of label '${key}'`);
    }
  }
}

/** A HELP text: `\\` is a backslash and `\n` a newline; any other backslash is kept as written. */
function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** One sample line: `name[{labels}] value [timestamp]`. */
function parseSampleLine(line: string): PromSample {
  const nm = METRIC_NAME.exec(line);
  if (!nm) throw new LineError('invalid metric name');
  let i = nm[0].length;
  let labels: Record<string, string> = {};
  if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i));
  else if (line[i] === undefined) throw new LineError('missing sample value');
  else if (line[i] !== ' ' && line[i] !== '\t') throw new LineError('invalid metric name');
  const rest = line.slice(i).trim();
  if (rest === '') throw new LineError('missing sample value');
  const fields = rest.split(/[ \t]+/);
  if (fields.length > 2) throw new LineError('unexpected text after the timestamp');
  const sample: PromSample = { name: nm[0], labels, value: parsePromValue(fields[0]!) };
  if (fields.length === 2) {
    if (!/^-?\d+$/.test(fields[1]!)) throw new LineError(`invalid timestamp '${fields[1]}'`);
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/**
 * Parse a text exposition body. Skipped lines are counted in `malformed`; `PromParseError` only
 * for a body that looks like JSON or HTML, or where no line is a sample or a TYPE declaration.
 */
export function parsePrometheus(body: string): PromScrape {
  const head = body.trimStart();
  if (head.startsWith('{') || head.startsWith('[') || head.startsWith('<')) throw new PromParseError('not Prometheus text (JSON or HTML)');
  const out: PromScrape = { types: new Map(), help: new Map(), samples: [], malformed: { count: 0, first: [] } };
  const skip = (line: number, reason: string): void => {
    out.malformed.count++;
    if (out.malformed.first.length < MALFORMED_EXAMPLES) out.malformed.first.push({ line, reason });
  };
  const lines = body.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      // Other comments are free text; HELP and TYPE have a fixed shape.
      const m = /^#[ \t]*(HELP|TYPE)(?:[ \t]+(.*))?$/.exec(line);
      if (!m) continue;
      const [, keyword, rest = ''] = m;
      const parts = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/.exec(rest);
      if (!parts) {
        skip(n + 1, `${keyword} without a metric name`);
        continue;
      }
      const [, name, text = ''] = parts;
      if (keyword === 'TYPE') {
        const type = text.trim();
        if (TYPES.has(type)) out.types.set(name!, type as PromType);
        else skip(n + 1, `unknown type '${type}'`);
      } else {
        out.help.set(name!, unescapeHelp(text));
      }
      continue;
    }
    try {
      out.samples.push(parseSampleLine(line));
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      skip(n + 1, err.message);
    }
  }
  if (out.samples.length === 0 && out.types.size === 0) {
    const first = out.malformed.first[0];
    throw new PromParseError(first ? `not Prometheus text (line ${first.line}: ${first.reason})` : 'empty metrics body');
  }
  return out;
}

/** `line 3: invalid sample value 'x'; line 9: …` for a warning. */
export function describeMalformed(first: readonly MalformedLine[]): string {
  return first.map((m) => `line ${m.line}: ${m.reason}`).join('; ');
}
