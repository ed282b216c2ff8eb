// Seeded fuzzing of both backends with mutated traces: no crash, no hang, and every outcome
// is either a report or a coded TraceCoreError; the two backends agree on every outcome.
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, TraceAnalyzer, TraceCoreError, type BackendName } from '../../ts/src/index.js';
import { Rng, generateTrace } from '../helpers/trace-generator.js';

const TOKENS = [
  '-1',
  '1e400',
  '-0',
  '0.5',
  '"abc"',
  '"18446744073709551616"',
  '18446744073709551616',
  'null',
  'true',
  '{}',
  '[]',
  '[',
  '}',
  ',',
  '"',
  '\\',
  '\r',
  '\n',
  '\n\n',
  '\uFEFF',
  '"input_tokens": 3',
  '"text_input": "x"',
  '"payload": {}',
  '"messages": []',
  '"tools": []',
  '"hash_ids": [1e20]',
  '"timestamp": "12.5"',
  '9007199254740993',
  '1e2',
  '"session_id": 5',
];

/** Apply 1–4 random mutations to `base`. */
function mutate(base: Uint8Array, rng: Rng): Uint8Array {
  let bytes = Array.from(base);
  const enc = new TextEncoder();
  const rounds = rng.int(1, 4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(0, bytes.length);
    switch (rng.int(0, 6)) {
      case 0: // flip a byte, possibly into invalid UTF-8
        if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = rng.int(0, 255);
        break;
      case 1: // delete a range
        bytes.splice(at, rng.int(1, 40));
        break;
      case 2: // insert a JSON-ish token
        bytes.splice(at, 0, ...enc.encode(TOKENS[rng.int(0, TOKENS.length - 1)]!));
        break;
      case 3: // truncate
        bytes = bytes.slice(0, at);
        break;
      case 4: // duplicate a slice elsewhere (duplicate keys, repeated rows)
        bytes.splice(rng.int(0, bytes.length), 0, ...bytes.slice(at, at + rng.int(1, 120)));
        break;
      case 5: // replace a digit run with a huge or negative number
        bytes.splice(at, 0, ...enc.encode(rng.next() < 0.5 ? '99999999999999999999999' : '-7'));
        break;
      default: // random bytes
        bytes.splice(at, 0, ...Array.from({ length: rng.int(1, 8) }, () => rng.int(0, 255)));
    }
  }
  return new Uint8Array(bytes);
}

type Outcome =
  | { ok: true; json: string }
  | { ok: false; code: string; reason: string | null; line: number | null; field: string | null; message: string };

function run(
  backend: BackendName,
  data: Uint8Array,
  skipInvalid: boolean,
  chunk: number,
  checkMaterialisation: boolean,
  blockSize = 64,
): Outcome {
  try {
    const a = new TraceAnalyzer({ backend, skipInvalid, sourceName: 'fuzz.jsonl', blockSize, checkMaterialisation });
    for (let o = 0; o < data.length; o += chunk) a.push(data.subarray(o, o + chunk));
    const json = a.finishJson();
    JSON.parse(json);
    return { ok: true, json };
  } catch (err) {
    if (!(err instanceof TraceCoreError)) throw err;
    return { ok: false, code: err.code, reason: err.reason, line: err.line, field: err.field, message: err.message };
  }
}

describe('fuzzing both backends with 1,000 mutated traces', () => {
  it('never crashes: strict mode yields a report or a located INVALID_ROW/SIZE_CONFLICT; lenient mode always a report', () => {
    const rng = new Rng(0xf022);
    const counts = { ok: 0, invalid: 0, conflict: 0 };
    for (let i = 0; i < 1000; i++) {
      const base = new TextEncoder().encode(generateTrace({ rows: rng.int(1, 12), seed: i, sessionIdFraction: 0.5 }));
      const data = mutate(base, rng);
      const chunk = rng.int(1, 300);
      const check = rng.next() < 0.3;
      const strict = BACKEND_NAMES.map((b) => run(b, data, false, chunk, check));
      const lenient = BACKEND_NAMES.map((b) => run(b, data, true, chunk, false));
      expect(strict[1]).toEqual(strict[0]);
      expect(lenient[1]).toEqual(lenient[0]);
      const s = strict[0]!;
      if (s.ok) counts.ok++;
      else {
        expect(['INVALID_ROW', 'SIZE_CONFLICT']).toContain(s.code);
        expect(s.line).toBeGreaterThanOrEqual(1);
        expect(s.field).not.toBeNull();
        expect(s.message.startsWith(`fuzz.jsonl:${s.line}: ${s.field}: `)).toBe(true);
        if (s.code === 'INVALID_ROW') {
          expect(s.reason).not.toBeNull();
          counts.invalid++;
        } else counts.conflict++;
      }
      expect(lenient[0]!.ok).toBe(true);
    }
    // The mutations must actually exercise both paths.
    expect(counts.ok).toBeGreaterThan(20);
    expect(counts.invalid).toBeGreaterThan(300);
  });
});

// Issue 16 defect 4, the semantic cases: the extreme values docs/cli.md §1.5 lets `--block-size`
// take (1, 2^32 − 1 and values next to powers of two), on intact and mutated traces.
describe('fuzzing both backends with extreme --block-size values', () => {
  const EXTREMES = [1, 2, 3, 63, 65, 511, 513, 65_535, 65_537, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1];

  it('never crashes and the backends agree: a report or a located, coded error', () => {
    const rng = new Rng(0xb10c);
    for (let i = 0; i < 200; i++) {
      const blockSize = EXTREMES[i % EXTREMES.length]!;
      const base = new TextEncoder().encode(generateTrace({ rows: rng.int(1, 8), seed: 10_000 + i, sessionIdFraction: 0.5 }));
      const data = i % 2 === 0 ? base : mutate(base, rng);
      const chunk = rng.int(1, 300);
      for (const skipInvalid of [false, true]) {
        const outcomes = BACKEND_NAMES.map((b) => run(b, data, skipInvalid, chunk, !skipInvalid, blockSize));
        expect(outcomes[1]).toEqual(outcomes[0]);
        const o = outcomes[0]!;
        if (skipInvalid) expect(o.ok).toBe(true);
        if (!o.ok) {
          expect(['INVALID_ROW', 'SIZE_CONFLICT']).toContain(o.code);
          expect(o.line).toBeGreaterThanOrEqual(1);
        }
      }
    }
  });
});
