// A JSON serializer with AIPerf's number forms: integers plain, floats (wrapped in `JsonFloat`
// or any non-integer number) in the AIPerf float format, bigints as integers, key order kept.
// `JSON.stringify` cannot write `100.0` or bigints, which the exports require.
import { formatAiperfFloat } from './number-format.js';

/** A number that must be written as a float even when integral (`100.0`). */
export class JsonFloat {
  constructor(readonly value: number) {}
}

export function jf(v: number): JsonFloat {
  return new JsonFloat(v);
}

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonFloat
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`non-finite number ${v} in an export`);
  return Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? String(v) : formatAiperfFloat(v);
}

/**
 * Serialize `value`. `indent` 0 gives the compact one-line form (`{"a":1}`) used by the JSONL
 * files; `indent` 2 gives the pretty form with `": "` used by the summaries. `undefined`
 * members are skipped.
 */
export function toJson(value: JsonValue, indent = 0): string {
  const out: string[] = [];
  write(value, indent, '', out);
  return out.join('');
}

function write(v: JsonValue, indent: number, pad: string, out: string[]): void {
  if (v === null) out.push('null');
  else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
  else if (typeof v === 'number') out.push(num(v));
  else if (typeof v === 'bigint') out.push(v.toString());
  else if (typeof v === 'string') out.push(JSON.stringify(v));
  else if (v instanceof JsonFloat) out.push(formatAiperfFloat(v.value));
  else if (Array.isArray(v)) {
    const arr = v as readonly JsonValue[];
    if (arr.length === 0) {
      out.push('[]');
      return;
    }
    const inner = pad + ' '.repeat(indent);
    out.push('[');
    arr.forEach((x, i) => {
      if (i > 0) out.push(',');
      if (indent > 0) out.push('\n', inner);
      write(x, indent, inner, out);
    });
    if (indent > 0) out.push('\n', pad);
    out.push(']');
  } else {
    const entries = Object.entries(v as Record<string, JsonValue | undefined>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) {
      out.push('{}');
      return;
    }
    const inner = pad + ' '.repeat(indent);
    out.push('{');
    entries.forEach(([k, x], i) => {
      if (i > 0) out.push(',');
      if (indent > 0) out.push('\n', inner);
      out.push(JSON.stringify(k), indent > 0 ? ': ' : ':');
      write(x as JsonValue, indent, inner, out);
    });
    if (indent > 0) out.push('\n', pad);
    out.push('}');
  }
}
