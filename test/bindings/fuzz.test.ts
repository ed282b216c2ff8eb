// Seeded fuzzing of both backends with mutated traces: no crash, no hang, and every outcome
// is either a report or a coded TraceCoreError; the two backends agree on every outcome.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BACKEND_NAMES,
  TraceAnalyzer,
  TraceCoreError,
  bytesSource,
  generateStream,
  loadBackend,
  normaliseBackendError,
  transformStream,
  type BackendName,
  type SynthesisOptions,
} from '../../ts/src/index.js';
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

// ---------------------------------------------------------------------------------------------
// Semantic fuzzing: valid traces (and rows at the edges of every field's range) under extreme flag
// values. Every run ends in a result or a typed error (never a crash, an allocation failure or a
// trap), both backends give the same result, and every output the synthesis writes is one the
// readers accept (docs/synthesis.md §7).

/** Picks one element. */
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;

/** Multiplier texts: valid ones up to the 10^12 and 10^-9 edges; 1 in 8 is invalid (0 included: only the output multiplier takes it). */
const MULTIPLIERS = ['0.000000001', '0.5', '1', '2.5', '100', '10000000', '999999999999'];
const BAD_MULTIPLIERS = ['0', '1e-12', '1e12', '-1', 'abc'];
const multiplier = (rng: Rng): string => (rng.next() < 0.125 ? pick(rng, BAD_MULTIPLIERS) : pick(rng, MULTIPLIERS));
const ROOTS = ['1', '2', '3', '1000', '18446744073709551615', '0', '1.5'];
const CAPS = [undefined, undefined, undefined, undefined, 1, 100, 4294967295, 1e15];
const BLOCK_SIZES = [16, 64, 512, 512, 1, 4294967295];

/** Rows at the edges of the readers' ranges (docs/trace-format.md §3). */
const EDGE_ROWS = [
  '{"timestamp":0,"input_length":4294967295,"output_length":4294967295,"hash_ids":[7]}',
  '{"timestamp":9007199254740992,"input_length":1,"output_length":1,"hash_ids":[18446744073709551615]}',
  '{"timestamp":5,"input_length":0,"output_length":0}',
  '{"timestamp":5.5,"input_length":3000000000,"output_length":1}',
  '{"delay":9007199254740992,"session_id":"s","input_length":10,"output_length":1,"hash_ids":[1]}',
];

function edgeTrace(rng: Rng, blockSize: number): string {
  const rows = generateTrace({ rows: rng.int(1, 12), seed: rng.int(0, 1e9), blockSize: blockSize > 4096 ? 512 : blockSize })
    .split('\n')
    .filter((l) => l !== '');
  for (let k = rng.int(0, 2); k > 0; k--) rows.splice(rng.int(0, rows.length), 0, pick(rng, EDGE_ROWS));
  return `${rows.join('\n')}\n`;
}

type SynthOutcome =
  | { ok: true; sha: string; bytes: number; report: string; readable: boolean }
  | { ok: false; code: string; message: string };

async function synthesise(
  backend: BackendName,
  input: Uint8Array,
  mode: 'transform' | 'generate',
  n: number,
  o: SynthesisOptions,
): Promise<SynthOutcome> {
  const hash = createHash('sha256');
  let bytes = 0;
  // The readers' own check of the output, on the same chunks (strict: any unreadable row throws).
  const reader = new TraceAnalyzer({ backend: 'native', blockSize: 512, sourceName: 'out.jsonl' });
  let readable = true;
  const sink = {
    write(chunk: Uint8Array) {
      hash.update(chunk);
      bytes += chunk.length;
      try {
        reader.push(chunk);
      } catch {
        readable = false;
      }
    },
  };
  try {
    const options = { ...o, backend };
    const run =
      mode === 'transform'
        ? await transformStream(bytesSource(input, 997), sink, options)
        : await generateStream(bytesSource(input, 997), n, sink, options);
    try {
      reader.finishJson();
    } catch {
      readable = false;
    }
    return { ok: true, sha: hash.digest('hex'), bytes, report: JSON.stringify(run.report), readable };
  } catch (err) {
    if (!(err instanceof TraceCoreError)) throw err;
    return { ok: false, code: err.code, message: err.message };
  }
}

function flagCase(rng: Rng): { mode: 'transform' | 'generate'; n: number; o: SynthesisOptions } {
  const o: SynthesisOptions = {
    blockSize: pick(rng, BLOCK_SIZES),
    seed: String(rng.int(0, 1e9)),
    skipInvalid: rng.next() < 0.5,
    sourceName: 'fuzz.jsonl',
  };
  if (rng.next() < 0.5) o.promptLenMultiplier = multiplier(rng);
  if (rng.next() < 0.4) o.prefixLenMultiplier = multiplier(rng);
  if (rng.next() < 0.4) o.outputLenMultiplier = multiplier(rng);
  if (rng.next() < 0.3) o.speedupRatio = multiplier(rng);
  if (rng.next() < 0.3) o.prefixRootMultiplier = pick(rng, ROOTS);
  const mode = rng.next() < 0.5 ? 'transform' : 'generate';
  const cap = (): number | undefined => pick(rng, CAPS);
  o.maxIsl = cap();
  o.maxOsl = cap();
  if (mode === 'generate') {
    o.minIsl = cap();
    o.minOsl = cap();
  }
  for (const k of Object.keys(o) as (keyof SynthesisOptions)[]) if (o[k] === undefined) delete o[k];
  return { mode, n: rng.int(1, 20), o };
}

describe('semantic fuzzing of both backends with extreme flag values', () => {
  it('synthesis: 300 flag combinations end in output the readers accept or a typed error, the same on both backends', async () => {
    const rng = new Rng(0x5e3a);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const { mode, n, o } = flagCase(rng);
      const input = new TextEncoder().encode(edgeTrace(rng, o.blockSize ?? 512));
      const [native, wasm] = [await synthesise('native', input, mode, n, o), await synthesise('wasm', input, mode, n, o)];
      const what = `case ${i}: ${mode} ${JSON.stringify(o)}`;
      expect(wasm, what).toEqual(native);
      if (native.ok) {
        expect(native.readable, what).toBe(true);
        counts.ok = (counts.ok ?? 0) + 1;
      } else {
        expect(['INVALID_ARG', 'INVALID_ROW', 'OUTPUT_LIMIT'], `${what}: ${native.message}`).toContain(native.code);
        counts[native.code] = (counts[native.code] ?? 0) + 1;
      }
    }
    // Each outcome is exercised (the seed is fixed, so these are exact facts of the run).
    expect(counts.ok).toBeGreaterThan(50);
    expect(counts.OUTPUT_LIMIT).toBeGreaterThan(20);
    expect(counts.INVALID_ARG).toBeGreaterThan(30);
  });

  it('hash-prompts: 150 cases of extreme options and prompts end in rows or a typed error, the same on both backends', () => {
    const rng = new Rng(0x4a51);
    const texts = ['', 'a', 'hello world', 'é😀\u0000', 'x'.repeat(5000), 'w '.repeat(3000)];
    const fields = ['"prompt"', '"text_input"', '"text"', '"messages"', '"prompt"', '"other"'];
    const run = (backend: BackendName, input: Uint8Array, options: Record<string, unknown>, chunk: number): unknown => {
      const { bindings } = loadBackend(backend);
      const out: string[] = [];
      try {
        const s = new bindings.PromptHashStream(options);
        const drain = (): void => {
          for (let json = s.nextBatch(); json != null; json = s.nextBatch()) {
            // A stub tokenizer: one token per UTF-16 unit, so tokens and offsets are exact.
            const batch = JSON.parse(json) as string[];
            const offsets = new Uint32Array(batch.length + 1);
            const tokens: number[] = [];
            batch.forEach((t, k) => {
              for (let j = 0; j < t.length; j++) tokens.push(t.charCodeAt(j));
              offsets[k + 1] = tokens.length;
            });
            out.push(new TextDecoder().decode(s.hashBatch(Uint32Array.from(tokens), offsets)));
          }
        };
        for (let o = 0; o < input.length; o += chunk) {
          s.push(input.subarray(o, o + chunk));
          drain();
        }
        s.finish();
        drain();
        return { ok: true, out: out.join(''), report: s.reportJson() };
      } catch (err) {
        const e = normaliseBackendError(err);
        return { ok: false, code: e.code, line: e.line, message: e.message };
      }
    };
    let ok = 0;
    for (let i = 0; i < 150; i++) {
      const rows: string[] = [];
      for (let k = rng.int(0, 8); k > 0; k--) {
        const value = rng.next() < 0.8 ? JSON.stringify(pick(rng, texts)) : pick(rng, ['1', 'null', '[]', '{}', '"\\ud800"']);
        rows.push(rng.next() < 0.1 ? pick(rng, TOKENS) : `{${pick(rng, fields)}:${value},"timestamp":${rng.int(0, 100)}}`);
      }
      const options = {
        blockSize: pick(rng, [1, 2, 512, 4294967295, 0, -1, 1.5, Number.NaN, 2 ** 32, 1e300]),
        textField: pick(rng, [undefined, 'prompt', 'other', '', 'timestamp']),
        skipInvalid: rng.next() < 0.5,
        batchRows: pick(rng, [1, 2, 512, 0, 1e9, -3]),
        sourceName: 'p.jsonl',
      };
      const input = new TextEncoder().encode(rows.join(pick(rng, ['\n', '\r\n', '\n\n'])));
      const chunk = rng.int(1, 4000);
      const [native, wasm] = BACKEND_NAMES.map((b) => run(b, input, options, chunk));
      expect(wasm, `case ${i}: ${JSON.stringify(options)}`).toEqual(native);
      const r = native as { ok: boolean; code?: string };
      if (r.ok) ok++;
      else expect(['INVALID_ARG', 'INVALID_ROW']).toContain(r.code);
    }
    expect(ok).toBeGreaterThan(20);
  });

  it('analyze-trace: extreme block sizes and rows at the edges of every range, the same on both backends', () => {
    const rng = new Rng(0xa7a1);
    for (let i = 0; i < 150; i++) {
      const blockSize = pick(rng, [1, 2, 512, 4294967295, 0, -1, 1.5, Number.NaN, 2 ** 32]);
      const data = new TextEncoder().encode(edgeTrace(rng, 512));
      const outcomes = BACKEND_NAMES.map((b) => {
        try {
          const a = new TraceAnalyzer({ backend: b, blockSize, skipInvalid: rng.next() < 0.5, sourceName: 'a.jsonl' });
          a.push(data);
          return { ok: true, json: a.finishJson() };
        } catch (err) {
          if (!(err instanceof TraceCoreError)) throw err;
          return { ok: false, code: err.code, message: err.message };
        }
      });
      expect(outcomes[1], `case ${i}: block size ${blockSize}`).toEqual(outcomes[0]);
    }
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
