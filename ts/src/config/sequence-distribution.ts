// `--seq-dist` (docs/cli.md §3.3): a mix of (ISL, OSL) pairs with percentages, in AIPerf's three
// spellings. Parsed strictly: a pair that does not read as one is an error naming it, where a
// pattern search would skip it and shift the mix without a word.
import { UsageError } from '../errors.js';
import { MAX_SEQUENCE_TOKENS } from './limits.js';

export interface SequencePair {
  isl: number;
  islStddev: number;
  osl: number;
  oslStddev: number;
  /** Percent, in [0, 100]; the pairs' sum is 100. */
  percent: number;
}

const NUM = String.raw`(?:\d+(?:\.\d+)?|\.\d+)`;
const PAIR = String.raw`(\d+)(?:\|(${NUM}))?\s*,\s*(\d+)(?:\|(${NUM}))?`;
const SEMICOLON_PAIR = new RegExp(String.raw`^\s*${PAIR}\s*:\s*(${NUM})\s*$`);
const BRACKET_PAIR = new RegExp(String.raw`^\s*\(\s*${PAIR}\s*\)\s*:\s*(${NUM})\s*$`);

function fail(text: string, why: string): never {
  throw new UsageError(`option '--seq-dist <pairs>': ${why}, in '${text}'`);
}

function pairOf(m: RegExpMatchArray): SequencePair {
  return {
    isl: Number(m[1]),
    islStddev: m[2] === undefined ? 0 : Number(m[2]),
    osl: Number(m[3]),
    oslStddev: m[4] === undefined ? 0 : Number(m[4]),
    percent: Number(m[5]),
  };
}

function jsonPairs(text: string): SequencePair[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(text, `not valid JSON (${(err as Error).message})`);
  }
  const pairs = (doc as { pairs?: unknown } | null)?.pairs;
  if (!Array.isArray(pairs)) fail(text, 'a JSON distribution is {"pairs": [{"isl", "osl", "prob", "isl_stddev"?, "osl_stddev"?}, …]}');
  return pairs.map((p, i) => {
    const field = (name: string, optional: boolean): number => {
      const v = (p as Record<string, unknown> | null)?.[name];
      if (v === undefined && optional) return 0;
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(text, `pairs[${i}].${name} must be a number`);
      return v;
    };
    return {
      isl: field('isl', false),
      islStddev: field('isl_stddev', true),
      osl: field('osl', false),
      oslStddev: field('osl_stddev', true),
      percent: field('prob', false),
    };
  });
}

/** Split on the separators that lie outside parentheses (the bracket form's pairs hold commas). */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

/**
 * The pairs of a `--seq-dist` value: `256,128:40;512,256:60`, with stddevs `256|10,128|5:40;…`,
 * bracketed `[(256,128):40,(512,256):60]`, or JSON `{"pairs": [{"isl", "isl_stddev", "osl",
 * "osl_stddev", "prob"}]}`. Percentages (not fractions) summing to 100, as AIPerf requires.
 */
export function parseSequenceDistribution(text: string): SequencePair[] {
  const t = text.trim();
  let pairs: SequencePair[];
  if (t.startsWith('{')) pairs = jsonPairs(t);
  else if (t.startsWith('[')) {
    if (!t.endsWith(']')) fail(text, "a bracketed distribution ends with ']'");
    pairs = splitTop(t.slice(1, -1), ',').map((p) => pairOf(p.match(BRACKET_PAIR) ?? fail(text, `'${p.trim()}' is not (ISL,OSL):percent`)));
  } else {
    pairs = splitTop(t, ';').map((p) => pairOf(p.match(SEMICOLON_PAIR) ?? fail(text, `'${p.trim()}' is not ISL,OSL:percent`)));
  }
  if (pairs.length === 0) fail(text, 'no (ISL, OSL) pair');
  for (const p of pairs) {
    for (const [name, v] of [
      ['ISL', p.isl],
      ['OSL', p.osl],
    ] as const) {
      if (!Number.isInteger(v) || v < 1 || v > MAX_SEQUENCE_TOKENS)
        fail(text, `${name} ${v} is not an integer in [1, ${MAX_SEQUENCE_TOKENS}]`);
    }
    if (p.islStddev < 0 || p.oslStddev < 0) fail(text, 'a stddev is negative');
    if (p.percent < 0 || p.percent > 100) fail(text, `percentage ${p.percent} is not in [0, 100]`);
  }
  const total = pairs.reduce((sum, p) => sum + p.percent, 0);
  if (Math.abs(total - 100) > 1e-6) fail(text, `the percentages add up to ${total}, not 100 (they are percentages, not fractions)`);
  return pairs;
}

/** The pair a uniform draw `u` in [0, 1) selects: the first whose cumulative share exceeds `u`. */
export function pairAt(pairs: readonly SequencePair[], u: number): SequencePair {
  let cumulative = 0;
  for (const p of pairs) {
    cumulative += p.percent / 100;
    if (u < cumulative) return p;
  }
  // Rounding can leave the sum a hair under 1: the last pair with a share takes the rest.
  for (let i = pairs.length - 1; i >= 0; i--) if (pairs[i]!.percent > 0) return pairs[i]!;
  return pairs[pairs.length - 1]!;
}
